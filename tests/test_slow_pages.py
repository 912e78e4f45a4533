"""Pages that are slow to read: extraction's steps stay linear in the page's size, a page that takes
longer than PORTAL_MAX_EXTRACT_SECONDS is skipped and kept, and the crawl downloads meanwhile."""

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection

import pytest
from lxml import etree, html
from parsel import Selector

from crawler.extraction.article import extract_article
from crawler.extractor import READY, ExtractionTimeout, Extractor
from crawler.page import Fetched
from replica import serve
from replica.deep import WithDeepPage, nested_page

from conftest import FAST, StderrWatch, medarchive, middle_article

DEEP_PATH = "/deep/nested.html"
#: About 4 MB of paragraphs 100 <div>s deep: several seconds to read, far over the bound below.
DEEP_PAGE = nested_page(depth=100, size=4_000_000)
BOUND = 2


def counted(method):
    """``method``, an iteration over elements, counting each element it yields."""
    def counting(self, *args, **kwargs):
        for element in method(self, *args, **kwargs):
            CountingElement.steps += 1
            yield element
    return counting


class CountingElement(html.HtmlElement):
    """An element that counts the steps asked of lxml through it (``steps``): each child
    ``len()`` walks, each element an iteration or an XPath yields, each step to a neighbour."""

    steps = 0

    def __len__(self):
        children = super().__len__()
        CountingElement.steps += children
        return children

    __iter__ = counted(html.HtmlElement.__iter__)
    iter = counted(html.HtmlElement.iter)
    iterchildren = counted(html.HtmlElement.iterchildren)
    iterdescendants = counted(html.HtmlElement.iterdescendants)
    itersiblings = counted(html.HtmlElement.itersiblings)
    iterancestors = counted(html.HtmlElement.iterancestors)

    def getnext(self):
        CountingElement.steps += 1
        return super().getnext()

    def getprevious(self):
        CountingElement.steps += 1
        return super().getprevious()

    def getparent(self):
        CountingElement.steps += 1
        return super().getparent()

    def xpath(self, *args, **kwargs):
        found = super().xpath(*args, **kwargs)
        if isinstance(found, list):
            CountingElement.steps += len(found)
        return found


def extraction_steps(body: bytes) -> int:
    """The steps asked of lxml to extract ``body`` (parsed as parsel parses it): a count, not a
    time, so that other work on the machine changes nothing. Times: ``bench/slow_pages.py``."""
    parser = html.HTMLParser(recover=True, encoding="utf-8", huge_tree=True)
    parser.set_element_class_lookup(etree.ElementDefaultClassLookup(element=CountingElement))
    selector = Selector(root=etree.fromstring(body, parser=parser), type="html")
    CountingElement.steps = 0
    assert extract_article(selector, "http://127.0.0.1/a/1.html").title == "层层嵌套的页面"
    return CountingElement.steps


@pytest.mark.parametrize("depth", [1, 20])
def test_extraction_steps_grow_linearly_with_the_page(depth):
    small, large = (nested_page(depth=depth, size=size) for size in (100_000, 800_000))
    steps = extraction_steps(small), extraction_steps(large)
    # Eight times the page: linear is 8x the steps; the len() of a parent per paragraph this pins was 63x.
    assert steps[1] / steps[0] < 1.1 * len(large) / len(small), steps


def test_an_overrunning_page_is_given_up_and_the_next_page_is_read():
    extractor = Extractor(max_seconds=0.5)
    try:
        with pytest.raises(ExtractionTimeout):
            extractor.extract(Fetched("http://127.0.0.1/deep.html", DEEP_PAGE), None)
        page = extractor.extract(Fetched("http://127.0.0.1/a/1.html", nested_page(depth=3, size=2_000)), None).article
    finally:
        extractor.close()
    assert page.title == "层层嵌套的页面"


def test_other_pages_are_read_while_one_process_reads_a_slow_page():
    extractor = Extractor(max_seconds=30)

    def read_deep_page():
        with contextlib.suppress(ExtractionTimeout):  # a very busy machine may take longer: not the point here
            extractor.extract(Fetched("http://127.0.0.1/deep.html", DEEP_PAGE), None)

    slow = threading.Thread(target=read_deep_page)
    try:
        slow.start()
        time.sleep(0.5)  # the deep page is being read
        page = extractor.extract(Fetched("http://127.0.0.1/a/1.html", nested_page(depth=3, size=2_000)), None).article
        assert slow.is_alive()  # read before the deep page was done
    finally:
        slow.join()
        extractor.close()
    assert page.title == "层层嵌套的页面"


def test_an_error_in_extraction_reaches_the_spider_as_itself():
    extractor = Extractor(max_seconds=30)
    try:
        with pytest.raises(TypeError, match="Cannot convert unicode body"):  # text where bytes belong
            extractor.extract(Fetched("http://127.0.0.1/a/1.html", "text, not bytes"), None)
    finally:
        extractor.close()


def test_an_extraction_process_whose_crawl_has_gone_ends_without_a_word():
    child = subprocess.Popen([sys.executable, "-m", "crawler.extractor"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with Connection(os.dup(child.stdout.fileno()), writable=False) as answers:
        assert answers.recv() == READY
    child.stdout.close()  # the crawl is gone (SIGKILL) while the page is read
    requests = Connection(os.dup(child.stdin.fileno()), readable=False)
    requests.send((Fetched("http://127.0.0.1/a.html", nested_page(depth=100, size=300_000)), None, ()))
    requests.close()
    child.stdin.close()
    assert child.wait(timeout=60) == 0
    assert child.stderr.read() == b""


def test_a_slow_page_is_skipped_and_kept_while_the_crawl_goes_on(wordpress_portal, tmp_path):
    site = WithDeepPage(wordpress_portal, DEEP_PATH, DEEP_PAGE)
    db_path = tmp_path / "archive.db"
    skipped = "extraction took longer than"
    with serve(site, latency=0.2) as server:
        process = subprocess.Popen(
            [sys.executable, "-m", "medarchive", "crawl", server.url + DEEP_PATH, server.url + middle_article(wordpress_portal).path,
             "--db", str(db_path), *FAST, "-s", f"PORTAL_MAX_EXTRACT_SECONDS={BOUND}"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        at_skip = StderrWatch(process, skipped, lambda: len(site.answered))
        process.stdout.read()
        returncode = process.wait(timeout=180)
        stderr = at_skip.text()
    assert returncode == 0, stderr[-3000:]
    with sqlite3.connect(db_path) as db:
        stored = {url for (url,) in db.execute("select url from articles")}
        kept = db.execute("select url, reason, length(body) > 0 from unextracted_pages").fetchall()
        (stats,) = db.execute("select stats from runs").fetchone()
    assert stored == {server.url + article.path for article in wordpress_portal.live_articles}
    assert kept == [(server.url + DEEP_PATH, "slow_extraction", 1)]
    assert json.loads(stats)["portal/skipped/slow_extraction"] == 1
    assert f"Skipped {server.url + DEEP_PATH}: {skipped} {BOUND} s" in stderr
    # While the deep page was being read, the crawl went on fetching: most of the replica was
    # answered after the deep page was sent and before it was given up (31 of 36 here); with
    # extraction on the reactor's thread, only the pages already in flight were (6).
    assert at_skip.count - site.sent >= 10, site.answered
