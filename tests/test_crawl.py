"""A full crawl of both replica sites with ``medarchive crawl``, checked against their truth.

Each crawl runs as a real ``medarchive`` process against a real HTTP server on
127.0.0.1, started from a middle article, and writes a real SQLite file.
"""

import json
import shutil
import sqlite3
from contextlib import closing

import pytest

from conftest import FAST, Crawl, medarchive, middle_article

from replica.corpus import short_indices

@pytest.fixture(params=["wordpress", "dedecms"])
def crawl(request):
    return request.getfixturevalue(f"{request.param}_crawl")


def test_crawl_exits_cleanly_with_a_summary(crawl):
    assert crawl.process.returncode == 0, crawl.process.stderr
    assert "articles" in crawl.process.stdout
    assert "Traceback" not in crawl.process.stderr


def test_exactly_the_reachable_articles_are_stored(crawl):
    assert len(crawl.expected()) > 3
    assert set(crawl.stored()) == set(crawl.expected())


def test_deleted_article_is_a_gap_for_both_its_neighbours(wordpress_crawl):
    deleted = wordpress_crawl.site.url + wordpress_crawl.portal.awkward["deleted"]
    assert deleted not in wordpress_crawl.stored()
    assert "http_404 1" in wordpress_crawl.process.stdout
    gaps = wordpress_crawl.rows("select rel, to_url, reason, status from gaps order by rel")
    assert gaps == [("next", deleted, "http_404", 404), ("prev", deleted, "http_404", 404)]


def test_chain_only_crawl_stops_at_the_deleted_article(wordpress_portal, wordpress_site, tmp_path):
    start = middle_article(wordpress_portal).path
    crawl = Crawl(wordpress_portal, wordpress_site, tmp_path / "chain.db", start, "--chain-only")
    assert crawl.process.returncode == 0, crawl.process.stderr
    reachable = {wordpress_site.url + path for path in wordpress_portal.reachable_from(start)}
    assert set(crawl.stored()) == reachable
    assert len(reachable) < len(wordpress_portal.live_articles)
    assert not {"/sitemap.xml", "/"} & set(crawl.requests)


@pytest.mark.parametrize("field", ["title", "category", "published"])
def test_stored_fields_match_the_truth(crawl, field):
    stored = crawl.stored()
    mismatches = {
        url: (stored[url][field], getattr(truth, field))
        for url, truth in crawl.expected().items()
        if stored.get(url, {}).get(field) != getattr(truth, field)
    }
    assert mismatches == {}


#: What the page says of its article (issue 26), as the truth records it.
METADATA = ("authors", "editor", "source", "source_url", "modified", "description")


def stored_metadata(crawl) -> dict:
    """Each stored article's metadata by URL, ``authors`` as the truth's tuple."""
    found = {}
    for url, *values in crawl.rows(f"select url, {', '.join(METADATA)} from articles"):
        fields = dict(zip(METADATA, values))
        fields["authors"] = tuple(json.loads(fields["authors"])) if fields["authors"] else ()
        found[url] = fields
    return found


@pytest.mark.parametrize("field", METADATA)
def test_stored_metadata_matches_the_truth_where_the_page_gives_it(crawl, field):
    stored = stored_metadata(crawl)
    given = {url: getattr(truth, field) for url, truth in crawl.expected().items() if getattr(truth, field)}
    assert {url: stored[url][field] for url in given} == given


@pytest.mark.parametrize("field", METADATA)
def test_no_metadata_is_stored_where_the_page_gives_none(crawl, field):
    stored = stored_metadata(crawl)
    none = [url for url, truth in crawl.expected().items() if not getattr(truth, field)]
    invented = {url: stored[url][field] for url in none if stored[url][field]}
    assert invented == {}


def test_every_body_image_is_stored_in_order_with_its_alt_and_caption(crawl):
    stored = {}
    for url, image, alt, caption in crawl.rows("select article_url, url, alt, caption from article_images order by article_url, position"):
        stored.setdefault(url, []).append((image, alt, caption))
    expected = {url: [(crawl.site.url + path, alt, caption) for path, alt, caption in truth.images]
                for url, truth in crawl.expected().items() if truth.images}
    assert expected and stored == expected


def test_body_starts_with_the_first_paragraph(crawl):
    stored = crawl.stored()
    wrong = {url: stored[url]["body"][:60] for url, truth in crawl.expected().items() if not stored[url]["body"].startswith(truth.first_paragraph)}
    assert wrong == {}


def test_short_articles_at_the_chain_ends_and_middle_are_stored_whole(crawl):
    stored = crawl.stored()
    articles = crawl.portal.articles
    short = {crawl.site.url + articles[i].path: articles[i] for i in short_indices(len(articles)) if not articles[i].deleted}
    assert len(short) == 3 and all(len(article.first_paragraph) < 120 for article in short.values())
    wrong = {url: stored.get(url, {}).get("body", "")[:60] for url, article in short.items()
             if not stored.get(url, {}).get("body", "").startswith(article.first_paragraph)}
    assert wrong == {}


def test_disclaimer_is_stored_apart_from_the_body(crawl):
    stored = crawl.stored()
    for url, truth in crawl.expected().items():
        assert stored[url]["disclaimer"] == truth.disclaimer, url
        if truth.disclaimer:
            assert truth.disclaimer not in stored[url]["body"], url


def test_articles_without_own_date_take_their_neighbours(crawl):
    stored = crawl.stored()
    sources = {url: stored[url]["published_source"] for url, truth in crawl.expected().items() if not truth.has_own_date}
    assert set(sources.values()) <= {"neighbour"}


@pytest.mark.parametrize("table, column, field", [
    ("article_dois", "doi", "dois"), ("article_pmids", "pmid", "pmids"), ("article_pmcids", "pmcid", "pmcids"),
    ("article_trials", "trial_id", "trials"),
])
def test_every_cited_identifier_is_stored(crawl, table, column, field):
    found = crawl.identifiers(table, column)
    expected = {url: set(getattr(truth, field)) for url, truth in crawl.expected().items() if getattr(truth, field)}
    assert found == expected


def test_reference_entries_are_counted_right(crawl):
    counts = dict(crawl.rows("select article_url, count(*) from article_references group by article_url"))
    expected = {url: truth.reference_count for url, truth in crawl.expected().items() if truth.reference_count}
    assert counts == expected


def test_robots_disallowed_pages_are_never_fetched(wordpress_crawl):
    assert wordpress_crawl.portal.robots_disallowed
    assert not wordpress_crawl.portal.robots_disallowed & set(wordpress_crawl.requests)


def test_a_start_page_robots_txt_disallows_is_not_fetched(wordpress_portal, wordpress_site, tmp_path):
    # The crawl follows no link into /private/ of itself, so only a start there tells whether it obeys.
    private, linking = wordpress_portal.awkward["private"], wordpress_portal.awkward["private_link_from"]
    wordpress_site.clear_requests()
    process = medarchive("crawl", wordpress_site.url + private, wordpress_site.url + linking, "--chain-only",
                         "--db", str(tmp_path / "robots.db"), *FAST)
    assert process.returncode == 0, process.stderr
    requested = wordpress_site.requested_paths()
    assert private not in requested
    assert {"/robots.txt", linking} <= requested
    assert "failed/robots 1" in process.stdout


def test_listing_pages_are_never_stored(crawl):
    assert all(url.endswith(".html") for url in crawl.stored())


def test_run_is_recorded_with_its_stats(crawl):
    (status, pages, new, stats), = crawl.rows("select status, pages, articles_new, stats from runs")
    assert (status, new) == ("finished", len(crawl.expected()))
    assert pages >= new
    assert json.loads(stats)["portal/articles"] == new


def test_second_full_crawl_leaves_the_same_rows(crawl, tmp_path):
    # On a copy: the session's archive stays as its one crawl left it, whatever test reads it after.
    db_path = shutil.copy(crawl.db_path, tmp_path / "again.db")

    def rows(sql):
        with closing(sqlite3.connect(db_path)) as db:
            return db.execute(sql).fetchall()

    columns = "url, id, title, published, body, body_html, disclaimer, content_hash"
    before = rows(f"select {columns} from articles order by url")
    dois_before = rows("select * from article_dois order by 1, 2")
    again = medarchive("crawl", crawl.site.url + crawl.start_path, "--full", "--db", str(db_path), *FAST)
    assert again.returncode == 0, again.stderr
    assert f"0 new, 0 updated, {len(before)} unchanged" in again.stdout
    assert rows(f"select {columns} from articles order by url") == before
    assert rows("select * from article_dois order by 1, 2") == dois_before
