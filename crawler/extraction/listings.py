"""What a listing page, a home page, robots.txt or a sitemap says about where the articles are.

Plain functions over text and parsel selectors, like the rest of extraction; the
spider decides which of the URLs found here to fetch.
"""

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from parsel.csstranslator import css2xpath
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from .rules import ARTICLE_URL, MENU_SELECTORS, NEXT_PAGE_LABELS, NON_ARTICLE_PATHS, PAGINATION_URL
from .text import normalize_space, text_content
from .urls import absolute_url, clean_url, origin


@dataclass(frozen=True)
class SitemapEntry:
    """One ``<url>`` of a sitemap: the page and the day it last changed, as the site says."""

    url: str
    lastmod: str | None = None


def sitemaps_in_robots(robots_txt: bytes, base_url: str) -> list[str]:
    """The sitemap URLs a robots.txt announces (``Sitemap:`` lines)."""
    return list(dict.fromkeys(sitemap_urls_from_robots(robots_txt, base_url=base_url)))


def read_sitemap(body: bytes) -> tuple[list[SitemapEntry], list[str]]:
    """A sitemap's page entries and, for a sitemap index, its child sitemaps.
    An unreadable document gives nothing rather than an error."""
    try:
        sitemap = Sitemap(body)
    except Exception:  # lxml raises several types on broken XML; the caller counts an empty result
        return [], []
    entries, children = [], []
    for entry in sitemap:
        loc = (entry.get("loc") or "").strip()
        if not loc:
            continue
        if sitemap.type == "sitemapindex":
            children.append(loc)
        else:
            entries.append(SitemapEntry(loc, _day(entry.get("lastmod"))))
    return entries, children


def _day(lastmod: str | None) -> str | None:
    """The ``YYYY-MM-DD`` of a W3C datetime, or None when it is not one."""
    value = (lastmod or "").strip()[:10]
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        return None


def looks_like_article_url(url: str) -> bool:
    """True for URLs shaped like the portal family's article pages."""
    return bool(ARTICLE_URL.search(url)) and not NON_ARTICLE_PATHS.search(_path(url))


def category_listings(root, base_url: str) -> list[str]:
    """Links of the site's main menu that lead to category listings on the same site."""
    site = origin(base_url)
    found = []
    for css in MENU_SELECTORS:
        for href in root.xpath(css2xpath(css) + "//a/@href"):
            url = absolute_url(href, base_url)
            if not url or origin(url) != site:
                continue
            path = _path(url)
            if path != "/" and not looks_like_article_url(url) and not NON_ARTICLE_PATHS.search(path.replace("/page/", "/")):
                found.append(clean_url(url))
    return list(dict.fromkeys(found))


def is_menu_listing(root, url: str) -> bool:
    """True when the page at ``url`` is one its own main menu names as a category listing: a
    page read without the crawl's discovery (an imported web archive) tells listings so."""
    return clean_url(url) in category_listings(root, url)


def listing_links(root, base_url: str) -> tuple[list[str], list[str]]:
    """Article links and next-page links of a listing page, on the same site."""
    site = origin(base_url)
    articles, pages = [], []
    for anchor in root.iter("a"):
        url = absolute_url(anchor.get("href"), base_url)
        if not url or origin(url) != site:
            continue
        if looks_like_article_url(url):
            articles.append(clean_url(url))
        elif PAGINATION_URL.search(url) and _says_next_page(anchor):
            pages.append(clean_url(url))
    return list(dict.fromkeys(articles)), list(dict.fromkeys(pages))


def _says_next_page(anchor) -> bool:
    text = normalize_space(text_content(anchor))
    return any(label in text for label in NEXT_PAGE_LABELS) or "next" in (anchor.get("class") or "").split()


def _path(url: str) -> str:
    return urlsplit(url).path or "/"
