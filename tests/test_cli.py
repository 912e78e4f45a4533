"""The ``medarchive`` command as a user meets it: help, errors, search, demo."""

import json
import sqlite3

import pytest

from conftest import FAST, medarchive, written_archive


def test_help_lists_every_command():
    from medarchive.cli import cli

    result = medarchive("--help")
    assert result.returncode == 0
    listed = {line.split()[0] for line in result.stdout.split("Commands:")[1].splitlines() if line.strip()}
    assert listed == set(cli.commands)
    assert {"crawl", "demo", "search", "serve"} <= listed


@pytest.mark.parametrize("url", ["www.hjtdsm.com/sc/zhiliao/59017.html", "ftp://example.com/a.html", "file:///etc/passwd"])
def test_crawl_refuses_what_is_not_a_web_url(url, tmp_path):
    result = medarchive("crawl", url, "--db", str(tmp_path / "a.db"))
    assert result.returncode == 2
    assert "is not an http(s) URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_crawl_into_a_missing_directory_says_so(tmp_path):
    result = medarchive("crawl", "http://127.0.0.1:9/a.html", "--db", str(tmp_path / "no" / "a.db"))
    assert result.returncode == 1
    assert "does not exist" in result.stderr


def test_crawl_into_a_file_that_is_not_sqlite_says_so(tmp_path):
    bogus = tmp_path / "notes.db"
    bogus.write_text("these are my notes, not a database\n" * 100)
    result = medarchive("crawl", "http://127.0.0.1:9/a.html", "--db", str(bogus))
    assert result.returncode == 1
    assert "is not a usable SQLite archive" in result.stderr
    assert bogus.read_text().startswith("these are my notes")


def test_crawl_that_reaches_nothing_exits_3(tmp_path, wordpress_site):
    result = medarchive("crawl", wordpress_site.url + "/sc/zhiliao/1.html", "--chain-only", "--db", str(tmp_path / "a.db"), *FAST)
    assert result.returncode == 3
    assert "No article was reached" in result.stderr
    assert "http_404 1" in result.stdout


def test_crawl_from_a_robots_disallowed_page_fetches_nothing(tmp_path, wordpress_portal, wordpress_site):
    private = sorted(wordpress_portal.robots_disallowed)[0]
    wordpress_site.clear_requests()
    result = medarchive("crawl", wordpress_site.url + private, "--chain-only", "--db", str(tmp_path / "a.db"), *FAST)
    assert result.returncode == 3
    assert private not in wordpress_site.requested_paths()


def brute_force(db_path, term):
    with sqlite3.connect(db_path) as db:
        return {url for (url,) in db.execute("select url from articles where instr(title, ?) or instr(body, ?)", [term, term])}


@pytest.mark.parametrize("term", ["肺", "哮喘", "外泌体", "骨关节炎", "COPD"])
def test_search_finds_exactly_the_articles_containing_the_term(wordpress_crawl, term):
    result = medarchive("search", term, "--db", str(wordpress_crawl.db_path), "--json", "--limit", "1000")
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    expected = brute_force(wordpress_crawl.db_path, term)
    assert expected, f"the replica should contain {term}"
    assert {hit["url"] for hit in hits} == expected
    assert all({"url", "title", "published", "snippet"} <= set(hit) for hit in hits)


def test_search_ranks_title_matches_first(wordpress_crawl):
    hits = json.loads(medarchive("search", "肺", "--db", str(wordpress_crawl.db_path), "--json", "--limit", "1000").stdout)
    in_title = ["肺" in hit["title"] for hit in hits]
    assert any(in_title) and not all(in_title)
    assert in_title == sorted(in_title, reverse=True)


def test_search_prints_title_date_url_and_highlight(wordpress_crawl):
    result = medarchive("search", "外泌体", "--db", str(wordpress_crawl.db_path), "--limit", "1")
    lines = result.stdout.splitlines()
    assert lines[0][:4].isdigit()
    assert lines[1].strip().startswith(wordpress_crawl.site.url)
    assert "[外泌体]" in lines[2]


@pytest.mark.parametrize("query", ['"哮喘', "-", "哮喘 AND", "title:哮喘"])
def test_bad_query_gets_a_message_not_a_traceback(wordpress_crawl, query):
    result = medarchive("search", query, "--db", str(wordpress_crawl.db_path))
    assert result.returncode == 2
    assert "cannot read the query" in result.stderr
    assert "Traceback" not in result.stderr


def test_search_prints_no_character_a_terminal_acts_on(tmp_path):
    traps = ("\x1b]0;PWNED\x07", "\x1b[2J", "\x9b31m", "\u202e")
    db_path = written_archive(tmp_path, [{
        "url": "https://site.example/a/1.html", "site": "https://site.example", "title": f"哮喘{traps[0]}新进展{traps[3]}gnp.exe",
        "body": f"哮喘{traps[1]}治疗{traps[2]}进展", "body_html": "<p>x</p>", "published": "2025-03-01", "published_raw": "2025年3月1日",
        "references": [], "dois": [], "pmids": [], "pmcids": []}])
    result = medarchive("search", "哮喘", "--db", str(db_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "2025-03-01  哮喘]0;PWNED新进展gnp.exe"
    assert not any(trap in result.stdout for trap in traps)


def test_search_without_archive_tells_how_to_make_one(tmp_path):
    result = medarchive("search", "哮喘", "--db", str(tmp_path / "missing.db"))
    assert result.returncode == 1
    assert "medarchive crawl" in result.stderr
    assert not (tmp_path / "missing.db").exists()


def test_demo_crawls_the_replica_and_shows_what_it_stored(tmp_path):
    db_path = tmp_path / "archive.db"
    result = medarchive("demo", "--db", str(db_path), "--port", "0", "--articles", "12")
    assert result.returncode == 0, result.stderr
    assert "Replica wordpress site at http://127.0.0.1:" in result.stdout
    assert "Replica dedecms site at http://127.0.0.1:" in result.stdout
    with sqlite3.connect(db_path) as db:
        sites, articles, dated = db.execute(
            "select count(distinct site), count(*), count(published) from articles"
        ).fetchone()
    assert sites == 2 and articles > 6
    assert dated == articles
    assert f"Newest of the {articles} replica articles" in result.stdout
