"""Store articles in the SQLite archive: batched commits, written by a thread of their own."""

import logging
from dataclasses import asdict
import sqlite3
from contextlib import ExitStack

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro

from archive import (
    ArchiveBusy, ArchiveUnavailable, Batch, WriteCounts, WriterThread, archive_lock, close_archive, coverage, disk_full, drift,
    finish_run, open_archive, start_run,
)

from ..items import ArticleItem, ChainGap, NotArticle, NotModified, PageAlias, SitemapSeen
from ..renamed_settings import setting

logger = logging.getLogger(__name__)

#: Settings recorded with each run, to explain later why a run behaved as it did.
RECORDED_SETTINGS = (
    "ARCHIVE_BATCH_SIZE",
    "AUTOTHROTTLE_ENABLED",
    "CONCURRENT_REQUESTS_PER_DOMAIN",
    "PORTAL_MODE",
    "PORTAL_DISCOVER",
    "PORTAL_RECHECK_NEWEST",
    "DOWNLOAD_DELAY",
    "DRIFT_CONFIG",
    "ROBOTSTXT_OBEY",
    "USER_AGENT",
)


#: How the archive writes each type of item.
WRITES = {
    ArticleItem: Batch.add_article,
    PageAlias: Batch.add_alias,
    ChainGap: Batch.add_gap,
    SitemapSeen: Batch.add_sitemap,
    NotArticle: Batch.add_not_article,
    NotModified: Batch.add_revisit,
}


def add_to_batch(batch: Batch, item) -> None:
    """Add ``item`` to ``batch`` as its type is written; anything the archive does not store is left out."""
    write = WRITES.get(type(item))
    if write is not None:
        write(batch, asdict(item))


#: Sitemap entries held before a write: they are small and a sitemap lists thousands.
SITEMAP_BATCH_SIZE = 1000


class ArchivePipeline:
    """Writes each article (with its references, DOIs, links and aliases) to the archive
    named by ``ARCHIVE_DB_PATH``, ``ARCHIVE_BATCH_SIZE`` articles per transaction, and keeps a
    row in ``runs`` for the crawl. The transactions run in a writer thread
    (``archive.writer_thread``), so that the crawl downloads and parses meanwhile; a crash loses
    at most the batches not yet written, never a half row."""

    def __init__(self, crawler, path: str, batch_size: int, drift_config: drift.DriftConfig | None = None, mode: str = "incremental"):
        self.crawler = crawler
        self.path = path
        self.mode = mode
        self.batch_size = batch_size
        self.drift_config = drift_config or drift.DriftConfig()
        self.batch = Batch()
        self.db = None
        self.run = None
        self.writer = None
        self.lock = ExitStack()

    @classmethod
    def from_crawler(cls, crawler):
        path = crawler.settings.get("ARCHIVE_DB_PATH")
        if not path:
            raise NotConfigured("ARCHIVE_DB_PATH is not set")
        config = drift.load_config(crawler.settings.get("DRIFT_CONFIG") or None)
        pipeline = cls(crawler, path, crawler.settings.getint("ARCHIVE_BATCH_SIZE"), config, setting(crawler.settings, "PORTAL_MODE"))
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self):
        # Every way of writing takes the lock (``scrapy crawl portal`` too): so the runs
        # still marked ``running`` that ``start_run`` marks ``killed`` are really gone.
        try:
            self.lock.enter_context(archive_lock(self.path))
        except (ArchiveBusy, ArchiveUnavailable) as error:
            self.refuse(str(error), "archive_busy")
            return
        try:
            self.db = open_archive(self.path)
            settings = {name: setting(self.crawler.settings, name) for name in RECORDED_SETTINGS}
            self.run = start_run(self.db, list(getattr(self.crawler.spider, "start_urls", [])), settings, self.mode)
        except sqlite3.Error as error:
            self.refuse(self.describe(error), "archive_error")
            self.db = None
            self.lock.close()
            return
        self.crawler.stats.set_value("archive/run_id", self.run.id)
        self.writer = WriterThread(self.path, self.run.id)

    def refuse(self, why: str, reason: str) -> None:
        """Stop the crawl before it fetches pages it could not store."""
        logger.error("Cannot write to the archive: %s; stopping the crawl", why)
        self.crawler.stats.set_value("archive/error", why)
        deferred_from_coro(self.crawler.engine.close_spider_async(reason=reason))

    def describe(self, error: sqlite3.Error) -> str:
        return f"the disk holding {self.path} is full" if disk_full(error, self.path) else f"{self.path}: {error}"

    def process_item(self, item):
        if self.db is None:
            return item  # the archive was refused: nothing is written
        self.take_results()
        add_to_batch(self.batch, item)
        if len(self.batch.articles) >= self.batch_size or len(self.batch.sitemap) >= SITEMAP_BATCH_SIZE:
            self.hand_over()
        return item

    def hand_over(self) -> None:
        """Queue the batch for the writer thread (waiting while it is behind) and start a new one."""
        if self.batch:
            self.writer.write(self.batch, pages=self.crawler.stats.get_value("response_received_count", 0))
            self.batch = Batch()

    def take_results(self) -> None:
        """Count the batches the writer thread has written. If the archive refused one (rolled
        back as a whole), stop the crawl rather than fetch pages that cannot be stored."""
        while not self.writer.results.empty():
            result = self.writer.results.get()
            if isinstance(result, WriteCounts):
                self.run.counts.add(result)
                for name in ("new", "updated", "unchanged"):
                    self.crawler.stats.set_value(f"archive/articles_{name}", getattr(self.run.counts, name))
                continue
            self.crawler.stats.inc_value("archive/write_failed")
            if isinstance(result, sqlite3.Error):
                self.crawler.stats.set_value("archive/error", self.describe(result))
                logger.error("Could not write to the archive %s: %s; stopping the crawl", self.path, result)
            else:  # a bug, not the archive: shown in full
                self.crawler.stats.set_value("archive/error", f"{type(result).__name__}: {result}")
                logger.error("Could not write to the archive %s; stopping the crawl", self.path, exc_info=result)
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="archive_error"))

    def close_spider(self):
        if self.db is not None:
            self.hand_over()
            self.writer.close()
            self.take_results()

    def spider_closed(self, spider, reason):
        """Runs after every item is written: the run's coverage is measured, a finished run is
        checked for drift, and the run's row gets the final stats."""
        with self.lock:
            if self.db is None:
                return
            status = "finished" if reason == "finished" else reason
            try:
                if status == "finished":
                    alerts = drift.check_run(self.db, self.run.id, self.drift_config)
                    self.crawler.stats.set_value("drift/alerts", len(alerts))
                else:  # a partial run is measured, not judged: what it missed is not drift
                    coverage.record_coverage(self.db, self.run.id)
            except sqlite3.Error as error:
                logger.error("Could not measure the coverage of run %s in %s: %s", self.run.id, self.path, error)
            try:
                finish_run(self.db, self.run, status, self.crawler.stats.get_stats())
            except sqlite3.Error as error:
                logger.error("Could not record the end of run %s in %s: %s", self.run.id, self.path, error)
            close_archive(self.db)
            self.db = None
