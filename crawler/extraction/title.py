"""The article's headline.

Pages name their headline twice: once for the browser (``<title>``, ``og:title``, a
``ArticleTitle`` meta, usually with the site's name around it) and once on the page (a heading,
or a ``<div class="tit">``). The headline is the longest element on the page that the hints
confirm; failing that, the heading-like element nearest before the article text; failing
that, the hint without the site's name.
"""

import re
from dataclasses import dataclass

from lxml import etree

from .rules import TITLE_CLASS_PATTERN, TITLE_HINT_META
from .text import BLOCK_TAGS, is_prose, meta_contents, normalize_space, page_texts, squash, text_content

#: A headline is at least this long (shorter headings are box labels: 热点, 推荐阅读).
MIN_TITLE_CHARS = 4
#: An unconfirmed heading must be at least this long to be taken over the hint.
MIN_UNCONFIRMED_CHARS = 6
MAX_TITLE_CHARS = 160
#: A line set in type at least this large (``font-size:24px``) stands out as a headline would;
#: article text is set at 12-16px (9-12pt).
LARGE_TYPE_PX = 18
LARGE_TYPE_PT = 14
#: A bold line longer than this is a paragraph set in bold, not a headline.
MAX_EMPHASISED_CHARS = 60
#: Marks between a headline's two parts (``标题——副标题``): a heading showing the hint's
#: headline and then one of these shows the whole headline.
HEADLINE_PART_SEPARATORS = ("——", "—", "：", ":", "|", "｜")
_TITLE_CLASS_RE = re.compile(TITLE_CLASS_PATTERN, re.IGNORECASE)
#: ``<title>`` separators between headline and site name: ``_``, ``|``, ``｜``, ``--``, `` - ``, `` — ``,
#: and a ``-`` that touches Chinese text (``标题-大河网``) but not one inside ``COVID-19``. A dash
#: without spaces (``对比试车—测试``, ``李简——新外科``) belongs to the headline.
_HINT_SEPARATORS_RE = re.compile(r"\s*(?:_+|\|+|｜|\s[»›]\s|-{2,}|\s[—–]{1,2}\s|\s-\s|(?<=[^\x00-\x7f])-|-(?=[^\x00-\x7f]))\s*")
_PRIVATE_USE_RE = re.compile("[\ue000-\uf8ff]")
_MARKUP_RE = re.compile(r"</?[a-zA-Z][^<>]*>")
_DOMAIN_RE = re.compile(r"[a-z0-9-]+\.(?:com|cn|net|org|gov|edu)\b", re.IGNORECASE)
_TRAILING_SEPARATORS_RE = re.compile(r"[\s\-_|｜»›]+$")
# Queries run on every page, compiled once (compiling cost more than running them).
_VISIBLE_TEXT = etree.XPath("//body//text()[not(parent::script) and not(parent::style) and not(ancestor::a) and not(ancestor::title)]")
_EMPHASISED = etree.XPath("//body//*[self::b or self::strong or self::big or self::font]")
_STYLED = etree.XPath("//body//*[@style]")
_FONT_SIZE_RE = re.compile(r"font-size\s*:\s*(\d+(?:\.\d+)?)\s*(px|pt)", re.IGNORECASE)
_TITLE_TEXT = etree.XPath("//title/text()", smart_strings=False)
_HEADING_LIKE = etree.XPath("//h1 | //h2 | //h3 | //body//*[@class or @id]")
_LINKS_BELOW = etree.XPath(".//a[@href]")
_SCHEME_AND_HOST_RE = re.compile(r"^[a-z]+://[^/]+", re.IGNORECASE)
_UP_RE = re.compile(r"^(?:\.\./)+")
_HOME_PATHS = frozenset(("", "/", "./", "index.html", "/index.html", "index.htm", "/index.htm", "index.php", "/index.php"))
# Links that may lead home, picked in C before the exact test (a page has hundreds of links).
_HOME_LINKS = etree.XPath(
    "//body//a[@href='/' or @href='./' or contains(@href, 'index.')"
    " or (contains(@href, '://') and not(contains(substring-after(substring-after(@href, '://'), '/'), '/')))]"
)
_IMAGE_ALTS = etree.XPath(".//img/@alt", smart_strings=False)


@dataclass
class Title:
    text: str
    element: object | None  # the element on the page, when the headline is one
    rule: str  # how it was found: "hint+heading", "heading", "hint", "site rule"


def clean_title(text: str) -> str:
    """Whitespace normalised, without private-use glyphs and without markup that a CMS
    escaped into a meta tag (``ArticleTitle`` holding ``<div>``)."""
    text = normalize_space(_MARKUP_RE.sub(" ", _PRIVATE_USE_RE.sub("", text)))
    return _TRAILING_SEPARATORS_RE.sub("", text)


def _headline_text(element) -> str:
    """An element's text up to its first block child: a subtitle in a nested ``<div>`` is not
    part of the headline."""
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str) and child.tag in BLOCK_TAGS:
            break
        parts.append(text_content(child) if isinstance(child.tag, str) else "")
        parts.append(child.tail or "")
    text = "".join(parts)
    if not text.strip():
        first_block = next((child for child in element if isinstance(child.tag, str) and child.tag in BLOCK_TAGS), None)
        if first_block is not None:
            return _headline_text(first_block)
    return text


def find_title(root, body_container=None, texts: list | None = None) -> Title | None:
    """The headline of the page rooted at ``root``.

    ``body_container`` (the element holding the article text) lets an unconfirmed heading be
    chosen by its nearness to the text; ``texts`` is the page's text (``text.page_texts``),
    when already listed.
    """
    confirmed = confirmed_title(root, texts)
    if confirmed is not None:
        return confirmed
    hints = _hints(root)
    candidates = _candidates(root) + _emphasised_lines(root)
    segments = [segment for hint in hints for segment in _hint_segments(hint)]
    parts = {squash(part) for hint in hints for part in _HINT_SEPARATORS_RE.split(hint) if part.strip()}
    named = [(text, element) for text, element in candidates if squash(text) in parts]
    if named:
        text, element = _nearest_before(named, body_container, root) or named[0]
        return Title(text, element, "hint+heading")
    unconfirmed = [(text, element) for text, element in candidates if len(text) >= MIN_UNCONFIRMED_CHARS and _reads_as_headline(text)]
    nearest = _nearest_before(unconfirmed, body_container, root)
    if nearest:
        return Title(*nearest, "heading")
    if segments:
        return Title(segments[0], _element_showing(root, segments[0]), "hint")
    if candidates:
        text, element = candidates[0]
        return Title(text, element, "heading")
    return None


def _whole_line(text: str, element, candidates, hints) -> tuple[str, object]:
    """The heading that shows ``text`` and a second part after it (``标题——副标题``,
    ``标题：副标题``), when the hints name only the first: the headline is the whole line. A
    second part that the hints give as a segment of their own is the site's name, not kept."""
    squashed = squash(text)
    site_names = {squash(part) for hint in hints for part in _HINT_SEPARATORS_RE.split(hint)[1:]}
    for line, heading in candidates:
        whole = squash(line)
        if len(whole) <= len(squashed) or not whole.startswith(squashed):
            continue
        rest = whole[len(squashed):]
        if rest.startswith(HEADLINE_PART_SEPARATORS) and rest.lstrip("".join(HEADLINE_PART_SEPARATORS)) not in site_names:
            if heading is element or element in heading.iterdescendants():
                return line, heading
    return text, element


def confirmed_title(root, texts: list | None = None) -> Title | None:
    """The headline when the page's hints (``<title>``, ``og:title``) confirm an element
    showing it; found without knowing where the article text is, so that it can tell."""
    hints = _hints(root)
    squashed_hints = [squash(hint) for hint in hints]
    # An element repeating a whole ``标题-网站名`` hint is a copy of <title> (a share box), not the headline.
    copies = {squash(hint) for hint in hints if len(_HINT_SEPARATORS_RE.split(hint)) > 1}
    candidates = _candidates(root)
    confirmed = _confirmed(candidates, squashed_hints, copies)
    shown = _hint_prefix_on_page(page_texts(root) if texts is None else texts, squashed_hints, copies)
    # A plain line that only the hint confirms may be the banner's site name (``网站名 - 标题``).
    if shown is not None and (confirmed or not _is_site_name(shown[0], hints, root)):
        confirmed.append(shown)
    if not confirmed:
        # Only pages without a confirmed heading pay for looking at every bold line.
        emphasised = _emphasised_lines(root)
        candidates += emphasised
        confirmed = _confirmed(emphasised, squashed_hints, copies)
    if not confirmed:
        return None
    text, element = max(confirmed, key=lambda pair: len(pair[0]))
    return Title(*_whole_line(text, element, candidates, hints), "hint+heading")


def _confirmed(candidates, squashed_hints, copies) -> list:
    return [
        (text, element)
        for text, element in candidates
        if any(squash(text) in hint for hint in squashed_hints) and squash(text) not in copies
    ]


def _nearest_before(candidates, body_container, root):
    """The candidate closest above the article text: a heading that opens the block holding
    the text, else the candidate nearest before that block (a site's name sits further up),
    else the first line inside the block above its first sentence (a bold or large line)."""
    if not candidates or body_container is None:
        return None
    # Numbered only here: most pages confirm their headline and never get this far.
    order = {element: position for position, element in enumerate(root.iter())}
    start, text_start = order.get(body_container, 0), order.get(_text_start(body_container), 0)
    inside = sorted((order.get(element, 0), text, element) for text, element in candidates if start < order.get(element, 0) < text_start)
    opening = [(text, element) for _, text, element in inside if _is_heading(element)]
    if opening:
        return opening[0]
    before = [(order.get(element, 0), text, element) for text, element in candidates if order.get(element, 0) <= start]
    if before:
        _, text, element = max(before, key=lambda triple: triple[0])
        return text, element
    return (inside[0][1], inside[0][2]) if inside else None


def _is_heading(element) -> bool:
    """A heading by its tag or by a class or id naming a title (``<div class="tit">``)."""
    names = (element.get("class") or "") + " " + (element.get("id") or "")
    return element.tag in ("h1", "h2", "h3") or bool(_TITLE_CLASS_RE.search(names))


def _text_start(container):
    """The element where the article text in ``container`` begins (its first prose line): a
    container often opens with the headline, which then lies before the text, not before the
    container."""
    for element in container.iter():
        if not isinstance(element.tag, str):
            continue
        for text in (element.text, element.tail):
            if text and is_prose(text):
                return element
    return container


def _emphasised_lines(root) -> list[tuple[str, object]]:
    """Bold or large lines that fill their block alone (``<p align=center><b>标题</b></p>``):
    the headline of pages older than ``<h1>``, after the headings in preference."""
    found, seen = [], set()
    for element in _EMPHASISED(root) + [element for element in _STYLED(root) if _in_large_type(element)]:
        text = clean_title(text_content(element))
        if not MIN_UNCONFIRMED_CHARS <= len(text) <= MAX_EMPHASISED_CHARS or text in seen or _in_chrome(element):
            continue
        if element.find(".//a") is not None or _DOMAIN_RE.search(text):
            continue  # a bold link (English, 更多) or a line naming the site's address
        own_block = element.tag in BLOCK_TAGS or element.tag in ("td", "th")
        block = element if own_block else next((e for e in element.iterancestors() if e.tag in BLOCK_TAGS or e.tag in ("td", "th")), None)
        if block is not None and squash(text_content(block)) == squash(text):
            seen.add(text)
            found.append((text, element))
    return found


def _in_large_type(element) -> bool:
    """Whether ``element``'s style sets a font larger than an article's text (``font-size:24px``)."""
    match = _FONT_SIZE_RE.search(element.get("style") or "")
    if match is None:
        return False
    size, unit = float(match.group(1)), match.group(2).lower()
    return size >= (LARGE_TYPE_PX if unit == "px" else LARGE_TYPE_PT)


def _hint_prefix_on_page(texts, squashed_hints: list[str], copies: set[str]):
    """The longest line of the page that a hint starts with: a headline in a plain ``<p>``
    or ``<td>``, its hint adding a subtitle or the site's name."""
    best = None
    starts = {hint[0] for hint in squashed_hints if hint}
    # The cheap test first: the ancestor checks of _visible cost more than this filter.
    for text in texts:
        stripped = text.lstrip()
        if not stripped or stripped[0] not in starts or not _visible(text):
            continue
        squashed = squash(text)
        if len(squashed) < MIN_UNCONFIRMED_CHARS or (best is not None and len(squashed) <= len(squash(best[0]))):
            continue
        if squashed not in copies and any(hint.startswith(squashed) for hint in squashed_hints):
            owner = text.getparent()
            best = (clean_title(text), owner.getparent() if text.is_tail else owner)
    return best


def _visible(text) -> bool:
    """Whether a text node is shown as text of the page (not in a script, a style or a link)."""
    owner = text.getparent()
    if owner is not None and text.is_tail:
        owner = owner.getparent()  # a tail follows its element: it is not inside it
    for element in [owner, *owner.iterancestors()] if owner is not None else ():
        if element.tag in ("script", "style", "a", "title"):
            return False
    return True


def _element_showing(root, title: str):
    """The element whose text is exactly ``title`` (a headline in a ``<b>`` or ``<font>``), if any."""
    wanted = squash(title)
    for text in _VISIBLE_TEXT(root):
        if squash(text) == wanted:
            owner = text.getparent()
            return owner.getparent() if text.is_tail else owner
    return None


def _reads_as_headline(text: str) -> bool:
    """A headline is not a sentence (。) nor a label (ending in a colon)."""
    return "。" not in text and not text.endswith((":", "："))


def _hints(root) -> list[str]:
    values = meta_contents(root, TITLE_HINT_META) + _TITLE_TEXT(root)
    return [hint for hint in (clean_title(value) for value in values) if hint]


def _hint_segments(hint: str) -> list[str]:
    """The hint's parts, longest first when the first is too short to be a headline."""
    parts = [part for part in _HINT_SEPARATORS_RE.split(hint) if part.strip()]
    if not parts:
        return []
    if len(parts[0]) >= MIN_TITLE_CHARS:
        return [parts[0]]
    return [max(parts, key=len)]


def _candidates(root) -> list[tuple[str, object]]:
    """Heading-like elements in document order, with their text."""
    seen, found = set(), []
    for element in _HEADING_LIKE(root):
        if element in seen or not isinstance(element.tag, str):
            continue
        if not _is_heading(element):
            continue
        if element.tag in ("html", "body", "head", "title") or _in_chrome(element) or _names_the_site(element):
            continue
        text = clean_title(_headline_text(element))
        if MIN_TITLE_CHARS <= len(text) <= MAX_TITLE_CHARS:
            seen.add(element)
            found.append((text, element))
    return _by_preference(found)


def _by_preference(found):
    """``<h1>`` first, then ``<h2>``, ``<h3>``, then title-class elements."""
    rank = {tag: position for position, tag in enumerate(("h1", "h2", "h3"))}
    return sorted(found, key=lambda pair: rank.get(pair[1].tag, len(rank)))


def _names_the_site(element) -> bool:
    """A heading that is one link to the site's home page is the site's name (a blog's banner)."""
    links = _LINKS_BELOW(element)
    if len(links) != 1:
        return False
    return _leads_home(links[0].get("href")) and squash(text_content(links[0])) == squash(text_content(element))


def _leads_home(href: str) -> bool:
    """Whether ``href`` is the site's home page (``/``, ``../index.html``); an empty one is the
    page itself."""
    href = href.strip()
    return bool(href) and _UP_RE.sub("", _SCHEME_AND_HOST_RE.sub("", href)) in _HOME_PATHS


def _is_site_name(text: str, hints: list[str], root) -> bool:
    """Whether ``text``, one part of a ``网站名 - 标题`` hint, is the name the site's home link
    shows (its text or its logo's ``alt``): then the hint's other part is the headline."""
    squashed = squash(text)
    if not any(squashed in map(squash, parts) for parts in (_HINT_SEPARATORS_RE.split(hint) for hint in hints) if len(parts) > 1):
        return False
    for link in _HOME_LINKS(root):
        if _leads_home(link.get("href")) and squashed in {squash(text_content(link)), *map(squash, _IMAGE_ALTS(link))}:
            return True
    return False


def _in_chrome(element) -> bool:
    for ancestor in element.iterancestors():
        if ancestor.tag in ("a", "li", "nav", "footer", "head", "option", "select", "ul", "marquee"):
            return True
    return False

