"""Who wrote an article, who edited it and which outlet it comes from, as the page shows them.

Plain functions over the lines around the article (:func:`article_lines`): the lines between
the headline and the text, the text's first and last lines, and the lines after it, where
credit lines stand. The labels are data (``rules.py``); a value is taken only when it reads as
what its label promises (names for a byline, an outlet's name for a source), else the field
is left absent: a site's name is never an author, and the site itself is a source only where
the page says so.
"""

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache

from lxml import etree

from .rules import (
    AUTHOR_LABELS,
    AUTHOR_META,
    EDITOR_LABELS,
    NOT_A_NAME,
    NOT_AN_OUTLET,
    ORGANISATION_ENDINGS,
    PAPER_ISSUE_LINE,
    REPORTER_WORDS,
    SOURCE_LABELS,
    SOURCE_META,
)
from .text import BLOCK_TAGS, block_lines, meta_contents, normalize_space, text_content
from .urls import absolute_url

#: Lines read between the headline and the text, and after the text, at most.
MAX_HEAD_LINES, MAX_TAIL_LINES = 12, 12
#: Lines at each end of the text where a byline stands (``作者：``, ``（记者 胡晓蓉）``).
EDGE_LINES = 5
#: A labelled line longer than this is prose, not a credit line.
MAX_LABELLED_LINE_CHARS = 100
#: A whole line that is a byline (``光明日报记者 王建宏 张文攀``) is at most this long.
MAX_BYLINE_CHARS = 40
#: How much of a headline or a line of the text is looked for to find it among the lines.
MATCHED_CHARS = 12
#: An outlet's name is at most this long.
MAX_OUTLET_CHARS = 30

_JSON_LD = etree.XPath("//script[@type='application/ld+json']/text()", smart_strings=False)
_DECORATION = r"\s\u3000□■●◆▲►|｜丨·•\-—_*"
#: Where one labelled value ends: a bar, a bracket (not one closing a Latin name, ``周思博 (Joel Spolsky)``),
#: two spaces, a number after a space (a date), or the next ``word：``.
_VALUE_END = re.compile(r"\s*(?:[|｜丨【】\[\]]|(?<![A-Za-z])[）)]|[（(](?![A-Za-z][A-Za-z .'-]{1,40}[)）]))|\s{2,}|\s+[^\s:：]{1,8}\s*[:：]|\s+(?=\d)|[;；。]")
_HAN_NAME = r"[\u4e00-\u9fff]{2,4}|[\u4e00-\u9fff]{1,6}·[\u4e00-\u9fff]{1,8}"
_NAME_RE = re.compile(rf"(?:{_HAN_NAME})(?:\s*[（(][A-Za-z][A-Za-z .'-]{{1,40}}[)）])?|[A-Z][A-Za-z.'-]+(?: [A-Z][A-Za-z.'-]+){{0,3}}")
#: An editor is named as staff lists name them: a person, a desk (``宣传部``), a login (``amberma``, ``李曦_NN2587``).
_EDITOR_NAME_RE = re.compile(r"[\u4e00-\u9fff·]{2,8}(?:_[A-Za-z0-9]+)?|[A-Za-z][A-Za-z0-9_.-]{1,30}")
#: What follows a byline's names: where it was reported from, a photo credit.
_PHOTO_CREDIT_ENDINGS = ("摄", "摄影", "供图", "图")
_BYLINE_TRAIL_RE = re.compile(r"\s*(?:[^\s，。]{0,6}报道|发自\S{0,8}|/?摄影?|/文\S*|/图\S*|受访者供图)\s*$")


@dataclass
class Credits:
    """What the credit lines of one page say."""

    authors: list[str] = field(default_factory=list)
    authors_rule: str = ""
    editor: str | None = None
    editors: set = field(default_factory=set)  # every name an editor line gives
    source: str | None = None
    source_url: str | None = None
    source_rule: str = ""


@dataclass
class ArticleLines:
    """The lines around an article: ``head`` between the headline and the text, ``edges`` the
    text's first and last lines, ``tail`` after the text; ``frame`` the element holding them."""

    head: list[str]
    edges: list[str]
    tail: list[str]
    frame: object = None

    @property
    def all(self) -> list[str]:
        return self.head + self.edges + self.tail


def article_lines(headline, container, body: str) -> ArticleLines:
    """The lines around the article whose headline element is ``headline`` (None when the
    headline is no element of the page) and whose text, ``body``, was read from ``container``:
    in the element holding both and one level more, where credit lines often stand. Only the
    container and the blocks next to it are read, not the page's other furniture."""
    frame = _common_ancestor(headline, container) if headline is not None else container
    frame = container if frame is None else frame
    if frame.getparent() is not None and frame.tag not in ("body", "html"):
        frame = frame.getparent()
    inside = joined_labels(block_lines(container))
    shown = body.split("\n")
    first = _index(inside, shown[0], 0) or 0
    last = _last_index(inside, shown[-1], first)
    last = len(inside) - 1 if last is None else last
    # A page showing its text twice (a print copy) has credit lines after the first copy's end.
    ends = sorted({last, _index(inside, shown[-1][-MATCHED_CHARS:], first) or last})
    before = _lines_beside(container, frame, headline, backwards=True)
    shown_headline = normalize_space(text_content(headline))[:MATCHED_CHARS] if headline is not None else ""
    at = [i for i, line in enumerate(before) if shown_headline and shown_headline in line]
    before = before[at[-1] + 1:] if at else before
    head = (before + inside[:first])[-MAX_HEAD_LINES:]
    edges = inside[first:min(first + EDGE_LINES, last + 1)] + inside[max(first + EDGE_LINES, last + 1 - EDGE_LINES):last + 1]
    after = _lines_beside(container, frame, None, backwards=False)
    tail = [line for end in ends for line in (inside[end + 1:] + after)[:MAX_TAIL_LINES]]
    return ArticleLines(head=head, edges=edges, tail=tail, frame=frame)


def _lines_beside(container, frame, stop, backwards: bool) -> list[str]:
    """Up to ``MAX_HEAD_LINES`` (``MAX_TAIL_LINES``) lines of the blocks before (after) ``container``
    inside ``frame``, nearest last (first), stopping at the block holding ``stop``."""
    wanted = MAX_HEAD_LINES if backwards else MAX_TAIL_LINES
    holds_stop = {id(e) for e in (stop, *stop.iterancestors())} if stop is not None else set()
    found: list[str] = []
    element = container
    while element is not frame and element.getparent() is not None and len(found) < wanted:
        for sibling in (element.itersiblings(preceding=True) if backwards else element.itersiblings()):
            if not isinstance(sibling.tag, str):
                continue
            lines = block_lines(sibling)
            found = lines + found if backwards else found + lines
            if id(sibling) in holds_stop or len(found) >= wanted:
                break
        if id(element.getparent()) in holds_stop:
            break  # the headline's block is before: the lines above it are the page's, not the article's
        element = element.getparent()
    return joined_labels(found[-wanted:] if backwards else found[:wanted])


def joined_labels(lines: list[str]) -> list[str]:
    """``lines`` with a line that ends in a label and its colon (``来源：``, ``作者：``) joined to
    the next, short, line that gives the value: templates put the two in separate elements."""
    joined: list[str] = []
    for line in lines:
        if joined and _LABEL_ONLY_RE.search(joined[-1]) and len(line) <= MAX_OUTLET_CHARS:
            joined[-1] = f"{joined[-1]} {line}"
        else:
            joined.append(line)
    return joined


_LABEL_ONLY_RE = re.compile(r"(?:^|[\s|｜丨【\[（(])[^\s:：]{1,6}\s*[:：]$")


def find_credits(root, lines: ArticleLines, url: str) -> Credits:
    """The byline, editor and source the page shows around its article (see the module)."""
    credits = Credits()
    credits.editors = {name for line in lines.all for value in labelled_values(line, EDITOR_LABELS, loose=True)
                       for name in re.split(r"[\s、，,]+", value) if name}
    credits.editor = find_editor(lines.tail + lines.head + lines.edges)
    credits.authors, credits.authors_rule = find_authors(root, lines, credits.editors)
    credits.source, credits.source_rule = find_source(root, lines)
    if credits.source and lines.frame is not None:
        credits.source_url = _source_link(lines.frame, credits.source, url)
    return credits


# --- authors -------------------------------------------------------------------------------------


def find_authors(root, lines: ArticleLines, editors=frozenset()) -> tuple[list[str], str]:
    """The names a byline gives, and the rule that found it: a labelled line (``作者：``,
    ``记者 X``), a byline in brackets at either end of the text, else the head's ``author`` meta
    or JSON-LD when the page also shows that name and it is not an editor's."""
    for line in lines.head + lines.edges + lines.tail:
        names = byline_names(line)
        if names:
            return names, "label"
    for line in lines.edges[:EDGE_LINES] + lines.edges[-EDGE_LINES:] + lines.tail[:2]:
        names = bracketed_names(line)
        if names:
            return names, "brackets"
    shown = "".join(lines.all)
    for names, rule in ((_meta_authors(root), "meta"), (_json_ld_authors(root), "json-ld")):
        names = [name for name in names if name in shown and name not in editors]
        if names:
            return names, rule
    return [], ""


def byline_names(line: str) -> list[str]:
    """The names a credit line gives its authors by label (``作者：宋怡 杨志华``, ``文/栗思``,
    ``新京报记者 彭冲 山东冠县报道``); none when the line is no byline."""
    if len(line) > MAX_LABELLED_LINE_CHARS:
        return []
    for value in labelled_values(line, AUTHOR_LABELS):
        names = names_in(value)
        if names:
            return names
    match = _reporter_line_re().match(line)
    return names_in(match.group(1)) if match else []


def bracketed_names(line: str) -> list[str]:
    """The names in a byline in brackets: ``本报讯（记者叶婉）``, ``（姚峰 上海报道）``,
    ``(信报记者 蔡雪婧)``, or a line that is only ``（袁源）``."""
    for match in re.finditer(r"[（(]([^（()）]{2,30})[)）]", line):
        inside = match.group(1).strip()
        if inside.endswith(_PHOTO_CREDIT_ENDINGS):
            continue  # （记者 郝飞 摄） credits a photograph
        reporter = _reporter_re().search(inside)
        if reporter:
            names = names_in(inside[reporter.end():])
        elif match.end() == len(line.rstrip()) and (match.start() == 0 or "报道" in inside or line[match.start() - 1] in "。！？”!?\""):
            names = names_in(inside)
        else:
            continue
        if names:
            return names
    return []


def names_in(value: str) -> list[str]:
    """The people's names ``value`` gives, after a reporter word (``新快报记者吴晓娴``) and without
    what follows a byline (where it was reported from, ``/文``); none unless all of it is names
    (``张三说`` is a sentence, not a byline)."""
    reporter = _reporter_re().search(value)
    if reporter:
        value = value[reporter.end():]
    value = _BYLINE_TRAIL_RE.sub("", value.strip(_DECORATION + ":：/"))
    names, rest = [], value.strip()
    while rest:
        match = _NAME_RE.match(rest)
        if not match or not is_name(match.group()):
            return []
        names.append(match.group())
        rest = rest[match.end():]
        separator = re.match(r"[\s、，,和及与/]+", rest)
        if separator is None and rest:
            return []
        rest = rest[separator.end():] if separator else rest
    return names


def is_name(token: str) -> bool:
    """Whether ``token`` reads as a person's name, not a role, an outlet or a word."""
    if token in NOT_A_NAME or any(word in token for word in ("记者", "编辑", "通讯员")):
        return False
    han = re.sub(r"[（(].*", "", token).strip()
    return not (re.fullmatch(r"[\u4e00-\u9fff·]+", han) and han.endswith(ORGANISATION_ENDINGS))


def _meta_authors(root) -> list[str]:
    return [name for value in meta_contents(root, AUTHOR_META, ("property", "name", "itemprop")) for name in _split_names(value)]


def _json_ld_authors(root) -> list[str]:
    names = []
    for data in json_ld_documents(root):
        for author in json_ld_values(data, "author"):
            value = author.get("name") if isinstance(author, dict) else author
            if isinstance(value, str):
                names += _split_names(value)
    return names


def _split_names(value: str | None) -> list[str]:
    """A head's author value as names; a URL, a domain or an id is none."""
    value = normalize_space(value or "")
    if not value or re.search(r"https?:|www\.|\.com|\.cn|\d|[=<>{}@]", value):
        return []
    return [name for name in (part.strip() for part in re.split(r"[、，,;；]|\s+and\s+", value)) if name and is_name(name)]


# --- editor --------------------------------------------------------------------------------------


def find_editor(lines: list[str]) -> str | None:
    """The editor a credit line names, ``责任编辑`` before the other editors' labels."""
    for label in EDITOR_LABELS:
        for line in lines:
            if len(line) > MAX_LABELLED_LINE_CHARS:
                continue
            for value in labelled_values(line, (label,), loose=True):
                if value and all(_EDITOR_NAME_RE.fullmatch(part) and part not in NOT_A_NAME for part in re.split(r"[\s、，,]+", value)):
                    return value
    return None


# --- source --------------------------------------------------------------------------------------


def find_source(root, lines: ArticleLines) -> tuple[str | None, str]:
    """The outlet the page says the article comes from, and the rule that found it: a source
    line (``来源：新华网``), a newspaper issue line (``《光明日报》（ 2022年02月13日 02版）``),
    else the head's ``source`` meta when the page also shows that outlet."""
    for line in lines.head + lines.tail + lines.edges:
        if len(line) > MAX_LABELLED_LINE_CHARS:
            continue
        for value in labelled_values(line, SOURCE_LABELS, bare_after=("于", "自")):
            outlet = as_outlet(value)
            if outlet:
                return outlet, "label"
        issue = PAPER_ISSUE_LINE.match(line)
        if issue:
            return issue.group(1), "paper issue"
    shown = "".join(lines.all)
    for value in meta_contents(root, SOURCE_META, ("name", "property")):
        outlet = as_outlet(re.sub(r"^\s*(?:" + "|".join(SOURCE_LABELS) + r")\s*[:：]", "", value or ""))
        if outlet and outlet in shown:
            return outlet, "meta"
    return None, ""


def as_outlet(value: str) -> str | None:
    """``value`` as an outlet's name, without its brackets; None when it names none (转载, 未知,
    an empty label, a date, markup)."""
    value = normalize_space(value).strip(_DECORATION + ":：")
    if re.match(r"[\u4e00-\u9fff《]", value):
        value = value.split(" ")[0]  # a Chinese outlet's name has no space: what follows is the page's
    value = re.sub(r"^[《〈\[【]+|[》〉\]】]+$", "", value)
    value = re.sub(r"【[^】]*】$|《|》", "", value).strip()
    if not value or len(value) > MAX_OUTLET_CHARS or value in NOT_AN_OUTLET or value.lower() in NOT_AN_OUTLET:
        return None
    if re.search(r"[=<>{}\"]|^\d{4}[-/.年]|^[\W_]+$", value):
        return None
    return value


def _source_link(frame, outlet: str, url: str) -> str | None:
    """Where the source's name links in its source line, when it is a link there (the same name
    in the site's menu links elsewhere)."""
    for anchor in frame.iter("a"):
        if normalize_space(text_content(anchor)).strip("[]【】《》 ") != outlet:
            continue
        line = next((e for e in anchor.iterancestors() if e.tag in BLOCK_TAGS or e.tag in ("td", "th")), None)
        if line is not None and any(label in text_content(line) for label in SOURCE_LABELS):
            return absolute_url(anchor.get("href"), url)
    return None


# --- labelled values -----------------------------------------------------------------------------


def labelled_values(line: str, labels, loose: bool = False, bare_after=()) -> list[str]:
    """The values ``line`` gives after each of ``labels`` and its separator (``：``, ``/``, ``︱``),
    cut where the next label or a bar starts. A label counts where a word starts (``联系作者``
    holds none); ``loose`` takes it anywhere (``松花江网编辑 孙桂芳``) and a space as separator;
    a label ending in one of ``bare_after`` (``来源于``, ``转自``) needs no separator."""
    values = []
    for match in _label_re(tuple(labels), loose).finditer(line):
        label, separator = match.group(1), match.group(2)
        if not separator:
            if not label.endswith(tuple(bare_after)):
                continue
        elif not separator.strip() and not (loose or len(label) > 1):
            continue  # "文 " is a word; "作者 张三" a byline
        rest = line[match.end():].lstrip(" [【《(（")
        if re.match(r"[^\s:：]{1,8}\s*[:：]", rest):
            values.append("")  # "来源： 浏览次数：642": the label is empty
            continue
        end = _VALUE_END.search(rest)
        values.append(rest[:end.start()] if end else rest)
    return values


@lru_cache(maxsize=32)
def _label_re(labels: tuple, loose: bool) -> re.Pattern:
    words = "|".join(map(re.escape, sorted(labels, key=len, reverse=True)))
    before = "" if loose else r"(?:^|(?<=[\s|｜丨【\[（(□■·:：,，;；。\d]))"
    return re.compile(before + rf"({words})(\s*[:：/／︱|丨]\s*|\s+|)")


@lru_cache(maxsize=1)
def _reporter_re() -> re.Pattern:
    return re.compile("|".join(map(re.escape, REPORTER_WORDS)))


@lru_cache(maxsize=1)
def _reporter_line_re() -> re.Pattern:
    """A whole line that is a byline: an outlet's name, a reporter word, names."""
    words = "|".join(map(re.escape, REPORTER_WORDS))
    return re.compile(rf"^[{_DECORATION}]*(?:[^。，！？：:]{{0,20}}?)(?:{words})\s*[:：]?\s*(.{{2,{MAX_BYLINE_CHARS}}})$")


# --- helpers -------------------------------------------------------------------------------------


def json_ld_documents(root) -> list:
    """The page's JSON-LD documents that parse."""
    found = []
    for script in _JSON_LD(root):
        try:
            found.append(json.loads(script))
        except ValueError:
            continue
    return found


def json_ld_values(data, key: str) -> list:
    """Every value of ``key`` in a JSON-LD document (lists and ``@graph`` followed), as a list."""
    if isinstance(data, list):
        return [value for item in data for value in json_ld_values(item, key)]
    if not isinstance(data, dict):
        return []
    value = data.get(key)
    found = value if isinstance(value, list) else [] if value is None else [value]
    return found + json_ld_values(data.get("@graph", []), key)


def _common_ancestor(first, second):
    ancestors = {id(element) for element in (first, *first.iterancestors())}
    return next((element for element in (second, *second.iterancestors()) if id(element) in ancestors), None)


def _index(lines: list[str], wanted: str, start: int) -> int | None:
    """The first line from ``start`` that holds the beginning of ``wanted``: cleaning may have
    cut a line's end."""
    wanted = wanted[:MATCHED_CHARS]
    if not wanted:
        return None
    return next((i for i in range(max(start, 0), len(lines)) if wanted in lines[i]), None)


def _last_index(lines: list[str], wanted: str, start: int) -> int | None:
    wanted = wanted[-MATCHED_CHARS:]
    if not wanted:
        return None
    return next((i for i in range(len(lines) - 1, max(start, 0) - 1, -1) if wanted in lines[i]), None)
