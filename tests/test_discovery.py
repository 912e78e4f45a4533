"""Discovery on portal families whose URLs the crawler has no rule for: each replica is
crawled from one article by a real ``medarchive`` process, and every live article is stored."""

import json
from pathlib import Path

import pytest

from conftest import Crawl, middle_article

from replica import build_portal, serve


@pytest.fixture(scope="module")
def trs_portal():
    """Site C (TRS-style government site, GBK, ``.shtml``, no sitemap): 31 articles, one deleted."""
    return build_portal("trs", n=31, seed=3)


@pytest.fixture(scope="module")
def trs_site(trs_portal):
    with serve(trs_portal) as site:
        yield site


@pytest.fixture(scope="module")
def trs_crawl(trs_portal, trs_site, tmp_path_factory):
    return Crawl(trs_portal, trs_site, tmp_path_factory.mktemp("trs") / "archive.db", middle_article(trs_portal).path)


def test_a_trs_site_is_archived_completely_from_one_article(trs_crawl):
    assert trs_crawl.process.returncode == 0, trs_crawl.process.stderr
    assert set(trs_crawl.stored()) == set(trs_crawl.expected())


def test_the_far_side_of_a_deleted_trs_article_is_reached_through_listings(trs_crawl):
    start = trs_crawl.start_path
    behind = {trs_crawl.site.url + path for path in trs_crawl.portal.reachable_from(trs_crawl.portal.awkward["behind_deleted"])}
    chain = {trs_crawl.site.url + path for path in trs_crawl.portal.reachable_from(start)}
    assert behind - chain
    assert behind <= set(trs_crawl.stored())



@pytest.fixture(scope="module")
def phpcms_crawl(tmp_path_factory):
    portal = build_portal("phpcms", n=16, seed=4)
    with serve(portal) as site:
        yield Crawl(portal, site, tmp_path_factory.mktemp("phpcms") / "archive.db", middle_article(portal).path)


def test_a_phpcms_site_is_archived_completely_from_one_article(phpcms_crawl):
    assert phpcms_crawl.process.returncode == 0, phpcms_crawl.process.stderr
    assert set(phpcms_crawl.stored()) == set(phpcms_crawl.expected())


def test_the_far_side_of_a_deleted_phpcms_article_is_reached_through_listings(phpcms_crawl):
    behind = {phpcms_crawl.site.url + path for path in phpcms_crawl.portal.reachable_from(phpcms_crawl.portal.awkward["behind_deleted"])}
    chain = {phpcms_crawl.site.url + path for path in phpcms_crawl.portal.reachable_from(phpcms_crawl.start_path)}
    assert behind - chain
    assert behind <= set(phpcms_crawl.stored())


# --- reading a listing by what it shows ------------------------------------------------

LISTING_PAGE = """<html><body>
<div class="menu"><ul><li><a href="/">首页</a></li><li><a href="/gzdt/">工作动态</a></li><li><a href="/tzgg/">通知公告</a></li></ul></div>
<div class="box"><h3>工作动态</h3><a class="more" href="/gzdt/">更多>></a>
<ul>
<li><a href="/gzdt/anquan-shengchan-zhuanxiang-zhengzhi.aspx">全市卫生健康系统安全生产专项整治工作会议召开</a><span>2025-03-12</span></li>
<li><a href="/gzdt/jiceng-yiliao-tisheng-xingdong.aspx">基层医疗卫生服务能力提升行动推进会在我市举行</a><span>2025-03-10</span></li>
<li><a href="/gzdt/chuanranbing-fangkong-peixun.aspx">我委组织开展春季传染病防控业务培训工作</a><span>2025-03-08</span></li>
</ul></div>
<div class="pages"><a href="/gzdt/list.jsp?cat=3&amp;pageNo=1">1</a> <a href="/gzdt/list.jsp?cat=3&amp;pageNo=2">下一页</a></div>
<div class="links"><a href="https://www.example.gov.cn/a/1.html">国家卫生健康委员会官方网站首页链接</a></div>
</body></html>"""


def _read(page=LISTING_PAGE, shapes=()):
    from lxml import html

    from crawler.extraction.listings import read_listing

    return read_listing(html.fromstring(page), "http://wsjkw.example.cn/gzdt/list.jsp?cat=3&pageNo=1", shapes)


def test_a_block_of_headline_links_is_read_as_articles_whatever_their_urls():
    assert _read().articles == [
        "http://wsjkw.example.cn/gzdt/anquan-shengchan-zhuanxiang-zhengzhi.aspx",
        "http://wsjkw.example.cn/gzdt/jiceng-yiliao-tisheng-xingdong.aspx",
        "http://wsjkw.example.cn/gzdt/chuanranbing-fangkong-peixun.aspx",
    ]


def test_a_pager_link_with_a_page_number_parameter_is_a_next_page():
    assert _read().pages == ["http://wsjkw.example.cn/gzdt/list.jsp?cat=3&pageNo=2"]


def test_menu_and_more_links_are_sections_and_not_articles():
    assert _read().sections == ["http://wsjkw.example.cn/gzdt/", "http://wsjkw.example.cn/tzgg/"]


def test_a_link_shaped_like_the_sites_articles_is_an_article_outside_any_block():
    page = '<html><body><div class="focus"><a href="/xw/2025/n88213.htm"><img src="a.jpg"></a></div></body></html>'
    assert _read(page).articles == []
    assert _read(page, shapes={"2/n0.htm"}).articles == ["http://wsjkw.example.cn/xw/2025/n88213.htm"]


# --- the coverage report ----------------------------------------------------------------


def _report(crawl):
    import json

    from conftest import medarchive

    runs = json.loads(medarchive("runs", "--db", str(crawl.db_path), "--json").stdout)
    return runs[0]["stats"]["discovery/report"][crawl.site.url]


def test_the_report_counts_each_stored_article_by_the_way_it_was_reached(trs_crawl):
    reached = _report(trs_crawl)["reached"]
    assert sum(reached.values()) == len(trs_crawl.expected())
    assert reached["listing"] >= 3 and reached["start"] == 1


def test_the_report_counts_the_listing_pages_read(trs_crawl):
    portal = trs_crawl.portal
    read = {path for path in trs_crawl.requests if path in portal.pages and portal.article(path) is None}
    assert {"/xwzx/wsjsyw/index_3.shtml", "/xwzx/jcdt/index_1.shtml"} <= read
    assert _report(trs_crawl)["listing_pages"] == len(read)


def test_a_listed_page_that_is_no_article_is_reported_with_its_reason(wordpress_crawl):
    soft_404 = wordpress_crawl.site.url + wordpress_crawl.portal.awkward["soft_404"]
    assert _report(wordpress_crawl)["not_stored_examples"] == {soft_404: "not_article"}
    assert f"  not stored: {soft_404} (not_article)" in wordpress_crawl.process.stdout


def test_a_site_showing_neither_sitemap_nor_listing_gets_a_warning(tmp_path):
    portal = build_portal("trs", n=12, seed=5)
    for path in [path for path in portal.pages if not path.endswith(".shtml") or "/index" in path]:
        del portal.pages[path]
    with serve(portal) as site:
        crawl = Crawl(portal, site, tmp_path / "archive.db", middle_article(portal).path)
    assert crawl.process.returncode == 0, crawl.process.stderr
    assert f"warning: {site.url}: no sitemap and no listing found" in crawl.process.stdout
    assert "warning" in _report(crawl)


def test_a_site_with_listings_gets_no_warning(trs_crawl):
    assert "warning" not in _report(trs_crawl)
    assert "warning:" not in trs_crawl.process.stdout


def test_an_unchanged_trs_site_costs_its_home_sections_and_first_listing_pages_only(trs_portal, trs_site, tmp_path):
    start = middle_article(trs_portal).path
    Crawl(trs_portal, trs_site, tmp_path / "archive.db", start)
    again = Crawl(trs_portal, trs_site, tmp_path / "archive.db", start)
    assert "0 new, 0 updated" in again.process.stdout
    pages = {path for path in again.requests if trs_portal.article(path) is None and path != "/robots.txt"}
    assert pages == {"/", "/xwzx/", "/zwgk/", "/bsfw/", "/hdjl/", "/ztzl/", "/xwzx/wsjsyw/", "/xwzx/jcdt/"}


# --- real navigation pages (tests/navpages) ------------------------------------------------

NAVPAGES = Path(__file__).parent / "navpages"


def _navpage_scores(kind):
    """Precision and recall of the ``kind`` links read_listing finds on the saved pages, all pages together."""
    from lxml import html
    from w3lib.encoding import html_to_unicode

    from crawler.extraction.listings import read_listing

    found_right = found = expected = 0
    for name, truth in json.loads((NAVPAGES / "expected.json").read_text()).items():
        _, text = html_to_unicode(None, (NAVPAGES / "pages" / f"{name}.html").read_bytes())
        listing = read_listing(html.fromstring(text), truth["url"])
        links = set(listing.articles) if kind == "articles" else set(listing.pages + listing.sections + listing.folders)
        found_right += len(links & set(truth[kind]))
        found += len(links)
        expected += len(truth[kind])
    return found_right / found, found_right / expected


@pytest.mark.parametrize("kind", ["articles", "listings"])
def test_the_listing_detector_finds_the_hand_read_links_of_real_pages(kind):
    precision, recall = _navpage_scores(kind)
    assert precision >= 0.95 and recall >= 0.95


def test_a_headline_link_that_proves_no_article_is_read_as_a_listing(tmp_path):
    """The second section's articles are linked only from topic pages that a home-page block of
    headlines leads to: fetched as likely articles, read as the listings they are."""
    import re

    from replica.model import Page

    portal = build_portal("trs", n=12, seed=6)
    second = [article for article in portal.live_articles if "/jcdt/" in article.path]
    for path in [path for path in portal.pages if path == "/xwzx/jcdt/" or path.startswith("/xwzx/jcdt/index")]:
        del portal.pages[path]
    topics = "".join(f'<li><a href="./ztzl/jczt{k}.html">基层卫生健康服务能力提升专题报道之{k}</a></li>' for k in range(3))
    home = portal.pages["/"]
    home.body = re.sub(r'<div class="block"><div class="hd"><h3>基层动态.*?</ul></div>', f'<div class="block"><ul>{topics}</ul></div>', home.body)
    for k in range(3):
        rows = "".join(f'<li><a href="../{article.path[1:]}">{article.title}</a></li>' for article in second[k::3])
        portal.pages[f"/ztzl/jczt{k}.html"] = Page(body=f"<html><body><h2>专题</h2><ul>{rows}</ul></body></html>")
    start = next(article.path for article in portal.live_articles if "/wsjsyw/" in article.path)
    with serve(portal) as site:
        crawl = Crawl(portal, site, tmp_path / "archive.db", start)
    assert "/ztzl/jczt0.html" in crawl.requests
    assert {site.url + article.path for article in second} <= set(crawl.stored())


class EndlessListingSite:
    """A home page leading to a listing whose 下一页 never ends (``/list/?page=N`` for every N),
    each page naming the same three articles: a pager generated without end."""

    style = "endless-listing"
    ARTICLES = ("/news/1.html", "/news/2.html", "/news/3.html")

    def response(self, path_with_query, base_url, if_modified_since=None):
        from trap_sites import article_html

        path, _, query = path_with_query.partition("?")
        if path in ("/", "/list/"):
            page = int(query.removeprefix("page=")) if query.startswith("page=") else 1
            rows = "".join(f'<li><a href="{article}">心血管疾病研究进展系列报道第{k}篇</a></li>' for k, article in enumerate(self.ARTICLES, 1))
            body = f'<html><body><ul>{rows}</ul><a href="/list/?page={page + 1}">下一页</a></body></html>'
            return 200, {"Content-Type": "text/html; charset=utf-8"}, body.encode()
        if path in self.ARTICLES:
            i = self.ARTICLES.index(path)
            prev = self.ARTICLES[i - 1] if i else None
            next_ = self.ARTICLES[i + 1] if i + 1 < len(self.ARTICLES) else None
            return 200, {"Content-Type": "text/html; charset=utf-8"}, article_html(f"资讯第{i + 1}篇", base_url, prev, next_).encode()
        return 404, {"Content-Type": "text/html; charset=utf-8"}, b"<h1>404</h1>"


def test_an_endless_pager_is_read_up_to_max_listing_pages(tmp_path):
    from conftest import FAST, medarchive

    with serve(EndlessListingSite()) as site:
        process = medarchive("crawl", site.url + "/news/2.html", "--db", str(tmp_path / "archive.db"), *FAST,
                             "-s", "PORTAL_MAX_LISTING_PAGES=5")
        listings = [path for _, path, _ in site.requests if path == "/" or path.startswith("/list/")]
    assert process.returncode == 0, process.stderr
    assert listings == ["/", "/list/?page=2", "/list/?page=3", "/list/?page=4", "/list/?page=5"]
    assert "listing pages left unread after PORTAL_MAX_LISTING_PAGES" in process.stdout


def test_report_lines_show_control_characters_of_a_url_escaped():
    from medarchive.cli.common import _discovery_lines

    hostile = "http://example.cn/a\x1b[2J\x9b31m.html"
    stats = {"discovery/report": {"http://example.cn": {"reached": {}, "not_stored_examples": {hostile: "http_404"}}}}
    lines = "\n".join(_discovery_lines(stats))
    assert "\x1b" not in lines and "\x9b" not in lines
    assert "a\\x1b[2J\\x9b31m.html (http_404)" in lines
