"""Downloader middleware: retries that wait as long as the server asks, robots.txt
failures told in one line, and a bound on the pages fetched from one site."""

import asyncio
import logging
from collections import Counter
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from scrapy.downloadermiddlewares import httpcompression, robotstxt
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest

logger = logging.getLogger(__name__)


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's retries, but a 429 or 503 with ``Retry-After`` is retried only after the
    wait it asks for, capped at ``RETRY_AFTER_MAX`` seconds: a rate-limited site is given
    the pause it wants instead of an immediate second request."""

    def __init__(self, settings):
        super().__init__(settings)
        self.max_wait = settings.getfloat("RETRY_AFTER_MAX")

    @classmethod
    def from_crawler(cls, crawler):
        middleware = super().from_crawler(crawler)
        middleware.stats = crawler.stats
        return middleware

    async def process_response(self, request, response, spider=None):
        if response.status in (429, 503) and not request.meta.get("dont_retry") and response.status in self.retry_http_codes:
            wait = retry_after_seconds(response.headers.get("Retry-After"))
            if wait:
                wait = min(wait, self.max_wait)
                self.stats.inc_value("retry/retry_after_waits")
                logger.info("%s answered %s; retrying after the %.0f s it asks for", request.url, response.status, wait)
                await asyncio.sleep(wait)
        return super().process_response(request, response)


class _RobotsFailureInOneLine(logging.Filter):
    """Scrapy logs a robots.txt that cannot be fetched (connection refused, unknown host)
    with a 60-line traceback naming the article it was fetched for; that is an expected
    failure of a site, said here in one line."""

    def filter(self, record):
        if record.exc_info and isinstance(record.args, dict) and "request" in record.args:
            url = urlsplit(record.args["request"].url)
            record.msg = "Could not fetch %s://%s/robots.txt: %s"
            record.args = (url.scheme, url.netloc, record.args.get("f_exception"))
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"  # the crawl goes on
        return True


class ForbiddenByRobots(IgnoreRequest):
    """robots.txt forbids the request."""


class TooLarge(IgnoreRequest):
    """The response's body grew past ``DOWNLOAD_MAXSIZE`` while being decompressed (a gzip bomb)."""


class RobotsTxtMiddleware(robotstxt.RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, its download failures logged in one line and its
    refusals raised as :class:`ForbiddenByRobots`."""

    def __init__(self, crawler):
        super().__init__(crawler)
        if not any(isinstance(f, _RobotsFailureInOneLine) for f in robotstxt.logger.filters):
            robotstxt.logger.addFilter(_RobotsFailureInOneLine())

    def process_request_2(self, rp, request):
        try:
            super().process_request_2(rp, request)
        except IgnoreRequest as refused:  # Scrapy's one refusal here: robots.txt forbids it
            raise ForbiddenByRobots(str(refused)) from None


class HttpCompressionMiddleware(httpcompression.HttpCompressionMiddleware):
    """Scrapy's decompression, its refusal of a body inflating past ``DOWNLOAD_MAXSIZE``
    raised as :class:`TooLarge`."""

    def process_response(self, request, response, spider=None):
        try:
            return super().process_response(request, response)
        except IgnoreRequest as refused:  # Scrapy's one refusal here: the size limit
            raise TooLarge(str(refused)) from None


class NotFetched(IgnoreRequest):
    """A request left out on purpose (a bound reached, the crawl interrupted): not a
    failure of the site, so no gap; an archived link to it stays in the frontier."""


#: Requests the first Ctrl-C left unfetched (crawler/extensions.py ``Interrupt``); once set,
#: the crawl has been interrupted.
INTERRUPTED = "portal/interrupted/not_fetched"


class InterruptMiddleware:
    """After the first Ctrl-C, drops the requests that reach the downloader's queues only then:
    those that were waiting for their site's robots.txt. ``Interrupt`` drops the ones already
    queued; without this the waiting ones were all fetched once robots.txt came."""

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_request(self, request, spider=None):
        if self.stats.get_value(INTERRUPTED) is not None:
            self.stats.inc_value(INTERRUPTED)
            raise NotFetched(f"crawl interrupted before {request.url} was fetched")
        return None


class PageBudgetExceeded(NotFetched):
    """The request's site has had its ``PORTAL_MAX_PAGES`` pages in this crawl."""


class PageBudgetMiddleware:
    """Fetch at most ``PORTAL_MAX_PAGES`` pages from each site (scheme, host and port) in
    one crawl; later requests to that site are dropped, counted in
    ``portal/bounded/max_pages``, and the site is logged once. A site that generates
    pages without end thus ends the crawl, however it links them.

    Requests are counted as they leave for the downloader, not responses as they come back:
    with several requests in flight, counting answers let as many more through as were
    waiting. robots.txt is not a page and is not counted."""

    def __init__(self, crawler, max_pages: int):
        self.stats = crawler.stats
        self.max_pages = max_pages
        self.fetched: Counter[str] = Counter()
        self.bounded: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, crawler.settings.getint("PORTAL_MAX_PAGES"))

    def process_request(self, request, spider=None):
        if not self.max_pages or _is_robots_txt(request):
            return None
        site = _site(request.url)
        if self.fetched[site] >= self.max_pages:
            if site not in self.bounded:
                self.bounded.add(site)
                logger.warning("Fetched %d pages from %s, its --max-pages: fetching no more from it", self.max_pages, site)
            self.stats.inc_value("portal/bounded/max_pages")
            raise PageBudgetExceeded(f"{site} reached PORTAL_MAX_PAGES ({self.max_pages})")
        self.fetched[site] += 1
        return None


def _is_robots_txt(request) -> bool:
    """True for the robots.txt request Scrapy's robots.txt middleware makes itself."""
    return request.meta.get("dont_obey_robotstxt", False) and urlsplit(request.url).path == "/robots.txt"


def _site(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
