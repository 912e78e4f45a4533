"""Records shared by the site renderers and the portal: pages, truth, site.

Rendered bodies write every absolute link as ``BASE + path``; the sentinel is
replaced with the server's real base URL at serve time, so one build can be
served on any port.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

#: Stands for ``http://host:port`` in rendered bodies and Location headers.
BASE = "@@REPLICA-BASE@@"

WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


@dataclass
class Page:
    """One servable resource. `body` and `location` may contain `BASE`."""

    status: int = 200
    body: str = ""
    content_type: str = "text/html; charset=UTF-8"
    encoding: str = "utf-8"
    location: str | None = None
    last_modified: datetime | None = None


@dataclass(frozen=True)
class TruthArticle:
    """What an ideal crawler stores for one article (see package docstring)."""

    path: str  # canonical path, e.g. /sc/zhiliao/59017.html
    title: str  # exact visible title
    category: str  # category label as the breadcrumb shows it
    published: str  # ISO 8601: "2026-02-02" or "2025-12-03T14:20:00+08:00"
    has_own_date: bool  # the article's own page shows/carries its date
    first_paragraph: str  # text of the first body paragraph, str.strip()-ed
    disclaimer: str | None  # exact disclaimer text including its label
    dois: frozenset[str]  # lower-cased, from text and hrefs
    pmids: frozenset[str]
    pmcids: frozenset[str]
    reference_count: int
    deleted: bool = False  # linked by neighbours but answers 404
    keywords: frozenset[str] = frozenset()  # which of corpus.MARKER_WORDS occur
    traditional: bool = False  # page converted to Traditional characters
    trials: frozenset[str] = frozenset()  # trial registration numbers, canonical
    pages: tuple[str, ...] = ()  # paths of pages 2..n of an article split over pages
    page_openings: tuple[str, ...] = ()  # the first paragraph of each of those pages
    authors: tuple[str, ...] = ()  # as the byline or 作者 line names them
    editor: str | None = None  # the name of the 责任编辑 line
    source: str | None = None  # the outlet a 来源 line names (not the site itself)
    source_url: str | None = None  # the original's URL, when the 来源 line links it
    modified: str | None = None  # ISO 8601: the page's 更新时间 or article:modified_time
    description: str | None = None  # the page's meta description
    images: tuple[tuple[str, str, str], ...] = ()  # the body's pictures: (path, alt, caption), in body order


@dataclass
class Site:
    """What a renderer hands to `Portal`."""

    pages: dict[str, Page]  # path (or path?query for shortlinks) -> page
    articles: list[TruthArticle]  # chain order, oldest first
    nav_links: dict[str, list[str]]  # article path -> prev/next hrefs as written
    not_found: Page
    disallow_prefixes: tuple[str, ...] = ()
    awkward: dict[str, str] = field(default_factory=dict)  # case name -> path showing it


def cn_date(d) -> str:
    return f"{d.year}年{d.month}月{d.day}日"
