"""A one-line live progress report on the terminal: pages, articles, errors."""

import sys
import time

from scrapy import signals
from scrapy.exceptions import NotConfigured

#: Seconds between two redraws of the progress line.
REDRAW_INTERVAL = 0.5


class Progress:
    """Redraws ``pages N  articles N  errors N`` on stderr while the crawl runs.
    Enabled by ``PROGRESS_ENABLED``."""

    def __init__(self, crawler, stream=None):
        self.stats = crawler.stats
        self.stream = stream or sys.stderr
        self.last_draw = 0.0

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("PROGRESS_ENABLED"):
            raise NotConfigured
        extension = cls(crawler)
        for signal in (signals.response_received, signals.item_scraped, signals.item_dropped, signals.spider_error):
            crawler.signals.connect(extension.draw, signal=signal)
        crawler.signals.connect(extension.finish, signal=signals.spider_closed)
        return extension

    def line(self) -> str:
        stats = self.stats.get_stats()
        errors = sum(v for k, v in stats.items() if k.startswith("portal/failed/"))
        return (
            f"pages {stats.get('response_received_count', 0)}  "
            f"articles {stats.get('portal/articles', 0)}  "
            f"errors {errors}"
        )

    def draw(self, *args, **kwargs):
        now = time.monotonic()
        if now - self.last_draw >= REDRAW_INTERVAL:
            self.last_draw = now
            self.stream.write("\r" + self.line() + "\x1b[K")
            self.stream.flush()

    def finish(self, spider, reason):
        self.stream.write("\r" + self.line() + "\x1b[K\n")
        self.stream.flush()
