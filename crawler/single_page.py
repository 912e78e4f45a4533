"""One page, outside a crawl: fetched or read from a file, then through the page step
(:mod:`crawler.page`) as a crawl would store it.

For ``medarchive extract`` (a saved file or one URL) and for scoring extraction on saved pages.
"""

import os
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from scrapy.http import TextResponse

from .extraction.article import NotAnArticle
from .extraction.site_rules import SiteRule
from .items import ArticleItem
from .page import Fetched, decoded, page_to_article
from .settings import DOWNLOAD_MAXSIZE, USER_AGENT

FETCH_TIMEOUT = 30


class PageTooLarge(ValueError):
    """A page larger than ``DOWNLOAD_MAXSIZE``, which a crawl skips unread."""

    def __init__(self, source: str):
        super().__init__(f"{source} is larger than {DOWNLOAD_MAXSIZE // 2**20} MB (DOWNLOAD_MAXSIZE): a crawl skips such a page unread")


@dataclass
class PageResult:
    """What would be stored from one page: the item, or why the page is not an article."""

    url: str
    encoding: str
    item: ArticleItem | None
    reason: str | None = None
    found_by: dict = field(default_factory=dict)  # field -> the rule that found it

    @property
    def published_day(self) -> str | None:
        return self.item.published[:10] if self.item and self.item.published else None


def response_for(body: bytes, url: str, content_type: str | None = None, status: int = 200) -> TextResponse:
    """The page as a response read in the charset the page step reads it in."""
    return decoded(_fetched(body, url, content_type, status))


def extract_page(body: bytes, url: str, content_type: str | None = None, rule: SiteRule | None = None,
                 fetched_at: datetime | None = None) -> PageResult:
    """What the crawler would store from a page with these bytes at ``url``, fetched at
    ``fetched_at``; without it, relative dates (``昨天``) and dates shown without a year that
    only the fetch time could place are left absent."""
    page = _fetched(body, url, content_type, fetched_at=fetched_at.isoformat(timespec="seconds") if fetched_at else None)
    found = page_to_article(page, rule)
    if isinstance(found, NotAnArticle):
        return PageResult(url=url, encoding=decoded(page).encoding, item=None, reason=str(found))
    return PageResult(url=url, encoding=found.encoding, item=found, found_by=found.found_by)


def _fetched(body: bytes, url: str, content_type: str | None, status: int = 200, fetched_at: str | None = None) -> Fetched:
    return Fetched(url, body, {"Content-Type": content_type} if content_type else {}, status, fetched_at)


def fetch(url: str) -> tuple[bytes, str | None, str, datetime]:
    """The bytes, Content-Type, final URL and fetch time of ``url``, fetched once with the
    crawl's user agent. The fetch time is the answer's ``Date`` header, else the time it came.

    :raises PageTooLarge: past the crawl's page-size limit (read no further than one byte beyond it)
    """
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"})
    with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT) as answer:
        fetched_at = datetime.now(timezone.utc)
        try:
            fetched_at = parsedate_to_datetime(answer.headers.get("Date"))
        except (TypeError, ValueError):
            pass  # no usable Date header: the time the answer came
        body = answer.read(DOWNLOAD_MAXSIZE + 1)
        if len(body) > DOWNLOAD_MAXSIZE:
            raise PageTooLarge(url)
        return body, answer.headers.get("Content-Type"), answer.geturl(), fetched_at


def read_saved(path) -> bytes:
    """The bytes of the saved page at ``path``.

    :raises PageTooLarge: past the crawl's page-size limit
    :raises OSError: when it cannot be read
    """
    with open(path, "rb") as handle:
        if os.fstat(handle.fileno()).st_size > DOWNLOAD_MAXSIZE:
            raise PageTooLarge(str(path))
        body = handle.read(DOWNLOAD_MAXSIZE + 1)  # a pipe or /proc file has no size to ask
    if len(body) > DOWNLOAD_MAXSIZE:
        raise PageTooLarge(str(path))
    return body
