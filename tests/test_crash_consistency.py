"""Kill the crawler at chosen moments, read while it writes: the archive stays whole."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from archive.db import PAUSE_AT
from conftest import FAST, StderrWatch, medarchive, middle_article
from replica import build_portal, serve

SLOW = [*FAST, "--concurrency", "1", "-s", "ARCHIVE_BATCH_SIZE=2"]


def rows(db_path, sql):
    with sqlite3.connect(db_path) as db:
        return db.execute(sql).fetchall()


def content(db_path):
    return rows(db_path, "select url, title, published, body, disclaimer, content_hash from articles order by url")


@pytest.fixture(scope="module")
def killable_site(tmp_path_factory):
    """A replica served slowly enough to be caught mid-crawl, and the archive of one whole crawl of it."""
    portal = build_portal("wordpress", 24, seed=11)
    with serve(portal, latency=0.03) as site:
        start = site.url + middle_article(portal).path
        reference = tmp_path_factory.mktemp("reference") / "reference.db"
        assert medarchive("crawl", start, "--db", str(reference), *SLOW).returncode == 0
        yield start, reference


def crawl_killed_at(start, db_path, statement):
    """A crawl SIGKILLed where it is about to run ``statement`` (``MEDARCHIVE_PAUSE_AT``)."""
    process = subprocess.Popen([sys.executable, "-m", "medarchive", "crawl", start, "--db", str(db_path), *SLOW],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env={**os.environ, PAUSE_AT: statement})
    paused = StderrWatch(process, "paused before", lambda: True)
    # Until it pauses, or ends without pausing: the replica's crawl is finite, so no clock is needed.
    while paused.count is None and process.poll() is None:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert paused.count, f"never reached {statement!r}: {paused.text()[-2000:]}"


#: Where the crawl is killed: in the schema's creation (the migrations before the search index
#: committed, it not), in the second batch (one of its two articles written, not committed), and
#: at the end of the second batch (every row written, the commit not yet made).
KILL_POINTS = {
    "mid-schema": "create virtual table",
    "mid-batch": "insert into articles (@4",
    "before-commit": "update runs set articles_new@2",
}


@pytest.mark.parametrize("point", KILL_POINTS)
def test_a_crawl_killed_mid_write_leaves_a_whole_archive_and_the_next_run_completes(killable_site, tmp_path, point):
    start, reference = killable_site
    db_path = tmp_path / "killed.db"
    crawl_killed_at(start, db_path, KILL_POINTS[point])
    assert rows(db_path, "pragma integrity_check") == [("ok",)]
    assert rows(db_path, "pragma foreign_key_check") == []
    if point != "mid-schema":
        # Only whole batches: the articles there are those the run's row counts, each complete.
        (status, counted), = rows(db_path, "select status, articles_new from runs")
        assert (status, rows(db_path, "select count(*) from articles")[0][0]) == ("running", counted)
        assert 0 < counted < 4
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
