"""Extensions: a one-line live progress report on the terminal (pages, articles, errors),
and a Ctrl-C that is answered at once."""

import os
import signal
import sys
import time

from scrapy import signals
from scrapy.exceptions import NotConfigured

from archive import crawl_errors

from .middlewares import INTERRUPTED, NotFetched

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
        for event in (signals.response_received, signals.item_scraped, signals.item_dropped, signals.spider_error):
            crawler.signals.connect(extension.draw, signal=event)
        crawler.signals.connect(extension.finish, signal=signals.spider_closed)
        return extension

    def line(self) -> str:
        stats = self.stats.get_stats()
        errors = crawl_errors(stats)
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


#: Written the moment Ctrl-C arrives, before Scrapy's own (logged, and often hidden) notice.
INTERRUPT_MESSAGE = b"\nstopping: finishing pages in flight, Ctrl-C again to abort\n"


class Interrupt:
    """On the first Ctrl-C, say so at once and drop the requests waiting in the
    downloader's queues: only the pages being transferred are finished and stored, instead
    of every queued one at the site's delay (16 requests, about 10 s); those still waiting for
    robots.txt are dropped as they reach the queues (``InterruptMiddleware``). The dropped pages
    stay in the archive's frontier, so the next run fetches them. Scrapy's own handling
    goes on as before (a graceful close, a second Ctrl-C stops at once)."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        extension = cls(crawler)
        crawler.signals.connect(extension.engine_started, signal=signals.engine_started)
        return extension

    def engine_started(self):
        from twisted.internet import reactor

        # Scrapy installs its SIGINT handler when the reactor has started; wrap it after that.
        reactor.callLater(0, self.wrap_handler)

    def wrap_handler(self):
        scrapy_handler = signal.getsignal(signal.SIGINT)
        if not callable(scrapy_handler):
            return

        def on_interrupt(signum, frame):
            from twisted.internet import reactor

            os.write(sys.stderr.fileno(), INTERRUPT_MESSAGE)  # safe inside a signal handler, unlike print
            scrapy_handler(signum, frame)
            reactor.callFromThread(self.drop_queued)

        signal.signal(signal.SIGINT, on_interrupt)

    def drop_queued(self):
        dropped = 0
        for slot in self.crawler.engine.downloader.slots.values():
            while slot.queue:
                request, deferred = slot.queue.popleft()
                deferred.errback(NotFetched(f"crawl interrupted before {request.url} was fetched"))
                dropped += 1
        self.crawler.stats.inc_value(INTERRUPTED, dropped)  # set even at 0: InterruptMiddleware drops the rest
