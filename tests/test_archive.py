"""The archive file: schema, idempotent writes, dates taken from neighbours, runs."""

import sqlite3

import pytest
from conftest import undo_sortable_dates

from archive import open_archive, runs, writer

A = "https://site.example/a/1.html"
B = "https://site.example/a/2.html"
C = "https://site.example/a/3.html"


def article(url, **fields):
    base = {
        "url": url,
        "site": "https://site.example",
        "title": f"标题 {url[-6:]}",
        "body": "干细胞治疗哮喘的研究进展。",
        "disclaimer": "免责声明：仅供参考。",
        "references": [{"position": 1, "text": "Ref. doi: 10.1000/abc", "doi": "10.1000/abc"}],
        "dois": ["10.1000/abc"],
        "neighbours": [],
        "aliases": [],
    }
    return {**base, **fields}


def link(rel, url, date=None, raw=None):
    return {"rel": rel, "url": url, "title": "邻居", "date_raw": raw or date, "date": date}


@pytest.fixture
def db(tmp_path):
    database = open_archive(tmp_path / "archive.db")
    yield database
    database.close()


def rows(db, sql):
    return [tuple(row) for row in db.execute(sql).fetchall()]


def test_new_archive_has_the_documented_tables_in_wal_mode(db):
    assert {"articles", "article_references", "article_dois", "links", "aliases", "runs"} <= set(db.table_names())
    assert db.execute("pragma journal_mode").fetchone()[0] == "wal"


def test_reopening_an_archive_keeps_its_rows(tmp_path):
    path = tmp_path / "archive.db"
    first = open_archive(path)
    writer.write_batch(first, [article(A)])
    first.close()
    assert rows(open_archive(path), "select url from articles") == [(A,)]


def test_writing_the_same_articles_twice_leaves_the_same_rows(db):
    batch = [article(A, neighbours=[link("next", B, "2026-02-02", "2026年2月2日")]), article(B)]
    first = writer.write_batch(db, batch)
    snapshot = rows(db, "select url, id, title, body, published, content_hash from articles order by url")
    second = writer.write_batch(db, batch)
    assert (first.new, second.new, second.unchanged) == (2, 0, 2)
    assert rows(db, "select url, id, title, body, published, content_hash from articles order by url") == snapshot
    assert rows(db, "select count(*) from article_dois") == [(2,)]


def test_an_edited_article_is_updated_in_place(db):
    writer.write_batch(db, [article(A, fetched_at="2026-01-01T00:00:00+00:00")])
    counts = writer.write_batch(db, [article(A, body="更正后的正文。", fetched_at="2026-01-02T00:00:00+00:00")])
    assert counts.updated == 1
    assert rows(db, "select body, first_seen, last_changed from articles") == [
        ("更正后的正文。", "2026-01-01T00:00:00+00:00", "2026-01-02T00:00:00+00:00")
    ]


def test_references_of_an_edited_article_replace_the_old_ones(db):
    writer.write_batch(db, [article(A)])
    edited = article(A, references=[{"position": 1, "text": "New doi: 10.2000/new", "doi": "10.2000/new"}], dois=["10.2000/new"])
    writer.write_batch(db, [edited])
    assert rows(db, "select doi, prefix from article_dois") == [("10.2000/new", "10.2000")]
    assert rows(db, "select doi from article_references") == [("10.2000/new",)]


def test_article_without_own_date_takes_the_date_beside_links_to_it(db):
    writer.write_batch(db, [article(A, neighbours=[link("next", B, "2026-02-02", "2026年2月2日")]), article(B)])
    assert rows(db, f"select published, published_raw, published_source, year from articles where url = '{B}'") == [
        ("2026-02-02", "2026年2月2日", "neighbour", 2026)
    ]


def test_neighbour_date_arriving_in_a_later_batch_fills_the_gap(db):
    writer.write_batch(db, [article(B)])
    writer.write_batch(db, [article(C, neighbours=[link("prev", B, "2026-02-03")])])
    assert rows(db, f"select published from articles where url = '{B}'") == [("2026-02-03",)]


def test_own_date_wins_over_the_neighbours(db):
    own = article(B, published="2026-02-01T09:00:00+08:00", published_raw="发布时间:2026-02-01 09:00", published_source="line")
    writer.write_batch(db, [own, article(A, neighbours=[link("next", B, "2026-02-05")])])
    assert rows(db, f"select published, published_source from articles where url = '{B}'") == [("2026-02-01T09:00:00+08:00", "line")]


def dated(url, published):
    return article(url, published=published, published_raw=published, published_source="meta")


def test_published_at_sorts_days_and_times_of_any_offset_in_china_time(db):
    writer.write_batch(db, [
        dated(A, "2026-03-24T09:20:00+08:00"),
        dated(B, "2026-03-22"),
        dated(C, "2026-03-24T01:00:00+00:00"),  # 09:00 in Shanghai: before A
        article("https://site.example/a/undated.html"),
    ])
    assert rows(db, "select url, published_at, published_day from articles where published is not null order by published_at") == [
        (B, "2026-03-22", "2026-03-22"),
        (C, "2026-03-24 09:00:00", "2026-03-24"),
        (A, "2026-03-24 09:20:00", "2026-03-24"),
    ]
    assert rows(db, "select published_at, published_day from articles where published is null") == [(None, None)]


def test_an_archive_from_before_the_sortable_dates_gets_them_when_opened(tmp_path):
    path = tmp_path / "archive.db"
    old = open_archive(path)
    writer.write_batch(old, [dated(A, "2026-03-24T09:20:00+08:00")])
    old.close()
    undo_sortable_dates(path)
    assert rows(open_archive(path), "select published_at, published_day from articles") == [("2026-03-24 09:20:00", "2026-03-24")]


def test_link_through_an_alias_dates_the_canonical_article(db):
    short = "https://site.example/?p=2"
    writer.write_batch(db, [article(B, aliases=[short]), article(A, neighbours=[link("next", short, "2026-02-07")])])
    assert rows(db, "select alias_url, article_url from aliases") == [(short, B)]
    assert rows(db, f"select published from articles where url = '{B}'") == [("2026-02-07",)]


def test_a_failing_batch_leaves_nothing_half_written(db):
    writer.write_batch(db, [article(A)])
    broken = article(C, title=None)
    with pytest.raises(sqlite3.IntegrityError):
        writer.write_batch(db, [article(B), broken])
    assert rows(db, "select url from articles") == [(A,)]
    assert rows(db, "select article_url from article_dois") == [(A,)]


def test_ids_are_stable_across_updates(db):
    writer.write_batch(db, [article(A), article(B)])
    before = dict(rows(db, "select url, id from articles"))
    writer.write_batch(db, [article(A, body="改过的正文内容。")])
    assert dict(rows(db, "select url, id from articles")) == before


def test_a_run_records_its_outcome(db):
    run = runs.start_run(db, [A], {"DOWNLOAD_DELAY": 0.5})
    assert rows(db, "select status from runs") == [("running",)]
    run.counts.add(writer.write_batch(db, [article(A)]))
    runs.finish_run(db, run, "finished", {"response_received_count": 3, "portal/failed/http_404": 1})
    assert rows(db, "select status, pages, articles_new, errors from runs") == [("finished", 3, 1, 1)]


def test_a_crawls_errors_are_its_failed_fetches_and_spider_exceptions():
    from archive import crawl_errors

    stats = {"portal/failed/http_404": 2, "portal/failed/robots": 1, "spider_exceptions/ValueError": 1,
             "spider_exceptions_count": 1, "item_dropped_count": 4, "portal/articles": 9, "start_time": "2026-11-25"}
    assert crawl_errors(stats) == 4
