"""Reprints grouped into stories: labelled pairs, incremental assignment, merges, origins."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import story_pairs  # noqa: E402

from archive import stories, writer  # noqa: E402
from archive.schema import open_archive  # noqa: E402

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
    assert len(read) == 1  # the article it reprints, not the 40 stored


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
