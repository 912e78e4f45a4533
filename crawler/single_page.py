"""One page, outside a crawl: decoded, extracted and normalised as a crawl would store it.

For ``medarchive extract`` (a saved file or one URL) and for scoring extraction on saved
pages: the same charset rules as the crawler (HTTP header, BOM, ``<meta charset>``, then the
GBK fallback for pages that declare UTF-8), the same extraction, the same normalising steps.
"""

import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone

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


def extract_page(body: bytes, url: str, content_type: str | None = None, rule: SiteRule | None = None, now: datetime | None = None) -> PageResult:
    """What the crawler would store from a page with these bytes at ``url``."""
    response = response_for(body, url, content_type)
    page = read_article(response.selector, url, rule)
    if isinstance(page, NotAnArticle):
        return PageResult(url=url, encoding=response.encoding, item=None, reason=str(page))
    fetched_at = (now or datetime.now(timezone.utc)).isoformat(timespec="seconds")
    item = article_item(page, response, fetched_at=fetched_at)
    normalise(item, counter_into(Counter()))
    return PageResult(url=url, encoding=response.encoding, item=item, found_by=page.found_by)


def fetch(url: str) -> tuple[bytes, str | None, str]:
    """The bytes, Content-Type and final URL of ``url``, fetched once with the crawl's user agent."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"})
    with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT) as answer:
        return answer.read(MAX_FETCH_BYTES), answer.headers.get("Content-Type"), answer.geturl()
