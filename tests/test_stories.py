"""Reprints grouped into stories: labelled pairs, incremental assignment, merges, origins."""

import asyncio
import json
import shutil
import sqlite3
import sys
from contextlib import closing
from pathlib import Path

import pytest
from conftest import medarchive, written_archive
from datasette.app import Datasette

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import story_pairs  # noqa: E402

from archive import stats, stories, writer  # noqa: E402
from archive import open_archive  # noqa: E402

# Three real bodies of about 760 shingles each, none a reprint of another.
X, Y, Z = "pages/cwced_cbzw_1.html", "pages/cwced_yahoo_news_1.html", "pages/longtu_1.html"


@pytest.fixture(scope="module")
def bodies():
    return story_pairs.corpus_bodies()


@pytest.fixture
def db(tmp_path):
    database = open_archive(tmp_path / "archive.db")
    yield database
    database.close()


def article(number, body, published=None):
    row = {"url": f"https://site{number % 3}.example/a/{number}.html", "site": f"https://site{number % 3}.example",
           "title": f"标题{number}", "body": body, "neighbours": [], "aliases": []}
    if published:
        row.update(published=published, published_raw=published)
    return row


def story_of(db, number):
    return db.execute("select story from articles where url like ?", [f"%/a/{number}.html"]).fetchone()[0]


def test_labelled_pairs_reach_the_targets_on_the_half_not_used_to_choose():
    pairs = story_pairs.load_pairs()
    check = [pair for pair in pairs if pair["half"] == "check"]
    precision, recall, counts = story_pairs.precision_recall(check, stories.SHINGLE_SIZE, stories.THRESHOLD)
    assert sum(pair["kind"] == "reprint" for pair in pairs) >= 100 and sum(pair["kind"] == "different" for pair in pairs) >= 100
    assert precision >= 0.95 and recall >= 0.9, counts


def test_a_reprint_joins_the_story_of_the_article_it_reprints(db, bodies):
    writer.write_batch(db, [article(1, bodies[X]["body"])])
    reprint = "编者按：本文转载自其他媒体，仅供参考。\n" + bodies[X]["body"] + "\n来源：健康时报"
    writer.write_batch(db, [article(2, reprint)])
    assert story_of(db, 1) == story_of(db, 2)


def test_different_articles_get_different_stories(db, bodies):
    writer.write_batch(db, [article(1, bodies[X]["body"]), article(2, bodies[Y]["body"])])
    assert story_of(db, 1) != story_of(db, 2)


def test_the_origin_is_the_earliest_published_article_of_the_story(db, bodies):
    writer.write_batch(db, [article(1, bodies[X]["body"], "2026-03-05")])
    writer.write_batch(db, [article(2, "编者按：转发如下。\n" + bodies[X]["body"], "2026-03-01")])
    origin = db.execute("select origin_url from stories where id = ?", [story_of(db, 1)]).fetchone()[0]
    assert origin.endswith("/a/2.html")


def test_without_dates_the_origin_is_the_first_fetched_article(db, bodies):
    writer.write_batch(db, [article(1, bodies[X]["body"])])
    writer.write_batch(db, [article(2, "编者按：转发如下。\n" + bodies[X]["body"])])
    origin = db.execute("select origin_url from stories where id = ?", [story_of(db, 2)]).fetchone()[0]
    assert origin.endswith("/a/1.html")


def test_an_article_bridging_two_stories_merges_them_into_the_older_one(db, bodies):
    x, y, z = (bodies[name]["body"] for name in (X, Y, Z))
    writer.write_batch(db, [article(1, x + "\n" + y)])
    writer.write_batch(db, [article(2, y + "\n" + z)])
    older, newer = story_of(db, 1), story_of(db, 2)
    assert older < newer
    writer.write_batch(db, [article(3, x + "\n" + y + "\n" + z)])
    assert story_of(db, 1) == story_of(db, 2) == story_of(db, 3) == older
    assert db.execute("select count(*) from stories").fetchone()[0] == 1


def test_a_new_article_compares_signatures_only_with_its_band_candidates(db, bodies):
    unrelated = [name for name, page in sorted(bodies.items()) if len(page["body"]) >= 300][:40]
    writer.write_batch(db, [article(number, bodies[name]["body"]) for number, name in enumerate(unrelated, start=10)])
    read = []
    db.conn.set_trace_callback(lambda sql: read.append(sql) if "from story_signatures s join" in sql else None)
    writer.write_batch(db, [article(1, "编者按：转发如下。\n" + bodies[unrelated[0]]["body"])])
    db.conn.set_trace_callback(None)
    (query,) = read
    assert json.loads(query.split("json_each('")[1].split("')")[0]) == [1]  # the article it reprints, not the 40 stored


def test_an_edited_article_leaving_its_story_keeps_the_others_together(db, bodies):
    writer.write_batch(db, [article(1, bodies[X]["body"], "2026-03-01")])
    writer.write_batch(db, [article(2, "编者按：转发。\n" + bodies[X]["body"], "2026-03-02")])
    writer.write_batch(db, [article(3, bodies[X]["body"] + "\n来源：新华网", "2026-03-03")])
    writer.write_batch(db, [article(1, bodies[Y]["body"], "2026-03-01")])
    assert story_of(db, 2) == story_of(db, 3) != story_of(db, 1)
    origin = db.execute("select origin_url from stories where id = ?", [story_of(db, 2)]).fetchone()[0]
    assert origin.endswith("/a/2.html")


def test_deleting_an_article_moves_its_story_origin_to_the_next(db, bodies):
    writer.write_batch(db, [article(1, bodies[X]["body"], "2026-03-01")])
    writer.write_batch(db, [article(2, "编者按：转发。\n" + bodies[X]["body"], "2026-03-02")])
    writer.delete_articles(db, [article(1, "")["url"]])
    assert db.execute("select origin_url from stories").fetchall() == [(article(2, "")["url"],)]
    assert db.execute("select count(*) from story_signatures").fetchone()[0] == 1


def test_a_short_notice_is_a_story_of_its_own(db):
    writer.write_batch(db, [article(1, "医院门诊时间调整通知。"), article(2, "医院门诊时间调整通知。")])
    assert story_of(db, 1) != story_of(db, 2)


def test_articles_without_a_story_get_one_from_assign_missing(db, bodies):
    writer.write_batch(db, [article(1, bodies[X]["body"]), article(2, "编者按：转发。\n" + bodies[X]["body"])])
    for table in ("stories", "story_signatures", "story_bands"):
        db.execute(f"delete from {table}")
    db.execute("update articles set story = null")
    assert stories.assign_missing(db) == 2
    assert story_of(db, 1) == story_of(db, 2) is not None


@pytest.fixture(scope="module")
def both_sites(two_sites, wordpress_crawl, dedecms_portal):
    """The two replica sites in one archive; its path, and the press release's and its reprint's URLs."""
    return (two_sites["db"], two_sites["wordpress"] + wordpress_crawl.portal.awkward["press_release"],
            two_sites["dedecms"] + dedecms_portal.awkward["reprint"])


def members(path, url):
    with closing(sqlite3.connect(path)) as conn:
        return {row[0] for row in conn.execute("select url from articles where story = (select story from articles where url = ?)", [url])}


def test_the_crawled_reprint_on_the_other_site_shares_the_story_and_no_other_article_does(both_sites):
    path, original, reprint = both_sites
    assert members(path, original) == {original, reprint}


def test_reextract_gives_an_archive_from_before_stories_its_stories(both_sites, tmp_path):
    path, original, reprint = both_sites
    old = tmp_path / "old.db"
    shutil.copy(path, old)
    with closing(sqlite3.connect(old)) as conn, conn:
        conn.execute("update articles set story = null")
        for table in ("stories", "story_signatures", "story_bands"):
            conn.execute(f"delete from {table}")
    result = medarchive("reextract", "--db", str(old), "--jobs", "1")
    assert result.returncode == 0, result.stderr
    assert members(old, original) == {original, reprint}
    with closing(sqlite3.connect(old)) as conn:
        assert conn.execute("select count(*) from articles where story is null").fetchone() == (0,)


def test_the_article_page_links_the_same_story_on_other_pages_escaped(bodies, tmp_path):
    hostile = "<script>alert(1)</script>转载"
    path = written_archive(tmp_path, [article(1, bodies[X]["body"], "2026-03-01"),
                                      {**article(2, "编者按：转发。\n" + bodies[X]["body"], "2026-03-02"), "title": hostile}])
    datasette = Datasette([str(path)])

    async def fetch(url):
        return (await datasette.client.get("/-/article/archive?url=" + url)).text

    page = asyncio.run(fetch(article(1, "")["url"]))
    assert "the same story on 1 other page<" in page
    assert f'href="/-/article/archive?url={article(2, "")["url"]}"' in page.replace("%3A", ":").replace("%2F", "/")
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;转载" in page
    assert "the same story on" not in asyncio.run(fetch(article(1, "")["url"].replace("/1.", "/9.")))


def test_stats_counts_a_month_s_reprints_as_one_story(bodies, db):
    writer.write_batch(db, [article(1, bodies[X]["body"], "2026-03-01"), article(2, "编者按：转发。\n" + bodies[X]["body"], "2026-03-02"),
                            article(3, bodies[Y]["body"], "2026-03-05"), article(4, bodies[Z]["body"], "2026-04-01")])
    assert stats.summary(db.conn)["months"] == [{"month": "2026-03", "articles": 3, "stories": 2},
                                                {"month": "2026-04", "articles": 1, "stories": 1}]
    assert "2026-03         3        2" in stats.report(db.conn)


def test_signatures_made_with_other_numbers_are_made_again(db, bodies):
    writer.write_batch(db, [article(1, bodies[X]["body"]), article(2, "编者按：转发。\n" + bodies[X]["body"])])
    db.execute("update story_settings set value = 'minhash of an older release'")
    db.execute("update story_signatures set signature = zeroblob(512)")
    assert stories.assign_missing(db) == 2
    assert story_of(db, 1) == story_of(db, 2) is not None
    assert db.execute("select value from story_settings").fetchall() == [(stories.SCHEME,)]
