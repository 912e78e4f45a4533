"""An article page as data: plain functions over the parsed page, no Scrapy.

``extract_article(selector, url)`` is the entry point. Each field has its own
small function that tries structured data first, then the site family's
markup (``rules.py``), then a generic heuristic.
"""

import copy
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache

from lxml import etree
from parsel import Selector
from parsel.csstranslator import css2xpath

from ..items import NeighbourLink
from .dates import find_date_text
from .navigation import LABEL_RE, find_neighbours
from .rules import (
    BODY_SELECTORS,
    BOILERPLATE_LINES,
    BOILERPLATE_SELECTORS,
    BREADCRUMB_SELECTORS,
    CATEGORY_SELECTORS,
    DATE_LINE_PREFIXES,
    DATE_META_PROPERTIES,
    DISCLAIMER_MARKERS,
    REFERENCE_HEADINGS,
    SOFT_404_MARKERS,
    TITLE_SELECTORS,
)
from .sanitize import sanitize_html
from .text import BLOCK_TAGS, block_lines, looks_garbled, normalize_space, remove_element, text_content
from .urls import absolute_url, canonical_url, looks_like_listing

#: A body shorter than this is not an article (an empty template, a stub).
MIN_BODY_CHARS = 20
#: Share of body text inside links above which a page is a listing.
MAX_LINK_DENSITY = 0.5
#: A label block (prev/next) longer than this is prose.
MAX_NAV_BLOCK_CHARS = 160
_DECORATION = r"[\s«»‹›<>←→|【】\[\]]*"
_TITLE_SEPARATORS_RE = re.compile(r"\s*(?:_|\||–|—| - )\s*")
_BREADCRUMB_NOISE = {"首页", "首頁", "主页", "Home", "home", "当前位置", "當前位置", "您的位置", ">", "»"}


@dataclass
class ArticlePage:
    """What one article page says, before normalisation."""

    url: str
    title: str
    body: str
    body_html: str
    category: str | None = None
    breadcrumb: list[str] = field(default_factory=list)
    published_raw: str | None = None
    published_source: str | None = None
    disclaimer: str | None = None
    reference_texts: list[str] = field(default_factory=list)
    reference_hrefs: list[str] = field(default_factory=list)
    body_hrefs: list[str] = field(default_factory=list)
    neighbours: list[NeighbourLink] = field(default_factory=list)


def extract_article(selector: Selector, url: str) -> ArticlePage | None:
    """The article on the page at ``url``, or None when the page is not an article
    (a listing, a tag page, a soft 404, an empty template)."""
    root = selector.root
    if looks_like_listing(url) or _is_soft_404(root):
        return None
    title = extract_title(root)
    container = find_body_container(root)
    if not title or container is None or _link_density(container) > MAX_LINK_DENSITY or looks_garbled(title):
        return None
    body_root = copy.deepcopy(container)
    _remove_furniture(body_root, title)
    reference_texts, reference_hrefs = _cut_references(body_root, url)
    disclaimer = _cut_disclaimer(body_root) or _find_disclaimer_outside(root, container)
    lines = [line for line in block_lines(body_root) if not _is_boilerplate_line(line)]
    body = "\n".join(lines)
    if len(body) < MIN_BODY_CHARS or looks_garbled(body):
        # Garbled: decoded with the wrong charset; storing it would lose the real text.
        return None
    _absolutize(body_root, url)
    published_raw, published_source = extract_own_date(root)
    breadcrumb = extract_breadcrumb(root, title)
    return ArticlePage(
        url=canonical_url(root, url),
        title=title,
        body=body,
        body_html=sanitize_html(etree.tostring(body_root, encoding="unicode", method="html")),
        category=extract_category(root, breadcrumb),
        breadcrumb=breadcrumb,
        published_raw=published_raw,
        published_source=published_source,
        disclaimer=disclaimer,
        reference_texts=reference_texts,
        reference_hrefs=reference_hrefs,
        body_hrefs=[href for href in (absolute_url(a.get("href"), url) for a in body_root.iter("a")) if href],
        neighbours=find_neighbours(root, url),
    )


# --- title, category, breadcrumb -------------------------------------------------


def extract_title(root) -> str | None:
    """The article's headline: the first heading the page's ``<title>`` or ``og:title``
    confirms (site logos are headings too), else ``og:title``, else ``<title>`` without
    the site name, else the first main heading."""
    hints = [normalize_space(v) for v in root.xpath("//meta[@property='og:title']/@content | //head/title/text()")]
    hints = [hint for hint in hints if hint]
    headings = [normalize_space(text_content(e)) for css in TITLE_SELECTORS for e in _css(root, css)]
    headings = [heading for heading in headings if heading]
    for heading in headings:
        if any(hint.startswith(heading) for hint in hints):
            return heading
    if hints:
        return _TITLE_SEPARATORS_RE.split(hints[0])[0] or hints[0]
    return headings[0] if headings else None


def extract_breadcrumb(root, title: str) -> list[str]:
    """Breadcrumb items, without 首页/当前位置 and without the article title itself."""
    for css in BREADCRUMB_SELECTORS:
        items = [normalize_space(text_content(e)) for e in _css(root, css)]
        items = [item for item in items if item and item not in _BREADCRUMB_NOISE and item != title]
        if items:
            return items
    return []


def extract_category(root, breadcrumb: list[str]) -> str | None:
    """The article's category: the CMS's category link, else the last breadcrumb item."""
    for css in CATEGORY_SELECTORS:
        for element in _css(root, css):
            name = normalize_space(text_content(element))
            if name:
                return name
    return breadcrumb[-1] if breadcrumb else None


# --- own date --------------------------------------------------------------------


def extract_own_date(root) -> tuple[str | None, str | None]:
    """The page's own publication date as shown, and where it came from
    (``meta``, ``json-ld``, ``time`` or ``line``); ``(None, None)`` when the page shows none.
    Dates beside prev/next links belong to the neighbours and are never taken."""
    for finder, source in ((_date_from_meta, "meta"), (_date_from_json_ld, "json-ld"), (_date_from_time, "time"), (_date_from_line, "line")):
        raw = finder(root)
        if raw:
            return raw, source
    return None, None


def _date_from_meta(root):
    for name in DATE_META_PROPERTIES:
        for value in root.xpath("//meta[@property=$n or @name=$n or @itemprop=$n]/@content", n=name):
            if value.strip():
                return value.strip()
    return None


def _date_from_json_ld(root):
    for script in root.xpath("//script[@type='application/ld+json']/text()"):
        try:
            data = json.loads(script)
        except ValueError:
            continue
        value = _json_ld_date(data)
        if value:
            return value
    return None


def _json_ld_date(data):
    if isinstance(data, list):
        return next((d for d in map(_json_ld_date, data) if d), None)
    if isinstance(data, dict):
        value = data.get("datePublished")
        if isinstance(value, str) and value.strip():
            return value.strip()
        return _json_ld_date(data.get("@graph", []))
    return None


def _date_from_time(root):
    for element in root.xpath("//*[@itemprop='datePublished'] | //time"):
        if _near_navigation_label(element):
            continue
        value = element.get("datetime") or element.get("content") or normalize_space(text_content(element))
        if value and find_date_text(value):
            return value.strip()
    return None


@lru_cache(maxsize=1)
def _date_line_re():
    prefixes = "|".join(map(re.escape, sorted(DATE_LINE_PREFIXES, key=len, reverse=True)))
    return re.compile(rf"(?:^|\s)(?:{prefixes})\s*[:：]?\s*")


def _date_from_line(root):
    for text in root.xpath("//body//text()[not(ancestor::script) and not(ancestor::style) and not(ancestor::a)]"):
        match = _date_line_re().search(text)
        if not match:
            continue
        owner = text.getparent()
        if owner is not None and _near_navigation_label(owner):
            continue
        date = find_date_text(text[match.end():])
        if not date and owner is not None:
            # ``<small>时间:</small>2025-12-03``: the date follows in the next text node.
            block = _nearest_block(owner, None)
            line = normalize_space(text_content(owner if block is None else block))
            match = _date_line_re().search(line)
            text = line
            date = find_date_text(line[match.end():]) if match else None
        if date:
            return normalize_space(text[match.start():match.end()] + date)
    return None


def _near_navigation_label(element) -> bool:
    for candidate in [element, *element.iterancestors()][:3]:
        if LABEL_RE.search(text_content(candidate)) and len(text_content(candidate)) < MAX_NAV_BLOCK_CHARS:
            return True
    return False


# --- body ------------------------------------------------------------------------


def find_body_container(root):
    """The element holding the article text: the first site-family selector that matches
    real text (the longest match of it), else the block with the most paragraph text."""
    for css in BODY_SELECTORS:
        matches = [(len(normalize_space(text_content(e))), e) for e in _css(root, css)]
        matches = [(length, e) for length, e in matches if length >= MIN_BODY_CHARS]
        if matches:
            return max(matches, key=lambda pair: pair[0])[1]
    return _densest_block(root)


def _densest_block(root):
    best, best_length = None, 0
    for element in root.xpath("//body//*[self::div or self::section or self::article or self::td or self::main]"):
        length = sum(len(text_content(p)) for p in element.xpath("./p"))
        if length > best_length:
            best, best_length = element, length
    return best


def _link_density(element) -> float:
    total = len(normalize_space(text_content(element)))
    if not total:
        return 1.0
    linked = sum(len(normalize_space(text_content(a))) for a in element.iter("a"))
    return linked / total


def _remove_furniture(body_root, title: str) -> None:
    for xpath in _boilerplate_xpaths():
        for element in xpath(body_root):
            if element is not body_root:
                remove_element(element)
    for heading in body_root.xpath(".//h1"):
        if normalize_space(text_content(heading)) == title:
            remove_element(heading)
    for text in body_root.xpath(".//text()"):
        if LABEL_RE.match(re.sub(_DECORATION, "", text, count=1)) and len(text.strip()) < MAX_NAV_BLOCK_CHARS:
            block = _nearest_block(text.getparent(), body_root)
            if block is not None and len(text_content(block)) < MAX_NAV_BLOCK_CHARS:
                remove_element(block)


@lru_cache(maxsize=1)
def _boilerplate_xpaths() -> tuple[etree.XPath, ...]:
    return tuple(_compiled_css(css) for css in BOILERPLATE_SELECTORS)


def _nearest_block(element, stop):
    while element is not None and element is not stop:
        if element.tag in BLOCK_TAGS:
            return element
        element = element.getparent()
    return None


def _is_boilerplate_line(line: str) -> bool:
    return any(pattern.search(line) for pattern in BOILERPLATE_LINES)


# --- references and disclaimer -----------------------------------------------------


@lru_cache(maxsize=1)
def _reference_heading_re():
    headings = "|".join(map(re.escape, REFERENCE_HEADINGS))
    return re.compile(rf"^{_DECORATION}(?:{headings})\s*[:：]?")


@lru_cache(maxsize=1)
def _disclaimer_re():
    markers = "|".join(map(re.escape, DISCLAIMER_MARKERS))
    return re.compile(rf"^{_DECORATION}(?:{markers})")


def _cut_references(body_root, base_url: str) -> tuple[list[str], list[str]]:
    """Take the reference section (its heading and every block after it up to the
    disclaimer) out of the body; return its entry lines and link targets."""
    heading = _first_block_matching(body_root, _reference_heading_re())
    if heading is None:
        return [], []
    section = [_section_start(heading, body_root)]
    for sibling in section[0].itersiblings():
        if _disclaimer_re().match(normalize_space(text_content(sibling))):
            break
        section.append(sibling)
    lines, hrefs = [], []
    for block in section:
        items = block.xpath(".//li")
        if items:
            # A list item is one entry, even when a <br> breaks it (``DOI:<br>10.1177/...``).
            lines.extend(" ".join(block_lines(item)) for item in items)
        else:
            lines.extend(block_lines(block))
        hrefs.extend(href for href in (absolute_url(a.get("href"), base_url) for a in block.iter("a")) if href)
        remove_element(block)
    if lines:
        lines[0] = _reference_heading_re().sub("", lines[0]).strip()
    return [line for line in lines if line], hrefs


def _cut_disclaimer(body_root) -> str | None:
    block = _first_block_matching(body_root, _disclaimer_re())
    if block is None:
        return None
    while block.getparent() is not None and block.getparent() is not body_root and _disclaimer_re().match(
        normalize_space(text_content(block.getparent()))
    ):
        block = block.getparent()
    disclaimer = " ".join(block_lines(block))
    remove_element(block)
    return disclaimer or None


def _find_disclaimer_outside(root, container) -> str | None:
    """Some themes print the disclaimer after the content block."""
    for block in root.xpath("//body//*[self::p or self::div or self::section]"):
        if container in block.iterancestors() or block is container:
            continue
        text = normalize_space(text_content(block))
        if _disclaimer_re().match(text) and len(text) < 1000:
            return " ".join(block_lines(block))
    return None


def _first_block_matching(body_root, pattern):
    for element in body_root.iter():
        if element is body_root or not isinstance(element.tag, str) or element.tag not in BLOCK_TAGS | {"strong", "b", "span"}:
            continue
        if pattern.match(normalize_space(text_content(element))):
            block = _nearest_block(element, body_root)
            return element if block is None else block
    return None


def _section_start(heading, body_root):
    """The heading's block, or the ancestor that has the section's entries as siblings
    (a heading wrapped alone in a ``<div>``)."""
    element = heading
    while element.getnext() is None and element.getparent() is not None and element.getparent() is not body_root:
        element = element.getparent()
    return element


# --- helpers ---------------------------------------------------------------------


def _css(root, css: str):
    return _compiled_css(css)(root)


@lru_cache(maxsize=512)
def _compiled_css(css: str) -> etree.XPath:
    """A site-family selector compiled once: translating and compiling on every call cost
    a tenth of extraction (bench/RESULTS.md, section 2)."""
    return etree.XPath(css2xpath(css))


def _absolutize(body_root, base_url: str) -> None:
    for element in body_root.iter("a", "img"):
        attribute = "href" if element.tag == "a" else "src"
        url = absolute_url(element.get(attribute), base_url)
        if url:
            element.set(attribute, url)
        elif element.get(attribute) is not None:
            del element.attrib[attribute]


def _is_soft_404(root) -> bool:
    heading = " ".join(normalize_space(text_content(e)) for e in root.xpath("//title | //h1")[:3])
    return any(marker in heading for marker in SOFT_404_MARKERS)
