"""Finding the previous / next article links of a page.

Three sources, best first:

1. the labels people read (``上一篇``/``下一篇`` with any punctuation, Traditional
   spellings, DedeCMS' ``上一篇：<a>`` and ``下一篇：没有了``), wherever the CMS puts them;
2. ``rel="prev"``/``rel="next"`` on ``<a>`` or ``<link>``;
3. the WordPress ``nav-previous``/``nav-next`` containers, for themes that print no label.

A label source also yields the neighbour's title and the date shown beside it,
which is often the only date the neighbour article ever shows.
"""

import re
from urllib.parse import urlsplit

from lxml import etree

from ..items import NeighbourLink
from .dates import find_date_text
from .text import BLOCK_TAGS, VISIBLE_TEXT_BELOW, page_texts, text_content
from .pagination import same_article_page
from .rules import CHAIN_END_MARKERS, LABEL_LEAD_WORDS, LISTING_LINK_WORDS, NEXT_LABELS, NEXT_PAGE_LINKS, PREV_LABELS, PREV_PAGE_LINKS
from .urls import absolute_url, clean_url, looks_like_listing, origin

_LABELS = sorted(PREV_LABELS + NEXT_LABELS, key=len, reverse=True)
LABEL_RE = re.compile("|".join(map(re.escape, _LABELS)))
_LEADING_LABEL_RE = re.compile(f"^(?:{LABEL_RE.pattern})")
_TRAILING_LABEL_RE = re.compile(f"(?:{LABEL_RE.pattern})$")
_EDGE_LABEL_RE = re.compile(rf"^[\s«»‹›<>←→|:：]*(?:{LABEL_RE.pattern})|(?:{LABEL_RE.pattern})[\s«»‹›<>←→|:：]*$")
PAGE_LINK_DIRECTION = {**{label: "prev" for label in PREV_PAGE_LINKS}, **{label: "next" for label in NEXT_PAGE_LINKS}}
_DIRECTION = {**{label: "prev" for label in PREV_LABELS}, **{label: "next" for label in NEXT_LABELS}}
_EDGE_DECORATION_RE = re.compile(r"^[\s«»‹›<>←→|:：]+|[\s«»‹›<>←→|:：]+$")
_SPACE_RE = re.compile(r"\s+")
#: Decoration around a label: guillemets, arrows, colons, brackets.
_DECORATION_RE = re.compile(r"[\s«»‹›<>←→↑↓|:：\[\]【】()（）·•\-—_/]+")
#: How long a text node holding a label may be before it reads as prose, not a label.
MAX_LABEL_TEXT = 80
#: How far up from a label we look for its link.
MAX_LEVELS_UP = 4
#: A container this long is a body or a page, not a prev/next block.
MAX_CONTAINER_TEXT = 400
#: A block holding a prev/next label is short; one with more text than this is prose.
MAX_NAV_BLOCK_CHARS = 160
#: A link text this short naming a listing (返回列表) is the way back, not a neighbour.
MAX_LISTING_LINK_CHARS = 12
# Queries run on every page, compiled once.
_REL_LINKS = etree.XPath("//a[@rel] | //link[@rel]")
#: The cheap ``contains`` first: the exact class-word test is the slowest XPath there is.
_WORDPRESS_LINKS = {
    rel: etree.XPath(f"//*[contains(@class, '{name}')][contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]//a[@href]")
    for rel, name in (("prev", "nav-previous"), ("next", "nav-next"))
}
_TITLED_LINKS = etree.XPath("//a[@title and @href]")
_PAGE_LINKS = etree.XPath("//body//a[@href][contains(., '页') or contains(., '頁')]")


def find_neighbours(root, base_url: str, texts: list | None = None) -> list[NeighbourLink]:
    """The page's prev and next links (at most one each), in that order.

    A direction that the page marks as the end of the chain gives a link with
    ``url=None``; a direction the page says nothing about is left out.
    """
    found = _from_labels(page_texts(root) if texts is None else texts, base_url)
    for source in (_from_rel_attributes, _from_wordpress_containers, _from_link_titles, _from_page_links):
        if len(found) == 2:
            break  # a later source only fills a direction still missing: each is a search of the page
        for rel, link in source(root, base_url).items():
            found.setdefault(rel, link)
    links = []
    for rel in ("prev", "next"):
        link = found.get(rel)
        if link is not None and _names_a_listing(link):
            links.append(NeighbourLink(rel=rel, url=None))  # "下一篇：返回列表": the chain ends here
        elif link is not None and not _leads_elsewhere(link, base_url):
            links.append(link)
    return links


def _is_section_of(url: str, base_url: str) -> bool:
    """Whether ``url`` is a folder above the page (``/politics/`` of ``/politics/2020-02/c_1.htm``)."""
    parts, base_path = urlsplit(url), urlsplit(base_url).path
    path = parts.path or "/"
    # ``/?p=59107`` is a WordPress shortlink to an article, not the home page.
    return not parts.query and path.endswith("/") and base_path.startswith(path) and base_path != path and origin(url) == origin(base_url)


def _leads_elsewhere(link: NeighbourLink, base_url: str) -> bool:
    """A "下一篇" that is the page itself, a listing or a section above it is no neighbour."""
    if link.url is None:
        return False
    return clean_url(link.url) == clean_url(base_url) or looks_like_listing(link.url) or _is_section_of(link.url, base_url)


def _names_a_listing(link: NeighbourLink) -> bool:
    """A "下一篇" link showing the way back to a listing ("返回列表"), printed where the
    neighbour's link would be: there is none in that direction."""
    return link.url is not None and bool(link.title) and any(word in link.title for word in LISTING_LINK_WORDS) and len(link.title) <= MAX_LISTING_LINK_CHARS


def _from_labels(texts, base_url):
    found = {}
    for text in texts:
        match = LABEL_RE.search(text)
        if not match or not _reads_as_label(text, match):
            continue
        rel = _DIRECTION[match.group()]
        if rel in found:
            continue
        owner = text.getparent().getparent() if text.is_tail else text.getparent()
        if owner is None:
            continue
        link = _link_near_label(owner, rel, text, base_url)
        if link is not None:
            found[rel] = link
    return found


def _reads_as_label(text, match) -> bool:
    """A label stands alone (``« 上一篇 2026年2月2日``, ``上一篇：``) or opens a short link text;
    prose that merely mentions ``上一篇`` does not count."""
    if len(text.strip()) > MAX_LABEL_TEXT:
        return False
    before = _DECORATION_RE.sub("", text[: match.start()])
    return not before or before in LABEL_LEAD_WORDS


def _link_near_label(owner, rel, label_text, base_url):
    anchor = _enclosing_anchor(owner, base_url)
    if anchor is not None:
        return _neighbour(rel, anchor, _context_of(anchor, rel), base_url)
    if _in_script_link(owner):
        # ``<a href="#">下一篇</a>`` that a script fills in: the neighbour is not in the page,
        # and a link further up (the section's index) is not it.
        return None
    element = owner
    for _ in range(MAX_LEVELS_UP):
        if _has_other_label(element, rel):
            return _from_shared_block(element, rel, label_text, base_url)
        anchors = _anchors(element, base_url)
        if len(anchors) == 1:
            return _neighbour(rel, anchors[0], element, base_url)
        if len(anchors) > 1:
            anchor = _first_anchor_after(element, label_text, anchors)
            # No link after the label: the label's own link is JavaScript (``href="#"``).
            return _neighbour(rel, anchor, element, base_url) if anchor is not None else None
        if _says_chain_ends(_text(element), rel):
            return NeighbourLink(rel=rel, url=None)
        if len(_text(element)) > MAX_CONTAINER_TEXT or element.getparent() is None:
            return None
        element = element.getparent()
    return None


def _from_shared_block(element, rel, label_text, base_url):
    """Both labels sit in one block (``<p>上一篇：<a>A</a><br>下一篇：<a>B</a></p>``): the link
    is the first one after our label, and only if it comes before the other label."""
    segment = _segment_after_label(element, rel)
    anchors = _anchors(element, base_url)
    anchor = _first_anchor_after(element, label_text, anchors) if anchors else None
    if anchor is not None and _text(anchor).strip() and _text(anchor).strip() in segment:
        date_raw = find_date_text(segment)
        return NeighbourLink(rel=rel, url=absolute_url(anchor.get("href"), base_url), title=_title_of(anchor, _text(anchor)), date_raw=date_raw)
    if _says_chain_ends(segment, rel):
        return NeighbourLink(rel=rel, url=None)
    return None


def _segment_after_label(element, rel) -> str:
    """The text from this direction's label up to the next label."""
    text = _text(element)
    labels = _labels_in(element)
    for position, match in enumerate(labels):
        if _DIRECTION[match.group()] == rel:
            end = labels[position + 1].start() if position + 1 < len(labels) else len(text)
            return text[match.end() : end]
    return ""


def _labels_in(element) -> list[re.Match]:
    """The labels in ``element``'s text, in order. A label word inside a link counts only
    when it opens the link's text (``« 上一篇 2026年2月2日``): in ``循环链接：上下篇互相指向``
    or ``综述（下篇）`` it is a word of the neighbour's title."""
    nodes = VISIBLE_TEXT_BELOW(element)
    text = "".join(nodes)
    spans, offset = [], 0
    for node in nodes:
        spans.append((offset, offset + len(node), _inside_link(node, element)))
        offset += len(node)
    labels = []
    for match in LABEL_RE.finditer(text):
        for start, end, in_link in spans:
            if start <= match.start() < end:
                if not in_link or not _DECORATION_RE.sub("", text[start : match.start()]):
                    labels.append(match)
                break
    return labels


def _inside_link(text, element) -> bool:
    """Whether the text node ``text`` lies inside an ``<a>`` (within ``element`` or around it)."""
    holder = text.getparent()
    if holder is not None and text.is_tail:
        holder = holder.getparent()
    while holder is not None:
        if holder.tag == "a":
            return True
        holder = holder.getparent()
    return False


def _neighbour(rel, anchor, context, base_url) -> NeighbourLink:
    context_text = _text(context if context is not None else anchor)
    return NeighbourLink(
        rel=rel,
        url=absolute_url(anchor.get("href"), base_url),
        title=_title_of(anchor, context_text),
        date_raw=find_date_text(context_text),
    )


def _title_of(anchor, context_text: str) -> str | None:
    """The neighbour's title: the link text (or, failing that, the block's text) without
    the label, the date and decoration; the link's ``title`` attribute as a last resort."""
    for text in (_text(anchor), context_text):
        title = _strip_label_and_date(text)
        if title:
            return title
    title = (anchor.get("title") or "").strip()
    return title or None


def _strip_label_and_date(text: str) -> str:
    date = find_date_text(text)
    if date:
        text = text.replace(date, " ")
    # Only a label at either end: inside, 上篇/下篇 are words of the title (综述（下篇）).
    text = _EDGE_LABEL_RE.sub(" ", text)
    text = _EDGE_DECORATION_RE.sub("", text)
    return _SPACE_RE.sub(" ", text).strip()


def _context_of(anchor, rel):
    """The smallest block around ``anchor`` that holds its label and date but not the other label."""
    element = anchor
    for _ in range(MAX_LEVELS_UP):
        parent = element.getparent()
        if parent is None or _has_other_label(parent, rel) or len(_text(parent)) > MAX_CONTAINER_TEXT:
            break
        element = parent
        if len(_anchors(element, None)) > 1:
            return anchor
        if find_date_text(_text(element)):
            break
    return element


def _in_script_link(element) -> bool:
    for candidate in [element, *element.iterancestors()][: MAX_LEVELS_UP + 1]:
        if candidate.tag == "a":
            return absolute_url(candidate.get("href"), "http://x/") is None
    return False


def _enclosing_anchor(element, base_url):
    for candidate in [element, *element.iterancestors()][: MAX_LEVELS_UP + 1]:
        if candidate.tag == "a" and absolute_url(candidate.get("href"), base_url or "http://x/"):
            return candidate
    return None


def _anchors(element, base_url):
    return [a for a in element.iter("a") if absolute_url(a.get("href"), base_url or "http://x/")]


def _first_anchor_after(element, label_text, anchors):
    """The first of ``anchors`` after the label text in document order."""
    order = {node: position for position, node in enumerate(element.iter())}
    node = label_text.getparent()
    start = order.get(node, 0)
    if label_text.is_tail:
        # A tail follows its element and everything inside it.
        start += sum(1 for _ in node.iter())
    after = [a for a in anchors if order.get(a, -1) >= start]
    return after[0] if after else None


def _has_other_label(element, rel) -> bool:
    return any(_DIRECTION[match.group()] != rel for match in _labels_in(element))


def _says_chain_ends(text: str, rel: str) -> bool:
    # Only a label at either end is dropped: 最后一篇 holds 后一篇.
    residue = _DECORATION_RE.sub("", text).rstrip("!！。.…~～")
    residue = _LEADING_LABEL_RE.sub("", residue)
    return residue in CHAIN_END_MARKERS or _TRAILING_LABEL_RE.sub("", residue) in CHAIN_END_MARKERS


def _text(element) -> str:
    return text_content(element) if element is not None else ""


def _from_rel_attributes(root, base_url):
    found = {}
    nodes = _REL_LINKS(root)
    for rel, names in (("prev", ("prev", "previous")), ("next", ("next",))):
        for node in nodes:
            tokens = (node.get("rel") or "").lower().split()
            if any(name in tokens for name in names):
                url = absolute_url(node.get("href"), base_url)
                if url:
                    found[rel] = NeighbourLink(rel=rel, url=url)
                    break
    return found


def _from_wordpress_containers(root, base_url):
    found = {}
    for rel, links in _WORDPRESS_LINKS.items():
        anchors = links(root)
        if anchors:
            found[rel] = _neighbour(rel, anchors[0], anchors[0].getparent(), base_url)
    return found


def _from_link_titles(root, base_url):
    """Links that carry the label only in their ``title`` attribute (``<a title="上一篇">``)."""
    found = {}
    for anchor in _TITLED_LINKS(root):
        rel = _DIRECTION.get(_DECORATION_RE.sub("", anchor.get("title")))
        if rel and rel not in found and absolute_url(anchor.get("href"), base_url):
            found[rel] = _neighbour(rel, anchor, anchor, base_url)
    return found


def _from_page_links(root, base_url):
    """``<a>上一页</a>`` / ``<a>下一页</a>`` between chapters of a serial, as a last resort. A pager
    (the same words beside page numbers: ``上一页 1 2 3 下一页``, or leading to the page's own URL
    with a page number: ``_2.html``) turns pages of one text, not articles, and is left alone."""
    found = {}
    for anchor in _PAGE_LINKS(root):
        rel = PAGE_LINK_DIRECTION.get(_DECORATION_RE.sub("", _text(anchor)))
        target = absolute_url(anchor.get("href"), base_url)
        if rel is None or rel in found or not target or same_article_page(target, base_url):
            continue
        block = anchor.getparent()
        for _ in range(2):
            if block is None or block.tag in BLOCK_TAGS:
                break
            block = block.getparent()
        if block is not None and any(_DECORATION_RE.sub("", _text(a)).isdigit() for a in block.iter("a")):
            continue
        found[rel] = NeighbourLink(rel=rel, url=target)
    return found
