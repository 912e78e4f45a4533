"""The page's own publication date, as shown, and where it was found.

Candidates are tried best first: machine-readable metadata (``<meta>``, JSON-LD, an
``itemprop="datePublished"``), then the text just under the headline (a ``<time>`` there, a
labelled line, then any dated line), then the page's own data in inline scripts (``"pubDate": ...``), then a
``<time>``, then a labelled line anywhere, then a post's signature (``本贴由某人于2005年8月12日…发表``),
then elements whose class says "date", then date attributes, CMS comments and script variables. Dates inside links, lists of other articles,
related blocks, sidebars, comments and the prev/next block belong to other pages and are never
taken. Only the labelled line under the headline may show a relative date (``发布时间：昨天``)
or one without its year (``发布时间：10-08``); anywhere else a date must carry its year: a bare
``今天`` or ``10-08`` in a keyword box or a sidebar says nothing about this article.
"""

import json
import re
from functools import lru_cache

from lxml import etree

from .dates import find_date_text, normalize_date
from .navigation import LABEL_RE, MAX_NAV_BLOCK_CHARS
from .rules import (
    DATE_ATTRIBUTES,
    DATE_CLASS_PATTERN,
    DATE_COMMENT_PATTERNS,
    DATE_LINE_PREFIXES,
    DATE_META_PROPERTIES,
    DATE_SCRIPT_KEYS,
    DATE_SCRIPT_VARIABLES,
    ELSEWHERE_CLASS_PATTERN,
    POST_SIGNATURE_OPENERS,
)
from .text import is_prose, meta_contents, normalize_space, page_texts, squash, text_content
from .title import clean_title

#: How much visible text after the headline is searched for its date line.
NEAR_TITLE_CHARS = 300
#: A date line is short; an element with more text is a container, whatever its class.
MAX_DATE_LINE_CHARS = 120
#: How far up from a date a related block, sidebar or comment list is looked for; the page's
#: outer wrappers (``<div class="main has-sidebar">``) lie further up.
MAX_ELSEWHERE_DEPTH = 6
_HAS_YEAR_RE = re.compile(r"(?:19|20)\d\d|[〇零○一二][〇零○一二三四五六七八九]{3}")
_DATE_CLASS_RE = re.compile(DATE_CLASS_PATTERN, re.IGNORECASE)
_SIGNATURE_OPENER = rf"(?:{'|'.join(POST_SIGNATURE_OPENERS)})由"
_SIGNATURE_START_RE = re.compile(rf"\s*{_SIGNATURE_OPENER}")
_SIGNATURE_RE = re.compile(rf"^{_SIGNATURE_OPENER}\s*\S{{1,20}}?\s*于\s*")
# Queries run on every page, compiled once (compiling cost more than running them).
_NOSCRIPTS = etree.XPath("//body//noscript")
_JSON_LD = etree.XPath("//script[@type='application/ld+json']/text()", smart_strings=False)
_ITEMPROP_ELEMENTS = etree.XPath("//*[@itemprop='datePublished']")
_TIME_ELEMENTS = etree.XPath("//time")
_NAMED_ELEMENTS = etree.XPath("//body//*[@class or @id]")
_WITH_DATE_ATTRIBUTE = {name: etree.XPath(f"//body//*[@{name}]") for name in DATE_ATTRIBUTES}
_COMMENTS = etree.XPath("//comment()")
_INLINE_SCRIPTS = etree.XPath("//script[not(@src)]/text()", smart_strings=False)
_COMMENT_RES = [re.compile(pattern, re.IGNORECASE) for pattern in DATE_COMMENT_PATTERNS]
_SCRIPT_KEY_RE = re.compile(rf"[\"']?\b(?:{'|'.join(map(re.escape, DATE_SCRIPT_KEYS))})[\"']?\s*[:=]\s*[\"']([^\"']{{6,40}})[\"']")
_ELSEWHERE_CLASS_RE = re.compile(ELSEWHERE_CLASS_PATTERN, re.IGNORECASE)
_ELSEWHERE_BLOCK_TAGS = frozenset(("aside",))
_SCRIPT_VARIABLE_RES = [re.compile(rf"\b{re.escape(name)}\s*[:=]\s*[\"']([^\"']{{6,40}})[\"']") for name in DATE_SCRIPT_VARIABLES]
_ELSEWHERE_TAGS = frozenset(("a", "option", "marquee"))
_LIST_ITEM_TAGS = frozenset(("li", "dd", "dt"))


def find_published(root, title_element=None, stats: dict | None = None, texts: list | None = None) -> tuple[str | None, str | None]:
    """``(date as shown, source)`` for the page, or ``(None, None)``.

    ``source`` names the rule: ``meta``, ``json-ld``, ``time``, ``line``, ``near-title``,
    ``class``, ``attribute``, ``comment`` or ``script``. ``stats`` (``body.score_blocks``)
    spares measuring blocks' text again, ``texts`` (``text.page_texts``) listing the page's text.
    """
    sizes = stats or {}
    texts = _outside_noscript(root, page_texts(root) if texts is None else texts)
    window = _after_title(texts, title_element)
    owners = {_owner(text) for text in window}
    steps = (
        (lambda: _unless_partial(_from_meta(root)), "meta"),
        (lambda: _unless_partial(_from_json_ld(root)), "json-ld"),
        (lambda: _from_itemprop(root, sizes), "time"),
        # A <time> showing the line under the headline says the same, often with the time of day.
        (lambda: _first_element_date([element for element in _TIME_ELEMENTS(root) if element in owners], sizes), "time"),
        (lambda: _labelled_line(window, sizes, full_only=False), "line"),
        (lambda: _first_dated(window, sizes), "near-title"),
        (lambda: _from_script_keys(root), "script"),
        (lambda: _from_time(root, sizes), "time"),
        (lambda: _labelled_line(texts, sizes, full_only=True), "line"),
        (lambda: _signature_line(texts, sizes), "line"),
        (lambda: _from_date_class(root, sizes), "class"),
        (lambda: _from_attributes(root, sizes), "attribute"),
        (lambda: _from_comments(root), "comment"),
        (lambda: _from_scripts(root), "script"),
    )
    for finder, source in steps:
        raw = finder()
        if raw:
            return raw, source
    return None, None


# --- metadata ----------------------------------------------------------------------------------


def _from_meta(root):
    for value in meta_contents(root, DATE_META_PROPERTIES, ("property", "name", "itemprop")):
        if value.strip():
            return value.strip()
    return None


def _from_json_ld(root):
    for script in _JSON_LD(root):
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


def _from_itemprop(root, sizes):
    return _first_element_date(_ITEMPROP_ELEMENTS(root), sizes)


def _from_time(root, sizes):
    return _first_element_date(_TIME_ELEMENTS(root), sizes)


def _first_element_date(elements, sizes):
    for element in elements:
        if _in_other_article(element, sizes):
            continue
        value = element.get("datetime") or element.get("content") or normalize_space(text_content(element))
        if value and _full_date(value):
            return value.strip()
    return None


def _from_script_keys(root):
    """The first ``"pubDate": "..."`` (or another of ``DATE_SCRIPT_KEYS``) with a full date."""
    for script in _INLINE_SCRIPTS(root):
        for match in _SCRIPT_KEY_RE.finditer(script):
            if _full_date(match.group(1)):
                return match.group(1).strip()
    return None


def _unless_partial(text: str | None) -> str | None:
    """``text``, unless it shows a date without its year or a relative one (``10-08``, ``昨天``):
    only the line under the headline may. Text with no date at all is kept, to be stored raw."""
    date = find_date_text(text) if text else None
    return None if date and not has_year(date) else text


def has_year(text: str) -> bool:
    """Whether the date text ``text`` shows its year."""
    return bool(_HAS_YEAR_RE.search(text))


def _full_date(text: str) -> str | None:
    """The first date in ``text`` when it carries its year, else None."""
    date = find_date_text(text)
    return date if date and _HAS_YEAR_RE.search(date) else None


# --- page text ---------------------------------------------------------------------------------


def _outside_noscript(root, texts: list) -> list:
    """``texts`` without those inside a ``<noscript>``: shown only to browsers without scripts."""
    noscripts = _NOSCRIPTS(root)
    if not noscripts:
        return texts
    inside = {element for noscript in noscripts for element in noscript.iter()}
    return [text for text in texts if _owner(text) not in inside]


def _after_title(texts, title_element) -> list:
    """The visible text nodes in the first ``NEAR_TITLE_CHARS`` characters after the headline."""
    if title_element is None:
        return []
    inside = set(title_element.iter())
    headline = squash(clean_title(text_content(title_element)))
    window, started, budget = [], False, NEAR_TITLE_CHARS
    for node in texts:
        owner = node.getparent()
        in_title = owner in inside and not (node.is_tail and owner is title_element)
        if in_title:
            started = True
            if owner is not title_element and _is_date_alone(node):
                window.append(node)  # ``<h2>标题<br><span>2021-04-28</span></h2>``: the line under it, set inside
            continue
        if not started:
            continue
        if is_prose(node):
            break  # the article text has begun: dates in it are about other things
        if headline and squash(node) == headline:
            break  # the headline again opens a reposted story: the date under it is the original's
        window.append(node)
        budget -= len(node.strip())
        if budget <= 0:
            break
    return window


@lru_cache(maxsize=1)
def _date_line_re():
    prefixes = "|".join(map(re.escape, sorted(DATE_LINE_PREFIXES, key=len, reverse=True)))
    return re.compile(rf"(?:^|\s|[|｜丨/])(?:{prefixes})\s*[:：]?\s*", re.IGNORECASE)


def _is_date_alone(text) -> bool:
    """Whether ``text`` shows a date and nothing else."""
    date = find_date_text(text)
    return bool(date) and squash(date) == squash(text)


def _labelled_line(texts, sizes, full_only: bool):
    """The first labelled date line (``发布时间：2025-12-03 14:20``) among ``texts``; with
    ``full_only``, only one whose date carries its year."""
    find = _full_date if full_only else find_date_text
    for text in texts:
        match = _date_line_re().search(text)
        if not match or (match.start() > 0 and is_prose(text)):
            continue
        owner = _owner(text)
        if owner is not None and _in_other_article(owner, sizes):
            continue
        date = find(text[match.end() :])
        if not date and owner is not None:
            # ``<small>时间:</small>2025-12-03``: the date follows in the next text node.
            line = normalize_space(text_content(owner.getparent() if owner.getparent() is not None else owner))
            match = _date_line_re().search(line)
            text = line
            date = find(line[match.end() :]) if match else None
        if date:
            return normalize_space(text[match.start() : match.end()] + date)
    return None


def _signature_line(texts, sizes):
    """The date of the first post signature (``本贴由大卫于2005年8月12日…发表``) outside other articles."""
    for text in texts:
        owner = _owner(text)
        if owner is None or not _SIGNATURE_START_RE.match(text) or _in_other_article(owner, sizes):
            continue
        # The poster's name is often bold: the line is the text of the element holding it.
        line = normalize_space(text_content(owner))[:MAX_DATE_LINE_CHARS]
        match = _SIGNATURE_RE.search(line)
        date = _full_date(line[match.end() :]) if match else None
        if date:
            return date
    return None


def _first_dated(texts, sizes):
    for text in texts:
        owner = _owner(text)
        if owner is not None and _in_other_article(owner, sizes):
            continue
        date = find_date_text(text)
        if date and _HAS_YEAR_RE.search(date):
            return normalize_space(date)
    return None


def _from_date_class(root, sizes):
    for element in _NAMED_ELEMENTS(root):
        if not _DATE_CLASS_RE.search((element.get("class") or "") + " " + (element.get("id") or "")):
            continue
        if _in_other_article(element, sizes):
            continue
        text = normalize_space(text_content(element))
        if len(text) > MAX_DATE_LINE_CHARS:
            continue  # a container that merely has a date-like class (``status-publish``)
        date = find_date_text(text)
        if date and _HAS_YEAR_RE.search(date):
            return normalize_space(date)
    return None


def _from_attributes(root, sizes):
    for name in DATE_ATTRIBUTES:
        for element in _WITH_DATE_ATTRIBUTE[name](root):
            value = element.get(name)
            if value and not _in_other_article(element, sizes) and find_date_text(value) and _HAS_YEAR_RE.search(value):
                return value.strip()
    return None


def _from_comments(root):
    for comment in _COMMENTS(root):
        for pattern in _COMMENT_RES:
            match = pattern.search(comment.text or "")
            if match and find_date_text(match.group(1)):
                return match.group(1).strip()
    return None


def _from_scripts(root):
    for script in _INLINE_SCRIPTS(root):
        for variable in _SCRIPT_VARIABLE_RES:
            match = variable.search(script)
            if match and find_date_text(match.group(1)) and _HAS_YEAR_RE.search(match.group(1)):
                return match.group(1).strip()
    return None


# --- what belongs to other pages ---------------------------------------------------------------


def _owner(text):
    owner = text.getparent()
    return owner.getparent() if (owner is not None and text.is_tail) else owner


def _in_other_article(element, sizes) -> bool:
    """Whether ``element`` sits in a link, a list of other articles, a related block, a
    sidebar, comments or the prev/next block."""
    for depth, candidate in enumerate([element, *element.iterancestors()]):
        if candidate.tag in _ELSEWHERE_TAGS or candidate.tag in _ELSEWHERE_BLOCK_TAGS:
            return True
        if depth <= MAX_ELSEWHERE_DEPTH and candidate.tag not in ("body", "html") and _ELSEWHERE_CLASS_RE.search(
                f"{candidate.get('class') or ''} {candidate.get('id') or ''}"):
            return True
        if candidate.tag in _LIST_ITEM_TAGS and candidate.find(".//a[@href]") is not None:
            return True
        if depth < 3:
            measured = sizes.get(candidate)
            if measured is not None and measured.chars >= MAX_NAV_BLOCK_CHARS:
                continue  # too much text to be a prev/next block
            text = text_content(candidate)
            if len(text) < MAX_NAV_BLOCK_CHARS and LABEL_RE.search(text):
                return True
    return False


# --- the year a date shown without one takes ------------------------------------------------


def years_on_page(texts) -> list[int]:
    """The years of the full dates the page's text shows, each once, in order."""
    years = []
    for text in texts:
        date = _full_date(text)
        found = normalize_date(date) if date else None
        if found and int(found.iso[:4]) not in years:
            years.append(int(found.iso[:4]))
    return years
