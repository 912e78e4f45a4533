"""Articles split over pages (``上一页 1 2 3 下一页``): found on the page, read whole by a crawl
of the replica, kept whole by ``reextract``."""

import shutil
import sqlite3
import sys
from pathlib import Path

import pytest
from parsel import Selector

from conftest import FAST, Crawl, medarchive
from crawler.distributed import from_message, to_message
from crawler.extraction.article import extract_article
from crawler.extraction.navigation import find_neighbours
from crawler.extraction.pagination import MAX_ARTICLE_PAGES, find_pagination, join_pages
from crawler.items import ContinuedPage
from crawler.single_page import response_for
from replica import build_portal, serve
from replica.dedecms import page_path
from replica.model import Page

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import realpages  # noqa: E402

BASE = "https://news.example.cn/a/1220.html"


def page(body: str, url: str = BASE) -> Selector:
    return Selector(text=f"<html><body><h1>标题</h1><div class='content'><p>正文内容。</p>{body}</div></body></html>", base_url=url)


def pagination(body: str, url: str = BASE):
    return find_pagination(page(body, url).root, url)


# --- finding the pages --------------------------------------------------------------


def test_pager_with_page_numbers_names_every_page():
    found = pagination("<div><a href='#'>上一页</a> <b>1</b> <a href='1220_2.html'>2</a> <a href='1220_3.html'>3</a>"
                       " <a href='1220_2.html'>下一页</a></div>")
    assert (found.current, found.urls) == (1, {1: BASE, 2: "https://news.example.cn/a/1220_2.html",
                                              3: "https://news.example.cn/a/1220_3.html"})


def test_pager_with_a_page_count_names_the_next_page():
    found = pagination("<div class='fenye'><a href='#'>上一页</a> 1/2 <a href='Content-1220_2.html'>下一页</a></div>",
                       "https://news.example.cn/a/Content-1220.html")
    assert found.urls[2] == "https://news.example.cn/a/Content-1220_2.html"


@pytest.mark.parametrize("url, later", [
    ("https://x.cn/a/1220.html", "https://x.cn/a/1220-2.html"),
    ("https://x.cn/2026/0301/index.html", "https://x.cn/2026/0301/index_2.html"),
    ("https://x.cn/show.php?id=1220", "https://x.cn/show.php?id=1220&page=2"),
    ("https://x.cn/2026/03/stem-cells/", "https://x.cn/2026/03/stem-cells/2/"),
    ("https://x.cn/sc/zhiliao/59017.html", "https://x.cn/sc/zhiliao/59017.html/2"),
])
def test_page_number_in_the_url_marks_a_later_page(url, later):
    assert pagination(f"<p><a href='{later}'>第2页</a></p>", url).urls[2] == later


def test_later_page_knows_its_number_and_the_first_page():
    url = "https://news.example.cn/a/1220_2.html"
    found = pagination("<div><a href='1220.html'>上一页</a> <a href='1220.html'>1</a> <b>2</b></div>", url)
    assert (found.current, found.urls[1]) == (2, BASE)


def test_listing_pager_on_an_article_page_is_not_its_pages():
    assert pagination("<div><a href='list_1_2.html'>2</a> <a href='list_1_2.html'>下一页</a></div>") is None


def test_numbered_series_is_not_one_article_over_pages():
    """``xsh_10.htm`` -> ``xsh_11.htm`` (下一页) are two lessons: the first page is never named."""
    assert pagination("<p><a href='xsh_11.htm'>下一页</a></p>", "https://x.cn/htm/xsh_10.htm") is None


def test_next_page_of_the_same_article_is_not_a_neighbour():
    root = page("<div>上一页 1/2 <a href='1220_2.html'>下一页</a></div>").root
    assert find_neighbours(root, BASE) == []


def _real_pagination(page_id: str, url: str | None = None):
    entry = next(entry for entry in realpages.load_corpus() if entry["id"] == page_id)
    response = response_for((realpages.CORPUS / entry["file"]).read_bytes(), url or entry["url"])
    return find_pagination(response.selector.root, url or entry["url"])


def test_only_the_real_pages_with_a_pager_read_as_split():
    """Of the saved real pages, those showing a pager of their own text read as split: page 1 of
    six of a 新华网 article, and pages 1 and 2 of a forum article over seven pages (their
    ``prev_page``/``next_page`` read by hand). A lesson's 下一页 (``xsh_10.htm`` -> ``xsh_11.htm``),
    a serial's chapters and Yahoo's ``第1页/共1页 上一页 | 下一页`` without links are no pages."""
    corpus = realpages.load_corpus()
    by_hand = {entry["id"] for entry in corpus if entry.get("prev_page") or entry.get("next_page")}
    assert {entry["id"] for entry in corpus if _real_pagination(entry["id"])} == by_hand | {"cwced_chinaneast_1"}
    for entry in corpus:
        for key in ("prev_page", "next_page"):
            if entry.get(key):
                assert entry[key] in _real_pagination(entry["id"]).urls.values()


def test_real_pager_numbering_page_two_underscore_one_is_read_by_its_numbers():
    """新华网 names page 2 ``content_4894059_1.htm``: the numbers the pager shows count."""
    url = "http://chinaneast.xinhuanet.com/jizhe/2005-08/16/content_4894059{}.htm"
    found = _real_pagination("cwced_chinaneast_1")
    assert found.urls == {1: url.format(""), **{number: url.format(f"_{number - 1}") for number in range(2, 7)}}


def test_real_later_page_knows_its_number():
    later = "http://chinaneast.xinhuanet.com/jizhe/2005-08/16/content_4894059_2.htm"
    assert _real_pagination("cwced_chinaneast_1", later).current == 3


# --- joining them ---------------------------------------------------------------------


def _article(body: str, url: str = BASE, disclaimer=None):
    html = f"<html><body><h1>干细胞治疗新进展</h1><div class='content'><p>{body}</p>{disclaimer or ''}</div></body></html>"
    return extract_article(Selector(text=html, base_url=url), url)


def test_joined_body_holds_every_page_in_order():
    joined = join_pages(_article("第一页的正文，介绍了这项干细胞研究的背景与设计。"), [_article("第二页的正文，报告了这项干细胞研究的主要结果。")])
    assert joined.body.split("\n") == ["第一页的正文，介绍了这项干细胞研究的背景与设计。", "第二页的正文，报告了这项干细胞研究的主要结果。"]


def test_disclaimer_of_the_last_page_is_the_articles():
    last = _article("第二页的正文，报告了这项干细胞研究的主要结果。", disclaimer="<p>免责声明：本文仅供参考，不构成诊疗建议。</p>")
    assert join_pages(_article("第一页的正文，介绍了这项干细胞研究的背景与设计。"), [last]).disclaimer == "免责声明：本文仅供参考，不构成诊疗建议。"


def test_page_repeating_a_body_already_joined_is_left_out():
    first = _article("第一页的正文，介绍了这项干细胞研究的背景与设计。")
    assert join_pages(first, [_article("第一页的正文，介绍了这项干细胞研究的背景与设计。")]).body == first.body


# --- the crawl ------------------------------------------------------------------------


def split_articles(crawl) -> dict:
    return {url: truth for url, truth in crawl.expected().items() if truth.pages}


def test_replica_has_articles_split_over_pages(dedecms_portal):
    assert sorted(len(truth.pages) + 1 for truth in dedecms_portal.articles if truth.pages) == [2, 3]


def test_split_article_is_stored_once_with_the_text_of_every_page(dedecms_crawl):
    stored = dedecms_crawl.stored()
    for url, truth in split_articles(dedecms_crawl).items():
        assert all(opening in stored[url]["body"] for opening in truth.page_openings), url
        assert not {dedecms_crawl.site.url + path for path in truth.pages} & set(stored)


def test_later_pages_are_aliases_of_the_first(dedecms_crawl):
    aliases = dedecms_crawl.rows("select alias_url, article_url from aliases")
    expected = {(dedecms_crawl.site.url + path, url) for url, truth in split_articles(dedecms_crawl).items() for path in truth.pages}
    assert expected <= set(aliases)


def test_later_pages_are_kept_for_reextraction(dedecms_crawl):
    kept = dedecms_crawl.rows("select url, number from article_pages")
    expected = {(url, number) for url, truth in split_articles(dedecms_crawl).items() for number in range(2, len(truth.pages) + 2)}
    assert set(kept) == expected


def test_identifiers_cited_on_later_pages_are_the_articles(dedecms_crawl):
    trials = dedecms_crawl.identifiers("article_trials", "trial_id")
    split = split_articles(dedecms_crawl)
    assert {url: set(truth.trials) for url, truth in split.items()} == {url: trials.get(url, set()) for url in split}
    assert all(truth.trials for truth in split.values())


def test_pager_text_stays_out_of_the_body(dedecms_crawl):
    stored = dedecms_crawl.stored()
    assert [url for url in split_articles(dedecms_crawl) if "下一页" in stored[url]["body"]] == []


def test_crawl_started_on_a_later_page_stores_the_article_under_page_one(dedecms_portal, dedecms_site, tmp_path):
    first = dedecms_portal.awkward["split_in_three"]
    crawl = Crawl(dedecms_portal, dedecms_site, tmp_path / "mid.db", page_path(first, 2), "--chain-only")
    assert crawl.process.returncode == 0, crawl.process.stderr
    stored = crawl.stored()
    assert dedecms_site.url + first in stored
    assert not [url for url in stored if "_2.html" in url or "_3.html" in url]


def test_crawl_started_on_both_pages_stores_the_article_once(dedecms_portal, dedecms_site, tmp_path):
    first = dedecms_portal.awkward["split_in_two"]
    later = dedecms_site.url + page_path(first, 2)
    dedecms_site.clear_requests()
    result = medarchive("crawl", dedecms_site.url + first, later, "--db", str(tmp_path / "both.db"), "--chain-only", *FAST)
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(tmp_path / "both.db") as db:
        stored = [url for (url,) in db.execute("select url from articles")]
        aliases = db.execute("select alias_url, article_url from aliases").fetchall()
    assert (later in stored, (later, dedecms_site.url + first) in aliases) == (False, True)


def test_later_page_whose_first_page_is_gone_is_stored_on_its_own(tmp_path):
    portal = build_portal("dedecms", n=12, seed=2)
    first = portal.awkward["split_in_three"]
    del portal.pages[first]
    with serve(portal) as site:
        crawl = Crawl(portal, site, tmp_path / "orphan.db", page_path(first, 2), "--chain-only")
    stored = crawl.stored()
    assert (site.url + page_path(first, 2) in stored, site.url + first in stored) == (True, False)
    assert crawl.rows("select alias_url from aliases where article_url = ?", [site.url + page_path(first, 2)]) == [
        (site.url + page_path(first, 3),)]


def test_reextract_keeps_a_split_article_whole(dedecms_crawl, tmp_path):
    copy = tmp_path / "copy.db"
    shutil.copy(dedecms_crawl.db_path, copy)
    result = medarchive("reextract", "--db", str(copy))
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(copy) as db:
        bodies = dict(db.execute("select url, body from articles"))
    assert {url: bodies[url] for url in split_articles(dedecms_crawl)} == {
        url: dedecms_crawl.stored()[url]["body"] for url in split_articles(dedecms_crawl)}


@pytest.fixture(scope="module")
def broken_split_crawl(tmp_path_factory):
    """A crawl of the DedeCMS replica whose three-page article has lost its page 2."""
    portal = build_portal("dedecms", n=12, seed=2)
    first = portal.awkward["split_in_three"]
    del portal.pages[page_path(first, 2)]
    with serve(portal) as site:
        crawl = Crawl(portal, site, tmp_path_factory.mktemp("broken") / "archive.db", first, "--chain-only")
    return crawl, site.url + first


def test_article_whose_later_page_fails_is_stored_with_the_pages_read(broken_split_crawl):
    crawl, url = broken_split_crawl
    truth = crawl.portal.article(crawl.portal.awkward["split_in_three"])
    body = crawl.stored()[url]["body"]
    assert (truth.first_paragraph in body, truth.page_openings[0] in body, truth.page_openings[1] in body) == (True, False, True)


def test_failed_later_page_is_counted_in_the_summary(broken_split_crawl):
    crawl, _ = broken_split_crawl
    assert (crawl.process.returncode, "not stored: failed/http_404 1" in crawl.process.stdout) == (0, True)


def test_failed_later_page_is_a_gap_of_the_article(broken_split_crawl):
    crawl, url = broken_split_crawl
    assert crawl.rows("select from_url, rel, to_url, reason from gaps") == [
        (url, "page", url.removesuffix(".html") + "_2.html", "http_404")]


def _endless_article(portal, first: str, pages: int) -> None:
    """Make the article at ``first`` one of ``pages`` pages, each with a pager to page 1 and the next."""
    name = first.rsplit("/", 1)[1]
    for number in range(1, pages + 1):
        html = (f"<html><head><title>一篇很长的文章</title></head><body><h1>一篇很长的文章</h1><div class='content'>"
                f"<p>这是第{number}页的正文，讲述这项干细胞研究的第{number}个部分。</p><div class='pages'>"
                f"<a href='{name}'>1</a> <a href='{page_path(name, number + 1)}'>下一页</a></div></div></body></html>")
        portal.pages[page_path(first, number)] = Page(body=html)


def test_pages_of_one_article_are_read_at_most_fifty(tmp_path):
    portal = build_portal("dedecms", n=12, seed=2)
    first = portal.awkward["split_in_two"]
    _endless_article(portal, first, 80)
    with serve(portal) as site:
        crawl = Crawl(portal, site, tmp_path / "endless.db", first, "--chain-only")
    later = [path for _, path, _ in site.requests if path.startswith(first.removesuffix(".html") + "_")]
    body = crawl.stored()[site.url + first]["body"]
    assert (len(later), "第50页" in body, "第51页" in body) == (MAX_ARTICLE_PAGES - 1, True, False)


def test_article_pages_bound_is_named_in_the_summary(tmp_path):
    portal = build_portal("dedecms", n=12, seed=2)
    first = portal.awkward["split_in_two"]
    _endless_article(portal, first, 60)
    with serve(portal) as site:
        crawl = Crawl(portal, site, tmp_path / "endless.db", first, "--chain-only")
    assert crawl.process.returncode == 0, crawl.process.stderr
    assert "bounded: articles split over more than 50 pages, stored with their first 50 (1)" in crawl.process.stdout


def test_later_pages_travel_in_a_queue_message():
    item = _article("第一页的正文，介绍了这项干细胞研究的背景与设计。")
    item.site = "https://news.example.cn"
    item.continued_pages = [ContinuedPage(number=2, fetched_url=BASE, status=200, headers={}, body=b"\xb5\xda\xb6\xfe")]
    _, data = from_message(to_message(item))
    assert data["continued_pages"][0]["body"] == b"\xb5\xda\xb6\xfe"


def test_raw_pages_kept_count_the_later_pages(dedecms_crawl):
    later = sum(len(truth.pages) for truth in dedecms_crawl.expected().values())
    result = medarchive("runs", "--db", str(dedecms_crawl.db_path))
    assert f"raw pages kept: {len(dedecms_crawl.expected()) + later} (" in result.stdout
