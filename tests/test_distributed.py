"""Three workers over one scrapy-redis frontier, one ingester: the same archive as one process."""

import collections
import sqlite3
import subprocess
import sys
import time

import redis

from conftest import FAST, medarchive, middle_article, needs_redis

pytestmark = needs_redis

WORKER = [*FAST, "--concurrency", "2", "-s", "WORKER_IDLE_SECONDS=2"]


def snapshot(crawl_rows):
    return crawl_rows("select url, title, category, published, body, disclaimer, content_hash from articles order by url")


def test_three_workers_build_the_same_archive_fetching_each_page_once(redis_url, wordpress_portal, wordpress_site, wordpress_crawl, tmp_path):
    start = wordpress_site.url + middle_article(wordpress_portal).path
    wordpress_site.clear_requests()
    first = subprocess.Popen([sys.executable, "-m", "medarchive", "crawl", start, "--redis", redis_url, *WORKER],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)
    others = [subprocess.Popen([sys.executable, "-m", "medarchive", "worker", "--redis", redis_url, *WORKER],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for process in [first, *others]:
        out, err = process.communicate(timeout=180)
        assert process.returncode == 0, err
        assert "queued for `medarchive ingest`" in out

    fetched = collections.Counter(path for _, path, _ in wordpress_site.requests if path.endswith(".html"))
    assert fetched and max(fetched.values()) == 1, {path: n for path, n in fetched.items() if n > 1}

    db_path = tmp_path / "distributed.db"
    ingested = medarchive("ingest", "--redis", redis_url, "--db", str(db_path))
    assert ingested.returncode == 0, ingested.stderr
    with sqlite3.connect(db_path) as db:
        distributed = db.execute("select url, title, category, published, body, disclaimer, content_hash from articles order by url").fetchall()
        mode, = db.execute("select mode from runs").fetchone()
    assert distributed == snapshot(wordpress_crawl.rows)
    assert mode == "ingest"


def test_ingest_twice_changes_nothing(redis_url, wordpress_portal, wordpress_site, tmp_path):
    start = wordpress_site.url + middle_article(wordpress_portal).path
    crawled = medarchive("crawl", start, "--redis", redis_url, "--chain-only", *WORKER)
    assert crawled.returncode == 0, crawled.stderr
    queue = redis.Redis.from_url(redis_url)
    messages = queue.lrange("medarchive:items", 0, -1)
    db_path = tmp_path / "a.db"
    first = medarchive("ingest", "--redis", redis_url, "--db", str(db_path))
    assert " new," in first.stdout and queue.llen("medarchive:items") == 0
    queue.rpush("medarchive:items", *messages)  # as if an ingester died before acknowledging
    again = medarchive("ingest", "--redis", redis_url, "--db", str(db_path))
    assert again.returncode == 0, again.stderr
    assert ": 0 new, 0 updated," in again.stdout


def test_worker_without_a_crawl_says_how_to_start_one(redis_url):
    result = medarchive("worker", "--redis", redis_url)
    assert result.returncode == 1
    assert "start one with `medarchive crawl URL --redis" in result.stderr


def test_unreachable_redis_is_a_message(wordpress_site):
    result = medarchive("crawl", wordpress_site.url + "/a/1.html", "--redis", "redis://127.0.0.1:9/0")
    assert result.returncode == 1
    assert "is redis-server running?" in result.stderr
    assert "Traceback" not in result.stderr
