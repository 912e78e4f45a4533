"""Text out of lxml trees: visible text, and text with its block structure kept as lines."""

import re

_WHITESPACE_RE = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")

#: Elements that start a new line of text.
BLOCK_TAGS = frozenset(
    "address article aside blockquote caption dd div dl dt figcaption figure footer form h1 h2 h3 h4 h5 h6 "
    "header hr li main nav ol p pre section table tbody thead tfoot tr ul".split()
)
CELL_TAGS = frozenset(("td", "th"))
INVISIBLE_TAGS = frozenset(("script", "style", "noscript", "template", "head", "title"))


def normalize_space(text: str) -> str:
    """Runs of any whitespace (full-width and non-breaking included) become one space."""
    return _WHITESPACE_RE.sub(" ", text).strip()


def text_content(element) -> str:
    """All visible text below ``element`` (script and style excluded), unnormalised."""
    return "".join(element.xpath(".//text()[not(ancestor::script) and not(ancestor::style)]"))


def block_lines(element) -> list[str]:
    """The text below ``element`` as lines, one per block and per ``<br>``, whitespace normalised,
    blank lines dropped."""
    parts: list[str] = []
    _collect(element, parts)
    lines = (normalize_space(line) for line in "".join(parts).split("\n"))
    return [line for line in lines if line]


def _collect(node, parts: list[str]) -> None:
    tag = node.tag if isinstance(node.tag, str) else None
    if tag is None or tag in INVISIBLE_TAGS:
        return
    is_block = tag in BLOCK_TAGS
    if is_block:
        parts.append("\n")
    if tag == "br":
        parts.append("\n")
    if node.text:
        parts.append(node.text)
    for child in node:
        _collect(child, parts)
        if child.tail:
            parts.append(child.tail)
    if is_block:
        parts.append("\n")
    elif tag in CELL_TAGS:
        parts.append(" ")


def remove_element(element) -> None:
    """Take ``element`` out of its tree, keeping the text that follows it."""
    parent = element.getparent()
    if parent is None:
        return
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)
