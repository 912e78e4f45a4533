"""One page from its bytes: decoded as the crawler decodes it, then extracted.

For saved files and for ``medarchive extract``: the same charset rules as a crawl
(HTTP header, then BOM, then ``<meta charset>``, then a fallback for GBK pages that
declare UTF-8), so what a saved page gives is what the crawler would store.
"""

from dataclasses import dataclass
from datetime import datetime

from parsel import Selector
from w3lib.encoding import html_to_unicode

from .article import ArticlePage, extract_article
from .dates import normalize_date
from .text import REPLACEMENT_CHAR, better_encoding


@dataclass
class PageResult:
    """An extracted page, or why it is not an article."""

    url: str
    encoding: str
    page: ArticlePage | None
    published: str | None = None  # ISO 8601, as the dates pipeline would store it
    reason: str | None = None  # why the page is not an article

    @property
    def published_day(self) -> str | None:
        return self.published[:10] if self.published else None


def decode_html(body: bytes, url: str = "", content_type: str | None = None) -> str:
    """``body`` as text, with the charset a crawl would use."""
    return _decode(body, content_type)[1]


def _decode(body: bytes, content_type: str | None) -> tuple[str, str]:
    encoding, text = html_to_unicode(content_type, body)
    if REPLACEMENT_CHAR in text:
        better = better_encoding(body, encoding)
        if better:
            return better, body.decode(better)
    return encoding, text


def extract_from_bytes(body: bytes, url: str, content_type: str | None = None, now: datetime | None = None) -> PageResult:
    """What the crawler would take from a page with these bytes at ``url``."""
    encoding, text = _decode(body, content_type)
    page = extract_article(Selector(text=text, base_url=url), url)
    if page is None:
        return PageResult(url=url, encoding=encoding, page=None, reason="not an article")
    normalized = normalize_date(page.published_raw, now=now) if page.published_raw else None
    return PageResult(url=url, encoding=encoding, page=page, published=normalized.iso if normalized else None)
