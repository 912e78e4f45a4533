"""A category and its Traditional spelling are one group: 政策法规 on a portal and 政策法規 on its
mirror count together in datasette's facets, in ``stats``' charts and in ``search --category``."""

import asyncio
import sqlite3

import pytest
from datasette.app import Datasette

from archive import open_archive, stats
from conftest import medarchive, undo_kept_counts, written_archive

SIMPLIFIED, TRADITIONAL = "政策法规", "政策法規"


def article(n, category, day="2025-03-01"):
    return {
        "url": f"https://site.example/a/{n}.html", "site": "https://site.example", "title": f"细胞治疗监管新规解读{n}",
        "body": "细胞治疗产品的临床试验申请需要规范。", "body_html": "<p>细胞治疗产品的临床试验申请需要规范。</p>",
        "category": category, "published": day, "published_raw": day,
    }


ARTICLES = [article(1, SIMPLIFIED), article(2, TRADITIONAL, "2025-04-01"), article(3, "醫學研究"), article(4, None)]


@pytest.fixture
def db_path(tmp_path):
    return written_archive(tmp_path, ARTICLES)


def groups(path):
    with sqlite3.connect(path) as conn:
        return conn.execute("select category, category_group from articles order by id").fetchall()


def test_the_writer_files_each_category_under_its_simplified_spelling(db_path):
    assert groups(db_path) == [(SIMPLIFIED, SIMPLIFIED), (TRADITIONAL, SIMPLIFIED), ("醫學研究", "医学研究"), (None, None)]


def forget_category_groups(path):
    """Make the archive at ``path`` as the release before migration m012 left it (and so
    before m022's index on ``category_group`` and m025's kept counts)."""
    with sqlite3.connect(path) as conn:
        undo_kept_counts(conn)
        for sql in ("drop index idx_articles_published_day_site_category_group",
                    "delete from _sqlite_migrations where name = 'm022_chart_indexes'",
                    "drop index idx_articles_category_group", "alter table articles drop column category_group",
                    "delete from _sqlite_migrations where name = 'm012_category_groups'"):
            conn.execute(sql)
    conn.close()


def test_an_older_archive_gets_its_groups_when_opened_for_writing(db_path):
    forget_category_groups(db_path)
    open_archive(db_path).close()
    assert groups(db_path) == [(SIMPLIFIED, SIMPLIFIED), (TRADITIONAL, SIMPLIFIED), ("醫學研究", "医学研究"), (None, None)]


@pytest.mark.parametrize("typed", [SIMPLIFIED, TRADITIONAL])
def test_search_by_category_finds_both_spellings(db_path, typed):
    result = medarchive("search", "细胞治疗", "--db", str(db_path), "--category", typed)
    assert result.returncode == 0, result.stderr
    assert "细胞治疗监管新规解读1" in result.stdout and "细胞治疗监管新规解读2" in result.stdout
    assert "细胞治疗监管新规解读3" not in result.stdout


def test_the_categories_chart_draws_one_line_per_group(db_path):
    with sqlite3.connect(db_path) as conn:
        svg = stats.categories_over_time_svg(conn)
    assert SIMPLIFIED in svg and TRADITIONAL not in svg and "医学研究" in svg and "醫學研究" not in svg


def facets(path):
    async def fetch():
        response = await Datasette([str(path)]).client.get("/archive/articles.json?_sort=id")
        return response.json()["facet_results"]

    return asyncio.run(fetch())


def test_datasette_facets_count_both_spellings_as_one(db_path):
    counted = {row["value"]: row["count"] for row in facets(db_path)["category_group"]["results"]}
    assert counted == {SIMPLIFIED: 2, "医学研究": 1}


def test_an_older_archive_read_as_it_is_facets_on_its_categories(db_path):
    forget_category_groups(db_path)
    counted = {row["value"]: row["count"] for row in facets(db_path)["category"]["results"]}
    assert counted == {SIMPLIFIED: 1, TRADITIONAL: 1, "醫學研究": 1}
