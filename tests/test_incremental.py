"""Scheduled runs: incremental re-crawls, edits kept as versions, resuming after SIGKILL, one writer."""

import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from conftest import FAST, HeldPages, medarchive, middle_article
from replica import build_portal, serve

SEED, ARTICLES, EDITED = 5, 26, 8
#: Category listings of the WordPress replica's menu.
CATEGORY_LISTINGS = {"/sc/zhiliao/", "/sc/yizhi/", "/sc/mscs/", "/zixun/zhengce/"}


def rows(db_path, sql, params=()):
    with sqlite3.connect(db_path) as db:
        return db.execute(sql, params).fetchall()


def snapshot(db_path):
    """What an analyst sees of the archive: every article's content, no timestamps."""
    return rows(db_path, "select url, title, category, published, published_source, body, disclaimer, content_hash from articles order by url")


@pytest.fixture
def evolving_site():
    """The WordPress replica as it was before its two newest articles were posted; the test
    switches it to the later site (two new articles, one edited) by replacing ``.portal``."""
    before = build_portal("wordpress", ARTICLES, SEED, unpublished=2)
    with serve(before) as site:
        site.before = before
        site.after = build_portal("wordpress", ARTICLES, SEED, edited=(EDITED,))
        yield site


def crawl(site, db_path, *options):
    site.clear_requests()
    result = medarchive("crawl", site.url + middle_article(site.before).path, "--db", str(db_path), *FAST, *options)
    assert result.returncode == 0, result.stderr
    return result, site.requested_paths()


def test_second_run_stores_new_and_edited_articles_only(evolving_site, tmp_path):
    db_path = tmp_path / "archive.db"
    crawl(evolving_site, db_path)
    assert len(snapshot(db_path)) == len(evolving_site.before.live_articles)
    evolving_site.portal = evolving_site.after
    result, requested = crawl(evolving_site, db_path)

    new_paths = {a.path for a in evolving_site.after.live_articles} - {a.path for a in evolving_site.before.live_articles}
    edited = evolving_site.after.articles[EDITED].path
    assert len(new_paths) == 2
    assert "2 new, 1 updated" in result.stdout
    (runs_new, runs_updated), = rows(db_path, "select articles_new, articles_updated from runs order by id desc limit 1")
    assert (runs_new, runs_updated) == (2, 1)
    assert set(url for url, *_ in snapshot(db_path)) == {evolving_site.url + a.path for a in evolving_site.after.live_articles}
    versions = rows(db_path, "select url, version, body from article_versions")
    assert [(url, version) for url, version, _ in versions] == [(evolving_site.url + edited, 1)]
    assert "更正" not in versions[0][2]
    assert "更正" in rows(db_path, "select body from articles where url = ?", [evolving_site.url + edited])[0][0]
    # Only what the README lists: discovery pages, the re-checked newest articles,
    # the new and the changed articles, and the one open gap.
    article_requests = {path for path in requested if path.endswith(".html")}
    assert new_paths | {edited} <= article_requests
    assert len(article_requests) <= len(new_paths) + 1 + 5 + 1 + 1  # new, edited, recheck, start, gap


def test_run_on_an_unchanged_site_requests_only_the_documented_pages(evolving_site, tmp_path):
    db_path = tmp_path / "archive.db"
    crawl(evolving_site, db_path)
    result, requested = crawl(evolving_site, db_path)
    assert "0 new, 0 updated" in result.stdout
    portal = evolving_site.before
    newest = {a.path for a in sorted(portal.live_articles, key=lambda a: a.published)[-5:]}
    documented = {"/robots.txt", "/sitemap.xml", "/"} | CATEGORY_LISTINGS | newest
    documented |= {middle_article(portal).path, portal.awkward["deleted"]}
    assert requested <= documented
    assert len(requested) >= len(documented) - 2  # newest-5 ties on one day may swap with the start


def test_a_crawl_killed_with_sigkill_resumes_to_the_same_archive(tmp_path):
    portal = build_portal("wordpress", 30, seed=7)
    with serve(portal, latency=0.05) as site:
        start = site.url + middle_article(portal).path
        slow = ["--concurrency", "1", "-s", "ARCHIVE_BATCH_SIZE=2"]
        reference = tmp_path / "reference.db"
        assert medarchive("crawl", start, "--db", str(reference), *FAST, *slow).returncode == 0

        killed = tmp_path / "killed.db"
        process = subprocess.Popen([sys.executable, "-m", "medarchive", "crawl", start, "--db", str(killed), *FAST, *slow],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if killed.exists() and _count(killed) >= 6:
                break
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait()
        partial = _count(killed)
        assert 0 < partial < len(portal.live_articles)
        assert rows(killed, "pragma integrity_check") == [("ok",)]
        # The killed run's row shows what its committed batches wrote, not zeros.
        (status, articles_new, pages), = rows(killed, "select status, articles_new, pages from runs")
        assert (status, articles_new) == ("running", partial) and pages >= partial

        resumed = medarchive("crawl", start, "--db", str(killed), *FAST, *slow)
        assert resumed.returncode == 0, resumed.stderr
    assert snapshot(killed) == snapshot(reference)
    assert rows(killed, "select status from runs order by id") == [("killed",), ("finished",)]


def _count(db_path):
    try:
        return rows(db_path, "select count(*) from articles")[0][0]
    except sqlite3.OperationalError:
        return 0  # not created yet


def test_a_second_crawl_of_the_same_archive_is_refused_while_the_first_runs(tmp_path):
    portal = HeldPages(build_portal("wordpress", 12, seed=9))
    with serve(portal) as site:
        db_path = tmp_path / "archive.db"
        start = site.url + middle_article(portal.portal).path
        first = subprocess.Popen([sys.executable, "-m", "medarchive", "crawl", start, "--db", str(db_path), *FAST, "--concurrency", "1"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while not portal.held and first.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            assert portal.held, "the first crawl never asked for its start page"
            second = medarchive("crawl", start, "--db", str(db_path), *FAST)  # while the first waits for its page
            assert second.returncode == 1
            assert "is being written by medarchive pid" in second.stderr
        finally:
            portal.release.set()
            first.wait(timeout=120)
        assert first.returncode == 0


def test_reextract_rebuilds_fields_from_the_kept_pages(evolving_site, tmp_path):
    db_path = tmp_path / "archive.db"
    crawl(evolving_site, db_path)
    before = snapshot(db_path)
    url = before[3][0]
    with sqlite3.connect(db_path) as db:  # as an older, worse extraction would have stored it
        db.execute("update articles set title = 'garbled', content_hash = 'old' where url = ?", [url])
    evolving_site.clear_requests()
    result = medarchive("reextract", "--db", str(db_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("1 updated")
    assert snapshot(db_path) == before
    assert rows(db_path, "select title from article_versions where url = ?", [url]) == [("garbled",)]
    assert evolving_site.requested_paths() == set()


def test_runs_and_gaps_commands_show_the_record(evolving_site, tmp_path):
    db_path = tmp_path / "archive.db"
    crawl(evolving_site, db_path)
    runs = medarchive("runs", "--db", str(db_path))
    assert runs.returncode == 0
    assert "finished" in runs.stdout and "incremental" in runs.stdout
    gaps = medarchive("gaps", "--db", str(db_path))
    deleted = evolving_site.url + evolving_site.before.awkward["deleted"]
    assert gaps.stdout.count(deleted) == 2
    assert "http_404" in gaps.stdout
