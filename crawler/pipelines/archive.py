"""Store articles in the SQLite archive: one connection per crawl, batched commits."""

import dataclasses
import logging

from scrapy import signals
from scrapy.exceptions import NotConfigured

from archive import writer
from archive.schema import open_archive

from ..items import ArticleItem, PageAlias

logger = logging.getLogger(__name__)

#: Settings recorded with each run, to explain later why a run behaved as it did.
RECORDED_SETTINGS = (
    "ARCHIVE_BATCH_SIZE",
    "AUTOTHROTTLE_ENABLED",
    "CONCURRENT_REQUESTS_PER_DOMAIN",
    "DOWNLOAD_DELAY",
    "ROBOTSTXT_OBEY",
    "USER_AGENT",
)


class ArchivePipeline:
    """Writes each article (with its references, DOIs, links and aliases) to the archive
    named by ``ARCHIVE_DB_PATH``, ``ARCHIVE_BATCH_SIZE`` articles per transaction, and keeps a
    row in ``runs`` for the crawl. A crash loses at most the unwritten batch, never a half row."""

    def __init__(self, crawler, path: str, batch_size: int):
        self.crawler = crawler
        self.path = path
        self.batch_size = batch_size
        self.articles: list[dict] = []
        self.aliases: list[tuple[str, str]] = []
        self.db = None
        self.run = None

    @classmethod
    def from_crawler(cls, crawler):
        path = crawler.settings.get("ARCHIVE_DB_PATH")
        if not path:
            raise NotConfigured("ARCHIVE_DB_PATH is not set")
        pipeline = cls(crawler, path, crawler.settings.getint("ARCHIVE_BATCH_SIZE", 50))
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self):
        self.db = open_archive(self.path)
        settings = {name: self.crawler.settings.get(name) for name in RECORDED_SETTINGS}
        self.run = writer.start_run(self.db, list(getattr(self.crawler.spider, "start_urls", [])), settings)
        self.crawler.stats.set_value("archive/run_id", self.run.id)

    def process_item(self, item):
        if isinstance(item, PageAlias):
            self.aliases.append((item.alias_url, item.article_url))
        elif isinstance(item, ArticleItem):
            self.articles.append(dataclasses.asdict(item))
        if len(self.articles) >= self.batch_size:
            self.flush()
        return item

    def flush(self) -> None:
        if not self.articles and not self.aliases:
            return
        counts = writer.write_batch(self.db, self.articles, self.aliases)
        self.run.counts.add(counts)
        stats = self.crawler.stats
        for name in ("new", "updated", "unchanged"):
            stats.set_value(f"archive/articles_{name}", getattr(self.run.counts, name))
        self.articles, self.aliases = [], []

    def close_spider(self):
        self.flush()

    def spider_closed(self, spider, reason):
        """Runs after every item is written: the run's row gets the final stats."""
        if self.db is None:
            return
        status = "finished" if reason == "finished" else reason
        writer.finish_run(self.db, self.run, status, self.crawler.stats.get_stats())
        self.db.close()
        self.db = None
