"""URL identity: which URL an article is stored under, and which links are worth following."""

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from lxml import etree

from .rules import NON_ARTICLE_PATHS, TRACKING_PARAMETERS

FOLLOWABLE_SCHEMES = ("http", "https")
_CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f]")


def clean_url(url: str) -> str:
    """``url`` without its fragment and tracking parameters (``utm_*``, ``spm`` ...), host lowercased."""
    parts = urlsplit(url.strip())
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING_PARAMETERS.match(k)]
    path = parts.path or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, urlencode(query), ""))


def absolute_url(href: str | None, base_url: str) -> str | None:
    """``href`` made absolute against ``base_url``, or None for links that lead nowhere fetchable
    (``javascript:``, ``mailto:``, ``tel:``, a bare ``#``, ``http:///`` without a host, a malformed URL)."""
    if not href:
        return None
    # A plain str (``strip`` returns one) as the cache key: an lxml "smart" string would keep
    # its whole page alive in the cache.
    return _absolute_url(href.strip(), base_url)


@lru_cache(maxsize=4096)
def _absolute_url(href: str, base_url: str) -> str | None:
    """Cached: a page asks for the same links again (its neighbours, their blocks' anchors),
    and ``urljoin`` is a tenth of extraction on a simple page."""
    if not href or href.startswith("#"):
        return None
    try:
        url = urljoin(base_url, href)
        parts = urlsplit(url)
    except ValueError:  # "http://[" (an unclosed IPv6 bracket): a page's typo must not stop the crawl
        return None
    if parts.scheme.lower() not in FOLLOWABLE_SCHEMES or not parts.netloc:
        return None
    # Browsers drop tabs, newlines and other controls inside URLs; lxml refuses them.
    return _CONTROL_CHARACTERS.sub("", url)


_CANONICAL_HREFS = etree.XPath("//head/link[contains(concat(' ', normalize-space(@rel), ' '), ' canonical ')]/@href", smart_strings=False)


def canonical_url(root, response_url: str) -> str:
    """The URL an article is stored under: its ``<link rel=canonical>`` when it names an
    http(s) URL, else the fetched URL without tracking parameters."""
    for href in _CANONICAL_HREFS(root):
        url = absolute_url(href, response_url)
        if url:
            return clean_url(url)
    return clean_url(response_url)


def origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url``: the unit a crawl stays within."""
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def looks_like_listing(url: str) -> bool:
    """True for home, tag, category, pagination and other furniture paths. The home path
    with a query (``/?p=1700``, WordPress' plain permalinks) is an article's address."""
    parts = urlsplit(url)
    path = parts.path or "/"
    return (path == "/" and not parts.query) or bool(NON_ARTICLE_PATHS.search(path))
