"""What a listing page, a home page, robots.txt or a sitemap says about where the articles are.

Plain functions over text and parsel selectors, like the rest of extraction; the
spider decides which of the URLs found here to fetch.
"""

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from lxml import etree
from parsel.csstranslator import css2xpath
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from .rules import (
    ARTICLE_URL,
    BREADCRUMB_SELECTORS,
    HEADLINE_CHARS,
    MENU_SELECTORS,
    MIN_HEADLINE_SHARE,
    MIN_HEADLINES,
    MORE_LINK_WORDS,
    NON_ARTICLE_PATHS,
    PAGER_LABELS,
    PAGINATION_URL,
    SCRIPT_PAGERS,
)
from .text import normalize_space, text_content
from .urls import absolute_url, clean_url, looks_like_listing, origin

#: How far up from a link its repeated item may be (``a`` in ``h2`` in ``article`` in ``main``).
MAX_ITEM_DEPTH = 4
#: A ``更多>>`` link is short; a headline that contains 更多 is not one.
MAX_MORE_CHARS = 8
#: The most pages of a script-written pager that are taken.
MAX_SCRIPT_PAGES = 1000
_DIGITS = re.compile(r"\d+")
#: A section's own address: its folder or the folder's index page (``/news/``, ``/news/index.html``, ``index2.html``).
_SECTION_INDEX = re.compile(r"(/|/index\d*\.s?html?)$", re.I)
_LETTERS = re.compile(r"[^\W\d_]")
#: Menu and breadcrumb links, as XPath.
#: The main menus' links alone (no breadcrumb, no ``更多`` link).
_MAIN_MENU_LINKS = tuple(etree.XPath(css2xpath(css) + "//a/@href") for css in MENU_SELECTORS)
_MENU_ANCHORS = tuple(etree.XPath(css2xpath(css) + ("//a[@href]" if css in MENU_SELECTORS else "[@href]"))
                      for css in (*MENU_SELECTORS, *BREADCRUMB_SELECTORS) if css.endswith(" a") or css in MENU_SELECTORS)


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


def looks_like_article_url(url: str, shapes=()) -> bool:
    """True for URLs shaped like a CMS family's article pages, or like ``shapes`` (``url_shape``
    of articles the site is known to have)."""
    path = _path(url)
    if NON_ARTICLE_PATHS.search(path):
        return False
    return bool(ARTICLE_URL.search(url)) or (bool(shapes) and url_shape(url) in shapes)


def url_shape(url: str) -> str | None:
    """The shape of an article URL, to know its siblings by: the folder depth and the last path
    segment with each run of digits as ``0`` (``/a/b/202503/t20250312_4821937.shtml`` ->
    ``3/t0_0.shtml``). None when that segment has no digit: such a shape says nothing."""
    parts = urlsplit(url)
    folders, _, name = parts.path.rpartition("/")
    if not _DIGITS.search(name) and not _DIGITS.search(parts.query):
        return None
    query = "?" + _DIGITS.sub("0", parts.query) if parts.query else ""
    return f"{folders.count('/')}/{_DIGITS.sub('0', name)}{query}"


@dataclass(frozen=True)
class Listing:
    """What a listing or home page links to on its own site: likely articles, the listing's
    other pages, the section listings (menus, breadcrumbs, ``更多>>``) and the other folders
    it links (``/news/topnew/``: channels, mostly listings too)."""

    articles: list[str]
    pages: list[str]
    sections: list[str]
    folders: list[str]


def read_listing(root, base_url: str, shapes=()) -> Listing:
    """The links of a listing, home or section page. An article is a link shaped like the site's
    articles or one of a block of headline links (a listing is known by what it shows, not by
    its URL); its pager may be links or a script."""
    here = clean_url(base_url)
    articles, pages, sections, folders = [], [], [], []
    headlines = _headline_anchors(root)
    more = set(_section_anchors(root))
    for anchor in root.iter("a"):
        url = _same_site(anchor.get("href"), base_url)
        if url is None or url == here:
            continue
        if looks_like_article_url(url, shapes):
            articles.append(url)
        elif PAGINATION_URL.search(url) and _names_a_page(anchor):
            pages.append(url)
        elif anchor in headlines and not looks_like_listing(url) and not _SECTION_INDEX.search(_path(url)):
            articles.append(url)
        elif anchor in more:
            sections.append(url)
        elif _SECTION_INDEX.search(_path(url)) and not urlsplit(url).query:
            folders.append(url)
    pages += [url for url in _script_pages(root, base_url) if url != here]
    sections = [url for url in sections if _path(url) != "/"]
    folders = [url for url in folders if _path(url) != "/" and url not in sections]
    return Listing(*(list(dict.fromkeys(found)) for found in (articles, pages, sections, folders)))


def is_menu_listing(root, url: str) -> bool:
    """True when the page at ``url`` is one its own main menu names as a section: a listing, not
    an article. A page read without the crawl's discovery (an imported web archive) tells
    listings so."""
    here = clean_url(url)
    if _path(here) == "/" or looks_like_article_url(here):
        return False
    return any(_same_site(href, url) == here for xpath in _MAIN_MENU_LINKS for href in xpath(root))


def section_links(root, base_url: str) -> list[str]:
    """Links of the page's menus, breadcrumbs and ``更多>>`` links that lead to other sections of the site."""
    here = clean_url(base_url)
    found = [_same_site(anchor.get("href"), base_url) for anchor in _section_anchors(root)]
    return list(dict.fromkeys(url for url in found if url and url != here and _path(url) != "/" and not looks_like_article_url(url)))


def _same_site(href: str | None, base_url: str) -> str | None:
    url = absolute_url(href, base_url)
    return clean_url(url) if url and origin(url) == origin(base_url) else None


def _section_anchors(root) -> list:
    """Anchors of menus and breadcrumbs, and short ``更多``/``more`` links."""
    found = [anchor for xpath in _MENU_ANCHORS for anchor in xpath(root)]
    for anchor in root.iter("a"):
        text = normalize_space(text_content(anchor))
        if text and len(text) <= MAX_MORE_CHARS and any(word in text for word in MORE_LINK_WORDS):
            found.append(anchor)
    return found


def _headline_anchors(root) -> set:
    """Anchors in blocks of repeated items whose links mostly read as headlines: items that are
    siblings (the ``<li>``s of a ``<ul>``, rows, ``<article>``s) or that share their markup
    (``<ul><li class="tit"><a>`` repeated, each with a ``[查看全文]`` link beside it)."""
    blocks: dict = {}
    repeats: dict = {}
    for anchor in root.iter("a"):
        if not anchor.get("href"):
            continue
        holder = _repeated_holder(anchor, repeats)
        if holder is not None:
            blocks.setdefault(holder, []).append(anchor)
        blocks.setdefault(_markup_path(anchor), []).append(anchor)
    found = set()
    for anchors in blocks.values():
        headlines = [anchor for anchor in anchors if _reads_as_headline(anchor)]
        if len(headlines) >= MIN_HEADLINES and len(headlines) >= MIN_HEADLINE_SHARE * len(anchors):
            found.update(headlines)
    return found


def _markup_path(anchor) -> tuple:
    """The tags and classes of the anchor and the elements above it, a few levels up."""
    path = []
    element = anchor
    for _ in range(MAX_ITEM_DEPTH):
        if element is None or not isinstance(element.tag, str):
            break
        path.append((element.tag, element.get("class") or ""))
        element = element.getparent()
    return tuple(path)


def _repeated_holder(anchor, repeats: dict):
    """The element whose children repeat the item holding ``anchor`` (the ``<ul>`` of ``<li>``s),
    looking a few levels up; None when no level repeats."""
    element = anchor
    for _ in range(MAX_ITEM_DEPTH):
        parent = element.getparent()
        if parent is None:
            return None
        key = (parent, element.tag)
        if key not in repeats:
            repeats[key] = sum(1 for child in parent if child.tag == element.tag)
        if repeats[key] >= 2:
            return parent
        element = parent
    return None


def _reads_as_headline(anchor) -> bool:
    text = normalize_space(text_content(anchor)) or normalize_space(anchor.get("title") or "")
    if not text:  # a picture link: its picture's description
        text = normalize_space(" ".join(anchor.xpath(".//img/@alt")))
    low, high = HEADLINE_CHARS
    return low <= len(text) <= high and len(_LETTERS.findall(text)) >= low // 2


def _names_a_page(anchor) -> bool:
    """A pager link: a page number, or a first/previous/next/last label."""
    text = normalize_space(text_content(anchor)).strip("[]【】 ")
    return text.isdigit() or any(label in text for label in PAGER_LABELS) or "next" in (anchor.get("class") or "").split()


def _script_pages(root, base_url: str) -> list[str]:
    """The pages of a pager a script writes (TRS ``createPageHTML``)."""
    found = []
    for script in root.iter("script"):
        for pattern in SCRIPT_PAGERS:
            for count, name, extension in pattern.findall(script.text or ""):
                found += [absolute_url(f"{name}_{k}.{extension}", base_url) for k in range(1, min(int(count), MAX_SCRIPT_PAGES))]
    return [clean_url(url) for url in found if url]


def _path(url: str) -> str:
    return urlsplit(url).path or "/"
