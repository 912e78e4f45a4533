"""Bad pages and a failing server: one real crawl of the hostile replica (tests/hostile_site.py).

The crawl keeps going, the archive stays consistent, every good page is stored, and each
problem is counted in ``runs.stats`` with a log line naming the page.
"""

import re

import pytest
from parsel import Selector

from crawler.extraction.article import extract_article
from crawler.extraction.navigation import find_neighbours
from crawler.extraction.text import better_encoding, looks_garbled
from hostile_site import GB18030_ONLY, LONG_REFERENCE_LIST, MAX_ENDLESS_HOPS, XSS_MARKERS, HostileSite

#: RETRY_TIMES of the crawl (conftest.HOSTILE): a failing page is requested this often, no more.
ATTEMPTS = 2
#: Scrapy's REDIRECT_MAX_TIMES default.
REDIRECT_MAX_TIMES = 20

SITE = HostileSite()  # the truth; the served site is an equal instance
CASES = SITE.cases


def cases(*outcomes):
    return [pytest.param(case, id=case.name) for case in CASES.values() if case.outcome in outcomes]


#: Where each failed case must be counted: a regular expression over ``runs.stats`` keys.
FAILURE_STATS = {
    "huge": r"^portal/(failed|skipped)/.*(Cancel|size|large)",
    "huge_stream": r"^portal/(failed|skipped)/.*(Cancel|size|large)",
    "http_500": r"^portal/failed/http_500$",
    "http_502": r"^portal/failed/http_502$",
    "timeout": r"^portal/failed/.*Timeout",
    "reset": r"^portal/failed/.*(DataLoss|ResponseFailed|ConnectionLost|ConnectionDone)",
    "redirect_loop": r"^portal/(failed|skipped)/.*redirect",
    "redirect_endless": r"^portal/(failed|skipped)/.*(redirect|IgnoreRequest)",
    "redirect_js": r"^portal/(failed|skipped)/.*redirect",
}



@pytest.fixture(scope="module")
def crawl(hostile_crawl):
    return hostile_crawl


# --- the crawl as a whole ----------------------------------------------------------------


def test_the_crawl_finishes_cleanly(crawl):
    assert crawl.process.returncode == 0, crawl.process.stderr[-3000:]
    assert "Traceback" not in crawl.process.stderr
    (status,) = crawl.rows("select status from runs order by id desc limit 1")[0]
    assert status == "finished"


def test_the_archive_is_consistent(crawl):
    assert crawl.rows("pragma integrity_check") == [("ok",)]
    assert crawl.rows("pragma foreign_key_check") == []
    orphans = crawl.rows("select count(*) from article_references where article_url not in (select url from articles)")
    assert orphans == [(0,)]


def test_every_good_page_is_stored_and_nothing_else(crawl):
    expected = {crawl.url(path): title for path, title in crawl.site.stored_titles().items()}
    stored = {url: row["title"] for url, row in crawl.stored().items()}
    optional = {crawl.url(c.path) for c in CASES.values() if c.outcome == "stored_or_skipped"}
    assert {url: title for url, title in stored.items() if url not in optional} == expected


def test_nothing_garbled_is_stored(crawl):
    garbled = [url for url, row in crawl.stored().items() if "\ufffd" in row["title"] + row["body"]]
    assert garbled == []


@pytest.mark.parametrize("case", cases("stored"))
def test_a_page_that_can_be_read_is_stored_whole(crawl, case):
    row = crawl.stored()[crawl.url(case.path)]
    assert row["title"] == case.title
    if case.first_paragraph:
        assert case.first_paragraph in row["body"]


@pytest.mark.parametrize("case", cases("skipped"))
def test_a_page_that_is_no_article_is_fetched_once_and_skipped(crawl, case):
    assert crawl.fetches(case.path) == 1
    assert crawl.url(case.path) not in crawl.stored()


def test_skipped_pages_are_counted(crawl):
    skipped = [c for c in CASES.values() if c.outcome == "skipped"]
    counted = sum(v for k, v in crawl.stats().items() if k.startswith("portal/skipped/"))
    assert counted >= len(skipped)


@pytest.mark.parametrize("case", cases("failed"))
def test_a_page_that_fails_is_counted_not_stored(crawl, case):
    assert crawl.url(case.path) not in crawl.stored()
    stats = crawl.stats()
    pattern = re.compile(FAILURE_STATS[case.name])
    assert any(pattern.search(key) for key in stats), sorted(k for k in stats if k.startswith("portal/"))


@pytest.mark.parametrize("case", cases("failed"))
def test_a_page_that_fails_has_a_log_line_naming_it(crawl, case):
    lines = [line for line in crawl.process.stderr.splitlines() if case.path in line and re.search(r"WARNING|ERROR", line)]
    assert lines, f"no warning names {case.path}"


def test_gbk_and_big5_pages_declared_utf8_are_read_in_their_charsets_and_counted(crawl):
    for name in ("gbk_as_utf8", "big5_as_utf8"):
        case = CASES[name]
        row = crawl.stored()[crawl.url(case.path)]
        assert (row["title"], row["body"].split("\n")[0]) == (case.title, case.first_paragraph)
    assert crawl.stats()["portal/encoding_fallback"] == 2


def test_characters_only_gb18030_has_survive(crawl):
    for name in ("gb18030", "gb18030_as_gbk"):
        row = crawl.stored()[crawl.url(CASES[name].path)]
        assert GB18030_ONLY in row["title"] and GB18030_ONLY[0] in row["body"]


def test_the_bom_wins_over_a_wrong_header(crawl):
    row = crawl.stored()[crawl.url(CASES["utf8_bom"].path)]
    assert not row["title"].startswith("\ufeff") and "\ufeff" not in row["body"]


# --- the failing server ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["http_500", "http_502", "timeout", "reset"])
def test_retries_are_bounded(crawl, name):
    assert crawl.fetches(CASES[name].path) == ATTEMPTS


@pytest.mark.parametrize("name", ["retry_after_503", "too_many_429", "reset_once"])
def test_a_page_that_fails_once_is_retried_and_stored(crawl, name):
    assert crawl.fetches(CASES[name].path) == 2
    assert crawl.url(CASES[name].path) in crawl.stored()


def test_retry_after_is_waited_for_before_the_retry(crawl):
    assert crawl.stats()["retry/retry_after_waits"] == 2  # the 503 and the 429, each asking for 1 s


def test_retries_are_counted_and_logged(crawl):
    stats = crawl.stats()
    assert stats.get("retry/count", 0) >= 7
    assert stats.get("retry/max_reached", 0) >= 4
    # Given up, each page is logged once, by the spider, with the page linking to it
    # (Scrapy's own "Gave up retrying" line is at INFO: it would say the same again).
    for name in ("http_500", "http_502"):
        lines = [line for line in crawl.process.stderr.splitlines() if crawl.url(CASES[name].path) + " (linked from" in line]
        assert len(lines) == 1 and "answered HTTP 5" in lines[0]


@pytest.mark.parametrize("name", ["huge", "huge_stream"])
def test_an_oversized_page_is_cut_off_after_one_request(crawl, name):
    assert crawl.fetches(CASES[name].path) == 1
    assert any("Cancel" in key for key in crawl.stats() if key.startswith(("portal/", "downloader/exception_type_count/")))


def test_an_endless_redirect_is_given_up_after_redirect_max_times(crawl):
    assert crawl.fetches(CASES["redirect_endless"].path) <= REDIRECT_MAX_TIMES + 1


def test_an_endless_redirect_ends_at_the_latest_where_the_server_gives_up(crawl):
    assert crawl.fetches(CASES["redirect_endless"].path) <= MAX_ENDLESS_HOPS + 1


def test_a_redirect_loop_is_fetched_a_bounded_number_of_times(crawl):
    assert crawl.fetches("/case/redirect-a.html") <= ATTEMPTS and crawl.fetches("/case/redirect-b.html") <= ATTEMPTS


# --- links ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["loop_a", "loop_b", "self_link", "offhost", "js_mailto"])
def test_a_page_in_a_loop_is_fetched_once(crawl, name):
    assert crawl.fetches(CASES[name].path) == 1


def test_every_page_is_fetched_at_most_once_unless_it_failed(crawl):
    retried = {c.path for c in CASES.values() if c.outcome == "failed" or c.name in ("retry_after_503", "too_many_429", "reset_once")}
    counts = {}
    for _, path, _ in crawl.requests:
        counts[path] = counts.get(path, 0) + 1
    assert {path: n for path, n in counts.items() if n > 1 and path.split("?")[0] not in retried and path != "/robots.txt"} == {}


def test_a_chain_that_jumps_to_another_host_is_not_followed(crawl):
    assert crawl.fetches("/offhost/1.html") == 0
    assert crawl.stats().get("portal/offsite_neighbour") == 2
    assert not any("localhost" in url or "example.com" in url for url in crawl.stored())


def test_javascript_and_mailto_links_are_not_followed(crawl):
    others = [path for _, path, _ in crawl.requests if path != CASES["js_mailto"].path]
    assert not [path for path in others if re.search(r"javascript|mailto|void|alert|openWin", path, re.I)]
    ((links,),) = crawl.rows("select count(*) from links where to_url like 'javascript:%' or to_url like 'mailto:%'")
    assert links == 0


# --- dates and references -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["date_unparseable", "date_garbage_meta", "date_1900", "date_next_year"])
def test_a_date_that_cannot_be_trusted_is_kept_raw_and_left_null(crawl, name):
    row = crawl.stored()[crawl.url(CASES[name].path)]
    assert (row["published"], row["published_raw"]) == (None, CASES[name].published_raw)


def test_untrusted_dates_are_counted(crawl):
    assert crawl.stats().get("dates/unparsed", 0) >= 4


def test_untrusted_dates_are_reported_in_one_warning_with_their_count(crawl):
    lines = [line for line in crawl.process.stderr.splitlines() if "Could not read" in line]
    assert len(lines) == 1 and f"Could not read {crawl.stats()['dates/unparsed']} dates" in lines[0], lines


def test_a_list_of_500_references_is_stored_whole(crawl):
    url = crawl.url(CASES["references_500"].path)
    rows = crawl.rows("select position, doi from article_references where article_url = ? order by position", [url])
    assert len(rows) == LONG_REFERENCE_LIST
    assert [position for position, _ in rows] == list(range(1, LONG_REFERENCE_LIST + 1))
    assert rows[-1][1] == f"10.1000/hostile.{LONG_REFERENCE_LIST}"
    (dois,) = crawl.rows("select count(*) from article_dois where article_url = ?", [url])[0]
    assert dois == LONG_REFERENCE_LIST


# --- untrusted HTML -------------------------------------------------------------------------


def test_stored_article_html_carries_nothing_that_runs(crawl):
    for url, row in crawl.stored().items():
        html = (row["body_html"] or "").lower()
        assert [m for m in XSS_MARKERS if m in html] == [], url
    row = crawl.stored()[crawl.url(CASES["xss"].path)]
    assert "安全段落" in row["body_html"] and "结尾段落" in row["body_html"]
    assert 'href="https://example.com' not in row["body_html"] or "noopener" in row["body_html"]


# --- the extraction fixes this site found ---------------------------------------------------


@pytest.mark.parametrize("title", ["循环链接：上下篇互相指向", "干细胞综述（下篇）", "自我链接：上一篇和下一篇都是本文"])
@pytest.mark.parametrize("layout", ["blocks", "shared"])
def test_a_neighbour_title_holding_a_label_word_keeps_its_link(title, layout):
    if layout == "blocks":
        html = f'<body><div class="pre_next"><p>上一篇：<a href="/a.html">{title}</a></p><p>下一篇：<a href="/b.html">乙</a></p></div></body>'
    else:
        html = f'<body><p>上一篇：<a href="/a.html">{title}</a><br>下一篇：<a href="/b.html">乙</a></p></body>'
    links = {link.rel: (link.url, link.title) for link in find_neighbours(Selector(text=html).root, "http://h/x.html")}
    assert links == {"prev": ("http://h/a.html", title), "next": ("http://h/b.html", "乙")}


def test_a_page_read_with_the_wrong_charset_is_not_an_article():
    html = SITE.static_body(CASES["gbk_as_utf8"].path)
    assert extract_article(Selector(text=html.decode("utf-8", errors="replace")), "http://h/case/gbk-as-utf8.html") is None
    page = extract_article(Selector(text=html.decode(better_encoding(html, "utf-8"))), "http://h/case/gbk-as-utf8.html")
    assert page is not None and page.title == CASES["gbk_as_utf8"].title


def test_looks_garbled_and_better_encoding():
    assert looks_garbled("\ufffd\ufffd\ufffd\ufffd干细胞")
    assert not looks_garbled("干细胞治疗的随访结果显示疼痛评分明显下降\ufffd" * 3)
    assert better_encoding("干细胞".encode("utf-8"), "utf-8") is None
    assert better_encoding("干细胞𠮷".encode("gb18030"), "utf-8") == "gb18030"
    assert better_encoding("干细胞".encode("utf-8"), "iso-8859-1") is None  # latin-1 reads anything
    assert better_encoding(b"\xff\xfe\x00\x81\xff", "utf-8") is None

