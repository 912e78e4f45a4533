"""The records the archive stores, the article first: an article is one ``ArticleItem`` from the
page to its row, and the record type says what the archive does with each field.

Extraction fills what the page says, the crawler's page step what the fetch says (``fetched_url``,
``site``, validators, the raw page) and the normalised fields (``published``, ``references``,
``dois`` ...); ``crawler.items`` hands these types on to the crawl. The writer takes a record as
a dict (``dataclasses.asdict``, or a message from a queue) and reads from the marks of
:class:`ArticleItem`'s fields (:func:`marked_fields`) which fields are its content and which
``articles`` columns hold them:

- ``content``: in the digest that notices an edit (``archive.writer.content_hash``), in the order
  declared here, which the stored digests depend on: :data:`ALWAYS`, or :data:`WHEN_GIVEN` for
  the metadata read since m023, hashed only when the page gives them, so that an article
  without any keeps the digest it had before they were read;
- ``metadata``: the page's metadata read since m023 (who wrote it, where it came from ...);
- ``column``: held in the ``articles`` column of the field's name, in the form named
  (:data:`COLUMN_FORMS`).
"""

import json
from dataclasses import dataclass, field, fields

#: Marks of the ``content`` key: always in the digest, or only when the page gives the field.
ALWAYS, WHEN_GIVEN = "always", "when given"

#: How an ``articles`` column holds a field's value, by the name its ``column`` mark gives.
#: ``own date``: as it is, and only when the page gives a date of its own (``published_raw``):
#: an article without one keeps the date its neighbours give it.
COLUMN_FORMS = {
    "as is": lambda value: value,
    "own date": lambda value: value,
    "text or null": lambda value: value or None,
    "json list": lambda value: json.dumps(value or [], ensure_ascii=False),
    "json or null": lambda value: json.dumps(value, ensure_ascii=False) if value else None,
}


def stored(*, column: str | None = None, content: str | None = None, metadata: bool = False, **options):
    """A field of :class:`ArticleItem` with the archive's marks (see the module): held in the
    ``articles`` column of its name as ``column`` says, part of the digest as ``content`` says;
    ``options`` are those of ``dataclasses.field`` (``default``, ``default_factory``)."""
    marks = {"column": column, "content": content, "metadata": metadata}
    return field(metadata={name: value for name, value in marks.items() if value}, **options)


@dataclass
class NeighbourLink:
    """A ``上一篇``/``下一篇`` link as shown on a page."""

    rel: str  # "prev" or "next"
    url: str | None  # None when the page says the chain ends here (没有了)
    title: str | None = None
    date_raw: str | None = None
    date: str | None = None  # ISO 8601, filled by the dates pipeline


@dataclass
class Pagination:
    """Where a page stands among the pages of an article split over several: its own number
    and the URL of every page its pager names, by number (its own included)."""

    current: int
    urls: dict[int, str] = field(default_factory=dict)


@dataclass
class ContinuedPage:
    """A later page (``number`` 2, 3 ...) of an article split over pages, as fetched: kept so
    that ``reextract`` reads the whole article again."""

    number: int
    fetched_url: str
    status: int | None
    headers: dict
    body: bytes
    exchange: dict | None = None  # the HTTP exchange as fetched (crawler.exchange), for WARC export


@dataclass
class ReferenceEntry:
    """One entry of the article's reference list, with its identifiers."""

    position: int
    text: str
    doi: str | None = None
    pmid: str | None = None
    pmcid: str | None = None


@dataclass
class ArticleImage:
    """An image of the article's body, in body order: the first is the lead image."""

    url: str
    alt: str | None = None
    caption: str | None = None


@dataclass
class ArticleItem:
    """An article as the crawl hands it to the archive; the marks of its fields (see the module) say
    what the writer does with them."""

    url: str = stored(column="as is")  # canonical URL, the article's identity
    title: str = stored(column="as is", content=ALWAYS)
    body: str = stored(column="as is", content=ALWAYS)
    body_html: str = stored(column="as is", content=ALWAYS)
    fetched_url: str = stored(column="as is", default="")  # filled from the response, like the fields from fetched_at on
    site: str = stored(column="as is", default="")  # scheme://host[:port] the article was crawled from
    category: str | None = stored(column="as is", content=ALWAYS, default=None)
    breadcrumb: list[str] = stored(column="json list", content=ALWAYS, default_factory=list)
    published_raw: str | None = stored(column="own date", content=ALWAYS, default=None)
    published_source: str | None = stored(column="own date", default=None)  # meta, json-ld, time, line, relative; "neighbour" is set by the archive
    published: str | None = stored(column="own date", default=None)
    page_years: list[int] = field(default_factory=list)  # years of the page's full dates, for a published_raw without one; not stored
    disclaimer: str | None = stored(column="as is", content=ALWAYS, default=None)
    reference_texts: list[str] = stored(content=ALWAYS, default_factory=list)
    reference_hrefs: list[str] = field(default_factory=list)
    references: list[ReferenceEntry] = stored(content=ALWAYS, default_factory=list)  # article_references
    dois: list[str] = stored(content=ALWAYS, default_factory=list)  # article_dois, and so on
    pmids: list[str] = stored(content=ALWAYS, default_factory=list)
    pmcids: list[str] = stored(content=ALWAYS, default_factory=list)
    trials: list[dict] = field(default_factory=list)  # {"registry", "trial_id"}, as article_trials stores them
    body_hrefs: list[str] = field(default_factory=list)
    neighbours: list[NeighbourLink] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)  # other URLs that led here
    pagination: Pagination | None = None  # the pager of an article split over pages
    continued_pages: list[ContinuedPage] = field(default_factory=list)  # its pages 2..n, as fetched
    fetched_at: str | None = None  # ISO 8601 UTC, when the page was fetched: relative dates are read against it
    http_status: int | None = stored(column="as is", default=None)
    encoding: str | None = stored(column="as is", default=None)
    content_hash: str | None = None  # the archive stores the digest it computes
    etag: str | None = stored(column="as is", default=None)  # HTTP validators, for conditional requests next time
    last_modified: str | None = stored(column="as is", default=None)
    raw_headers: dict = field(default_factory=dict)  # what re-extraction needs to decode the page
    raw_body: bytes | None = None
    exchange: dict | None = None  # the HTTP exchange as fetched (crawler.exchange), for WARC export
    found_by: dict[str, str] = field(default_factory=dict)  # field -> the rule that found it; shown, not stored
    # As the page names them: 作者, 文/, 记者, 通讯员, byline, meta, JSON-LD
    authors: list[str] = stored(column="json or null", content=WHEN_GIVEN, metadata=True, default_factory=list)
    editor: str | None = stored(column="text or null", content=WHEN_GIVEN, metadata=True, default=None)  # 责任编辑, 编辑, 责编
    # The outlet a reprint names: 来源, 稿件来源, 转载自, 本文转自
    source: str | None = stored(column="text or null", content=WHEN_GIVEN, metadata=True, default=None)
    # The original's URL when the source line links it
    source_url: str | None = stored(column="text or null", content=WHEN_GIVEN, metadata=True, default=None)
    modified_raw: str | None = stored(column="text or null", content=WHEN_GIVEN, metadata=True, default=None)
    # ISO 8601, normalised like published; never from the clock
    modified: str | None = stored(column="text or null", metadata=True, default=None)
    # meta/og/JSON-LD description as the page gives it; never a made-up summary
    description: str | None = stored(column="text or null", content=WHEN_GIVEN, metadata=True, default=None)
    # meta keywords and the page's own tag links
    keywords: list[str] = stored(column="json or null", content=WHEN_GIVEN, metadata=True, default_factory=list)
    images: list[ArticleImage] = stored(content=WHEN_GIVEN, metadata=True, default_factory=list)  # article_images
    # BCP 47 primary tag as the page declares or its text shows: "zh", "en"
    language: str | None = stored(column="text or null", content=WHEN_GIVEN, metadata=True, default=None)


def marked_fields(mark: str, value=True) -> tuple[str, ...]:
    """The :class:`ArticleItem` fields whose ``mark`` is ``value`` (any value when ``value`` is
    True), in the order declared."""
    return tuple(each.name for each in fields(ArticleItem)
                 if mark in each.metadata and (value is True or each.metadata[mark] == value))


#: Each field the ``articles`` row holds, with the form its ``column`` mark names.
COLUMNS = {each.name: each.metadata["column"] for each in fields(ArticleItem) if "column" in each.metadata}


def columns(article: dict, names=None) -> dict:
    """The ``articles`` columns of ``article`` (a record as a dict), each held as its field's
    ``column`` mark says: those of the fields ``names``, or of all :data:`COLUMNS`; the ``own
    date`` ones only when the page gives a date of its own."""
    dated = bool(article.get("published_raw"))
    return {name: COLUMN_FORMS[COLUMNS[name]](article.get(name)) for name in (COLUMNS if names is None else names)
            if dated or COLUMNS[name] != "own date"}


@dataclass
class PageAlias:
    """Another URL that led to an article already scraped in this crawl
    (a shortlink, a URL with a tracking query); lets neighbour links name it."""

    alias_url: str
    article_url: str


@dataclass
class ChainGap:
    """A prev/next link the crawl could not follow: the neighbour answered an error,
    robots.txt forbids it, or it leads to another site. ``rel`` "page": a later page of an
    article split over pages that could not be read."""

    from_url: str
    rel: str  # prev, next or page
    to_url: str
    reason: str  # http_404, robots, offsite, a network error's name ...
    status: int | None = None


@dataclass
class SitemapSeen:
    """A sitemap's entry for a page, kept so the next run can tell which pages changed."""

    url: str
    lastmod: str | None


@dataclass
class KeptPage:
    """A page as fetched, kept so that ``reextract`` can try it again after a fix."""

    fetched_url: str
    status: int | None
    headers: dict
    body: bytes


@dataclass
class NotModified:
    """An archived article's page asked for again and answered 304 Not Modified: kept as a
    revisit of the page (``export --format warc``)."""

    url: str
    fetched_at: str
    status: int
    exchange: dict | None = None


@dataclass
class NotArticle:
    """A page fetched and found not to be an article (a listing, a soft 404, not HTML),
    or one whose extraction failed (``extraction_error``, with the page kept)."""

    url: str
    reason: str
    page: KeptPage | None = None

