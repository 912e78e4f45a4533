"""The page's own publication date, as shown, and where it was found.

Candidates are tried best first: machine-readable metadata (``<meta>``, JSON-LD, a
``<time>`` that is not part of a list), then the text just under the headline (a labelled
line first, then any dated line), then a labelled line anywhere, then elements whose class
says "date", then date attributes, CMS comments and script variables. Dates inside links,
lists of other articles and the prev/next block belong to other pages and are never taken.
A date found in the page text must carry its year: a bare ``今天`` or ``10-08`` in a keyword
box or a sidebar says nothing about this article.
"""

import json
import re
from functools import lru_cache

from lxml import etree

from .dates import find_date_text
from .navigation import LABEL_RE, MAX_NAV_BLOCK_CHARS
from .rules import (
    DATE_ATTRIBUTES,
    DATE_CLASS_PATTERN,
    DATE_COMMENT_PATTERNS,
    DATE_LINE_PREFIXES,
    DATE_META_PROPERTIES,
    DATE_SCRIPT_VARIABLES,
)
from .text import meta_contents, normalize_space, page_texts, text_content

#: How much visible text after the headline is searched for its date line.
NEAR_TITLE_CHARS = 300
#: A text this long with a comma or full stop is article prose, not a date line.
PROSE_MIN_CHARS = 30
#: A date line is short; an element with more text is a container, whatever its class.
MAX_DATE_LINE_CHARS = 120
_HAS_YEAR_RE = re.compile(r"(?:19|20)\d\d|[〇零○一二][〇零○一二三四五六七八九]{3}")
_DATE_CLASS_RE = re.compile(DATE_CLASS_PATTERN, re.IGNORECASE)
# Queries run on every page, compiled once (compiling cost more than running them).
_NOSCRIPTS = etree.XPath("//body//noscript")
_JSON_LD = etree.XPath("//script[@type='application/ld+json']/text()", smart_strings=False)
_TIME_ELEMENTS = etree.XPath("//*[@itemprop='datePublished'] | //time")
_NAMED_ELEMENTS = etree.XPath("//body//*[@class or @id]")
_WITH_DATE_ATTRIBUTE = {name: etree.XPath(f"//body//*[@{name}]") for name in DATE_ATTRIBUTES}
_COMMENTS = etree.XPath("//comment()")
_INLINE_SCRIPTS = etree.XPath("//script[not(@src)]/text()", smart_strings=False)
_COMMENT_RES = [re.compile(pattern, re.IGNORECASE) for pattern in DATE_COMMENT_PATTERNS]
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
    for finder, source in ((_from_meta, "meta"), (_from_json_ld, "json-ld")):
        raw = finder(root)
        if raw:
            return raw, source
    raw = _from_time(root, sizes)
    if raw:
        return raw, "time"
    texts = _outside_noscript(root, page_texts(root) if texts is None else texts)
    window = _after_title(texts, title_element)
    for finder, source, scope in ((_labelled_line, "line", window), (_first_dated, "near-title", window), (_labelled_line, "line", texts)):
        raw = finder(scope, sizes)
        if raw:
            return raw, source
    for finder, source in ((_from_date_class, "class"), (_from_attributes, "attribute")):
        raw = finder(root, sizes)
        if raw:
            return raw, source
    for finder, source in ((_from_comments, "comment"), (_from_scripts, "script")):
        raw = finder(root)
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


def _from_time(root, sizes):
    for element in _TIME_ELEMENTS(root):
        if _in_other_article(element, sizes):
            continue
        value = element.get("datetime") or element.get("content") or normalize_space(text_content(element))
        if value and find_date_text(value):
            return value.strip()
    return None


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
    window, started, budget = [], False, NEAR_TITLE_CHARS
    for node in texts:
        owner = node.getparent()
        in_title = owner in inside and not (node.is_tail and owner is title_element)
        if in_title:
            started = True
            continue
        if not started:
            continue
        if _is_prose(node):
            break  # the article text has begun: dates in it are about other things
        window.append(node)
        budget -= len(node.strip())
        if budget <= 0:
            break
    return window


def _is_prose(text) -> bool:
    stripped = text.strip()
    return len(stripped) >= PROSE_MIN_CHARS and any(mark in stripped for mark in "，。；！？,")


@lru_cache(maxsize=1)
def _date_line_re():
    prefixes = "|".join(map(re.escape, sorted(DATE_LINE_PREFIXES, key=len, reverse=True)))
    return re.compile(rf"(?:^|\s|[|｜丨/])(?:{prefixes})\s*[:：]?\s*", re.IGNORECASE)


def _labelled_line(texts, sizes):
    for text in texts:
        match = _date_line_re().search(text)
        if not match or (match.start() > 0 and _is_prose(text)):
            continue
        owner = _owner(text)
        if owner is not None and _in_other_article(owner, sizes):
            continue
        date = find_date_text(text[match.end() :])
        if not date and owner is not None:
            # ``<small>时间:</small>2025-12-03``: the date follows in the next text node.
            line = normalize_space(text_content(owner.getparent() if owner.getparent() is not None else owner))
            match = _date_line_re().search(line)
            text = line
            date = find_date_text(line[match.end() :]) if match else None
        if date:
            return normalize_space(text[match.start() : match.end()] + date)
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
    """Whether ``element`` sits in a link, a list of other articles or the prev/next block."""
    for depth, candidate in enumerate([element, *element.iterancestors()]):
        if candidate.tag in _ELSEWHERE_TAGS:
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
