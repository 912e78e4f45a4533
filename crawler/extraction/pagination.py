"""The pages of one article that a site splits over several (``上一页 1 2 3 下一页``,
``上一页 1/2 下一页``, ``第2页``), and joining them back into one article.

A link leads to another page of the same article when two things hold:

- its URL is the page's own URL with a page number put in or changed: ``1276.html`` and
  ``1276_2.html`` or ``1276-2.html``, ``index.html`` and ``index_2.html``, ``a.html`` and
  ``a.html?page=2``, ``/slug/`` and ``/slug/2/`` (WordPress' ``<!--nextpage-->``);
- its text is a pager's: a page number (``2``, ``[2]``, ``第2页``), ``上一页``/``下一页``,
  ``首页``/``尾页``.

So a listing's pager (``list_1_2.html``), a serial's next chapter (``/book/2.html`` from
``/book/1.html``) and the ``上一篇``/``下一篇`` neighbours are never taken for pages.
"""

import re
from collections import Counter
from dataclasses import replace
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from lxml import etree

from ..items import Pagination
from .rules import NEXT_PAGE_LINKS, PREV_PAGE_LINKS
from .text import normalize_space, text_content
from .urls import absolute_url, clean_url

#: At most this many pages of one article are fetched: a pager that never ends is a trap.
MAX_ARTICLE_PAGES = 50
#: A page number in a URL above this is an id (``c_1125930000.htm``), not a page.
MAX_PAGE_NUMBER = 999
#: Query parameters that carry a page number (``?page=2``); ``p`` is left out: WordPress'
#: ``?p=59107`` names an article.
PAGE_QUERY_KEYS = frozenset(("page", "pn", "pg", "pageno", "page_no", "pagenum", "pageindex", "curpage", "currentpage"))
#: Link texts of a pager that lead to its first or last page; not 首页, which is also the home page.
END_PAGE_LINKS = ("第一页", "第一頁", "尾页", "尾頁", "末页", "末頁", "最后一页", "最後一頁")
_STEP_LINKS = frozenset(PREV_PAGE_LINKS + NEXT_PAGE_LINKS + END_PAGE_LINKS)
#: ``1276_2.html``, ``1276-2.html``, ``index_2.html``: a number after the name, before the extension.
_PAGE_IN_NAME_RE = re.compile(r"^(?P<name>.*[^_\-/])[_-](?P<number>\d{1,3})(?P<extension>\.[A-Za-z]{2,5})$")
#: ``/slug/2/``: a number as the last folder; ``/59017.html/2``: after the name (WordPress).
_PAGE_FOLDER_RE = re.compile(r"^(?:(?P<name>.+\.[A-Za-z]{2,5})/|(?P<folder>.+/))(?P<number>\d{1,3})/?$")
#: ``2``, ``[2]``, ``第2页``, ``第 2 頁``.
_NUMBER_TEXT_RE = re.compile(r"^(?:第)?(\d{1,3})(?:[页頁])?$")
_DECORATION_RE = re.compile(r"[\s«»‹›<>←→|:：\[\]【】()（）·•]+")
#: Links short enough to be a pager's, holding a digit or 页/頁: the test in C, not Python, as
#: it runs over every link of every page.
_PAGER_LINKS = etree.XPath(
    "//body//a[@href][string-length(normalize-space(.)) <= 12]"
    "[contains(., '页') or contains(., '頁') or contains(translate(., '0123456789', '##########'), '#')]"
)


def page_readings(url: str) -> list[tuple[str, int]]:
    """The ways to read ``url`` as (the article's first-page URL, page number): always itself
    as page 1, and, when it carries a page number, the URL without it as that page."""
    url = clean_url(url)
    parts = urlsplit(url)
    readings = [(url, 1)]
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    for position, (key, value) in enumerate(pairs):
        if key.lower() in PAGE_QUERY_KEYS and value.isdigit() and 1 <= int(value) <= MAX_PAGE_NUMBER:
            rest = urlencode(pairs[:position] + pairs[position + 1 :])
            readings.append((urlunsplit(parts._replace(query=rest)), int(value)))
    folder, _, name = parts.path.rpartition("/")
    match = _PAGE_IN_NAME_RE.match(name)
    if match and 1 <= int(match["number"]) <= MAX_PAGE_NUMBER:
        path = f"{folder}/{match['name']}{match['extension']}"
        readings.append((urlunsplit(parts._replace(path=path)), int(match["number"])))
    match = _PAGE_FOLDER_RE.match(parts.path)
    if match and 1 <= int(match["number"]) <= MAX_PAGE_NUMBER:
        readings.append((urlunsplit(parts._replace(path=match["folder"] or match["name"])), int(match["number"])))
    return readings


def same_article_page(url: str, base_url: str) -> bool:
    """Whether ``url`` and ``base_url`` read as two pages of one article, one of them its first
    (``a.html`` and ``a_2.html``): ``xsh_10.htm`` and ``xsh_11.htm`` are two lessons."""
    own = dict(page_readings(base_url))
    ends = {clean_url(url), clean_url(base_url)}
    return any(stem in own and own[stem] != number and stem in ends for stem, number in page_readings(url))


def find_pagination(root, url: str) -> Pagination | None:
    """The pages of the article shown at ``url`` that the page links to, or None when the
    article is on one page."""
    own = dict(page_readings(url))
    links: dict[str, list[tuple[int, int | None, str]]] = {}
    for anchor in _PAGER_LINKS(root):
        text = _DECORATION_RE.sub("", normalize_space(text_content(anchor)))
        shown = _NUMBER_TEXT_RE.match(text)
        if not shown and text not in _STEP_LINKS:
            continue
        target = absolute_url(anchor.get("href"), url)
        if target is None:
            continue
        target = clean_url(target)
        for stem, number in page_readings(target):
            if stem in own:
                links.setdefault(stem, []).append((0 if target == stem else number, int(shown.group(1)) if shown else None, target))
    found = {stem: _numbered(stem, url, own[stem], entries) for stem, entries in links.items()}
    # The first page is this one or one the pager leads to: ``xsh_10.htm`` -> ``xsh_11.htm``
    # (下一页) are two lessons of a series, not pages 10 and 11 of ``xsh.htm``.
    found = {stem: pages for stem, pages in found.items() if 1 in pages.urls and len(pages.urls) > 1}
    return max(found.values(), key=lambda pages: len(pages.urls)) if found else None


def _numbered(stem: str, url: str, number: int, entries: list) -> Pagination:
    """The pages that ``entries`` (number in the URL, 0 for the first page's; number shown;
    URL) name. Most sites number page 2 ``_2``; some (新华网) ``_1``: the numbers shown tell."""
    offsets = Counter(shown - in_url for in_url, shown, _ in entries if in_url and shown)
    offset = offsets.most_common(1)[0][0] if offsets else 0

    def page(in_url: int) -> int:
        return in_url + offset if in_url else 1
    urls = {page(in_url): target for in_url, shown, target in entries if shown in (None, page(in_url))}
    current = 1 if clean_url(url) == stem else page(number)
    urls[current] = clean_url(url)
    return Pagination(current=current, urls=dict(sorted(urls.items())))


def join_pages(first, others: list):
    """One article from its pages' articles (``ArticleItem``), in page order: page 1's title,
    date, category and identity; every page's body, references, links and disclaimer. A page
    whose body repeats one already taken (a comment pager that shows the article again) is
    left out."""
    parts = [first]
    for page in others:
        if all(page.body != part.body for part in parts):
            parts.append(page)
    pages = {url for part in parts if part.pagination for url in part.pagination.urls.values()}
    # Page 1's neighbours first; a later page's 下一页 to the page after it is no neighbour.
    neighbours = {link.rel: link for part in reversed(parts) for link in part.neighbours
                  if not link.url or clean_url(link.url) not in pages}
    return replace(
        first,
        body="\n".join(part.body for part in parts),
        body_html="\n".join(part.body_html for part in parts),
        disclaimer=next((part.disclaimer for part in reversed(parts) if part.disclaimer), None),
        reference_texts=[text for part in parts for text in part.reference_texts],
        reference_hrefs=[href for part in parts for href in part.reference_hrefs],
        body_hrefs=[href for part in parts for href in part.body_hrefs],
        neighbours=[neighbours[rel] for rel in ("prev", "next") if rel in neighbours] if len(parts) > 1 else first.neighbours,
        **_joined_images(parts),
    )


#: Where a page's images come from when they are its body's (or a site rule's), not a declared lead image.
SHOWN_IMAGE_RULES = ("body", "site rule")


def _joined_images(parts: list) -> dict:
    """The ``images`` (and their ``found_by``) of an article read from ``parts``: every page's
    body images in page order, each once; page 1's declared lead image only when no page's body
    shows one."""
    shown = [part for part in parts if part.found_by.get("images") in SHOWN_IMAGE_RULES]
    if not shown:
        return {}
    images = list({image.url: image for part in reversed(shown) for image in reversed(part.images)}.values())[::-1]
    return {"images": images, "found_by": {**parts[0].found_by, "images": shown[0].found_by["images"]}}
