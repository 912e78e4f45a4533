"""m025's kept counts (articles per month, site and category group; citing articles per DOI and
per DOI prefix) equal a recount of the rows after every way an archive is written, and the
charts and canned queries read them, drawing what a count over the rows draws."""

import asyncio
import shutil
import sqlite3

import pytest
from conftest import medarchive, statements_run, undo_kept_counts, written_archive
from datasette.app import Datasette

from archive import open_archive, stats, writer
from archive.schema import COUNT_RECOUNTS, COUNT_TABLES


def kept_and_recounted(path) -> dict:
    """Per kept table: (its rows, the recount of them from the archive's rows), both sorted."""
    with sqlite3.connect(path) as conn:
        found = {table: (sorted(conn.execute(f"select * from {table}").fetchall(), key=repr),
                         sorted(conn.execute(recount).fetchall(), key=repr))
                 for table, recount in COUNT_RECOUNTS.items()}
    conn.close()
    return found


def assert_counts_hold(path):
    for table, (kept, recounted) in kept_and_recounted(path).items():
        assert kept == recounted, table


def test_a_crawl_leaves_the_kept_counts_equal_to_a_recount(wordpress_crawl):
    found = kept_and_recounted(wordpress_crawl.db_path)
    assert all(kept for kept, _ in found.values())  # the crawl cites DOIs and dates its articles
    assert_counts_hold(wordpress_crawl.db_path)


def test_reextract_leaves_the_kept_counts_equal_to_a_recount(wordpress_crawl, tmp_path):
    path = shutil.copy(wordpress_crawl.db_path, tmp_path / "archive.db")
    with sqlite3.connect(path) as conn:  # stored values reextract will find changed and rewrite
        conn.execute("update articles set content_hash = 'stale', category = '旧栏目', category_group = '旧栏目', published = '2001-01-01'")
        conn.execute("delete from article_dois where article_url in (select url from articles order by id limit 3)")
    conn.close()
    result = medarchive("reextract", "--db", str(path))
    assert result.returncode == 0, result.stderr
    months = kept_and_recounted(path)["article_months"][0]
    assert months and not any(category == "旧栏目" or month == "2001-01" for month, _, category, _, _ in months)
    assert_counts_hold(path)


def test_deleting_articles_leaves_the_kept_counts_equal_to_a_recount(wordpress_crawl, tmp_path):
    path = shutil.copy(wordpress_crawl.db_path, tmp_path / "archive.db")
    citations = sum(n for *_, n in kept_and_recounted(path)["doi_citations"][0])
    db = open_archive(path)
    citing = [url for (url,) in db.execute("select distinct article_url from article_dois order by article_url")]
    assert writer.delete_articles(db, citing[::2]) == len(citing[::2])
    db.close()
    assert_counts_hold(path)
    assert sum(n for *_, n in kept_and_recounted(path)["doi_citations"][0]) < citations


def test_the_migration_counts_the_rows_of_an_archive_written_before_it(wordpress_crawl, tmp_path):
    path = shutil.copy(wordpress_crawl.db_path, tmp_path / "archive.db")
    with sqlite3.connect(path) as conn:
        undo_kept_counts(conn)
    conn.close()
    open_archive(path).close()
    assert_counts_hold(path)


def article(n, dois, category="政策法规"):
    return {"url": f"https://site.example/a/{n}.html", "site": "https://site.example", "title": f"标题{n}", "body": f"正文{n}",
            "category": category, "published": "2025-03-01", "published_raw": "2025-03-01", "dois": dois}


def test_an_article_counts_once_for_a_prefix_while_it_cites_any_doi_of_it(tmp_path):
    path = written_archive(tmp_path, [article(1, ["10.1177/a", "10.1177/b"]), article(2, ["10.1177/c"])])

    def prefixes():
        with sqlite3.connect(path) as conn:
            return conn.execute("select prefix, articles from prefix_citations order by prefix").fetchall()

    assert prefixes() == [("10.1177", 2)]
    db = open_archive(path)
    writer.write_batch(db, [dict(article(1, ["10.1177/b"]), body="改过的正文")])
    assert prefixes() == [("10.1177", 2)]
    writer.write_batch(db, [dict(article(1, ["10.1038/x"]), body="又改过的正文")])
    db.close()
    assert prefixes() == [("10.1038", 1), ("10.1177", 1)]
    assert_counts_hold(path)


def _tables_read(conn, draw) -> set[str]:
    """The tables the statements ``draw(conn)`` runs read, by their query plans."""
    plans = [detail for sql in statements_run(conn, draw) if sql.lstrip().lower().startswith("select")
             for *_, detail in conn.execute("explain query plan " + sql, [stats.TOP_PUBLISHERS] if "?" in sql else [])]
    return {word for detail in plans for word in detail.split() if word in {*COUNT_TABLES, "articles", "article_dois"}}


@pytest.mark.parametrize("name, table", [("articles_per_month", "article_months"), ("categories_over_time", "article_months"),
                                         ("cited_journals", "prefix_citations")])
def test_the_counting_charts_read_the_kept_counts_not_the_rows(wordpress_crawl, name, table):
    with sqlite3.connect(wordpress_crawl.db_path) as conn:
        assert _tables_read(conn, lambda c: stats.chart_svg(c, name)) == {table}


@pytest.mark.parametrize("name", ["articles_per_month", "categories_over_time", "cited_journals"])
def test_a_chart_from_the_kept_counts_is_the_chart_from_the_rows(wordpress_crawl, before_m025, name):
    def link(table, filters):
        return f"/archive/{table}?" + "&".join(f"{k}={v}" for k, v in filters.items())

    with sqlite3.connect(wordpress_crawl.db_path) as kept, sqlite3.connect(before_m025) as rows:
        assert stats.chart_svg(kept, name, link=link) == stats.chart_svg(rows, name, link=link)


def canned(path, query: str) -> list[dict]:
    async def fetch():
        response = await Datasette([str(path)]).client.get(f"/archive/{query}.json?_shape=array")
        assert response.status_code == 200, response.text
        return response.json()

    return asyncio.run(fetch())


@pytest.mark.parametrize("query", ["articles_per_month", "most_cited_dois"])
def test_a_canned_query_from_the_kept_counts_answers_as_one_from_the_rows(wordpress_crawl, before_m025, query):
    answer = canned(wordpress_crawl.db_path, query)
    assert answer and answer == canned(before_m025, query)


def test_the_canned_queries_read_the_kept_counts(wordpress_crawl):
    from archive.datasette_plugin import _archive_metadata

    queries = _archive_metadata()["queries"]
    with sqlite3.connect(wordpress_crawl.db_path) as conn:
        conn.create_function("doi_publisher", 1, stats.publisher)
        read = {name: {word for *_, detail in conn.execute("explain query plan " + queries[name]["sql"])
                       for word in detail.split() if word in {*COUNT_TABLES, "articles", "article_dois"}}
                for name in ("articles_per_month", "most_cited_dois")}
    assert read == {"articles_per_month": {"article_months"}, "most_cited_dois": {"doi_citations"}}


def facet_counts(path, query: str = "") -> dict:
    """datasette's facets of the articles table (``_facet=site`` added to ``query``), as {facet: {value: count}}."""
    async def fetch():
        response = await Datasette([str(path)]).client.get(f"/archive/articles.json?_facet=site&_nosuggest=1&_sort=id{query}")
        assert response.status_code == 200, response.text
        return response.json()["facet_results"]

    return {name: {row["value"]: row["count"] for row in facet["results"]} for name, facet in asyncio.run(fetch()).items()}


def test_the_facets_count_as_the_rows_do(wordpress_crawl, before_m025):
    counted = facet_counts(wordpress_crawl.db_path)
    assert counted["site"] and counted["category_group"] and counted["year"] and counted == facet_counts(before_m025)


def test_the_facets_of_every_article_read_the_kept_counts(wordpress_crawl, tmp_path):
    path = shutil.copy(wordpress_crawl.db_path, tmp_path / "archive.db")
    rows = facet_counts(path)
    with sqlite3.connect(path) as conn:  # counts no row gives: only a facet reading them shows them
        conn.execute("update article_months set articles = articles + 1000")
    conn.close()
    kept = facet_counts(path)
    assert all(kept[name][value] >= 1000 + count for name in ("site", "category_group", "year") for value, count in rows[name].items())


def test_a_filtered_table_counts_its_facets_from_its_rows(wordpress_crawl, tmp_path):
    path = shutil.copy(wordpress_crawl.db_path, tmp_path / "archive.db")
    with sqlite3.connect(path) as conn:
        conn.execute("update article_months set articles = articles + 1000")
        (site, articles), = conn.execute("select site, count(*) from articles group by site order by 2 desc limit 1")
    conn.close()
    assert facet_counts(path, f"&site={site}")["site"] == {site: articles}
