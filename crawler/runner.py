"""Run the ``portal`` spider in this process and report what it did.

``medarchive crawl`` and ``medarchive demo`` use this; ``scrapy crawl portal``
remains the way to run it with Scrapy's own tooling.
"""

import os
from dataclasses import dataclass, field

from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings

from .spiders.portal import PortalSpider
from .start import crawl_state

#: Exit status when the crawl reached no article at all (wrong URL, site down, robots.txt).
EXIT_NOTHING_REACHED = 3

#: Settings that make a crawl of a replica portal on loopback take seconds, not minutes.
#: Never used against a real site.
LOOPBACK_SETTINGS = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "RETRY_TIMES": 1,
}


@dataclass
class CrawlResult:
    """How a crawl ended and Scrapy's stats for it."""

    reason: str
    stats: dict = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return self.stats.get("response_received_count", 0)

    @property
    def articles(self) -> int:
        return self.stats.get("portal/articles", 0)

    @property
    def finished(self) -> bool:
        return self.reason == "finished"

    @property
    def reached(self) -> bool:
        """Whether any article answered: stored, or unchanged since the last run (304)."""
        return self.articles + self.stats.get("portal/not_modified", 0) > 0


def exit_status(result: CrawlResult) -> int:
    """0 when the crawl finished, 1 when it stopped early, EXIT_NOTHING_REACHED when it reached no article."""
    if not result.finished:
        return 1
    return 0 if result.reached else EXIT_NOTHING_REACHED


def watch(crawler) -> CrawlResult:
    """The result of ``crawler``'s crawl, its reason filled in when the spider closes;
    :func:`settle` completes it once the reactor has stopped."""
    result = CrawlResult(reason="not started")

    def on_closed(spider, reason):
        result.reason = reason

    crawler.signals.connect(on_closed, signal=signals.spider_closed, weak=False)
    return result


def settle(result: CrawlResult, crawler) -> CrawlResult:
    """Read the crawl's stats into ``result``. A crawl that opened but never closed was
    aborted (a second Ctrl-C stops the reactor at once): its run row, still ``running``,
    is closed here as ``aborted`` with what it wrote."""
    result.stats = dict(crawler.stats.get_stats() or {})
    if result.reason == "not started" and result.stats.get("start_time"):
        result.reason = "aborted"
        run_id, path = result.stats.get("archive/run_id"), crawler.settings.get("ARCHIVE_DB_PATH")
        if run_id and path:
            from archive import abandon_run, close_archive, open_archive

            db = open_archive(path, create=False)
            try:
                abandon_run(db, run_id, "aborted", result.stats)
            finally:
                close_archive(db)
    return result


def project_settings(overrides: dict | None = None) -> Settings:
    """medarchive's Scrapy settings, wherever the command is run from, with ``overrides`` on top."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    settings = get_project_settings()
    settings.setdict(overrides or {}, priority="cmdline")
    return settings


def run_crawl(start_urls: list[str], settings: Settings, origins: list[str] = ()) -> CrawlResult:
    """Crawl from ``start_urls`` (and within ``origins``) with ``settings`` until the chains end; blocks.

    Runs Twisted's reactor, so it can be called once per process.
    """
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(PortalSpider)
    result = watch(crawler)
    process.crawl(crawler, start_urls=start_urls, origins=list(origins), state=crawl_state(settings, start_urls, origins))
    process.start()
    return settle(result, crawler)
