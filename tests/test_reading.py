"""Reading the archive in datasette: the readable table, the article page, DOI links,
search results that lead into the archive, charts, and a plain ``datasette archive.db``.

The browser tests serve a replica crawl (``wordpress_crawl``) with ``archive.serve`` in a
subprocess and read it in Debian's Chromium, recording every request the pages make."""

import asyncio
import concurrent.futures
import sqlite3
import urllib.request
from urllib.parse import quote, urlsplit

import pytest
from conftest import ServedArchive, free_loopback_port, undo_sortable_dates, written_archive
from datasette.app import Datasette

from archive import browse, serve, stats

DOI = "10.1177/0963689724131234"
A, B, C = (f"https://site.example/a/{n}.html" for n in (1, 2, 3))


def article(url, title, body, **fields):
    return {
        "url": url, "site": "https://site.example", "title": title, "body": body, "category": "呼吸",
        "body_html": "".join(f"<p>{line}</p>" for line in body.split("\n")),
        "published": "2025-03-01", "published_raw": "2025年3月1日",
        "references": [], "dois": [], "neighbours": [], "aliases": [],
    } | fields


ARTICLES = [
    article(A, "支气管哮喘的干细胞治疗", "间充质干细胞可减轻气道炎症[1]。",
            body_html='<p>间充质干细胞可减轻气道炎症[1]。</p><figure><img src="https://site.example/up/fig1.png" alt="图1 气道"></figure>',
            references=[{"position": 1, "text": f"Li X. 哮喘综述. doi:{DOI}", "doi": DOI},
                        {"position": 2, "text": "王某. 中华结核和呼吸杂志, 2024."}],
            dois=[DOI],
            neighbours=[{"rel": "next", "url": "https://site.example/s/2", "title": "慢阻肺患者的康复", "date_raw": None, "date": None},
                        {"rel": "prev", "url": "https://site.example/a/0.html", "title": "不在档案中的文章", "date_raw": None, "date": None}]),
    article(B, "慢阻肺患者的康复", "COPD患者合并哮喘时，吸入治疗需要调整。", aliases=["https://site.example/s/2"], dois=[DOI],
            published="2025-03-02T09:30:00+08:00", published_raw="2025-03-02 09:30"),
    article(C, "糖尿病足护理", "血糖控制与足部护理同样重要。", category="内分泌", published="2025-04-01"),
]


@pytest.fixture(scope="module")
def db_path(tmp_path_factory):
    return written_archive(tmp_path_factory.mktemp("reading"), ARTICLES)


def get(datasette, path):
    """``(status, headers, text)`` of ``path`` from ``datasette``, in-process."""

    async def fetch():
        response = await datasette.client.get(path)
        return response.status_code, response.headers, response.text

    # A thread of its own: Playwright's sync API may keep an event loop running in this one.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, fetch()).result()


# --- the library -----------------------------------------------------------------------------


@pytest.mark.parametrize("typed", [DOI, f"doi:{DOI}", f"DOI：{DOI}", f"DOI: {DOI.upper()}", f"https://doi.org/{DOI}",
                                   f"http://dx.doi.org/{quote(DOI, safe='')}", f"  doi.org/{DOI} "])
def test_a_doi_is_read_in_every_form_people_paste(typed):
    assert browse.doi_from_input(typed) == DOI


def test_images_become_links_and_nothing_else_changes():
    html = '<p>文字</p><img src="https://site.example/a.png" alt="图1 &amp; 表"><img alt="无地址">'
    assert browse.images_as_links(html) == (
        '<p>文字</p><a class="medarchive-image" href="https://site.example/a.png" rel="noreferrer">[图片 image: 图1 &amp; 表]</a>'
        "[图片 image: 无地址]"
    )


def test_the_article_page_resolves_neighbours_through_aliases(db_path):
    with sqlite3.connect(db_path) as conn:
        page = browse.article_page(conn, A)
    assert [(n["rel"], n["url"], n["archived"]) for n in page["neighbours"]] == [
        ("prev", "https://site.example/a/0.html", 0),
        ("next", B, 1),  # linked as the shortlink /s/2, archived as B
    ]
    assert [r["doi"] for r in page["references"]] == [DOI, None]
    with sqlite3.connect(db_path) as conn:
        assert browse.article_page(conn, "https://site.example/s/2")["url"] == B
        assert browse.article_page(conn, "https://elsewhere.example/") is None


# --- datasette, in process -------------------------------------------------------------------


@pytest.fixture(scope="module")
def plain(db_path):
    """``datasette archive.db`` as a user runs it: no metadata given, the plugin found by its entry point."""
    return Datasette([str(db_path)])


def test_plain_datasette_shows_the_search_box_and_searches_chinese(plain):
    status, _, html = get(plain, "/archive/articles?_sort=id")
    assert status == 200 and 'id="_search"' in html
    status, _, text = get(plain, "/archive/articles.json?_shape=array&_search=" + quote("哮喘"))
    import json

    assert {row["title"] for row in json.loads(text)} == {"支气管哮喘的干细胞治疗", "慢阻肺患者的康复"}


def test_the_articles_table_opens_with_the_readable_columns(plain):
    status, headers, _ = get(plain, "/archive/articles")
    assert status == 302
    assert headers["location"] == "/archive/articles?_col=title&_col=published_day&_col=category&_col=site&_sort_desc=published_at"
    # "Show all columns" keeps the sort, and shows every column.
    status, _, html = get(plain, "/archive/articles?_sort_desc=published_at")
    assert status == 200 and 'class="col-body_html' in html


@pytest.mark.parametrize("typed", [DOI, f"doi:{DOI}", f"DOI：{DOI}", f"https://doi.org/{DOI}"])
def test_articles_citing_a_doi_accepts_every_form(plain, typed):
    import json

    _, _, text = get(plain, "/archive/articles_citing_doi.json?_shape=array&doi=" + quote(typed))
    assert sorted(row["url"] for row in json.loads(text)) == [A, B]


def test_dois_link_to_the_paper_and_to_the_articles_citing_them(plain):
    _, _, html = get(plain, "/archive/most_cited_dois")
    assert f'href="https://doi.org/{DOI}"' in html
    assert f'href="/archive/articles_citing_doi?doi={quote(DOI, safe="")}"' in html
    assert ">SAGE<" in html  # the publisher of the prefix


def test_the_article_page_shows_the_article_and_loads_nothing_from_the_portal(plain):
    status, _, html = get(plain, "/-/article/archive?url=" + quote(A))
    assert status == 200
    assert "<h1 class=\"article-title\">支气管哮喘的干细胞治疗</h1>" in html
    assert "<img" not in html.split('class="article-body"')[1]
    assert '<a class="medarchive-image" href="https://site.example/up/fig1.png" rel="noreferrer">[图片 image: 图1 气道]</a>' in html
    assert f'href="/-/article/archive?url={quote(B, safe="")}"' in html  # the next one, within the archive
    assert 'href="https://site.example/a/0.html" rel="noreferrer">不在档案中的文章</a> (not archived)' in html
    status, _, _ = get(plain, "/-/article/archive?url=" + quote("https://site.example/nowhere"))
    assert status == 404


def test_serve_tells_the_browser_to_load_images_from_the_server_only(db_path):
    policy = serve.content_security_policy()
    assert "img-src 'self' data:;" in policy + ";"


@pytest.fixture(scope="module")
def old_archive(tmp_path_factory):
    """An archive from before ``published_at``, read as it is (serving it migrates nothing)."""
    path = written_archive(tmp_path_factory.mktemp("old"), ARTICLES)
    undo_sortable_dates(path)
    return path


def test_an_archive_from_before_the_date_columns_reads_the_same(old_archive):
    import json

    old = Datasette([str(old_archive)])
    status, headers, _ = get(old, "/archive/articles")
    assert headers["location"] == "/archive/articles?_col=title&_col=published&_col=category&_col=site&_sort_desc=published"
    assert get(old, headers["location"])[0] == 200
    _, _, text = get(old, "/archive/search.json?_shape=array&q=" + quote("哮喘"))
    assert [(row["title"], row["published_day"]) for row in json.loads(text)] == [("支气管哮喘的干细胞治疗", "2025-03-01"), ("慢阻肺患者的康复", "2025-03-02")]
    _, _, text = get(old, "/archive/articles_citing_doi.json?_shape=array&doi=" + quote(f"doi:{DOI}"))
    assert [row["url"] for row in json.loads(text)] == [B, A]  # newest first, by the computed published_at
    status, _, html = get(old, "/-/article/archive?url=" + quote(B))
    assert status == 200 and '<span class="published">2025-03-02 09:30:00</span>' in html
    status, _, svg = get(old, "/-/charts/archive/articles_per_month.svg")
    assert status == 200 and ">2025-03</text>" in svg and ">2025-04</text>" in svg


# --- in Chromium, on a replica crawl ---------------------------------------------------------


@pytest.fixture(scope="module")
def served_crawl(wordpress_crawl):
    port = free_loopback_port()
    served = ServedArchive(serve.serve_argv(wordpress_crawl.db_path, port=port), port)
    yield served.url
    served.stop()


@pytest.fixture
def page(browser, served_crawl):
    """A page that records the host of every request it makes."""
    context = browser.new_context(viewport={"width": 1100, "height": 720})
    page = context.new_page()
    page.hosts, page.errors = set(), []
    page.on("request", lambda request: page.hosts.add(urlsplit(request.url).netloc))
    page.on("console", lambda message: message.type == "error" and page.errors.append(message.text))
    yield page
    context.close()
    assert page.hosts <= {urlsplit(served_crawl).netloc}, "a page contacted another site"
    assert page.errors == []  # a script or style the Content-Security-Policy refused would show here


def newest_with_references(crawl):
    return crawl.rows(
        "select a.url, a.title, a.published_at, a.category from articles a"
        " where exists (select 1 from article_references r where r.article_url = a.url and r.doi is not null)"
        " order by a.published_at desc limit 1"
    )[0]


def test_the_articles_table_reads_on_the_first_screen(served_crawl, page, wordpress_crawl):
    page.goto(served_crawl + "/archive/articles")
    headers = page.locator("table.rows-and-columns th").all_inner_texts()
    assert [h.strip() for h in headers] == ["url", "title", "published_day", "category", "site"]
    first = page.locator("table.rows-and-columns tbody tr").first
    assert first.bounding_box()["y"] + first.bounding_box()["height"] < 720, "the first row is below the fold"
    newest = wordpress_crawl.rows("select title from articles order by published_at desc limit 1")[0][0]
    assert first.locator("td.col-title").inner_text().strip() == newest


def test_an_article_opens_from_the_table_and_reads_as_an_article(served_crawl, page, wordpress_crawl):
    url, title, published_at, category = newest_with_references(wordpress_crawl)
    page.goto(served_crawl + "/archive/articles?_col=title&_col=published_day&_sort_desc=published_at&_search=" + quote(title))
    page.locator("td.col-title a", has_text=title).first.click()
    page.wait_for_load_state("load")
    assert page.locator("h1.article-title").inner_text() == title
    assert page.locator(".meta .published").inner_text() == published_at
    assert page.locator(".meta .category").inner_text() == category
    assert page.locator("a.source").get_attribute("href") == url
    dois = [doi for (doi,) in wordpress_crawl.rows("select doi from article_references where article_url = ? and doi is not null order by position", [url])]
    assert page.locator("ol.references a[href^='https://doi.org/']").all_inner_texts() == dois
    assert page.locator("ol.references a.medarchive-citing").count() == len(dois)
    assert page.locator(".article-body img").count() == 0
    archived = page.locator("nav.neighbours a[href^='/-/article/']")
    if archived.count():  # a neighbour within the archive opens there
        neighbour_title = archived.first.inner_text()
        archived.first.click()
        page.wait_for_load_state("load")
        assert page.locator("h1.article-title").inner_text() == neighbour_title


def test_a_search_result_leads_to_the_archived_article(served_crawl, page, wordpress_crawl):
    word = "干细胞"
    page.goto(f"{served_crawl}/archive/search?q={quote(word)}")
    marks = set(page.locator("td.col-snippet mark").all_inner_texts())
    assert marks == {word}  # highlighted, never as [干细胞], which reads like a reference marker
    assert not any(f"[{word}]" in text for text in page.locator("td.col-snippet").all_inner_texts())
    first = page.locator("td.col-title a").first
    title = first.inner_text()
    assert first.get_attribute("href").startswith("/-/article/archive?url=")
    first.click()
    page.wait_for_load_state("load")
    assert page.locator("h1.article-title").inner_text() == title
    (url,) = wordpress_crawl.rows("select url from articles where title = ?", [title])[0]
    assert page.locator("a.source").get_attribute("href") == url


def test_the_charts_page_draws_articles_per_month(served_crawl, page, wordpress_crawl):
    page.goto(served_crawl + "/archive")
    page.locator("a.medarchive-charts-link").click()
    page.wait_for_load_state("networkidle")
    charts = page.locator("figure.medarchive-chart > svg")
    assert charts.count() == len(stats.CHART_TITLES)
    assert all(width > 0 for width in charts.evaluate_all("charts => charts.map(c => c.getBoundingClientRect().width)"))
    svg = urllib.request.urlopen(served_crawl + "/-/charts/archive/articles_per_month.svg").read().decode()
    months = [m for (m,) in wordpress_crawl.rows("select distinct substr(published_day, 1, 7) from articles where published_day is not null order by 1")]
    labelled = months[:: max(1, len(months) // 12)]  # at most about a dozen labels fit
    assert [label for label in months if f">{label}</text>" in svg] == labelled
    bars = sum(svg.count(f"<title>{m} ") for m in months)
    assert bars == len(wordpress_crawl.rows("select distinct substr(published_day, 1, 7), site from articles where published_day is not null"))
