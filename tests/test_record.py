"""The article record (``archive.record``) says what the writer does with each field: which
fields make up the digest that notices an edit, and which ``articles`` columns hold them."""

from dataclasses import asdict, fields

import pytest

import crawler.items
from archive import open_archive, record, writer

#: An article with every field the digest reads, as a crawl hands it to the writer.
ARTICLE = asdict(record.ArticleItem(
    url="https://site.example/a/1.html", site="https://site.example", title="哮喘新疗法", body="干细胞治疗哮喘的研究进展。",
    body_html="<p>干细胞治疗哮喘的研究进展。</p>", fetched_at="2026-03-03T00:00:00+00:00", category="干细胞",
    breadcrumb=["首页", "干细胞"], published_raw="2026-03-01", disclaimer="仅供参考",
    reference_texts=["1. Smith J. Stem cells. doi:10.1000/xyz"],
    references=[record.ReferenceEntry(position=1, text="1. Smith J.", doi="10.1000/xyz")],
    dois=["10.1000/xyz"], pmids=["123"], pmcids=["PMC9"], authors=["张三", "李四"], editor="王五", source="新华网",
    source_url="http://www.news.cn/health/1.htm", modified_raw="更新时间：2026-03-02 10:00",
    modified="2026-03-02T10:00:00+08:00", description="干细胞治疗哮喘的新进展", keywords=["哮喘", "干细胞"],
    images=[record.ArticleImage(url="https://site.example/lead.jpg", alt="示意图", caption="图1 干细胞")], language="zh",
))


@pytest.fixture
def db(tmp_path):
    database = open_archive(tmp_path / "archive.db")
    yield database
    database.close()


def test_the_digest_of_a_fixed_article_is_the_one_archives_store():
    # Computed before the record marked its fields: archived digests must not change, or every
    # article would count as edited at its next fetch.
    assert writer.content_hash(ARTICLE) == "adefb736e737ebfba708f2ab86c577ad4031487caad28a1ca4cb27e21003e01f"


def test_the_digest_without_metadata_is_the_one_archives_before_m023_store():
    assert writer.content_hash(ARTICLE, with_metadata=False) == (
        "e1b026f987c536c4f99d33490402917253260687e339a2606e8365517bfa5d62")


@pytest.mark.parametrize("name", writer.CONTENT_FIELDS + writer.METADATA_FIELDS)
def test_each_field_marked_as_content_changes_the_digest(name):
    changed = {**ARTICLE, name: ["另一个"] if isinstance(ARTICLE[name], list) else "另一个"}
    assert writer.content_hash(changed) != writer.content_hash(ARTICLE)


def test_a_field_not_marked_as_content_leaves_the_digest_alone():
    assert writer.content_hash({**ARTICLE, "fetched_url": "https://site.example/?p=1"}) == writer.content_hash(ARTICLE)


def test_every_field_marked_with_a_column_is_an_articles_column(db):
    assert set(record.COLUMNS) - {row[1] for row in db.execute("pragma table_info(articles)")} == set()


def test_the_article_written_holds_each_marked_column_in_its_form(db):
    writer.write_batch(db, [ARTICLE])
    stored = dict(zip(record.COLUMNS, db.execute(f"select {', '.join(record.COLUMNS)} from articles").fetchone()))
    assert (stored["breadcrumb"], stored["authors"], stored["editor"], stored["published_raw"]) == (
        '["首页", "干细胞"]', '["张三", "李四"]', "王五", "2026-03-01")


def test_every_column_form_a_field_names_is_known():
    assert {each.metadata["column"] for each in fields(record.ArticleItem) if "column" in each.metadata} <= set(record.COLUMN_FORMS)


def test_the_crawl_items_are_the_archive_records():
    assert (crawler.items.ArticleItem, crawler.items.ChainGap) == (record.ArticleItem, record.ChainGap)
