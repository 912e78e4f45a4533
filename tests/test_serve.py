"""Browsing the archive with datasette: the Chinese search box, canned queries, safe article HTML.

The browser tests start ``archive.serve`` in a subprocess on a free port and drive Debian's
Chromium headless with Playwright (no browser download needed)."""

import asyncio
import concurrent.futures
import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from html import escape
from pathlib import Path

import pytest
from conftest import written_archive
from datasette.utils import tilde_encode

from archive import serve

ROOT = Path(__file__).resolve().parent.parent

EVIL_HTML = (
    "<p>安全段落：雾化治疗。</p>"
    "<script>window.__pwned = 'script'</script>"
    "<img src=x onerror=\"window.__pwned = 'onerror'\">"
    "<a id=evil href=\"javascript:window.__pwned = 'href'\">链接</a>"
    "<p onmouseover=\"window.__pwned = 'handler'\">悬停</p>"
)


def article(n: int, title: str, body: str, **fields) -> dict:
    return {
        "url": f"https://site.example/a/{n}.html",
        "site": "https://site.example",
        "title": title,
        "body": body,
        "body_html": "<p>" + body + "</p>",
        "category": "呼吸",
        "published": f"2025-0{n % 9 + 1}-01",
        "published_raw": f"2025-0{n % 9 + 1}-01",
        "disclaimer": "免责声明：仅供参考。",
        "references": [{"position": 1, "text": "Li X. 哮喘综述. doi:10.1177/0963689724131234", "doi": "10.1177/0963689724131234"}],
        "dois": ["10.1177/0963689724131234"],
        "neighbours": [],
        "aliases": [],
    } | fields


#: What a reprint's page says of it beyond its text.
METADATA = {"authors": ["张三", "李四"], "editor": "王五", "source": "新华网", "source_url": "http://www.news.cn/health/1.htm",
            "modified": "2025-02-03T10:00:00+08:00", "modified_raw": "更新时间：2025-02-03 10:00", "description": "干细胞减轻气道炎症",
            "keywords": ["哮喘", "干细胞"], "images": [{"url": "https://img.example/lead.jpg", "alt": "示意图", "caption": "图1 间充质干细胞"}]}
#: Metadata a hostile page gives: markup in every text, a script URL for the original and an image.
EVIL_METADATA = {"authors": ["<script>window.__pwned = 'author'</script>"], "source": "<b>新华网</b>", "source_url": "javascript:alert(1)",
                 "description": "<img src=x onerror=alert(1)>", "images": [{"url": "javascript:alert(2)", "caption": "<i>图</i>"}]}

ARTICLES = [
    article(1, "支气管哮喘的干细胞治疗", "间充质干细胞可减轻气道炎症。", **METADATA),
    article(2, "慢阻肺患者的康复", "COPD患者合并哮喘时，吸入治疗需要调整。", source="新华网", authors=["张三"]),
    article(3, "外泌体研究进展", "外泌体在支气管哮喘模型中降低了炎症因子。"),
    article(4, "糖尿病足护理", "血糖控制与足部护理同样重要。", category="内分泌"),
    article(5, "肺癌靶向治疗", "EGFR突变患者的一线治疗。哮", category="肿瘤", **EVIL_METADATA),
    article(6, "雾化吸入的注意事项", "雾化治疗后应漱口。", body_html=EVIL_HTML, category="护理"),
]
WITH_ASTHMA = {a["title"] for a in ARTICLES if "哮喘" in a["title"] + a["body"]}


@pytest.fixture(scope="module")
def db_path(tmp_path_factory):
    path = written_archive(tmp_path_factory.mktemp("serve"), ARTICLES)
    from archive import open_archive, runs

    db = open_archive(path)
    run = runs.start_run(db, ["https://site.example/"], {})
    runs.finish_run(db, run, "finished", {f"downloader/response_status_count/{n}": n for n in range(100, 160)})
    db.close()
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(db_path):
    """``archive.serve`` running in a subprocess; yields its base URL."""
    port = free_port()
    process = subprocess.Popen(serve.serve_argv(db_path, port=port), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/-/versions.json", timeout=1).read()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"datasette did not start: {process.stdout.read().decode(errors='replace')}")
            time.sleep(0.2)
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    yield page
    context.close()


def titles_in_table(page, column: str) -> set[str]:
    """The first line of each cell of ``column`` (a title's snippet shows under it)."""
    return {cell.inner_text().strip().split("\n")[0] for cell in page.locator(f"table.rows-and-columns td.col-{column}").all()}


# --- in the browser ------------------------------------------------------------------------


@pytest.mark.parametrize("query, expected", [("哮喘", WITH_ASTHMA), ("外泌体", {"外泌体研究进展"}), ("COPD患者", {"慢阻肺患者的康复"})])
def test_the_articles_search_box_finds_chinese_like_the_cli(server, page, query, expected):
    page.goto(f"{server}/archive/articles")
    page.fill("input#_search", query)
    page.press("input#_search", "Enter")
    page.wait_for_load_state("load")
    assert "_search=" in page.url
    assert titles_in_table(page, "title") == expected


def test_a_one_character_search_is_a_prefix_search(server, page):
    page.goto(f"{server}/archive/articles")
    page.fill("input#_search", "哮")
    page.press("input#_search", "Enter")
    page.wait_for_load_state("load")
    assert titles_in_table(page, "title") == WITH_ASTHMA | {"肺癌靶向治疗"}


def test_the_canned_search_form_ranks_and_shows_snippets(server, page):
    page.goto(f"{server}/archive/search")
    page.fill("input[name=q]", "哮喘")
    page.locator("form.sql input[type=submit]").click()
    page.wait_for_load_state("load")
    titles = [cell.inner_text().strip() for cell in page.locator("td.col-title").all()]
    assert set(titles) == WITH_ASTHMA
    assert titles[0] == "支气管哮喘的干细胞治疗"  # the title hit ranks first
    # Hits are marked, not bracketed like the [1] reference markers of the text.
    assert set(page.locator("td.col-snippet mark").all_inner_texts()) == {"哮喘"}
    assert not any("[哮喘]" in cell.inner_text() for cell in page.locator("td.col-snippet").all())


def test_the_canned_search_says_why_a_query_cannot_be_read(server, page):
    page.goto(f"{server}/archive/search?q=" + urllib.request.quote('"哮喘'))
    assert "unbalanced quote" in page.locator("td.col-title").first.inner_text()


def test_script_in_article_html_does_not_run(server, page):
    evil = ARTICLES[-1]["url"]
    page.goto(f"{server}/archive/articles/{tilde_encode(evil)}")
    body_cell = page.locator("td.col-body_html").first
    assert "安全段落" in body_cell.inner_text()  # the HTML is rendered, readably ...
    page.hover("text=悬停")
    if page.locator("#evil").count():
        page.locator("#evil").click()
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None  # ... and nothing in it ran
    assert page.dialogs == []
    html = page.content()
    assert "onerror" not in html and "javascript:window" not in html and "window.__pwned = 'script'" not in html
    page.goto(f"{server}/archive/articles?_search=雾化")
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None


def test_a_link_to_a_search_shows_the_readable_columns_and_snippets(server, page):
    page.goto(f"{server}/archive/articles?_search=" + urllib.request.quote("哮喘"))
    columns = [th.get_attribute("data-column") for th in page.locator("table.rows-and-columns th").all()]
    assert columns == ["url", "title", "published_day", "category", "site"]
    snippets = page.locator("td.col-title .medarchive-snippet")
    assert snippets.count() == len(WITH_ASTHMA)  # every hit, the title-only one with its opening lines
    assert set(page.locator("td.col-title .medarchive-snippet mark").all_inner_texts()) == {"哮喘"}


def test_the_column_descriptions_read_down_without_sideways_scrolling(server, page):
    page.goto(f"{server}/archive/articles")
    box = page.locator("dl.column-descriptions")
    assert box.evaluate("dl => dl.scrollWidth <= dl.clientWidth")
    # Each name stands on the line of its description.
    pairs = box.evaluate("dl => [...dl.querySelectorAll('dt')].map(dt => [dt.getBoundingClientRect().top, dt.nextElementSibling.getBoundingClientRect().top])")
    assert all(abs(name - description) < 8 for name, description in pairs)


def test_the_category_facet_shows_every_value(server, page):
    page.goto(f"{server}/archive/articles")
    facet = page.locator(".facet-info[data-column=category_group] ul")
    assert facet.locator("li").count() == len({a["category"] for a in ARTICLES})
    assert facet.evaluate("ul => ul.scrollHeight <= ul.clientHeight")


def test_runs_are_listed_one_line_each(server, page):
    page.goto(f"{server}/archive/runs")
    line = page.locator("table.rows-and-columns td").first.evaluate("td => parseFloat(getComputedStyle(td).lineHeight)")
    heights = page.locator("table.rows-and-columns tbody tr").evaluate_all("rows => rows.map(r => r.getBoundingClientRect().height)")
    assert heights and all(height < 2 * line + 12 for height in heights)


def test_references_are_numbered_as_the_body_cites_them(server, page):
    page.goto(f"{server}/-/article/archive?url=" + urllib.request.quote(ARTICLES[0]["url"], safe=""))
    item = page.locator("ol.references li").first
    assert item.evaluate("li => getComputedStyle(li).display") == "list-item"
    assert item.evaluate("li => getComputedStyle(li.parentElement).listStyleType") == "decimal"
    assert item.get_attribute("value") == "1"


def test_a_bar_of_the_monthly_chart_opens_its_articles(server, page):
    page.goto(f"{server}/-/charts/archive")
    bars = page.locator("#articles_per_month a rect")
    assert bars.count() == len({a["published"][:7] for a in ARTICLES})
    month = bars.first.locator("title").text_content().split()[0]
    bars.first.click()
    page.wait_for_load_state("load")
    assert titles_in_table(page, "title") == {a["title"] for a in ARTICLES if a["published"].startswith(month)}


def test_a_point_of_the_categories_chart_opens_its_articles(server, page):
    page.goto(f"{server}/-/charts/archive")
    point = page.locator("#categories_over_time a circle").first
    month, category = point.locator("title").text_content().rsplit(":", 1)[0].split(" ", 1)
    point.click()
    page.wait_for_load_state("load")
    assert titles_in_table(page, "title") == {a["title"] for a in ARTICLES if a["published"].startswith(month) and a["category"] == category}


# --- in process ----------------------------------------------------------------------------


def get_json(db_path, path):
    async def fetch():
        response = await serve.make_datasette(db_path).client.get(path)
        assert response.status_code == 200, response.text
        return response.json()

    # A thread of its own: Playwright's sync API keeps an event loop running in this one.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, fetch()).result()


def test_metadata_configures_sorting_facets_and_canned_queries(db_path):
    table = get_json(db_path, "/archive/articles.json")
    assert table["human_description_en"] == "sorted by published_at descending"
    assert set(table["facet_results"]) == {"category_group", "year", "source"}
    dois = get_json(db_path, "/archive/article_dois.json")
    assert "prefix" in dois["facet_results"]
    citing = get_json(db_path, "/archive/articles_citing_doi.json?_shape=array&doi=10.1177/0963689724131234")
    assert len(citing) == len(ARTICLES)
    assert get_json(db_path, "/archive/most_cited_dois.json?_shape=array")[0]["articles"] == len(ARTICLES)
    assert get_json(db_path, "/archive/articles_per_month.json?_shape=array")


def test_a_differently_named_file_gets_the_same_configuration(db_path, tmp_path):
    other = tmp_path / "stemcell.db"
    shutil.copy(db_path, other)
    assert get_json(other, "/stemcell/articles.json?_search=外泌体&_shape=array&_col=title") == [
        {"url": "https://site.example/a/3.html", "title": "外泌体研究进展"}
    ]


def test_plain_sqlite3_and_datasette_without_the_plugin_open_the_file(db_path):
    if shutil.which("sqlite3"):
        out = subprocess.run(["sqlite3", str(db_path), "select count(*) from articles_search where articles_search match '{title body} : 哮喘'"], capture_output=True, text=True, check=True)
        assert int(out.stdout) == len(WITH_ASTHMA)
    script = f"""
import asyncio, json
from datasette.app import Datasette
from datasette.plugins import pm
# Installed with the project, the plugin loads from its entry point; take it out to see the file as others do.
if pm.has_plugin("medarchive"):
    pm.unregister(name="medarchive")
assert not any(name == "medarchive" for name, _ in pm.list_name_plugin())
async def main():
    ds = Datasette(files=[{str(db_path)!r}], metadata=json.load(open({str(ROOT / 'archive' / 'metadata.json')!r})))
    for path in ["/archive", "/archive/articles", "/archive/articles.json?_search=哮喘"]:
        response = await ds.client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    print(len((await ds.client.get("/archive/articles.json?_search=哮喘&_shape=array")).json()))
asyncio.run(main())
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd="/")
    assert out.returncode == 0, out.stderr
    # Two characters work even without the plugin; it searches every column (the reference
    # "哮喘综述" of each article too), where the plugin searches title and body as the CLI does.
    assert int(out.stdout) == len(ARTICLES)


def test_serve_refuses_a_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no archive at"):
        serve.make_datasette(tmp_path / "missing.db")
    assert serve.serve_argv("a.db", port=9) [-4:] == ["--host", "127.0.0.1", "--port", "9"]
    assert json.loads((ROOT / "archive" / "metadata.json").read_text())["databases"]["archive"]["tables"]["articles"]["fts_table"] == "articles_search"


@pytest.mark.parametrize("query", ['"哮喘', "哮喘 AND", "(哮喘", "哮喘 -"])
def test_the_search_box_reads_a_malformed_query_leniently_instead_of_failing(db_path, query):
    rows = get_json(db_path, "/archive/articles.json?_shape=array&_col=title&_search=" + urllib.request.quote(query))
    assert {row["title"] for row in rows} == WITH_ASTHMA


# --- pages that stay fast at a million articles --------------------------------------------


def get_text(db_path, path):
    async def fetch():
        response = await serve.make_datasette(db_path).client.get(path, follow_redirects=True)
        assert response.status_code == 200, response.text
        return response.text

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, fetch()).result()


def test_serve_turns_off_the_suggested_facets_that_scan_every_row(db_path):
    settings = serve.make_datasette(db_path).settings_dict()
    assert settings["suggest_facets"] is False
    assert get_json(db_path, "/archive/articles.json")["suggested_facets"] == []


def test_a_search_of_the_articles_shows_the_bounded_count_instead_of_datasettes(db_path):
    table = get_json(db_path, "/archive/articles.json?_search=哮喘")
    assert table["filtered_table_rows_count"] is None  # datasette's own count walks every match
    assert len(table["rows"]) == len(WITH_ASTHMA)
    page = get_text(db_path, "/archive/articles?_search=" + urllib.request.quote("哮喘"))
    assert f'<p class="medarchive-search-count">{len(WITH_ASTHMA)} articles match</p>' in page


def test_a_search_with_other_filters_keeps_datasettes_own_count(db_path):
    table = get_json(db_path, "/archive/articles.json?_search=哮喘&category=" + urllib.request.quote("呼吸"))
    assert table["filtered_table_rows_count"] == len(WITH_ASTHMA)
    page = get_text(db_path, "/archive/articles?_search=" + urllib.request.quote("哮喘") + "&category=" + urllib.request.quote("呼吸"))
    assert "medarchive-search-count" not in page


def test_a_table_search_of_a_word_in_more_articles_than_the_bound_lists_its_newest_and_says_so(db_path, monkeypatch):
    from archive import search

    monkeypatch.setattr(search, "RANK_AT_MOST", 2)
    table = get_json(db_path, "/archive/articles.json?_shape=objects&_col=title&_search=" + urllib.request.quote("哮喘"))
    newest = [a["title"] for a in ARTICLES if a["title"] in WITH_ASTHMA][-2:]
    assert sorted(row["title"] for row in table["rows"]) == sorted(newest)
    assert table["human_description_en"].startswith(f'where search matches "哮喘" (the 2 most recently archived of {len(WITH_ASTHMA)} matching articles)')
    page = get_text(db_path, "/archive/articles?_search=" + urllib.request.quote("哮喘") + "&category=" + urllib.request.quote("呼吸"))
    assert f"the 2 most recently archived of {len(WITH_ASTHMA)} matching articles" in page


def test_a_table_search_of_a_word_below_the_bound_lists_every_match_and_keeps_the_search_box(db_path):
    page = get_text(db_path, "/archive/articles?_search=" + urllib.request.quote("哮喘"))
    assert 'id="_search"' in page and f'value="哮喘"' in page and "most recently archived" not in page


def test_the_served_archive_leaves_the_search_box_to_the_plugin_not_to_datasettes_walk_over_every_match(db_path):
    from datasette.filters import search_filters

    datasette = serve.make_datasette(db_path)
    assert "fts_table" not in datasette.table_metadata("archive", "articles")

    class Request:
        args = {"_search": "哮喘"}

    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # Playwright keeps a loop running in this thread
        datasettes_own = pool.submit(asyncio.run, search_filters(Request(), "archive", "articles", datasette)()).result()
    assert datasettes_own.where_clauses == []


def test_a_search_of_one_column_is_refused_rather_than_listing_every_article(db_path):
    async def fetch():
        return await serve.make_datasette(db_path).client.get("/archive/articles.json?_search_title=" + urllib.request.quote("哮喘"))

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        response = pool.submit(asyncio.run, fetch()).result()
    assert response.status_code == 400 and "_search_title is not supported" in response.text


def test_the_canned_search_is_described_with_the_bound_and_weights_the_code_uses(db_path, monkeypatch):
    from archive import datasette_plugin, search

    monkeypatch.setattr(search, "RANK_AT_MOST", 1234)
    monkeypatch.setattr(search, "BM25_WEIGHTS", (6.0, 2.0, 0.5, 0.5))
    description = datasette_plugin.canned_search()["description"]
    assert "more than 1,234 articles" in description and "title weighted 3x" in description


def test_the_canned_search_lists_what_the_cli_search_ranks_in_the_same_order(db_path):
    from archive import open_archive, search

    db = open_archive(db_path)
    try:
        expected = [(hit["url"], hit["ranked_by"]) for hit in search.search(db, "哮喘", limit=100)]
    finally:
        db.close()
    rows = get_json(db_path, "/archive/search.json?_shape=array&q=" + urllib.request.quote("哮喘"))
    assert [(row["url"], row["ranked_by"]) for row in rows] == expected and len(expected) == len(WITH_ASTHMA)


def test_the_home_page_lists_the_articles_first(db_path):
    home = get_text(db_path, "/")
    assert home.index('href="/archive/articles"') < min(home.index(f'href="/archive/{t}"') for t in ("article_references", "_sqlite_migrations"))


def test_the_database_page_starts_from_the_articles_in_its_list_and_sql_box(db_path):
    database = get_text(db_path, "/archive")
    assert '<a class="medarchive-articles-link" href="/archive/articles">' in database
    assert '<textarea id="sql-editor" name="sql">select * from articles</textarea>' in database
    assert database.index('<h3><a href="/archive/articles">') < database.index('<h3><a href="/archive/_sqlite_migrations">')
    assert database.index('<h3><a href="/archive/articles">') < database.index('<h3><a href="/archive/article_dois">')


@pytest.mark.parametrize("query", ["publication_lag", "most_cited_journals"])
def test_an_empty_query_over_works_says_to_run_enrich(db_path, query):
    page = get_text(db_path, f"/archive/{query}")
    assert '<p class="zero-results">0 results</p>' in page
    assert "medarchive enrich" in page.split('class="medarchive-empty"', 1)[1].split("</p>", 1)[0]


def test_a_query_with_rows_has_no_empty_note(db_path):
    assert "medarchive-empty" not in get_text(db_path, "/archive/articles_per_month")


# --- the metadata a page gives ---------------------------------------------------------------


def article_page(db_path, n: int) -> str:
    return get_text(db_path, "/-/article/archive?url=" + urllib.request.quote(f"https://site.example/a/{n}.html", safe=""))


def test_the_article_page_shows_authors_editor_source_and_modified_date(db_path):
    html = article_page(db_path, 1)
    for text in ("张三", "李四", "王五", "新华网", "2025-02-03T10:00:00+08:00", "干细胞减轻气道炎症", "哮喘、干细胞"):
        assert text in html
    assert '<a class="outlet-original" href="http://www.news.cn/health/1.htm" rel="noreferrer">' in html


def test_the_article_pages_source_and_authors_lead_to_their_articles(db_path):
    html = article_page(db_path, 1)
    assert "/archive/articles?source=%E6%96%B0%E5%8D%8E%E7%BD%91" in html
    assert "authors__arraycontains=%E5%BC%A0%E4%B8%89" in html
    by_author = get_json(db_path, "/archive/articles.json?_shape=array&_col=title&authors__arraycontains=张三")
    assert {row["title"] for row in by_author} == {ARTICLES[0]["title"], ARTICLES[1]["title"]}


def test_images_are_listed_as_links_with_captions_and_never_loaded(db_path):
    html = article_page(db_path, 1)
    assert '<a class="medarchive-image" href="https://img.example/lead.jpg" rel="noreferrer">示意图</a>: <span class="caption">图1 间充质干细胞</span>' in html
    assert "<img" not in html


def test_hostile_metadata_is_shown_as_text_and_its_script_urls_are_not_links(db_path):
    html = article_page(db_path, 5)
    assert "&lt;script&gt;window.__pwned = &#39;author&#39;&lt;/script&gt;" in html and "<script>window.__pwned" not in html
    assert "&lt;b&gt;新华网&lt;/b&gt;" in html and "&lt;img src=x onerror=alert(1)&gt;" in html and "&lt;i&gt;图&lt;/i&gt;" in html
    assert 'href="javascript:' not in html


def test_the_outlets_reprinted_most_query_counts_articles_per_outlet(db_path):
    rows = get_json(db_path, "/archive/outlets_reprinted_most.json?_shape=array")
    assert [(row["source"], row["sites"], row["articles"]) for row in rows] == [("新华网", 1, 2), ("<b>新华网</b>", 1, 1)]


def test_the_authors_query_counts_each_authors_articles(db_path):
    rows = get_json(db_path, "/archive/authors.json?_shape=array")
    assert [(row["author"], row["articles"]) for row in rows][:2] == [("张三", 2), ("<script>window.__pwned = 'author'</script>", 1)]


def test_the_articles_from_an_outlet_query_lists_its_articles(db_path):
    rows = get_json(db_path, "/archive/articles_from_outlet.json?_shape=array&source=新华网")
    assert {row["title"] for row in rows} == {ARTICLES[0]["title"], ARTICLES[1]["title"]}


def test_the_source_facet_counts_articles_per_outlet(db_path):
    facet = get_json(db_path, "/archive/articles.json")["facet_results"]["source"]["results"]
    assert {(value["value"], value["count"]) for value in facet} == {("新华网", 2), ("<b>新华网</b>", 1)}


def test_an_archive_from_before_m023_serves_its_article_pages_without_the_metadata_queries(db_path, tmp_path):
    from test_article_metadata import undo_m023

    old = tmp_path / "archive.db"
    shutil.copy(db_path, old)
    undo_m023(old)
    assert "张三" not in article_page(old, 1) and "支气管哮喘的干细胞治疗" in article_page(old, 1)
    assert set(get_json(old, "/archive/articles.json")["facet_results"]) == {"category_group", "year"}
    assert "outlets_reprinted_most" not in get_json(old, "/archive.json")["queries"]


# --- a crawled replica article's page ----------------------------------------------------------


def crawled_article_page(crawl, url: str) -> str:
    return get_text(crawl.db_path, "/-/article/archive?url=" + urllib.request.quote(url, safe=""))


def test_a_crawled_reprints_page_shows_its_author_and_source_and_links_the_original_escaped(wordpress_crawl):
    truth = next(a for a in wordpress_crawl.portal.live_articles if a.source_url and "&" in a.source_url)
    page = crawled_article_page(wordpress_crawl, wordpress_crawl.site.url + truth.path)
    assert f'">{escape(truth.authors[0])}</a></span>' in page
    assert f'<a class="outlet-articles" href="/archive/articles?source={urllib.parse.quote(truth.source)}' in page
    assert f'<a class="outlet-original" href="{escape(truth.source_url)}" rel="noreferrer">(original)</a>' in page
    assert "&amp;c=index" in page and "&c=index" not in page


def test_a_crawled_articles_images_are_listed_as_links_with_their_captions(wordpress_crawl):
    (url,), = wordpress_crawl.rows("select article_url from article_images where caption is not null limit 1")
    page = crawled_article_page(wordpress_crawl, url)
    for image, alt, caption in wordpress_crawl.rows("select url, alt, caption from article_images where article_url = ?", [url]):
        assert f'<a class="medarchive-image" href="{escape(image)}" rel="noreferrer">{escape(alt or image)}</a>' in page
        assert caption is None or f'<span class="caption">{escape(caption)}</span>' in page
    assert "<img" not in page
