"""A crawl ends even on a site that generates pages without end: a chain that never meets
an article the site lists is given up, and no site gets more than ``--max-pages``."""

import json
import sqlite3

import pytest

from conftest import FAST, medarchive, middle_article
from replica.server import serve
from trap_sites import LISTED, EndlessChainSite

UNLISTED_LIMIT = 25
#: Requests already in flight when a bound is reached still complete: at most the concurrency (8).
IN_FLIGHT = 8


@pytest.fixture(scope="module")
def endless_site():
    with serve(EndlessChainSite()) as server:
        yield server


def crawl(server, db_path, *options):
    server.clear_requests()
    return medarchive("crawl", server.url + "/a/1.html", "--db", str(db_path), *FAST, *options, timeout=60)


def chain_fetches(server) -> int:
    return sum(1 for _, path, _ in server.requests if path.startswith("/a/"))


def page_requests(server) -> int:
    """Requests the site answered, but the robots.txt that obeying it takes (the spider's own
    reading of robots.txt for sitemaps is a page like the others)."""
    paths = [path for _, path, _ in server.requests]
    return len(paths) - ("/robots.txt" in paths)


def last_run_stats(db_path) -> dict:
    with sqlite3.connect(db_path) as db:
        return json.loads(db.execute("select stats from runs order by id desc").fetchone()[0])


def test_an_endless_chain_is_given_up_after_pages_the_site_does_not_list(endless_site, tmp_path):
    result = crawl(endless_site, tmp_path / "a.db", "-s", f"PORTAL_MAX_UNLISTED_CHAIN={UNLISTED_LIMIT}")
    assert result.returncode == 0, result.stderr
    assert UNLISTED_LIMIT <= chain_fetches(endless_site) <= UNLISTED_LIMIT + IN_FLIGHT
    assert last_run_stats(tmp_path / "a.db")["portal/bounded/unlisted_chain"] == 1
    assert "bounded: chains given up" in result.stdout
    assert f"{UNLISTED_LIMIT} pages in a row that the site's sitemaps and listings do not name" in result.stderr
    with sqlite3.connect(tmp_path / "a.db") as db:
        stored = {url for (url,) in db.execute("select url from articles")}
    assert {endless_site.url + path for path in LISTED} <= stored


def test_no_site_gives_more_than_max_pages(endless_site, tmp_path):
    result = crawl(endless_site, tmp_path / "a.db", "--max-pages", "40", "-s", "PORTAL_MAX_UNLISTED_CHAIN=0")
    assert result.returncode == 0, result.stderr
    assert page_requests(endless_site) == 40
    stats = last_run_stats(tmp_path / "a.db")
    assert stats["portal/bounded/max_pages"] >= 1
    assert not [key for key in stats if key.startswith("portal/failed/")]
    assert "a site reached --max-pages" in result.stdout
    with sqlite3.connect(tmp_path / "a.db") as db:
        assert db.execute("select count(*) from gaps").fetchone()[0] == 0
    runs = medarchive("runs", "--db", str(tmp_path / "a.db"))
    assert runs.stdout.splitlines()[1].endswith("max_pages")



@pytest.mark.parametrize("max_pages", [5, 20])
def test_max_pages_is_the_number_of_pages_requested_with_many_in_flight(wordpress_portal, tmp_path, max_pages):
    with serve(wordpress_portal) as site:  # its sitemap and listings give many pages to fetch at once
        result = medarchive("crawl", site.url + middle_article(wordpress_portal).path, "--db", str(tmp_path / "a.db"), *FAST,
                            "--max-pages", str(max_pages), timeout=60)
        assert result.returncode == 0, result.stderr
        assert page_requests(site) == max_pages
