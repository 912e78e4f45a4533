"""Text out of lxml trees: visible text, and text with its block structure kept as lines."""

import codecs
import re

import charset_normalizer
from lxml import etree

_WHITESPACE_RE = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")

#: Elements that start a new line of text.
BLOCK_TAGS = frozenset(
    "address article aside blockquote caption dd div dl dt figcaption figure footer form h1 h2 h3 h4 h5 h6 "
    "header hr li main nav ol p pre section table tbody thead tfoot tr ul".split()
)
#: A text this long with a comma or full stop is article prose.
PROSE_MIN_CHARS = 30
CELL_TAGS = frozenset(("td", "th"))
INVISIBLE_TAGS = frozenset(("script", "style", "noscript", "template", "head", "title"))


def normalize_space(text: str) -> str:
    """Runs of any whitespace (full-width and non-breaking included) become one space."""
    return _WHITESPACE_RE.sub(" ", text).strip()


def squash(text: str) -> str:
    """``text`` without any whitespace, to compare lines however they are broken."""
    return _WHITESPACE_RE.sub("", text)


def is_prose(text: str) -> bool:
    """Whether ``text`` is a sentence of article prose (long, with a comma or a full stop), not
    a headline, a date line or a label."""
    stripped = text.strip()
    return len(stripped) >= PROSE_MIN_CHARS and any(mark in stripped for mark in "，。；！？,")


#: Text nodes below an element, those of scripts and styles excluded. ``parent::``, not
#: ``ancestor::``: the HTML parser gives a script or style its text and never an element, and
#: the ancestor test walked up to the root for every text node. Compiled once: compiling
#: took twice as long as evaluating, and this runs dozens of times per page.
VISIBLE_TEXT_BELOW = etree.XPath(".//text()[not(parent::script) and not(parent::style)]")
_VISIBLE_STRINGS_BELOW = etree.XPath(".//text()[not(parent::script) and not(parent::style)]", smart_strings=False)


_PAGE_TEXT = etree.XPath("//body//text()[not(parent::script) and not(parent::style)]")


def page_texts(root) -> list:
    """The text nodes shown on the page (script and style excluded), in document order, each
    knowing its element (``getparent``, ``is_tail``). Listing them costs more than parsing the
    page did, so extraction lists them once and hands the list to each field's search."""
    return _PAGE_TEXT(root)


def text_content(element) -> str:
    """All visible text below ``element`` (script and style excluded), unnormalised."""
    return "".join(_VISIBLE_STRINGS_BELOW(element))


def meta_contents(root, names, attributes=("property", "name")) -> list[str]:
    """The ``content`` of every ``<meta>`` whose ``attributes`` name one of ``names``: by
    ``names`` in order, then in document order. One pass over the page, not one per name."""
    by_name: dict = {}
    for meta in _METAS(root):
        for key in {meta.get(attribute) for attribute in attributes}:
            if key is not None:
                by_name.setdefault(key, []).append(meta.get("content"))
    return [content for name in names for content in by_name.get(name, ())]


_METAS = etree.XPath("//meta[@content]")


def block_lines(element) -> list[str]:
    """The text below ``element`` as lines, one per block and per ``<br>``, whitespace normalised,
    blank lines dropped."""
    parts: list[str] = []
    _collect(element, parts)
    lines = (normalize_space(line) for line in "".join(parts).split("\n"))
    return [line for line in lines if line]


def _collect(element, parts: list[str]) -> None:
    """The text of ``element`` into ``parts`` in document order, with a line break around each
    block. A stack of what is left to do instead of recursion, so that a page nesting its
    elements thousands deep is read like any other."""
    todo = [element]  # elements to read, and texts (tails, closing breaks) to append
    while todo:
        node = todo.pop()
        if isinstance(node, str):
            parts.append(node)
            continue
        tag = node.tag if isinstance(node.tag, str) else None
        if tag is None or tag in INVISIBLE_TAGS:
            continue
        is_block = tag in BLOCK_TAGS
        if is_block or tag == "br":
            parts.append("\n")
        if node.text:
            parts.append(node.text)
        closing = "\n" if is_block else " " if tag in CELL_TAGS else ""
        if closing:
            todo.append(closing)
        for child in reversed(node):
            if child.tail:
                todo.append(child.tail)
            todo.append(child)


#: Characters lxml's HTML parser keeps but refuses to be given back (XML 1.0 forbids them).
XML_INCOMPATIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def remove_element(element) -> None:
    """Take ``element`` out of its tree, keeping the text that follows it."""
    parent = element.getparent()
    if parent is None:
        return
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = XML_INCOMPATIBLE.sub("", (previous.tail or "") + element.tail)
        else:
            parent.text = XML_INCOMPATIBLE.sub("", (parent.text or "") + element.tail)
    parent.remove(element)


#: What a decoder puts where bytes made no sense in the charset it was told.
REPLACEMENT_CHAR = "\ufffd"
#: Share of replacement characters above which text was decoded with the wrong charset.
MAX_GARBLED_SHARE = 0.05
#: The charsets a page whose declared one cannot read it is measured against: the Chinese,
#: Japanese and Korean ones pages are written in. Offered every charset, the detector takes
#: GBK pages for ISO-8859-5 and Big5 for Windows-1250 (13 of 36 and 2 of 20 pages wrong).
CJK_CHARSETS = ("gb18030", "big5", "shift_jis", "euc_jp", "euc_kr")


def looks_garbled(text: str) -> bool:
    """True when ``text`` is mostly U+FFFD: bytes read with the wrong charset (GBK bytes declared
    UTF-8 give one or two per Chinese character). A stray bad byte or two does not count."""
    count = text.count(REPLACEMENT_CHAR)
    return count > 2 and count > MAX_GARBLED_SHARE * len(text)


def better_encoding(body: bytes, declared: str | None) -> str | None:
    """A charset that reads ``body`` without error when ``declared`` cannot (None when it can,
    or when no charset tried can either): UTF-8, else the one of :data:`CJK_CHARSETS` whose
    reading charset-normalizer finds most like real text (Big5 bytes also read as GB18030,
    into nonsense), else GB18030.

    For the crawler, before extraction: ``response.replace(encoding=better_encoding(...))``.
    """
    if _reads(body, declared or "utf-8"):
        return None
    detected = charset_normalizer.from_bytes(body, cp_isolation=list(CJK_CHARSETS)).best()
    for encoding in ("utf-8", detected.encoding if detected else None, "gb18030"):
        if encoding and encoding != _codec(declared) and _reads(body, encoding):
            return encoding
    return None


def _reads(body: bytes, encoding: str) -> bool:
    """True when ``encoding`` decodes every byte of ``body``."""
    try:
        body.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        return False
    return True


def _codec(name: str | None) -> str | None:
    """Python's name for the charset ``name`` (``UTF8`` -> ``utf-8``), None when it has none."""
    try:
        return codecs.lookup(name).name if name else None
    except LookupError:
        return None
