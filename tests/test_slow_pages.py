"""Pages that are slow to read: extraction stays linear in the page's size, a page that takes
longer than PORTAL_MAX_EXTRACT_SECONDS is skipped and kept, and the crawl downloads meanwhile."""

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection

import pytest
from parsel import Selector

from crawler.extraction.article import extract_article
from crawler.extractor import ExtractionTimeout, Extractor
from crawler.replica import serve
from crawler.replica.deep import WithDeepPage, nested_page

from conftest import FAST, medarchive, middle_article

DEEP_PATH = "/deep/nested.html"
#: About 4 MB of paragraphs 100 <div>s deep: several seconds to read, far over the bound below.
DEEP_PAGE = nested_page(depth=100, size=4_000_000)
BOUND = 2


def extraction_seconds(body: bytes) -> float:
    """The CPU time of the fastest of three extractions of ``body``: CPU, not wall time, so that
    other work on a busy machine does not count."""
    times = []
    for _ in range(3):
        started = time.process_time()
        extract_article(Selector(text=body.decode(), type="html"), "http://127.0.0.1/a/1.html")
        times.append(time.process_time() - started)
    return min(times)


def test_extraction_time_grows_linearly_with_the_page():
    small = extraction_seconds(nested_page(depth=1, size=250_000))
    large = extraction_seconds(nested_page(depth=1, size=2_000_000))
    # Eight times the page: linear is ~8x; the quadratic walk this pins was ~60x.
    assert large / small < 20, (small, large)


def test_an_overrunning_page_is_given_up_and_the_next_page_is_read():
    extractor = Extractor(max_seconds=0.5)
    try:
        with pytest.raises(ExtractionTimeout):
            extractor.extract(DEEP_PAGE.decode(), "http://127.0.0.1/deep.html", None)
        page = extractor.extract(nested_page(depth=3, size=2_000).decode(), "http://127.0.0.1/a/1.html", None)
    finally:
        extractor.close()
    assert page.title == "层层嵌套的页面"


def test_other_pages_are_read_while_one_process_reads_a_slow_page():
    extractor = Extractor(max_seconds=30)
    slow = threading.Thread(target=extractor.extract, args=(DEEP_PAGE.decode(), "http://127.0.0.1/deep.html", None))
    try:
        slow.start()
        time.sleep(0.5)  # the deep page is being read
        page = extractor.extract(nested_page(depth=3, size=2_000).decode(), "http://127.0.0.1/a/1.html", None)
        assert slow.is_alive()  # read before the deep page was done
    finally:
        slow.join()
        extractor.close()
    assert page.title == "层层嵌套的页面"


def test_an_error_in_extraction_reaches_the_spider_as_itself():
    extractor = Extractor(max_seconds=30)
    try:
        with pytest.raises(ValueError, match="Selector needs text"):  # no page at all
            extractor.extract(None, "http://127.0.0.1/a/1.html", None)
    finally:
        extractor.close()


def test_an_extraction_process_whose_crawl_has_gone_ends_without_a_word():
    child = subprocess.Popen([sys.executable, "-m", "crawler.extractor"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    child.stdout.close()  # the crawl is gone (SIGKILL) while the page is read
    requests = Connection(os.dup(child.stdin.fileno()), readable=False)
    requests.send((nested_page(depth=100, size=300_000).decode(), "http://127.0.0.1/a.html", None))
    requests.close()
    child.stdin.close()
    assert child.wait(timeout=60) == 0
    assert child.stderr.read() == b""


def test_a_slow_page_is_skipped_and_kept_while_the_crawl_goes_on(wordpress_portal, tmp_path):
    site = WithDeepPage(wordpress_portal, DEEP_PATH, DEEP_PAGE)
    db_path = tmp_path / "archive.db"
    with serve(site, latency=0.2) as server:
        started = time.monotonic()
        process = medarchive("crawl", server.url + DEEP_PATH, server.url + middle_article(wordpress_portal).path,
                             "--db", str(db_path), *FAST, "-s", f"PORTAL_MAX_EXTRACT_SECONDS={BOUND}")
        elapsed = time.monotonic() - started
    assert process.returncode == 0, process.stderr[-3000:]
    with sqlite3.connect(db_path) as db:
        stored = {url for (url,) in db.execute("select url from articles")}
        kept = db.execute("select url, reason, length(body) > 0 from unextracted_pages").fetchall()
        (stats,) = db.execute("select stats from runs").fetchone()
    assert stored == {server.url + article.path for article in wordpress_portal.live_articles}
    assert kept == [(server.url + DEEP_PATH, "slow_extraction", 1)]
    assert json.loads(stats)["portal/skipped/slow_extraction"] == 1
    assert f"Skipped {server.url + DEEP_PATH}: extraction took longer than {BOUND} s" in process.stderr
    # While the deep page was being read, the crawl went on fetching the chain one page at a time.
    deep_at = next(at for at, path in site.answered if path == DEEP_PATH)
    meanwhile = [path for at, path in site.answered if deep_at + 0.5 < at < deep_at + BOUND]
    assert len(meanwhile) >= 3, meanwhile
    assert elapsed < 60
