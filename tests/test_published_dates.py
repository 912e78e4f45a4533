"""The page's own date, right or absent: which date on a page is its own, what relative and
year-less dates are read against, and what is never read (sidebars, teasers, related lists)."""

import shutil
import sqlite3
import subprocess
import sys
import threading
from datetime import date, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import FAST, medarchive
from crawler.single_page import extract_page

#: When the pages below were fetched: 6 September 2019, noon in Shanghai.
FETCHED = datetime(2019, 9, 6, 4, 0, tzinfo=timezone.utc)
PROSE = (
    "<p>研究人员在一项多中心临床试验中发现，间充质干细胞治疗可以改善慢性心力衰竭患者的心功能，"
    "并且在随访期间没有观察到严重不良事件。</p>"
    "<p>专家表示，这项研究为细胞治疗的临床转化提供了新的证据，但仍需要更大规模的随机对照试验加以验证。</p>"
    "<p>研究团队计划在明年启动第三期试验，纳入更多医院和患者，以评估长期疗效和安全性。</p>"
)


def page(under_headline="", elsewhere="", head=""):
    """An article page: headline, ``under_headline``, the text, then ``elsewhere`` (sidebars, lists)."""
    return f"""<html><head><title>干细胞治疗心衰获新进展</title>{head}</head><body>
<div class="main"><div class="article"><h1>干细胞治疗心衰获新进展</h1><div class="info">{under_headline}</div>
<div class="content">{PROSE}</div></div></div>
{elsewhere}</body></html>""".encode()


def extracted(html: bytes, url="https://news.example.cn/a/123.html", fetched_at=FETCHED):
    item = extract_page(html, url, fetched_at=fetched_at).item
    assert item is not None
    return item


def test_a_sidebars_today_is_not_the_articles_date():
    sidebar = '<div class="side"><p>时间今天</p><p>天气 晴</p></div>'
    item = extracted(page(elsewhere=sidebar))
    assert (item.published_raw, item.published) == (None, None)


def test_a_date_set_on_its_own_line_inside_the_heading_is_the_pages():
    html = page().replace("进展</h1>".encode(), "进展<br><span>2019-09-02</span></h1>".encode())
    assert extracted(html).published == "2019-09-02"


def test_a_forum_posts_signature_line_gives_its_date():
    signature = "<center>本贴由<b>大卫</b>于2005年8月12日16:12:21在〖心灵体操〗发表.</center>"
    assert extracted(page(elsewhere=signature)).published.startswith("2005-08-12")


def test_the_date_under_a_reposted_storys_copy_of_the_headline_is_not_the_pages():
    # A blog post reposting a newspaper story: its kicker, headline and "2003-7-24 钱江晚报" first.
    repost = "<p>拆房屡出命案</p><p><b>干细胞治疗心衰获新进展</b></p><p>2003-7-24 钱江晚报</p>"
    item = extracted(page().replace(b'<div class="content">', f'<div class="content">{repost}'.encode()))
    assert (item.published_raw, item.published) == (None, None)


def test_a_neighbour_links_teaser_yesterday_is_not_the_neighbours_date():
    nav = ('<div class="pre-next"><p>上一篇：<a href="/a/122.html">华为发布新机</a> 昨天（6日），华为在上海发布了新机。</p>'
           '<p>下一篇：<a href="/a/124.html">新药获批上市</a> 2019-09-04</p></div>')
    item = extracted(page(under_headline="<p>发布时间：2019-09-05 11:10</p>", elsewhere=nav))
    dates = {link.rel: link.date for link in item.neighbours}
    assert dates == {"prev": None, "next": "2019-09-04"}


def test_a_neighbours_date_without_its_year_is_not_the_neighbours_date():
    nav = '<div class="pre-next"><p>上一篇：<a href="/a/122.html">华为发布新机</a> 09-04</p></div>'
    item = extracted(page(under_headline="<p>发布时间：2019-09-05 11:10</p>", elsewhere=nav))
    assert [(link.date_raw, link.date) for link in item.neighbours] == [("09-04", None)]


def test_a_relative_date_in_a_meta_tag_is_not_taken():
    item = extracted(page(head='<meta name="pubdate" content="3小时前">', under_headline="<p>2019-09-05 11:10</p>"))
    assert item.published == "2019-09-05T11:10:00+08:00"


def test_the_line_under_the_headline_outranks_a_time_in_a_related_list():
    related = '<div class="related-news"><h3>相关阅读</h3><p><time>2019-09-06</time> 另一篇报道</p></div>'
    item = extracted(page(under_headline="<p>2019-09-05 11:10 来源：新华网</p>", elsewhere=related))
    assert item.published == "2019-09-05T11:10:00+08:00"


def test_the_pages_pubdate_json_outranks_a_time_in_a_related_list():
    script = '<script>var article = {"id": 99, "pubDate": "2019-09-05T11:10:52", "title": "x"};</script>'
    related = '<div class="related-news"><p><time>2019-09-06</time> 另一篇报道</p></div>'
    item = extracted(page(head=script, elsewhere=related))
    assert (item.published, item.published_source) == ("2019-09-05T11:10:52+08:00", "script")


def test_a_time_in_a_sidebar_is_not_the_articles_date():
    sidebar = '<aside><ul><li>热门 <time datetime="2019-09-06">9月6日</time></li></ul></aside>'
    assert extracted(page(elsewhere=sidebar)).published is None


def test_a_relative_publication_line_is_read_against_the_fetch_time():
    item = extracted(page(under_headline="<p>发布时间：昨天 10:20</p>"))
    assert (item.published, item.published_source) == ("2019-09-05T10:20:00+08:00", "relative")


def test_without_a_fetch_time_a_relative_publication_line_gives_no_date():
    item = extracted(page(under_headline="<p>发布时间：3小时前</p>"), fetched_at=None)
    assert (item.published_raw, item.published) == ("发布时间：3小时前", None)


def test_a_year_less_date_takes_the_urls_year():
    item = extracted(page(under_headline="<p>发布时间：10-08</p>"), url="https://news.example.cn/2018/10/08/a.html")
    assert item.published == "2018-10-08"


def test_a_year_less_date_takes_the_year_of_the_pages_other_full_dates():
    footer = "<div class='foot'><p>更新于 2017-12-30 08:00</p></div>"
    item = extracted(page(under_headline="<p>发布时间：10-08 09:15</p>", elsewhere=footer))
    assert item.published == "2017-10-08T09:15:00+08:00"


def test_a_year_less_date_without_other_clues_is_the_latest_such_day_before_the_fetch():
    item = extracted(page(under_headline="<p>发布时间：10-08</p>"))
    assert item.published == "2018-10-08"


def test_a_year_less_date_on_a_page_showing_several_years_gives_no_date():
    footer = "<div class='foot'><p>2017-12-30 08:00</p><p>2016-05-01 10:00</p></div>"
    assert extracted(page(under_headline="<p>发布时间：10-08</p>", elsewhere=footer)).published is None


def test_a_lunar_date_beside_the_gregorian_one_is_not_read():
    item = extracted(page(under_headline="<p>农历八月初八 · 发布时间：2019年9月5日</p>"))
    assert item.published == "2019-09-05"


def test_a_lunar_date_alone_gives_no_date():
    item = extracted(page(under_headline="<p>发布时间：2019年农历8月23号</p>"))
    assert item.published is None


# --- a crawl, and a re-extraction a year later ------------------------------------------------

#: The replica server's clock for these pages: its Date header says 6 September 2019, noon in Shanghai.
SERVER_DATE = "Fri, 06 Sep 2019 04:00:00 GMT"
PAGES = {
    "/news/a.html": page(under_headline="<p>发布时间：昨天 10:20</p>",
                         elsewhere='<div class="pre-next"><p>上一篇：<a href="/news/b.html">新药获批上市</a></p></div>'),
    "/news/b.html": page(under_headline="<p>发布时间：10-08</p>",
                         elsewhere='<div class="pre-next"><p>下一篇：<a href="/news/a.html">干细胞治疗心衰获新进展</a></p></div>'),
}


class _Pages(BaseHTTPRequestHandler):
    pages = PAGES

    def do_GET(self):
        body = self.pages.get(self.path)
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(body or b"")

    def date_time_string(self, timestamp=None):
        return SERVER_DATE

    def log_message(self, *args):
        pass


def _served(handler):
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def dated_site():
    yield from _served(_Pages)


def _dates(db_path):
    with sqlite3.connect(db_path) as db:
        return db.execute("select url, published, published_source from articles order by url").fetchall()


def _a_year_on(*command):
    return subprocess.run(["faketime", "-f", "+365d", *command], capture_output=True, text=True, timeout=180)


@pytest.mark.skipif(not shutil.which("faketime"), reason="needs Debian's faketime (installed by .ci/run)")
def test_reextract_a_year_later_gives_the_dates_the_crawl_gave(dated_site, tmp_path):
    db_path = tmp_path / "archive.db"
    crawl = medarchive("crawl", dated_site + "/news/a.html", "--db", str(db_path), *FAST)
    assert crawl.returncode == 0, crawl.stderr
    crawled = _dates(db_path)
    # Read against the server's Date header, not the crawl's clock.
    assert crawled == [(dated_site + "/news/a.html", "2019-09-05T10:20:00+08:00", "relative"),
                       (dated_site + "/news/b.html", "2018-10-08", "line")]
    clock = _a_year_on(sys.executable, "-c", "import datetime; print(datetime.date.today())")
    assert date.fromisoformat(clock.stdout.strip()) >= date.today() + timedelta(days=364)  # the clock is a year on
    reextract = _a_year_on(sys.executable, "-m", "medarchive", "reextract", "--db", str(db_path), "--jobs", "1")
    assert reextract.returncode == 0, reextract.stderr
    assert reextract.stdout.startswith("0 updated"), reextract.stdout
    assert _dates(db_path) == crawled


# --- dates that cannot be read, reported once per run ---------------------------------------

#: Six articles whose publication line names a thirteenth month.
UNREADABLE = {
    f"/news/{day}.html": page(under_headline=f"<p>发布时间：2019年13月{day}日</p>",
                              elsewhere=f"<p>第{day}期</p>")
    for day in range(20, 26)
}


class _UnreadablePages(_Pages):
    pages = UNREADABLE


@pytest.fixture
def unreadable_site():
    yield from _served(_UnreadablePages)


def test_reextract_reports_unreadable_dates_in_one_counted_line(unreadable_site, tmp_path):
    db_path = tmp_path / "archive.db"
    crawl = medarchive("crawl", *(unreadable_site + path for path in UNREADABLE), "--db", str(db_path), *FAST)
    assert crawl.returncode == 0, crawl.stderr
    assert _raw_dates(db_path) == [(None, f"发布时间：2019年13月{day}日") for day in range(20, 26)]
    reextract = medarchive("reextract", "--db", str(db_path), "--jobs", "1")
    assert reextract.returncode == 0, reextract.stderr
    lines = [line for line in reextract.stderr.splitlines() if "Could not read" in line]
    assert len(lines) == 1, reextract.stderr
    assert "Could not read 6 dates" in lines[0] and "发布时间：2019年13月20日" in lines[0]


def _raw_dates(db_path):
    with sqlite3.connect(db_path) as db:
        return db.execute("select published, published_raw from articles order by url").fetchall()
