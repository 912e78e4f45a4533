"""An article page as data: plain functions over the parsed page, no Scrapy.

``extract_article(selector, url)`` is the entry point. The body is the block whose
paragraphs read most like prose (``body.py``), the headline the heading the page's
``<title>`` confirms (``title.py``), the date the best of several candidates
(``published.py``); the site family's markup (``rules.py``) and per-site rules
(``site_rules.py``) refine them.
"""

import copy
import re
from functools import lru_cache

from lxml import etree
from parsel import Selector
from parsel.csstranslator import css2xpath

from ..items import ArticleItem, NeighbourLink
from .body import HOLDER_TAGS, SENTENCE_ENDS, best_block, measure_blocks, score_blocks, text_score
from .dates import find_date_text
from .metadata import read_metadata
from .navigation import LABEL_RE, MAX_NAV_BLOCK_CHARS, find_neighbours
from .pagination import find_pagination
from .published import find_published, has_year, years_on_page
from .rules import (
    BODY_SELECTORS,
    BOILERPLATE_LINES,
    BOILERPLATE_SELECTORS,
    BOX_CLASS_PREFIXES,
    BOX_CLASS_WORDS,
    BOX_HEADING_WORDS,
    BREADCRUMB_SELECTORS,
    CATEGORY_SELECTORS,
    CREDIT_LINE,
    DISCLAIMER_LINE,
    DISCLAIMER_MARKERS,
    FURNITURE_CLASS_TOKENS,
    FURNITURE_CLASS_WORDS,
    MAX_CREDIT_LINE_CHARS,
    REFERENCE_HEADINGS,
    RELATED_HEADINGS,
    SOFT_404_MARKERS,
)
from .text import BLOCK_TAGS, VISIBLE_TEXT_BELOW, block_lines, looks_garbled, normalize_space, page_texts, remove_element, text_content
from .site_rules import SiteRule, parse_with_format
from .title import Title, clean_title, confirmed_title, find_title
from .urls import absolute_url, canonical_url, looks_like_listing

#: A body shorter than this is not an article (an empty template, a stub).
MIN_BODY_CHARS = 20
#: ... unless it is one whole sentence of at least this many characters under a headline that
#: the page's ``<title>`` confirms: a one-line 快讯 (``暂无内容。`` is still a stub).
MIN_SENTENCE_BODY_CHARS = 10
#: Share of body text inside links above which a page is a listing.
MAX_LINK_DENSITY = 0.5
#: Inside the body, a block with at least this many links and this share of link text is a
#: list of other articles (相关阅读, 热点推荐), not article text.
MIN_LIST_LINKS = 2
MAX_BLOCK_LINK_DENSITY = 0.5
#: Under a related-articles heading, a section with this share of link text is a list of
#: links (dates beside the links lower the share), not more of the article.
MIN_RELATED_LINK_SHARE = 0.3
#: Chrome is never most of the article block: an element holding more than this share of its
#: text is kept whatever its class.
MAX_CHROME_SHARE = 0.5
#: A block that is one link and little else ("返回搜狐，查看更多", a promotion) is chrome.
MAX_LONE_LINK_BLOCK_CHARS = 40
#: A site-family container is taken over the densest block when it holds it and is at most
#: this much larger, or lies inside it and holds at least ``MIN_HINT_SHARE`` of its text.
MAX_HINT_GROWTH = 1.6
MIN_HINT_SHARE = 0.6
_DECORATION = r"[\s«»‹›<>←→|【】\[\]]*"
_LEADING_DECORATION_RE = re.compile("^" + _DECORATION)
_LINE_DECORATION_RE = re.compile(r"[\s\u00a0\u3000\u200b\ufeff«»‹›<>←→|【】\[\]·•●▶►◆■□★☆>》《]+")
#: Links to files (an attachment, a picture) and links showing an address or an identifier.
_FILE_LINK_RE = re.compile(r"\.(pdf|docx?|xlsx?|pptx?|zip|rar|7z|txt|jpe?g|png|gif|mp[34]|wav)(\?|#|$)")
#: An address with a path (a cited page), not a site's bare name (``www.example.com``), or an
#: identifier (DOI, PMID, PMCID, a trial's registration number).
_ADDRESS_SHOWN_RE = re.compile(
    r"(?:https?://|www\.)[^/\s]+/[^\s]|(?<![a-z])(?:doi|pmid|pmc\d|nct\d|chictr|isrctn|actrn)|10\.\d{4,}/", re.IGNORECASE
)
_BOX_CLASS_RE = re.compile(
    "|".join(map(re.escape, BOX_CLASS_WORDS)) + "|(?<![a-z])(?:" + "|".join(map(re.escape, BOX_CLASS_PREFIXES)) + ")", re.IGNORECASE
)
#: How far up from the densest block a comment thread's class or id is looked for; the page's
#: outer wrappers (``<body class="single comments-open">``) lie further up.
MAX_COMMENTS_DEPTH = 4
_COMMENTS_RE = re.compile(r"comment|pinglun", re.IGNORECASE)
_HEADING_TAGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
#: A heading with more than this share of its text in its one link is another article's headline.
MIN_LINKED_HEADLINE_SHARE = 0.9
#: A box's heading is short (热搜榜, 相关新闻); a longer one is a section of the article.
MAX_BOX_HEADING_CHARS = 12
_BREADCRUMB_NOISE = {"首页", "首頁", "主页", "Home", "home", "当前位置", "當前位置", "您的位置", ">", "»"}


# Queries run on every page, compiled once (compiling cost more than running them).
_HEADINGS_BELOW = etree.XPath(".//h1 | .//h2 | .//h3 | .//*[@class or @id][not(*[not(self::br)])]")
_TEXT_BELOW = etree.XPath(".//text()")
_LIST_ITEMS_BELOW = etree.XPath(".//li")
_NAME_ATTRIBUTES = etree.XPath("//@class | //@id | //@itemprop", smart_strings=False)
_TITLE_AND_H1 = etree.XPath("//title | //h1")


class NotAnArticle(str):
    """Why a page is not an article, in words for the user."""


def extract_article(selector: Selector, url: str, rule: SiteRule | None = None) -> ArticleItem | None:
    """The article on the page at ``url``, or None when the page is not an article
    (a listing, a tag page, a soft 404, an empty template).

    ``rule``: the site's own selectors (``site_rules.py``); a field whose selector matches
    nothing on the page is found by the heuristics as usual.
    """
    found = read_article(selector, url, rule)
    return None if isinstance(found, NotAnArticle) else found


def read_article(selector: Selector, url: str, rule: SiteRule | None = None) -> ArticleItem | NotAnArticle:
    """As :func:`extract_article`, but a page that is not an article says why."""
    root = selector.root
    if looks_like_listing(url):
        return NotAnArticle("its URL is a listing, tag or home page")
    if _is_soft_404(root):
        return NotAnArticle("it says the page does not exist (a soft 404)")
    stats = score_blocks(root)
    names = page_names(root)
    texts = page_texts(root)
    headline = _ruled_title(root, rule) or confirmed_title(root, texts)
    container, body_rule = _ruled_body(root, rule) or _body_container(root, stats, names, headline.element if headline else None)
    if container is None:
        return NotAnArticle("no block of the page holds prose")
    if stats[container].link_density > MAX_LINK_DENSITY:
        return NotAnArticle(f"its text is mostly links ({stats[container].link_density:.0%}): a listing")
    title = headline or find_title(root, container, texts)
    if title is None:
        return NotAnArticle("it has no headline")
    if looks_garbled(title.text):
        return NotAnArticle("its headline is garbled: the page was decoded with the wrong charset")
    body_root, body, reference_texts, reference_hrefs, disclaimer = _cleaned(root, container, title, rule, stats, names, texts, url)
    read_from = container
    if _too_short(body, title) and title.element is not None and body_rule != "site rule":
        # Cleaning left too little of the block (it was widgets): the text after the headline, if any.
        near = _best_sentence_block(_after_headline(title.element, stats), stats)
        if near is not None and near is not container:
            cleaned = _cleaned(root, near, title, rule, stats, names, texts, url)
            if not _too_short(cleaned[1], title):
                body_root, body, reference_texts, reference_hrefs, disclaimer = cleaned
                body_rule, read_from = "after the headline", near
    if _too_short(body, title):
        return NotAnArticle(f"its text is {len(body)} characters, fewer than {MIN_BODY_CHARS}: an empty template or a stub")
    if looks_garbled(body):
        # Decoded with the wrong charset; storing it would lose the real text.
        return NotAnArticle("its text is garbled: the page was decoded with the wrong charset")
    _absolutize(body_root, url)
    published_raw, published_source = _ruled_date(root, rule) or find_published(root, title.element, stats, texts)
    page_years = years_on_page(texts) if published_raw and not has_year(published_raw) else []
    breadcrumb = extract_breadcrumb(root, title.text, names)
    neighbours, neighbour_rule = _ruled_neighbours(root, url, rule, find_neighbours(root, url, texts))
    metadata, metadata_found_by = read_metadata(root, url, title.element, read_from, body, body_root, rule, names)
    return ArticleItem(
        url=canonical_url(root, url),
        title=title.text,
        body=body,
        body_html=etree.tostring(body_root, encoding="unicode", method="html"),  # sanitised by the page step
        category=extract_category(root, breadcrumb, names),
        breadcrumb=breadcrumb,
        published_raw=published_raw,
        published_source=published_source,
        page_years=page_years,
        disclaimer=disclaimer,
        reference_texts=reference_texts,
        reference_hrefs=reference_hrefs,
        body_hrefs=[href for href in (absolute_url(a.get("href"), url) for a in body_root.iter("a")) if href],
        neighbours=neighbours,
        pagination=find_pagination(root, url),
        found_by={"title": title.rule, "published": published_source or "", "body": body_rule, "neighbours": neighbour_rule,
                  **metadata_found_by},
        **metadata,
    )


def _cleaned(root, container, title: Title, rule, stats, names, texts, url):
    """The article text out of ``container``, furniture, references and the disclaimer taken
    out: ``(body_root, body, reference_texts, reference_hrefs, disclaimer)``."""
    body_root = copy.deepcopy(container)
    if rule is not None:
        for element in rule.dropped(body_root):
            remove_element(element)
    if title.element is not None and title.element in container.iterdescendants():
        for element in [_same_place(other, container, body_root) for other in _other_articles(container, title.element, stats)]:
            remove_element(element)
    _remove_furniture(body_root, title.text, names)
    reference_texts, reference_hrefs = _cut_references(body_root, url)
    disclaimer = _cut_disclaimer(body_root) or _find_disclaimer_outside(root, container, texts)
    _remove_chrome(body_root)
    _remove_link_lines(body_root)
    lines = _without_trailing_credits([line for line in block_lines(body_root) if not _is_boilerplate_line(line)])
    return body_root, "\n".join(lines), reference_texts, reference_hrefs, disclaimer


def _too_short(body: str, title: Title) -> bool:
    return len(body) < MIN_BODY_CHARS and not _is_short_article(body, title)


# --- per-site rules ----------------------------------------------------------------


def _ruled_body(root, rule):
    for element in rule.select(root, "body") if rule else ():
        if normalize_space(text_content(element)):
            return element, "site rule"
    return None


def _ruled_title(root, rule):
    for element in rule.select(root, "title") if rule else ():
        text = clean_title(text_content(element))
        if text:
            return Title(text, element, "site rule")
    return None


def _ruled_date(root, rule):
    for element in rule.select(root, "date") if rule else ():
        shown = element.get("datetime") or element.get("content") or normalize_space(text_content(element))
        if not shown:
            continue
        if rule.date_format:
            parsed = parse_with_format(shown, rule.date_format)
            if parsed:
                return parsed, "site rule"
            continue
        return shown, "site rule"
    return None


def _ruled_neighbours(root, url, rule, found: list[NeighbourLink]) -> tuple[list[NeighbourLink], str]:
    by_rel = {link.rel: link for link in found}
    ruled = False
    for rel in ("prev", "next"):
        for element in rule.select(root, rel) if rule else ():
            anchor = element if element.tag == "a" else next(element.iter("a"), None)
            target = absolute_url(anchor.get("href"), url) if anchor is not None else None
            if target:
                # A rule selecting the link's block also gives the date shown beside the link,
                # often the only date the neighbour has.
                beside = find_date_text(normalize_space(text_content(element))) if element is not anchor else None
                by_rel[rel] = NeighbourLink(rel=rel, url=target, title=normalize_space(text_content(anchor)) or None, date_raw=beside)
                ruled = True
                break
    return [by_rel[rel] for rel in ("prev", "next") if rel in by_rel], "site rule" if ruled else "labels"


# --- title, category, breadcrumb -------------------------------------------------


def extract_title(root) -> str | None:
    """The article's headline (see ``title.find_title``)."""
    stats = score_blocks(root)
    title = find_title(root, find_body_container(root, stats))
    return title.text if title else None


def extract_breadcrumb(root, title: str, names: frozenset | None = None) -> list[str]:
    """Breadcrumb items, without 首页/当前位置 and without the article title itself."""
    for css in BREADCRUMB_SELECTORS:
        items = [normalize_space(text_content(e)) for e in _css(root, css, names)]
        items = [item for item in items if item and item not in _BREADCRUMB_NOISE and item != title]
        if items:
            return items
    return []


def extract_category(root, breadcrumb: list[str], names: frozenset | None = None) -> str | None:
    """The article's category: the CMS's category link, else the last breadcrumb item."""
    for css in CATEGORY_SELECTORS:
        for element in _css(root, css, names):
            name = normalize_space(text_content(element))
            if name:
                return name
    return breadcrumb[-1] if breadcrumb else None


# --- own date --------------------------------------------------------------------


def extract_own_date(root) -> tuple[str | None, str | None]:
    """The page's own publication date as shown, and where it came from; ``(None, None)``
    when the page shows none. Dates beside prev/next links belong to the neighbours."""
    stats = score_blocks(root)
    title = find_title(root, find_body_container(root, stats))
    return find_published(root, title.element if title else None)


# --- body ------------------------------------------------------------------------


def find_body_container(root, stats: dict | None = None):
    """The element holding the article text: the block whose paragraphs score highest,
    or a site-family container (``BODY_SELECTORS``) that agrees with it."""
    return _body_container(root, stats if stats is not None else score_blocks(root))[0]


def _body_container(root, stats, names: frozenset | None = None, headline=None):
    best, found_by = best_block(root, stats), "density"
    if best is not None and _in_comments(best):
        best = _best_outside_comments(stats)
    near = _headline_block(headline, best, stats) if headline is not None and best is not None else None
    if near is not None:
        best, found_by = near, "after the headline"
    for css in BODY_SELECTORS:
        for element in _css(root, css, names):
            if element not in stats or stats[element].chars < MIN_BODY_CHARS:
                continue
            if best is None or _agrees(element, best, stats):
                return element, f"selector {css}"
    return best, found_by


def _in_comments(element) -> bool:
    """Whether ``element`` is, or sits close inside, a comment thread (``<div id="comments">``):
    readers' comments outweigh a short post but are never its text."""
    for depth, candidate in enumerate([element, *element.iterancestors()]):
        if depth > MAX_COMMENTS_DEPTH or candidate.tag in ("body", "html"):
            return False
        if _COMMENTS_RE.search(f"{candidate.get('class') or ''} {candidate.get('id') or ''}"):
            return True
    return False


def _best_outside_comments(stats):
    """The best-scoring block that is not in a comment thread, or None."""
    best, best_score = None, 0.0
    for element, block in stats.items():
        if element.tag in HOLDER_TAGS and text_score(block) > best_score and not _in_comments(element):
            best, best_score = element, text_score(block)
    return best


def _headline_block(headline, best, stats):
    """The block that belongs to ``headline`` when the densest block ``best`` is no part of its
    article, or None to keep ``best``.

    The headline's article is what follows it in its container: the smallest ancestor holding
    a sentence after the headline, up to a second element like the headline (a second article
    appended). A short article loses the density count to a longer block near it; that block
    is no part of the article when it comes before the headline, after a second headline, or
    is a box of other articles (a sidebar's hot list, a related-news box: ``_box_around``).
    Then the best block holding a sentence after the headline, before that box, is the body.
    """
    if headline is best or headline in best.iterancestors():
        return None
    following = _after_headline(headline, stats)
    if not following:
        return None
    inside = next((part for part in following if part is best or part in best.iterancestors()), None)
    top = inside.getparent() if inside is not None else _common_ancestor(best, headline)
    stop = _box_around(best, top, stats)
    if inside is not None and stop is None:
        return None  # it follows the headline in its article
    before_best = _precedes(best, headline)
    # A densest block without a sentence (a contact list, a link box) is not the article when
    # the headline is followed by one.
    if stop is None and not before_best and stats[best].sentences and not _after_second_headline(best, headline):
        return None
    return _best_sentence_block(following, stats, stop)


def _best_sentence_block(following, stats, stop=None):
    """The best-scoring block holding a sentence in the subtrees ``following``, up to ``stop``."""
    enclosing = set(stop.iterancestors()) if stop is not None else set()
    # A lone paragraph's score goes to the block above its wrappers: a block holding a sentence
    # may score nothing of its own, and the first of the best is taken.
    near, near_score = None, -1.0
    for part in following:
        for element in part.iter():
            if element is stop:
                return near
            block = stats.get(element)
            if element.tag in HOLDER_TAGS and element not in enclosing and block is not None and block.sentences and text_score(block) > near_score:
                near, near_score = element, text_score(block)
    return near


def _common_ancestor(element, other):
    ancestors = set(other.iterancestors())
    return next((ancestor for ancestor in element.iterancestors() if ancestor in ancestors), None)


def _precedes(element, other) -> bool:
    """Whether ``element`` ends before ``other`` starts in the document."""
    for sibling in other.itersiblings(preceding=True):
        if sibling is element or element in sibling.iterdescendants():
            return True
    parent = other.getparent()
    return parent is not None and _precedes(element, parent)


def _after_second_headline(best, headline) -> bool:
    """Whether a second element like the headline comes between it and ``best``: ``best`` is
    another article's. Numbers the page's elements, but only pages that get this far."""
    likes = [other for other in headline.getroottree().iter(headline.tag) if other is not headline and _is_like(other, headline)]
    if not likes:
        return False
    order = {element: position for position, element in enumerate(headline.getroottree().iter())}
    return any(order[headline] < order[other] < order[best] for other in likes)


def _after_headline(headline, stats) -> list:
    """The subtrees that follow ``headline`` in the smallest ancestor holding a sentence after
    it, in document order, up to a second element like the headline; empty when none holds one."""
    following, element = [], headline
    while element.getparent() is not None:
        for sibling in element.itersiblings():
            if not isinstance(sibling.tag, str):
                continue
            if _holds_like(sibling, headline):
                return following if any(stats[part].sentences for part in following) else []
            following.append(sibling)
        if any(stats[part].sentences for part in following):
            return following
        element = element.getparent()
    return []


def _holds_like(element, headline) -> bool:
    """Whether ``element`` is or holds an element with the headline's tag and class (a
    heading's tag is enough): the headline of a second article. A plain ``<span>`` or ``<b>``
    is like too many things to tell."""
    return any(_is_like(other, headline) for other in element.iter(headline.tag))


def _is_like(element, headline) -> bool:
    """Same tag and class as the headline (``_holds_like``)."""
    wanted = headline.get("class")
    return element.tag == headline.tag and element.get("class") == wanted and (bool(wanted) or headline.tag in ("h1", "h2"))


def _box_around(block, top, stats):
    """The element from ``block`` up to ``top`` that is a box of other articles, or None."""
    for element in [block, *block.iterancestors()]:
        if element is top:
            return None
        if _is_box(element, stats):
            return element
    return None


def _is_box(element, stats) -> bool:
    """A box of other articles: a sidebar or furniture by its class or tag, a block opened by,
    or under, a box heading (相关新闻, 热搜榜), or a teaser opened by another article's headline
    as a link."""
    if element.tag not in BLOCK_TAGS:
        return False
    names = f"{element.get('class') or ''} {element.get('id') or ''}"
    if element.tag in ("aside", "nav", "footer") or _is_furniture_class(element) or _BOX_CLASS_RE.search(names):
        return True
    first = next((child for child in element if isinstance(child.tag, str)), None)
    if first is not None and (_is_box_heading(first, stats) or _is_linked_headline(first, stats)):
        return True
    return _box_heading_before(element, stats) is not None


def _is_linked_headline(element, stats) -> bool:
    """A heading that is one link and nothing else: the headline of another article."""
    block = stats.get(element)
    return element.tag in _HEADING_TAGS and block is not None and block.links == 1 and block.link_density > MIN_LINKED_HEADLINE_SHARE


def _box_heading_before(element, stats):
    """The box heading just before ``element`` (``<h3>相关新闻</h3><ul>``), if any."""
    heading = element.getprevious()
    while heading is not None and not isinstance(heading.tag, str):
        heading = heading.getprevious()
    return heading if heading is not None and _is_box_heading(heading, stats) else None


def _other_articles(container, headline, stats) -> list:
    """What ``container`` holds after ``headline`` that belongs to other articles: a second
    article from its own headline on, and boxes of other articles (``_is_box``). A box holding
    the last sentences left is the text itself, whatever it looks like, and stays."""
    doomed, element, second = [], headline, None
    while second is None and element is not container:
        second = next((sibling for sibling in element.itersiblings() if isinstance(sibling.tag, str) and _holds_like(sibling, headline)), None)
        element = element.getparent()
    if second is not None:
        doomed = [second, *second.itersiblings()]
    sentences = stats[container].sentences - sum(stats[element].sentences for element in doomed if element in stats)
    gone, holding = set(doomed), set(headline.iterancestors())
    for element in container.iterdescendants():
        if element not in holding and element in stats and _is_box(element, stats):
            if gone.intersection(element.iterancestors()) or stats[element].sentences >= sentences:
                continue
            sentences -= stats[element].sentences
            heading = _box_heading_before(element, stats)
            doomed += [element] if heading is None or heading in gone else [heading, element]
            gone.update((element, heading))
    return doomed


def _same_place(element, root, copied_root):
    """The element of ``copied_root`` (a copy of ``root``) at ``element``'s place."""
    path = []
    while element is not root:
        path.append(element.getparent().index(element))
        element = element.getparent()
    for position in reversed(path):
        copied_root = copied_root[position]
    return copied_root


def _is_box_heading(element, stats) -> bool:
    # Its size first: only a short block's text is read, so that asking this of every block is linear.
    if element.tag not in BLOCK_TAGS or element not in stats or stats[element].chars > MAX_BOX_HEADING_CHARS:
        return False
    text = text_content(element)
    return any(word in text for word in BOX_HEADING_WORDS)


def _agrees(hinted, best, stats) -> bool:
    if hinted is best:
        return True
    if best in hinted.iterdescendants():
        return stats[hinted].chars <= MAX_HINT_GROWTH * stats[best].chars
    if hinted in best.iterdescendants():
        return stats[hinted].chars >= MIN_HINT_SHARE * stats[best].chars
    return False


def _remove_furniture(body_root, title: str, names: frozenset | None = None) -> None:
    for css in BOILERPLATE_SELECTORS:
        for element in _css(body_root, css, names):
            if element is not body_root:
                remove_element(element)
    for heading in _HEADINGS_BELOW(body_root):
        if normalize_space(text_content(heading)) == title:
            remove_element(heading)
    for text in _TEXT_BELOW(body_root):
        # The search first: it is cheaper, and a label after the decoration is in the text.
        if LABEL_RE.search(text) and LABEL_RE.match(_LEADING_DECORATION_RE.sub("", text, count=1)) and len(text.strip()) < MAX_NAV_BLOCK_CHARS:
            block = _nearest_block(text.getparent(), body_root)
            if block is not None and len(text_content(block)) < MAX_NAV_BLOCK_CHARS:
                remove_element(block)


def _remove_chrome(body_root) -> None:
    """Take out what the article block holds besides the article: furniture by its class
    (share bars, bylines, promotions), a related-articles section, and blocks that are mostly
    links to elsewhere (lists of other articles, a lone "back to the home page" link)."""
    stats = measure_blocks(body_root)
    heading = _first_block_matching(body_root, _related_heading_re(), RELATED_HEADINGS)
    if heading is not None:
        start = _section_start(heading, body_root)
        section = [start, *start.itersiblings()]
        chars = sum(stats[block].chars for block in section if block in stats)
        links = sum(stats[block].link_chars for block in section if block in stats)
        # Only a section of links: "延伸阅读：<a>" between two parts of the text is not the end.
        if chars and links / chars > MIN_RELATED_LINK_SHARE:
            for block in section:
                remove_element(block)
            stats = measure_blocks(body_root)
    doomed = []
    most = MAX_CHROME_SHARE * stats[body_root].chars
    for element in body_root.iter():
        if element is body_root or not isinstance(element.tag, str):
            continue
        if stats[element].chars > most:
            continue  # a wrapper of the text itself, whatever its class says (``article-social``)
        if _is_furniture_class(element) or _is_script_control(element) or _is_link_block(element, stats[element]):
            doomed.append(element)
    doomed_set = set(doomed)
    for element in doomed:
        if not any(ancestor in doomed_set for ancestor in element.iterancestors()):
            remove_element(element)


def _is_short_article(body: str, title: Title) -> bool:
    """Whether a body shorter than ``MIN_BODY_CHARS`` is still an article's: a sentence under a
    confirmed headline."""
    return len(body) >= MIN_SENTENCE_BODY_CHARS and body.endswith(tuple(SENTENCE_ENDS)) and title.rule in ("hint+heading", "site rule")


def _remove_link_lines(body_root) -> None:
    """Take out lines that are one short link to another page and nothing else: headlines of
    other articles set between the paragraphs (an advertisement, a teaser). A link showing an
    address or an identifier, to a file, or to a place on the same page stays."""
    doomed = []
    for link in body_root.iter("a"):
        shown = normalize_space(text_content(link))
        if shown and len(shown) <= MAX_LONE_LINK_BLOCK_CHARS and _links_to_a_page(link.get("href") or "", shown):
            alone = _alone_on_its_line(link, body_root)
            if alone is not None:
                doomed.append(alone)
    for element in doomed:
        remove_element(element)


def _links_to_a_page(href: str, shown: str) -> bool:
    href = href.strip().lower()
    if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
        return False
    return not _shows_address_or_file(href, shown)


def _shows_address_or_file(href: str, shown: str) -> bool:
    """A link that shows an address or an identifier, or leads to a file: a reference, an
    attachment, not a headline."""
    return bool(_FILE_LINK_RE.search(href.strip().lower()) or _ADDRESS_SHOWN_RE.search(shown))


def _alone_on_its_line(link, body_root):
    """What to remove when ``link`` (with the inline elements around it) is the only text of
    its line: the block holding it, or the link where ``<br>``s bound the line; else None."""
    element = link
    while (parent := element.getparent()) is not None and parent is not body_root and not _ends_line(parent):
        if _shows_text(parent.text) or _shows_text(element.tail) or element.getprevious() is not None or element.getnext() is not None:
            return None  # the inline element around the link shows more than the link
        element = parent
    if parent is None:
        return None
    # Each neighbour is looked at until the first that shows text: linear in the body.
    if _shows_text(element.tail):
        return None
    following = element.getnext()
    while following is not None and not _ends_line(following):
        if _shows_text(_shown(following)) or _shows_text(following.tail):
            return None
        following = following.getnext()
    previous = element.getprevious()
    while previous is not None and not _ends_line(previous):
        if _shows_text(previous.tail) or _shows_text(_shown(previous)):
            return None
        previous = previous.getprevious()
    if _shows_text(parent.text if previous is None else previous.tail):
        return None
    if previous is None and following is None and parent is not body_root:
        return parent
    # The line goes with its decoration (``▶``): the text just before and after the link.
    element.tail = None
    before = element.getprevious()
    if before is None:
        parent.text = None
    else:
        before.tail = None
    return element


def _shows_text(text: str | None) -> bool:
    return bool(text) and bool(_LINE_DECORATION_RE.sub("", text))


def _shown(node) -> str:
    """The text an element shows; none for a comment."""
    return text_content(node) if isinstance(node.tag, str) else ""


def _ends_line(element) -> bool:
    return element.tag in ("br", "td", "th") or element.tag in BLOCK_TAGS


def _is_script_control(element) -> bool:
    """A link that runs a script (``【纠错】``, ``打印``, ``分享``) is a button, not text."""
    return element.tag == "a" and (element.get("href") or "").strip().lower().startswith("javascript:")


def _is_link_block(element, block) -> bool:
    if element.tag not in BLOCK_TAGS and element.tag not in ("td", "th") or not block.chars:
        return False
    if block.links >= MIN_LIST_LINKS:
        return block.link_density > MAX_BLOCK_LINK_DENSITY
    if block.links != 1 or block.chars > MAX_LONE_LINK_BLOCK_CHARS or block.link_density <= MAX_BLOCK_LINK_DENSITY:
        return False
    link = next(a for a in element.iter("a") if a.get("href") is not None)
    return not _shows_address_or_file(link.get("href"), text_content(link))


def _is_furniture_class(element) -> bool:
    names = f"{element.get('class') or ''} {element.get('id') or ''}".strip()
    return bool(names) and bool(_furniture_class_re().search(names))


@lru_cache(maxsize=1)
def _furniture_class_re():
    anywhere = "|".join(map(re.escape, FURNITURE_CLASS_WORDS))
    tokens = "|".join(map(re.escape, FURNITURE_CLASS_TOKENS))
    return re.compile(rf"{anywhere}|(?<![A-Za-z0-9])(?:{tokens})(?![A-Za-z0-9])", re.IGNORECASE)


@lru_cache(maxsize=1)
def _related_heading_re():
    headings = "|".join(map(re.escape, RELATED_HEADINGS))
    return re.compile(rf"^{_DECORATION}(?:{headings})\s*[:：]?{_DECORATION}$")


def _nearest_block(element, stop):
    while element is not None and element is not stop:
        if element.tag in BLOCK_TAGS:
            return element
        element = element.getparent()
    return None


def _is_boilerplate_line(line: str) -> bool:
    return any(pattern.search(line) for pattern in BOILERPLATE_LINES)


def _without_trailing_credits(lines: list[str]) -> list[str]:
    """``lines`` without the credit lines that end them (``审核：张三``, ``文/李四 图/王五``)."""
    end = len(lines)
    while end and len(lines[end - 1]) <= MAX_CREDIT_LINE_CHARS and CREDIT_LINE.match(lines[end - 1]):
        end -= 1
    return lines[:end]


# --- references and disclaimer -----------------------------------------------------


@lru_cache(maxsize=1)
def _reference_heading_re():
    headings = "|".join(map(re.escape, REFERENCE_HEADINGS))
    return re.compile(rf"^{_DECORATION}(?:{headings})\s*[:：]?")


def _cut_references(body_root, base_url: str) -> tuple[list[str], list[str]]:
    """Take the reference section (its heading and every block after it up to the
    disclaimer) out of the body; return its entry lines and link targets."""
    heading = _first_block_matching(body_root, _reference_heading_re(), REFERENCE_HEADINGS)
    if heading is None:
        return [], []
    section = [_section_start(heading, body_root)]
    for sibling in section[0].itersiblings():
        if DISCLAIMER_LINE.match(normalize_space(text_content(sibling))):
            break
        section.append(sibling)
    lines, hrefs = [], []
    for block in section:
        items = _LIST_ITEMS_BELOW(block)
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
    block = _first_block_matching(body_root, DISCLAIMER_LINE, DISCLAIMER_MARKERS)
    if block is None:
        return None
    while block.getparent() is not None and block.getparent() is not body_root and DISCLAIMER_LINE.match(
        normalize_space(text_content(block.getparent()))
    ):
        block = block.getparent()
    disclaimer = " ".join(block_lines(block))
    remove_element(block)
    return disclaimer or None


def _find_disclaimer_outside(root, container, texts: list | None = None) -> str | None:
    """Some themes print the disclaimer after the content block: the outermost block outside
    it whose text starts with a disclaimer marker. ``texts``: the page's (``page_texts``)."""
    texts = page_texts(root) if texts is None else texts
    shown = "".join(texts)
    if not any(marker in shown for marker in DISCLAIMER_MARKERS):
        return None
    for text in texts:
        if not any(marker in text for marker in DISCLAIMER_MARKERS) or not DISCLAIMER_LINE.match(normalize_space(text)):
            continue
        owner = text.getparent().getparent() if text.is_tail else text.getparent()
        if owner is None or owner is container or container in owner.iterancestors():
            continue
        block = next((e for e in [owner, *owner.iterancestors()] if e.tag in _DISCLAIMER_BLOCKS), None)
        if block is None or container in block.iterancestors():
            continue
        while block.getparent() is not None and block.getparent().tag in _DISCLAIMER_BLOCKS and block.getparent() is not container:
            outer = normalize_space(text_content(block.getparent()))
            if not DISCLAIMER_LINE.match(outer) or len(outer) >= MAX_DISCLAIMER_CHARS:
                break
            block = block.getparent()
        if len(normalize_space(text_content(block))) < MAX_DISCLAIMER_CHARS:
            return " ".join(block_lines(block))
    return None


_DISCLAIMER_BLOCKS = frozenset(("p", "div", "section"))
MAX_DISCLAIMER_CHARS = 1000


def _first_block_matching(body_root, pattern, words: tuple[str, ...]):
    """The first block whose text starts with ``pattern``, a pattern that opens with one of
    ``words``. Only a block's first text node can start its text, so each text node is looked
    at once: linear in the page, however deep."""
    holds_word = _any_of(words)
    if not holds_word.search(text_content(body_root)):
        return None  # most bodies: their text as plain strings is cheaper than as nodes
    for text in VISIBLE_TEXT_BELOW(body_root):
        # Normalising every text node cost more than the search: only a node holding one of
        # the words (none has a space inside) can match once normalised.
        if not holds_word.search(text) or not pattern.match(normalize_space(text)):
            continue
        element = text.getparent()
        if text.is_tail:
            element = element.getparent()
        if element is None or element is body_root:
            continue
        block = _nearest_block(element, body_root)
        return element if block is None else block
    return None


@lru_cache(maxsize=8)
def _any_of(words: tuple[str, ...]) -> re.Pattern:
    return re.compile("|".join(map(re.escape, words)))


def _section_start(heading, body_root):
    """The heading's block, or the ancestor that has the section's entries as siblings
    (a heading wrapped alone in a ``<div>``)."""
    element = heading
    while element.getnext() is None and element.getparent() is not None and element.getparent() is not body_root:
        element = element.getparent()
    return element


# --- helpers ---------------------------------------------------------------------


def _css(root, css: str, names: frozenset | None = None):
    """Elements under ``root`` matching ``css``. With ``names`` (the page's class, id and
    itemprop words), a selector naming a word the page lacks is not evaluated at all: class
    tests are the slowest XPath there is, and most of the family's selectors miss."""
    if names is not None and not _required_names(css) <= names:
        return []
    return _compiled_css(css)(root)


def page_names(root) -> frozenset:
    """Every class, id and itemprop word used on the page."""
    return frozenset(word for value in _NAME_ATTRIBUTES(root) for word in value.split())


@lru_cache(maxsize=512)
def _required_names(css: str) -> frozenset:
    return frozenset(name for pair in _SELECTOR_NAME_RE.findall(css) for name in pair if name)


_SELECTOR_NAME_RE = re.compile(r"[.#]([\w-]+)|itemprop=([\w-]+)")


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
    heading = " ".join(normalize_space(text_content(e)) for e in _TITLE_AND_H1(root)[:3])
    return any(marker in heading for marker in SOFT_404_MARKERS)
