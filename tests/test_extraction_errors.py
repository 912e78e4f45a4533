"""A page whose extraction raises is counted, logged and kept, and `reextract` takes it in later."""

import dataclasses

import pytest
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from archive import open_archive
from archive.writer import write_batch
from crawler.items import NotArticle
from crawler.reextract import reextract
from crawler.spiders.portal import PortalSpider

URL = "https://www.hjtdsm.com/sc/zhiliao/59017.html"
PAGE = """<html><head><title>干细胞雾化治疗哮喘获成功_干细胞</title></head><body>
<h1>干细胞雾化治疗哮喘获成功</h1><div class="info">发布时间：2026-01-27</div>
<div class="entry-content"><p>近日，一项初步临床研究表明，雾化吸入外泌体有望成为哮喘的一种新型辅助疗法。</p>
<p>研究评估了三例患者接受每周一次、为期五周治疗的安全性与有效性。</p></div></body></html>"""


@pytest.fixture
def spider():
    crawler = get_crawler(PortalSpider)
    crawler.spider = PortalSpider.from_crawler(crawler, start_urls=URL)
    return crawler.spider


class FailingExtractor:
    """Stands in for the extraction processes (crawler/extractor.py): the page raises ``error``."""

    def __init__(self, error):
        self.error = error

    def extract_later(self, *page):
        raise self.error


def parsed(spider, response) -> list:
    """What ``parse_page`` yields when extraction fails at once (no reactor needed)."""
    found = []

    async def collect():
        async for item in spider.parse_page(response):
            found.append(item)

    with pytest.raises(StopIteration):
        collect().send(None)
    return found


def response():
    return HtmlResponse(URL, body=PAGE.encode("utf-8"), headers={"Content-Type": "text/html; charset=utf-8"})


def test_an_extraction_error_is_counted_and_the_page_kept(spider, monkeypatch, caplog):
    monkeypatch.setattr(spider, "extractor", FailingExtractor(RuntimeError("a rule that fails on this page")))
    (item,) = parsed(spider, response())
    assert isinstance(item, NotArticle) and item.reason == "extraction_error"
    assert item.page.body == PAGE.encode("utf-8")
    assert spider.crawler.stats.get_value("portal/extraction_error") == 1
    assert URL in caplog.text and "RuntimeError" in caplog.text


def test_reextract_turns_a_kept_page_into_an_article_once_it_reads(spider, monkeypatch, tmp_path):
    monkeypatch.setattr(spider, "extractor", FailingExtractor(ValueError("boom")))
    (item,) = parsed(spider, response())
    monkeypatch.undo()
    db = open_archive(tmp_path / "archive.db")
    data = dataclasses.asdict(item)
    write_batch(db, [], not_articles=[(data["url"], data["reason"], data["page"])])
    assert db.execute("select count(*) from unextracted_pages").fetchone()[0] == 1
    stats = reextract(db)
    assert stats["reextract/new"] == 1
    assert db.execute("select title, published from articles").fetchall() == [("干细胞雾化治疗哮喘获成功", "2026-01-27")]
    assert db.execute("select count(*) from unextracted_pages").fetchone()[0] == 0


def test_a_kept_page_survives_the_queue_of_a_distributed_crawl(spider, monkeypatch):
    from crawler.distributed import from_message, to_message

    monkeypatch.setattr(spider, "extractor", FailingExtractor(ValueError("boom")))
    (item,) = parsed(spider, response())
    kind, data = from_message(to_message(item))
    assert kind == "not_article"
    assert data["page"]["body"] == PAGE.encode("utf-8")
