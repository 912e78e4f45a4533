"""Three workers over one scrapy-redis frontier, one ingester: the same archive as one process."""

import collections
import sqlite3
import subprocess
import sys
import time

import redis

from crawler.distributed import key

from conftest import FAST, HeldPages, medarchive, middle_article, needs_redis

pytestmark = needs_redis

WORKER = [*FAST, "--concurrency", "2", "-s", "WORKER_IDLE_SECONDS=2"]


def snapshot(crawl_rows):
    return crawl_rows("select url, title, category, published, body, disclaimer, content_hash from articles order by url")


#: For the three-worker test: each process has at most two pages in flight, and a page held back
#: (``HeldPages``) while the others start is not given up.
SHARING = [*WORKER, "-s", "CONCURRENT_REQUESTS=2", "-s", "DOWNLOAD_TIMEOUT=120"]


def wait_for(condition, processes, what):
    """Until ``condition()`` holds; fails at once if one of ``processes`` ended meanwhile (a
    worker ends by itself once idle for WORKER_IDLE_SECONDS, so a wait that can never end fails)."""
    while not condition():
        ended = [process.args[3] for process in processes if process.poll() is not None]
        assert not ended, f"{what}: never (ended: {ended})"
        time.sleep(0.05)


def test_three_workers_build_the_same_archive_each_fetching_pages_none_twice(redis_url, wordpress_portal, wordpress_site, wordpress_crawl, tmp_path):
    start = wordpress_site.url + middle_article(wordpress_portal).path
    wordpress_site.clear_requests()
    held = HeldPages(wordpress_portal)
    wordpress_site.portal = held
    queue = redis.Redis.from_url(redis_url)
    try:
        first = subprocess.Popen([sys.executable, "-m", "medarchive", "crawl", start, "--redis", redis_url, *SHARING],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wait_for(lambda: queue.smembers(key("origins", "medarchive")), [first], "the crawl names its site")
        others = [subprocess.Popen([sys.executable, "-m", "medarchive", "worker", "--redis", redis_url, *SHARING],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
        # Two article pages in flight in each of the three processes: every one has taken its share.
        wait_for(lambda: held.held >= 6, [first, *others], "two pages held for each process")
        held.release.set()
        for process in [first, *others]:
            out, err = process.communicate(timeout=180)
            assert process.returncode == 0, err
            assert "queued for `medarchive ingest`" in out
    finally:
        held.release.set()
        wordpress_site.portal = wordpress_portal

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
