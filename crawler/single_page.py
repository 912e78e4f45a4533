"""One page, outside a crawl: decoded, extracted and normalised as a crawl would store it.

For ``medarchive extract`` (a saved file or one URL) and for scoring extraction on saved
pages: the same charset rules as the crawler (HTTP header, BOM, ``<meta charset>``, then the
GBK fallback for pages that declare UTF-8), the same extraction, the same normalising steps.
"""

import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from scrapy.http import HtmlResponse, TextResponse

from .extraction.article import NotAnArticle, read_article
from .extraction.site_rules import SiteRule
from .extraction.text import REPLACEMENT_CHAR, better_encoding
from .items import ArticleItem
from .normalise import counter_into, normalise
from .settings import USER_AGENT
from .spiders.portal import article_item

#: A page larger than this is not fetched whole by ``extract`` (the crawl's own limit).
MAX_FETCH_BYTES = 10 * 1024 * 1024
FETCH_TIMEOUT = 30


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


def with_fitting_encoding(response: TextResponse) -> TextResponse:
    """``response``, re-read in a charset that fits its bytes when the declared one does not
    (GBK pages sent as UTF-8); unchanged otherwise."""
    if REPLACEMENT_CHAR in response.text:
        encoding = better_encoding(response.body, response.encoding)
        if encoding:
            return response.replace(encoding=encoding)
    return response


def response_for(body: bytes, url: str, content_type: str | None = None, status: int = 200) -> TextResponse:
    headers = {"Content-Type": content_type} if content_type else {}
    return with_fitting_encoding(HtmlResponse(url, status=status, headers=headers, body=body))


def extract_page(body: bytes, url: str, content_type: str | None = None, rule: SiteRule | None = None,
                 fetched_at: datetime | None = None) -> PageResult:
    """What the crawler would store from a page with these bytes at ``url``, fetched at
    ``fetched_at``; without it, relative dates (``昨天``) and dates shown without a year that
    only the fetch time could place are left absent."""
    response = response_for(body, url, content_type)
    page = read_article(response.selector, url, rule)
    if isinstance(page, NotAnArticle):
        return PageResult(url=url, encoding=response.encoding, item=None, reason=str(page))
    item = article_item(page, response)
    item.fetched_at = fetched_at.isoformat(timespec="seconds") if fetched_at else None
    normalise(item, counter_into(Counter()))
    return PageResult(url=url, encoding=response.encoding, item=item, found_by=page.found_by)


def fetch(url: str) -> tuple[bytes, str | None, str, datetime]:
    """The bytes, Content-Type, final URL and fetch time of ``url``, fetched once with the
    crawl's user agent. The fetch time is the answer's ``Date`` header, else the time it came."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"})
    with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT) as answer:
        fetched_at = datetime.now(timezone.utc)
        try:
            fetched_at = parsedate_to_datetime(answer.headers.get("Date"))
        except (TypeError, ValueError):
            pass  # no usable Date header: the time the answer came
        return answer.read(MAX_FETCH_BYTES), answer.headers.get("Content-Type"), answer.geturl(), fetched_at
