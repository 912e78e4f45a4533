"""`medarchive ingest` against a real redis-server: idle waits, unwritable messages, Ctrl-C."""

import inspect
import json
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing

import redis

from conftest import medarchive, needs_redis
from crawler.distributed import to_message
from crawler.items import ArticleItem

pytestmark = needs_redis

ITEMS, PROCESSING, DEAD = "medarchive:items", "medarchive:items:processing", "medarchive:items:dead"

#: redis-py's own socket time-out (5 s in redis-py 8); an idle gap must outlast it.
CLIENT_DEFAULT_TIMEOUT = inspect.signature(redis.connection.AbstractConnection.__init__).parameters["socket_timeout"].default


def article_message(n: int, **data) -> bytes:
    """A queued article, as a worker pushes it; ``data`` overrides fields of its JSON."""
    item = ArticleItem(url=f"http://127.0.0.1:1/a/{n}.html", fetched_url=f"http://127.0.0.1:1/a/{n}.html",
                       site="http://127.0.0.1:1", title=f"文章 {n}", body=f"干细胞 {n}", body_html=f"<p>干细胞 {n}</p>",
                       raw_body=f"<html>{n}</html>".encode())
    payload = json.loads(to_message(item))
    payload["data"].update(data)
    return json.dumps(payload, ensure_ascii=False).encode()


def rows(db_path, sql) -> list[tuple]:
    with closing(sqlite3.connect(db_path)) as db:
        try:
            return db.execute(sql).fetchall()
        except sqlite3.OperationalError:
            return []  # the ingester has not created the archive's tables yet


def urls(db_path) -> list[str]:
    return [url for (url,) in rows(db_path, "select url from articles order by url")]


def runs(db_path) -> list[tuple]:
    return rows(db_path, "select status, articles_new from runs order by id")


def wait_for(condition, timeout=30):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def ingester(redis_url, db_path, *options):
    return subprocess.Popen([sys.executable, "-m", "medarchive", "ingest", "--redis", redis_url, "--db", str(db_path), *options],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_follow_keeps_writing_after_an_idle_gap_longer_than_the_client_timeout(redis_url, tmp_path):
    queue, db_path = redis.Redis.from_url(redis_url), tmp_path / "archive.db"
    idle_gap = (CLIENT_DEFAULT_TIMEOUT or 5) + 1.5
    queue.lpush(ITEMS, article_message(1))
    process = ingester(redis_url, db_path, "--follow", "--idle", str(idle_gap + 1.5))
    wait_for(lambda: db_path.exists() and len(urls(db_path)) == 1)
    time.sleep(idle_gap)  # nothing queued: the ingester waits in Redis all this time
    queue.lpush(ITEMS, article_message(2))
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert urls(db_path) == ["http://127.0.0.1:1/a/1.html", "http://127.0.0.1:1/a/2.html"]
    assert runs(db_path) == [("finished", 2)]


def test_unwritable_messages_are_set_aside_with_their_reason_and_the_rest_is_written(redis_url, tmp_path):
    queue, db_path = redis.Redis.from_url(redis_url), tmp_path / "archive.db"
    queue.rpush(ITEMS, article_message(1), b"{not json", article_message(2, title=None),
                article_message(3, neighbours="not a list of links"), article_message(4))
    result = medarchive("ingest", "--redis", redis_url, "--db", str(db_path))
    assert result.returncode == 4, result.stderr
    assert "3 messages could not be written and were set aside" in result.stderr
    assert "Traceback" not in result.stderr
    assert urls(db_path) == ["http://127.0.0.1:1/a/1.html", "http://127.0.0.1:1/a/4.html"]
    assert queue.llen(ITEMS) == queue.llen(PROCESSING) == 0 and queue.llen(DEAD) == 3
    assert runs(db_path) == [("finished", 2)]

    shown = medarchive("ingest", "--redis", redis_url, "--dead-letters")
    assert shown.returncode == 0, shown.stderr
    assert "not a medarchive message (JSONDecodeError" in shown.stdout
    assert "article without title" in shown.stdout
    assert "cannot be written (TypeError" in shown.stdout

    # Nothing behind them is held back: the next ingest writes what came since.
    queue.rpush(ITEMS, article_message(5))
    again = medarchive("ingest", "--redis", redis_url, "--db", str(db_path))
    assert again.returncode == 0, again.stderr
    assert "http://127.0.0.1:1/a/5.html" in urls(db_path)

    replayed = medarchive("ingest", "--redis", redis_url, "--db", str(db_path), "--replay-dead-letters")
    assert "3 messages set aside before are back in the queue" in replayed.stdout
    assert replayed.returncode == 4 and queue.llen(DEAD) == 3  # still unwritable, set aside again


def test_ctrl_c_ends_the_run_instead_of_leaving_it_running(redis_url, tmp_path):
    queue, db_path = redis.Redis.from_url(redis_url), tmp_path / "archive.db"
    queue.lpush(ITEMS, article_message(1))
    process = ingester(redis_url, db_path, "--follow", "--idle", "60")
    wait_for(lambda: db_path.exists() and len(urls(db_path)) == 1)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 1
    assert "interrupted after 1 messages" in err and "Traceback" not in err
    assert runs(db_path) == [("shutdown", 1)]


def test_messages_that_break_the_decoder_or_the_database_binding_are_set_aside_too(redis_url, tmp_path):
    queue, db_path = redis.Redis.from_url(redis_url), tmp_path / "archive.db"
    nested = b'{"kind": "article", "data": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"  # RecursionError in json
    huge_status = article_message(2, http_status=10**30)  # OverflowError binding it to SQLite
    queue.rpush(ITEMS, article_message(1), nested, huge_status, article_message(3))
    result = medarchive("ingest", "--redis", redis_url, "--db", str(db_path))
    assert result.returncode == 4, result.stderr
    assert "Traceback" not in result.stderr
    assert "2 messages could not be written and were set aside" in result.stderr
    assert urls(db_path) == ["http://127.0.0.1:1/a/1.html", "http://127.0.0.1:1/a/3.html"]
    assert queue.llen(ITEMS) == queue.llen(PROCESSING) == 0 and queue.llen(DEAD) == 2
    shown = medarchive("ingest", "--redis", redis_url, "--dead-letters").stdout
    assert "not a medarchive message (RecursionError" in shown and "cannot be written (OverflowError" in shown
