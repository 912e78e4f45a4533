"""`search` says how many articles match, filters by dates, site and category as `export` does,
sorts by date, and prints CSV; `gaps` and `runs` print CSV beside JSON."""

import csv
import io
import json
import sqlite3
from contextlib import closing

import pytest

from archive.selection import BadSelection, Selection, check_day, site_origins
from conftest import medarchive_in_process as medarchive


def brute_force(db_path, term, where="1", params=()) -> list[tuple]:
    """(url, published_day) of the articles containing ``term``, by a scan of the test's own."""
    with closing(sqlite3.connect(db_path)) as db:
        return db.execute(
            f"select url, published_day from articles where (instr(title, ?) or instr(body, ?)) and {where}", [term, term, *params]
        ).fetchall()


def hits(db_path, *args) -> list[dict]:
    result = medarchive("search", *args, "--db", str(db_path), "--json", "--limit", "1000")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_hit_count_is_every_match_not_only_those_shown(wordpress_crawl):
    expected = brute_force(wordpress_crawl.db_path, "肺")
    assert len(expected) > 3
    text = medarchive("search", "肺", "--db", str(wordpress_crawl.db_path), "--limit", "3").stdout.splitlines()
    assert text[-1] == f"{len(expected)} articles match '肺'; showing the 3 best by relevance (--limit)"
    assert len([line for line in text if line[:4].isdigit() or line.startswith("?")]) == 3
    as_json = medarchive("search", "肺", "--db", str(wordpress_crawl.db_path), "--json")
    assert as_json.stderr.strip() == f"{len(expected)} articles match '肺'"  # 20 shown, all of them: stdout stays JSON
    assert len(json.loads(as_json.stdout)) == len(expected)


def test_since_until_and_site_select_the_articles_sql_selects(wordpress_crawl):
    db = wordpress_crawl.db_path
    days = sorted(day for _, day in brute_force(db, "干细胞") if day)
    since, until = days[len(days) // 4], days[3 * len(days) // 4]
    between = hits(db, "干细胞", "--since", since, "--until", until)
    assert sorted(hit["url"] for hit in between) == sorted(url for url, _ in brute_force(db, "干细胞", "published_day between ? and ?", [since, until]))
    assert 0 < len(between) < len(days)
    counted = medarchive("search", "干细胞", "--db", str(db), "--since", since, "--until", until, "--limit", "1").stdout.splitlines()[-1]
    assert counted == f"{len(between)} articles match '干细胞'; showing the 1 best by relevance (--limit)"
    host = wordpress_crawl.site.url.split("://")[1]
    assert {hit["url"] for hit in hits(db, "干细胞", "--site", host)} == {url for url, _ in brute_force(db, "干细胞")}
    assert hits(db, "干细胞", "--site", "other.example") == []


def test_sort_by_date_gives_the_newest_matches_first(wordpress_crawl):
    newest = hits(wordpress_crawl.db_path, "干细胞", "--sort", "date")
    published = [hit["published"] for hit in newest]
    assert published == sorted(published, key=lambda day: day or "", reverse=True)
    ranked = hits(wordpress_crawl.db_path, "干细胞")
    assert {hit["url"] for hit in newest} == {hit["url"] for hit in ranked} and newest != ranked
    assert all(hit["score"] is None for hit in newest) and all(isinstance(hit["score"], float) for hit in ranked)
    two = medarchive("search", "干细胞", "--db", str(wordpress_crawl.db_path), "--sort", "date", "--limit", "2").stdout
    assert two.splitlines()[-1].endswith("showing the 2 newest (--limit)")


def test_search_csv_holds_what_json_holds(wordpress_crawl):
    args = ("search", "外泌体", "--db", str(wordpress_crawl.db_path))
    as_csv = list(csv.DictReader(io.StringIO(medarchive(*args, "--csv").stdout, newline="")))
    as_json = json.loads(medarchive(*args, "--json").stdout)
    assert as_csv and as_csv == [{key: "" if value is None else str(value) for key, value in hit.items()} for hit in as_json]


@pytest.mark.parametrize("command", [["gaps"], ["runs"], ["runs", "--alerts"]])
def test_gaps_and_runs_print_csv_with_the_columns_of_their_json(wordpress_crawl, command):
    args = (*command, "--db", str(wordpress_crawl.db_path))
    as_csv = list(csv.DictReader(io.StringIO(medarchive(*args, "--csv").stdout, newline="")))
    as_json = json.loads(medarchive(*args, "--json").stdout)
    assert len(as_csv) == len(as_json)
    for written, row in zip(as_csv, as_json):
        assert written == {key: "" if row[key] is None else str(row[key]) for key in written}
    if command == ["gaps"]:
        assert as_csv and as_csv[0]["reason"] == "http_404"


@pytest.mark.parametrize("value", ["2025-1-5", "20250105", "2025-02-30", "yesterday"])
def test_a_day_is_iso_or_refused(value):
    with pytest.raises(BadSelection, match="is not a date like 2025-01-31"):
        check_day(value)


def test_a_site_is_named_by_host_or_origin():
    assert site_origins("WWW.hjtdsm.com") == ["http://www.hjtdsm.com", "https://www.hjtdsm.com"]
    assert site_origins("https://www.hjtdsm.com/") == ["https://www.hjtdsm.com"]
    with pytest.raises(BadSelection, match="no day is both"):
        Selection(since="2025-02-01", until="2025-01-31")
