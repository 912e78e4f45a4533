"""The items a crawl hands to the archive; an article is one ``ArticleItem`` all the way.

Extraction fills what the page says, the page step (``crawler.page``) what the fetch says
(``fetched_url``, ``site``, validators, the raw page) and, through the normalising steps
(``crawler.normalise``), the normalised fields (``published``, ``references``, ``dois`` ...).
The archive stores it.
"""

from dataclasses import dataclass, field


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
    url: str  # canonical URL, the article's identity
    title: str
    body: str
    body_html: str
    fetched_url: str = ""  # filled from the response, like the fields from fetched_at on
    site: str = ""  # scheme://host[:port] the article was crawled from
    category: str | None = None
    breadcrumb: list[str] = field(default_factory=list)
    published_raw: str | None = None
    published_source: str | None = None  # meta, json-ld, time, line, relative; "neighbour" is set by the archive
    published: str | None = None
    page_years: list[int] = field(default_factory=list)  # years of the page's full dates, for a published_raw without one; not stored
    disclaimer: str | None = None
    reference_texts: list[str] = field(default_factory=list)
    reference_hrefs: list[str] = field(default_factory=list)
    references: list[ReferenceEntry] = field(default_factory=list)
    dois: list[str] = field(default_factory=list)
    pmids: list[str] = field(default_factory=list)
    pmcids: list[str] = field(default_factory=list)
    trials: list[dict] = field(default_factory=list)  # {"registry", "trial_id"}, as article_trials stores them
    body_hrefs: list[str] = field(default_factory=list)
    neighbours: list[NeighbourLink] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)  # other URLs that led here
    pagination: Pagination | None = None  # the pager of an article split over pages
    continued_pages: list[ContinuedPage] = field(default_factory=list)  # its pages 2..n, as fetched
    fetched_at: str | None = None  # ISO 8601 UTC, when the page was fetched: relative dates are read against it
    http_status: int | None = None
    encoding: str | None = None
    content_hash: str | None = None
    etag: str | None = None  # HTTP validators, for conditional requests next time
    last_modified: str | None = None
    raw_headers: dict = field(default_factory=dict)  # what re-extraction needs to decode the page
    raw_body: bytes | None = None
    exchange: dict | None = None  # the HTTP exchange as fetched (crawler.exchange), for WARC export
    found_by: dict[str, str] = field(default_factory=dict)  # field -> the rule that found it; shown, not stored
    authors: list[str] = field(default_factory=list)  # as the page names them: 作者, 文/, 记者, 通讯员, byline, meta, JSON-LD
    editor: str | None = None  # 责任编辑, 编辑, 责编
    source: str | None = None  # the outlet a reprint names: 来源, 稿件来源, 转载自, 本文转自
    source_url: str | None = None  # the original's URL when the source line links it
    modified_raw: str | None = None
    modified: str | None = None  # ISO 8601, normalised like published; never from the clock
    description: str | None = None  # meta/og/JSON-LD description as the page gives it; never a made-up summary
    keywords: list[str] = field(default_factory=list)  # meta keywords and the page's own tag links
    images: list[ArticleImage] = field(default_factory=list)
    language: str | None = None  # BCP 47 primary tag as the page declares or its text shows: "zh", "en"


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

