"""The metadata a page gives beyond its text (authors, editor, source outlet, modified date,
description, keywords, images, language): stored by the writer, kept out of the digest when
absent, filled into archives from before m023 without counting as edits."""

import hashlib
import json
import shutil
import sqlite3
from contextlib import closing
from dataclasses import asdict

import pytest

from archive import open_archive, writer
from conftest import medarchive, undo_kept_counts
from crawler.extraction.site_rules import SiteRules
from crawler.items import ArticleImage, ArticleItem
from crawler.reextract import kept_pages, read_page

URL = "https://site.example/a/1.html"

METADATA = {
    "authors": ["张三", "李四"],
    "editor": "王五",
    "source": "新华网",
    "source_url": "http://www.news.cn/health/1.htm",
    "modified_raw": "更新时间：2026-03-02 10:00",
    "modified": "2026-03-02T10:00:00+08:00",
    "description": "干细胞治疗哮喘的新进展",
    "keywords": ["哮喘", "干细胞"],
    "images": [{"url": "https://site.example/lead.jpg", "alt": "示意图", "caption": "图1 干细胞"},
               {"url": "https://site.example/2.png", "alt": None, "caption": None}],
    "language": "zh",
}


def article(**fields) -> dict:
    """An article as a crawl hands it to the writer: an ``ArticleItem`` as a dict."""
    item = ArticleItem(url=URL, site="https://site.example", title="哮喘新疗法", body="干细胞治疗哮喘的研究进展。",
                       body_html="<p>干细胞治疗哮喘的研究进展。</p>", fetched_at="2026-03-03T00:00:00+00:00")
    return {**asdict(item), **fields}


@pytest.fixture
def db(tmp_path):
    database = open_archive(tmp_path / "archive.db")
    yield database
    database.close()


def stored(db, columns: str):
    return tuple(db.execute(f"select {columns} from articles where url = ?", [URL]).fetchone())


def images(db):
    return [tuple(row) for row in db.execute("select position, url, alt, caption from article_images where article_url = ? order by position", [URL])]


def test_the_digest_of_an_article_without_metadata_is_the_one_archives_before_m023_stored():
    item = article()
    before = json.dumps([item.get(name) for name in writer.CONTENT_FIELDS], ensure_ascii=False, sort_keys=True)
    assert writer.content_hash(item) == hashlib.sha256(before.encode("utf-8")).hexdigest()


def test_the_digest_changes_when_the_page_names_another_author():
    assert writer.content_hash(article(authors=["张三"])) != writer.content_hash(article(authors=["李四"]))


def test_a_new_article_stores_its_metadata_columns(db):
    writer.write_batch(db, [article(**METADATA)])
    assert stored(db, "authors, editor, source, source_url, modified, modified_raw, description, keywords, language") == (
        '["张三", "李四"]', "王五", "新华网", "http://www.news.cn/health/1.htm", "2026-03-02T10:00:00+08:00",
        "更新时间：2026-03-02 10:00", "干细胞治疗哮喘的新进展", '["哮喘", "干细胞"]', "zh")


def test_a_new_article_stores_its_images_in_body_order(db):
    writer.write_batch(db, [article(**METADATA)])
    assert images(db) == [(1, "https://site.example/lead.jpg", "示意图", "图1 干细胞"), (2, "https://site.example/2.png", None, None)]


def test_metadata_the_page_does_not_give_is_null_not_empty(db):
    writer.write_batch(db, [article(authors=[], keywords=[], editor="")])
    assert stored(db, "authors, editor, keywords, source, language") == (None, None, None, None, None)


def test_an_edited_article_replaces_its_metadata_and_images(db):
    writer.write_batch(db, [article(**METADATA)])
    counts = writer.write_batch(db, [article(**{**METADATA, "body": "改写后的正文。", "source": "健康时报",
                                                "images": [{"url": "https://site.example/new.jpg"}]})])
    assert counts.updated == 1
    assert stored(db, "source") == ("健康时报",)
    assert images(db) == [(1, "https://site.example/new.jpg", None, None)]


def test_an_article_written_again_without_metadata_is_unchanged(db):
    writer.write_batch(db, [article()])
    assert writer.write_batch(db, [article()]).unchanged == 1


def test_metadata_read_from_an_article_stored_without_it_fills_it_without_counting_an_edit(db):
    writer.write_batch(db, [article()])
    counts = writer.write_batch(db, [article(**METADATA)])
    assert (counts.updated, counts.unchanged) == (0, 1)
    assert stored(db, "source, editor") == ("新华网", "王五")
    assert len(images(db)) == 2
    assert db.execute("select count(*) from article_versions").fetchone()[0] == 0


def test_an_article_filled_with_metadata_is_unchanged_when_written_again(db):
    writer.write_batch(db, [article()])
    writer.write_batch(db, [article(**METADATA)])
    assert writer.write_batch(db, [article(**METADATA)]).unchanged == 1


def test_a_page_that_no_longer_names_its_source_keeps_the_stored_one_flagged_as_lost(db):
    writer.write_batch(db, [article(**METADATA)])
    assert writer.write_batch(db, [article(**{**METADATA, "source": None, "source_url": None})]).updated == 1
    assert stored(db, "source, source_url") == ("新华网", "http://www.news.cn/health/1.htm")
    assert db.execute("select field from field_losses where url = ?", [URL]).fetchall() == [("source",)]


def test_a_page_naming_another_author_replaces_the_stored_one(db):
    writer.write_batch(db, [article(**METADATA)])
    assert writer.write_batch(db, [article(**{**METADATA, "authors": ["赵六"]})]).updated == 1
    assert stored(db, "authors") == ('["赵六"]',)


def test_deleting_an_article_removes_its_images(db):
    writer.write_batch(db, [article(**METADATA)])
    writer.delete_articles(db, [URL])
    assert db.execute("select count(*) from article_images").fetchone()[0] == 0


def test_an_item_with_image_dataclasses_is_written_as_the_crawl_hands_it(db):
    item = ArticleItem(url=URL, site="https://site.example", title="t", body="b", body_html="<p>b</p>",
                       images=[ArticleImage(url="https://site.example/x.jpg", caption="说明")])
    writer.write_batch(db, [asdict(item)])
    assert images(db) == [(1, "https://site.example/x.jpg", None, "说明")]


def undo_m023(path):
    """Make the archive at ``path`` as the release before m023 left it."""
    with sqlite3.connect(path) as conn:
        conn.execute("drop index idx_articles_source_site")
        conn.execute("drop table article_images")
        for column in ("authors", "editor", "source", "source_url", "modified", "modified_raw", "description", "keywords", "language"):
            conn.execute(f"alter table articles drop column {column}")
        for column in ("authors", "editor", "source", "modified", "description", "keywords", "images", "language"):
            conn.execute(f"alter table run_articles drop column [{column}]")
        conn.execute("delete from _sqlite_migrations where name = 'm023_article_metadata'")
    conn.close()


def test_an_archive_from_before_m023_gets_empty_metadata_columns_when_opened(tmp_path):
    path = tmp_path / "archive.db"
    first = open_archive(path)
    writer.write_batch(first, [article()])
    first.close()
    undo_m023(path)
    db = open_archive(path)
    assert stored(db, "authors, source, description") == (None, None, None)
    assert images(db) == []
    assert writer.write_batch(db, [article(**METADATA)]).unchanged == 1
    assert stored(db, "source") == ("新华网",)


# --- reextract over a crawled archive from before m023 ----------------------------------------------

#: The articles' columns m023 added.
M023_COLUMNS = "authors, editor, source, source_url, modified, modified_raw, description, keywords, language"


def digests_before_m023(path) -> dict:
    """Each article's ``content_hash`` as the release before m023 computed it: of its content
    alone, read from its kept page."""
    with closing(sqlite3.connect(path)) as conn:
        items = [read_page(page, SiteRules())[0] for page in kept_pages(conn) if page.url]
    return {item["url"]: writer.content_hash(item, with_metadata=False) for item in items}


def rows(path, sql):
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(sql).fetchall()


@pytest.fixture(scope="module", params=["wordpress", "dedecms"])
def backfilled(request, tmp_path_factory):
    """A replica crawl's archive made as the release before m023 left it, then ``medarchive
    reextract``-ed: ``(crawled, backfilled, process)``."""
    crawl = request.getfixturevalue(f"{request.param}_crawl")
    path = shutil.copy(crawl.db_path, tmp_path_factory.mktemp("before_m023") / "archive.db")
    digests = digests_before_m023(path)
    with sqlite3.connect(path) as conn:
        undo_kept_counts(conn)
    conn.close()
    undo_m023(path)
    with sqlite3.connect(path) as conn:
        conn.executemany("update articles set content_hash = ? where url = ?", [(digest, url) for url, digest in digests.items()])
    conn.close()
    return crawl.db_path, path, medarchive("reextract", "--db", str(path))


def test_reextract_fills_the_metadata_columns_of_an_archive_from_before_m023(backfilled):
    crawled, path, process = backfilled
    assert process.returncode == 0, process.stderr
    expected = rows(crawled, f"select url, {M023_COLUMNS} from articles order by url")
    assert any(value for row in expected for value in row[1:])
    assert rows(path, f"select url, {M023_COLUMNS} from articles order by url") == expected


def test_reextract_fills_the_images_of_an_archive_from_before_m023(backfilled):
    crawled, path, _ = backfilled
    expected = rows(crawled, "select * from article_images order by 1, 2")
    assert rows(path, "select * from article_images order by 1, 2") == expected


def test_reextract_counts_articles_given_their_metadata_as_unchanged(backfilled):
    crawled, path, process = backfilled
    (articles,), = rows(crawled, "select count(*) from articles")
    assert f"0 updated, {articles} unchanged" in process.stdout
    assert rows(path, "select count(*) from article_versions") == [(0,)]
    assert rows(path, "select url, content_hash from articles order by url") == rows(crawled, "select url, content_hash from articles order by url")
