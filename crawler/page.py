"""The page step: from a page as fetched to the article the archive stores, in one place.

Every way a page comes in (a crawl, through the extraction processes; ``reextract``; a WARC
import; ``medarchive extract``) goes through :func:`page_to_article`, which does, in order:
the charset that fits the bytes, extraction (``crawler.extraction``), the body's HTML
sanitised, the fields the fetch gives (URL, site, status, validators, the raw page), and the
normalising steps (``crawler.normalise``: dates, identifiers, trials, disclaimer).
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from scrapy.http import HtmlResponse, TextResponse

from archive.sanitize import sanitize_html

from .extraction.article import NotAnArticle, read_article
from .extraction.pagination import join_pages
from .extraction.site_rules import SiteRule
from .extraction.text import REPLACEMENT_CHAR, better_encoding
from .extraction.urls import clean_url, origin
from .items import ArticleItem
from .normalise import Count, InvalidArticle, normalise

logger = logging.getLogger(__name__)

#: Response headers kept with a raw page: enough to decode it again.
KEPT_HEADERS = ("Content-Type", "Last-Modified", "ETag", "Date")


@dataclass
class Fetched:
    """A page as fetched: its URL, bytes, response headers (name -> value), HTTP status and
    when it was fetched (ISO 8601; None when unknown: then no date is read against it)."""

    url: str
    body: bytes
    headers: dict = field(default_factory=dict)
    status: int | None = 200
    fetched_at: str | None = None


class Unstorable(NotAnArticle):
    """An article the normalising steps refuse (a required field blank)."""


def page_to_article(page: Fetched, rule: SiteRule | None = None, *, later: Sequence[Fetched] = (),
                    identity: str | None = None, count: Count | None = None) -> ArticleItem | NotAnArticle:
    """The article ``page`` holds, as the archive stores it, or why it holds none.

    ``later``: the pages 2, 3 ... of an article split over pages, in order; their text is
    joined to the first's (a later page that does not read as an article is left out, counted
    as ``missing_page``). ``identity``: the URL the archive knows the article by, kept even if
    extraction now reads its canonical URL differently. ``count(key, n=1)`` counts what the
    steps did: the page step's own keys bare (``encoding_fallback``, ``missing_page``), the
    normalising steps' with their prefix (``dates/...``). An extraction error is raised: the
    caller keeps the page."""
    response = decoded(page, count)
    count = count or _no_count
    found = read_article(response.selector, page.url, rule)
    if isinstance(found, NotAnArticle):
        return found
    found = sanitized(found)
    if later:
        found = join_pages(found, _later_articles(page, later, rule, count))
    item = completed(found, response, page)
    item.url = identity or item.url
    try:
        return normalise(item, count)
    except InvalidArticle as error:
        return Unstorable(str(error))


def decoded(page: Fetched, count: Count | None = None) -> HtmlResponse:
    """``page`` as a response read in its declared charset (HTTP header, BOM, ``<meta charset>``),
    or in the CJK charset that fits its bytes when the declared one cannot read them (GBK or
    Big5 sent as UTF-8). Given ``count``, the fallback is counted (``encoding_fallback``) and
    logged."""
    response = HtmlResponse(page.url, status=page.status or 200, headers=page.headers or {}, body=page.body)
    fitting = fitting_encoding(response)
    if fitting is None:
        return response
    if count is not None:
        count("encoding_fallback")
        logger.warning("%s is not %s as declared; read as %s", page.url, response.encoding, fitting)
    return response.replace(encoding=fitting)


def fitting_encoding(response: TextResponse) -> str | None:
    """The charset that fits ``response``'s bytes when its declared one does not; None when it does."""
    if REPLACEMENT_CHAR in response.text:
        return better_encoding(response.body, response.encoding)
    return None


def kept_headers(headers) -> dict:
    """The headers of ``KEPT_HEADERS`` (str values) out of a Scrapy ``Headers`` or a dict."""
    kept = {}
    for name in KEPT_HEADERS:
        value = headers.get(name)
        if value:
            kept[name] = value.decode("latin-1") if isinstance(value, bytes) else value
    return kept


def completed(found: ArticleItem, response: TextResponse, page: Fetched) -> ArticleItem:
    """The extracted article, completed with what its fetch says."""
    headers = kept_headers(page.headers or {})
    return replace(
        found,
        neighbours=[replace(link, url=clean_url(link.url)) if link.url else link for link in found.neighbours],
        fetched_url=page.url,
        site=origin(page.url),
        fetched_at=page.fetched_at,
        http_status=response.status,
        encoding=response.encoding,
        etag=headers.get("ETag"),
        last_modified=headers.get("Last-Modified"),
        raw_headers=headers,
        raw_body=page.body,
    )


def sanitized(found: ArticleItem) -> ArticleItem:
    """The body's HTML reduced to what is safe to store and show (``archive.sanitize``)."""
    found.body_html = sanitize_html(found.body_html)
    return found


def _later_articles(first: Fetched, later: Sequence[Fetched], rule, count: Count) -> list:
    """The articles read from the later pages of an article; a page that no longer reads as
    one is left out of the body, counted."""
    articles = []
    for page in later:
        try:
            found = read_article(decoded(page).selector, page.url, rule)
        except Exception as error:  # the article's other pages still count
            logger.error("Could not extract %s, page of %s (%s: %s)", page.url, first.url, type(error).__name__, error)
            found = None
        if found is None or isinstance(found, NotAnArticle):
            count("missing_page")
            logger.warning("%s, a page of %s, does not read as an article; left out of its body", page.url, first.url)
            continue
        articles.append(sanitized(found))
    return articles


def _no_count(key: str, n: int = 1) -> None:
    """Counts nothing: for a caller that keeps no counts."""
