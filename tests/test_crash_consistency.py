"""Kill the crawler at random moments, read while it writes: the archive stays whole."""

import random
import signal
import sqlite3
import subprocess
import sys
import time

from conftest import FAST, medarchive, middle_article
from crawler.replica import build_portal, serve

SLOW = [*FAST, "--concurrency", "1", "-s", "ARCHIVE_BATCH_SIZE=2"]


def rows(db_path, sql):
    with sqlite3.connect(db_path) as db:
        return db.execute(sql).fetchall()


def content(db_path):
    return rows(db_path, "select url, title, published, body, disclaimer, content_hash from articles order by url")


def test_repeated_sigkills_at_random_moments_never_corrupt_and_the_next_run_completes(tmp_path):
    portal = build_portal("wordpress", 24, seed=11)
    chance = random.Random(2026)
    with serve(portal, latency=0.03) as site:
        start = site.url + middle_article(portal).path
        reference = tmp_path / "reference.db"
        assert medarchive("crawl", start, "--db", str(reference), *SLOW).returncode == 0
        db_path = tmp_path / "killed.db"
        for _ in range(5):
            process = subprocess.Popen([sys.executable, "-m", "medarchive", "crawl", start, "--db", str(db_path), *SLOW],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(chance.uniform(0.5, 3.0))  # from start-up to mid-write
            process.send_signal(signal.SIGKILL)
            process.wait()
            if db_path.exists():
                assert rows(db_path, "pragma integrity_check") == [("ok",)]
                assert rows(db_path, "pragma foreign_key_check") == []
                # No partial article: every row has what the writer puts in one transaction.
                assert rows(db_path, "select count(*) from articles where title is null or body is null or content_hash is null") == [(0,)]
        finished = medarchive("crawl", start, "--db", str(db_path), *SLOW)
        assert finished.returncode == 0, finished.stderr
    assert content(db_path) == content(reference)


def test_a_long_read_does_not_make_the_crawl_fail(tmp_path):
    portal = build_portal("wordpress", 16, seed=12)
    with serve(portal, latency=0.02) as site:
        start = site.url + middle_article(portal).path
        db_path = tmp_path / "archive.db"
        assert medarchive("crawl", start, "--db", str(db_path), "--chain-only", *FAST).returncode == 0
        reader = sqlite3.connect(db_path)
        reader.execute("begin")
        before = reader.execute("select count(*) from articles").fetchone()[0]  # holds a read snapshot
        result = medarchive("crawl", start, "--db", str(db_path), "--full", *FAST)
        assert reader.execute("select count(*) from articles").fetchone()[0] == before  # the snapshot held
        reader.rollback()
        reader.close()
    assert result.returncode == 0, result.stderr
    assert rows(db_path, "select count(*) from articles")[0][0] == len(portal.live_articles)
