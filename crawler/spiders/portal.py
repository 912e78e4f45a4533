"""The ``portal`` spider: walks the prev/next chain of a news portal in both directions,
and finds what the chain misses in the site's sitemaps and category listings.

It only decides what to fetch next. What a page says comes from
``crawler.extraction``; what happens to it comes from the item pipelines.

Incremental runs (``PORTAL_MODE = "incremental"``, the default) are handed what
the archive holds (a :class:`~archive.state.CrawlState` the runner reads before the
crawl: the spider never opens the archive) and fetch only what may have changed:
pages never archived (new links, sitemap and listing entries, the archive's own
frontier of unfollowed links), pages whose sitemap ``lastmod`` moved, and the newest
``PORTAL_RECHECK_NEWEST`` articles of each site (conditionally, except the very
newest, whose 下一篇 link is where new articles appear).
"""

from dataclasses import dataclass, field, replace
from datetime import datetime, timezone

import scrapy
from scrapy import signals
from scrapy.exceptions import DownloadCancelledError
from scrapy.http import TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.defer import maybe_deferred_to_future

from ..extraction.listings import looks_like_article_url, read_listing, read_sitemap, section_links, sitemaps_in_robots, url_shape
from ..extraction.article import NotAnArticle
from ..extraction.pagination import MAX_ARTICLE_PAGES
from ..extraction.rules import SITEMAP_PATHS
from ..extraction.site_rules import SiteRules, load_site_rules
from ..extraction.urls import absolute_url, clean_url, origin
from ..extractor import ExtractionTimeout, Extractor
from ..jobs import emit
from ..exchange import http_exchange
from ..items import ArticleItem, ChainGap, ContinuedPage, KeptPage, NotArticle, NotModified, PageAlias, SitemapSeen
from ..middlewares import ForbiddenByRobots, NotFetched, TooLarge
from ..page import Fetched, Unstorable, fitting_encoding, kept_headers
from ..renamed_settings import setting
from ..start import as_list, nothing_known

#: Answers that send the crawl elsewhere; the spider follows them itself.
REDIRECT_STATUSES = [301, 302, 303, 307, 308]
#: Below discovery (-1): a long chain of unlisted pages waits until the sitemaps and
#: listings are read, which decide whether it is given up (``PORTAL_MAX_UNLISTED_CHAIN``).
UNLISTED_CHAIN_PRIORITY = -2
#: Articles a coverage report names as listed but not stored, per site (all are counted).
MAX_REPORTED_MISSES = 20


class PortalSpider(scrapy.Spider):
    """Follow ``上一篇``/``下一篇`` from each start article to both ends of the chain.

    Usage: ``scrapy crawl portal -a start_urls=URL[,URL...]``. The crawl stays on
    the start URLs' origins (scheme, host and port). Given no URL (``scrapy parse``,
    ``scrapy check``), it takes the site of each request it is handed.
    """

    name = "portal"

    def __init__(self, start_urls=None, origins=None, state=None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.start_urls = [clean_url(url) for url in as_list(start_urls)]
        # A worker joining a distributed crawl has no start URLs, only the crawl's sites.
        self.origins = {origin(url) for url in self.start_urls} | {origin(url) for url in as_list(origins)}
        self.allowed_domains = sorted({site.split("://", 1)[1].split(":")[0] for site in self.origins})
        self.seen_articles: set[str] = set()
        self.site_rules = SiteRules()
        self.state = state or nothing_known()
        #: Every page that links to a URL as its neighbour, and URLs that failed: a dead
        #: neighbour is a gap for each page linking to it, not only for the first.
        self.linked_from: dict[str, set[tuple[str, str]]] = {}
        self.failed: dict[str, tuple[str, int | None]] = {}
        #: Article pages fetched in this run (fetched URL -> canonical URL), and the URLs
        #: that redirected to a page: so a shortlink becomes an alias even when the page it
        #: leads to was fetched already.
        self.canonical_of: dict[str, str] = {}
        self.redirected_from: dict[str, set[str]] = {}
        #: Article URLs the sites' sitemaps and listings name, and the sites that name any.
        self.listed: set[str] = set()
        self.listing_sites: set[str] = set()
        #: Per site: the shapes of its article URLs (``url_shape``), the folders whose menus
        #: and breadcrumbs were read, and what the coverage report counts.
        self.shapes: dict[str, set[str]] = {}
        self.folders_read: set[str] = set()
        self.sitemap_sites: set[str] = set()
        self.discovery = {}
        self.not_stored: dict[str, str] = {}
        self.incremental = True
        self.discover = True
        self.max_unlisted = 0
        self.max_listing_pages = 2000
        self.max_redirects = 20

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.site_rules = load_site_rules(settings.get("PORTAL_SITE_RULES"))
        spider.incremental = setting(settings, "PORTAL_MODE") == "incremental"
        spider.discover = setting(settings, "PORTAL_DISCOVER", "getbool")
        spider.max_unlisted = settings.getint("PORTAL_MAX_UNLISTED_CHAIN")
        spider.max_listing_pages = settings.getint("PORTAL_MAX_LISTING_PAGES")
        spider.max_redirects = settings.getint("REDIRECT_MAX_TIMES")
        spider.extractor = Extractor(settings.getfloat("PORTAL_MAX_EXTRACT_SECONDS"))
        if not spider.origins:
            crawler.signals.connect(spider.take_site, signal=signals.request_scheduled)
        # Idle comes before the pipelines close and record the run's stats; closing comes after.
        crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        return spider

    def take_site(self, request):
        """A spider given no URL crawls the sites of the requests it is handed (``scrapy parse URL``)."""
        self.origins.add(origin(request.url))

    def closed(self, reason):
        self.extractor.close()
        if self.discover:
            for site, entry in self._report_coverage().items():
                if "warning" in entry:
                    self.logger.warning("%s: %s", site, entry["warning"])

    async def start(self):
        if self.incremental:
            self._note_listed(self.state.sitemap)
        for site, newest in self.state.newest.items():
            self._learn_shape(newest)
        self.crawler.stats.set_value("portal/known_articles", len(self.state.articles))
        for url in self.start_urls:
            yield self._recheck(url) if self.state.is_known(url) else self._article_request(url, found_by="start")
        for site, newest in self.state.newest.items():
            if site in self.origins:
                for position, url in enumerate(newest):
                    yield self._recheck(url, conditional=position > 0)
        for to_url, from_url, rel in self.state.frontier:
            if origin(to_url) in self.origins:
                self.linked_from.setdefault(to_url, set()).add((from_url, rel))
                yield self._article_request(to_url, via=from_url, rel=rel)
        if self.discover:
            for site in sorted(self.origins):
                yield self._discovery(site + "/robots.txt", self.parse_robots)
                yield self._discovery(site + "/", self.parse_home)

    # --- articles -------------------------------------------------------------

    async def parse(self, response):
        """An article page: the callback ``scrapy parse`` calls when it is named none."""
        async for output in self.parse_page(response):
            yield output

    async def parse_page(self, response):
        """An article page: the article, and requests for its neighbours (and, for the first
        article of a folder, for the sections its menus and breadcrumbs lead to).

        @url /sc/yizhi/59118.html
        @returns items 1 1
        @returns requests 2
        @scrapes url title published_raw body
        """
        stats = self.crawler.stats
        if response.status == 304:
            stats.inc_value("portal/not_modified")
            yield NotModified(url=clean_url(response.url), fetched_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                              status=304, exchange=http_exchange(response))
            return
        if 300 <= response.status < 400:
            for request in self._follow_redirect(response):
                yield request
            return
        if not isinstance(response, TextResponse):
            stats.inc_value("portal/skipped/not_text")
            self.logger.warning("Skipped %s: not a text page (%s)", response.url, response.headers.get("Content-Type"))
            yield NotArticle(url=clean_url(response.url), reason="not_text")
            return
        try:
            page = await self._read(response)
        except ExtractionTimeout as error:
            stats.inc_value("portal/skipped/slow_extraction")
            self.logger.warning("Skipped %s: %s (PORTAL_MAX_EXTRACT_SECONDS); page kept for `medarchive reextract`", response.url, error)
            yield NotArticle(url=clean_url(response.url), reason="slow_extraction", page=kept_page(response))
            return
        except Exception as error:  # one page's surprise must not stop the crawl or lose the page
            stats.inc_value("portal/extraction_error")
            self.logger.error("Could not extract %s (%s: %s); page kept for `medarchive reextract`", response.url, type(error).__name__, error)
            yield NotArticle(url=clean_url(response.url), reason="extraction_error", page=kept_page(response))
            return
        if isinstance(page, Unstorable):
            self.logger.warning("Dropped %s: %s", response.url, page)
            return
        if isinstance(page, NotAnArticle):
            response = self._decoded(response, counted=False)  # as the page step read it
            stats.inc_value("portal/skipped/not_article")
            self.logger.info("Skipped %s: not an article page", response.url)
            yield NotArticle(url=clean_url(response.url), reason="not_article")
            self.not_stored[clean_url(response.url)] = "not_article"
            for request in self._read_on_its_own(response.meta):
                yield request
            if response.meta.get("found_by") == "listing" and self.discover:
                # A headline link to a section's own page: it is read as the listing it is.
                for found in self.parse_listing(response):
                    yield found
            return
        if page.pagination and min(page.pagination.urls) < page.pagination.current and not response.meta.get("on_its_own"):
            for found in self._from_first_page(page, response):
                yield found
            return
        if page.url in self.seen_articles:
            # Another URL for an article already scraped: remember it, fetch nothing more.
            stats.inc_value("portal/duplicate_article")
            for alias in self._aliases(page, response):
                yield PageAlias(alias_url=alias, article_url=page.url)
            return
        self.seen_articles.add(page.url)
        self.canonical_of[clean_url(response.url)] = page.url
        stats.inc_value("portal/articles")
        self._count_reached(page.url, response)
        if not self.state.is_known(page.url):  # an archived article's sections were read when it was new
            for request in self._sections_of_article(response):
                yield request
        item = self._item(page, response)
        if page.pagination:
            # Stored once its later pages are read; its neighbours are followed then.
            stats.inc_value("portal/pagination/articles")
            pages = page.pagination
            assembly = _Assembly(item=item, urls=dict(pages.urls), unlisted=self._unlisted_run(page, response), tried={pages.current})
            async for found in self._next_page(assembly):
                yield found
            return
        yield item
        for found in self._follow_neighbours(page, self._unlisted_run(page, response)):
            yield found

    def _follow_neighbours(self, page, unlisted):
        """Requests for the article's prev/next neighbours, and gaps for those that cannot be
        followed; none when the chain is given up there (``unlisted`` is None)."""
        stats = self.crawler.stats
        if unlisted is None:
            return
        for link in page.neighbours:
            if not link.url:
                stats.inc_value(f"portal/chain_end/{link.rel}")
                continue
            target = clean_url(link.url)
            if origin(target) not in self.origins:
                stats.inc_value("portal/offsite_neighbour")
                self.logger.info("Not following %s link of %s to another site: %s", link.rel, page.url, target)
                yield ChainGap(from_url=page.url, rel=link.rel, to_url=target, reason="offsite")
                continue
            if self.state.is_settled(target):
                stats.inc_value("portal/known_neighbour")
                continue
            self.linked_from.setdefault(target, set()).add((page.url, link.rel))
            if target in self.failed:
                reason, status = self.failed[target]
                yield ChainGap(from_url=page.url, rel=link.rel, to_url=target, reason=reason, status=status)
                continue
            yield self._chain_request(target, page.url, link.rel, unlisted)

    # --- articles split over pages ---------------------------------------------------

    def _from_first_page(self, page, response):
        """A later page of an article reached first (a link or a start URL into its middle):
        the article is read from its first page, whose pager leads back here. Once page 1
        is read, this page is one of its aliases."""
        self.crawler.stats.inc_value("portal/pagination/entered_later_page")
        first = page.pagination.urls[min(page.pagination.urls)]
        article = self.canonical_of.get(first) or (self.state.article(first).url if self.state.is_known(first) else None)
        if article:
            yield PageAlias(alias_url=clean_url(response.url), article_url=article)
            return
        self.logger.info("%s is page %d of an article: reading it from %s", response.url, page.pagination.current, first)
        request = self._article_request(first, via=response.meta.get("via"), rel=response.meta.get("rel"))
        request.meta.update(unlisted=response.meta.get("unlisted", 0), later_page=response.url)
        yield request

    def _read_on_its_own(self, meta):
        """When the page a later page named as the article's first is no article (or fails),
        the later page is read again and stored on its own: a pager misread loses nothing."""
        later = meta.get("later_page")
        if later:
            self.crawler.stats.inc_value("portal/pagination/first_page_unusable")
            request = self._article_request(later, via=meta.get("via"), rel=meta.get("rel"))
            request.meta.update(unlisted=meta.get("unlisted", 0), on_its_own=True)
            yield request.replace(dont_filter=True)

    async def _next_page(self, assembly):
        """The request for the article's next page not yet read, or, when none is left (or
        ``MAX_ARTICLE_PAGES`` are read), the article joined from its pages."""
        # Only pages after the one read first: pages before it are read only when it is page 1.
        pending = sorted(number for number in assembly.urls if number > min(assembly.tried) and number not in assembly.tried)
        if pending and len(assembly.tried) < MAX_ARTICLE_PAGES:
            number = pending[0]
            assembly.tried.add(number)
            meta = {"assembly": assembly, "page_number": number}
            # Not filtered: a page reached first from elsewhere was requested already.
            yield scrapy.Request(assembly.urls[number], callback=self.parse_later_page, errback=self.on_later_page_error,
                                 meta=meta, dont_filter=True, priority=1)
            return
        if pending:
            self.crawler.stats.inc_value("portal/bounded/article_pages")
            self.logger.warning("%s has more than %d pages; stored with its first %d", assembly.item.url, MAX_ARTICLE_PAGES, MAX_ARTICLE_PAGES)
        async for found in self._joined(assembly):
            yield found

    async def _joined(self, assembly):
        """The article joined from its pages (pages 2..n as its aliases and kept pages), the
        gaps of the pages that failed, and the requests for its neighbours."""
        item = assembly.item
        parts = sorted(assembly.read, key=lambda part: part[1].number)
        joined = await self._joined_item(item, [kept for _, kept in parts])
        later = {clean_url(kept.fetched_url) for _, kept in parts} | {page.url for page, _ in parts}
        for url in later:
            self.canonical_of[url] = item.url
        joined.aliases = sorted((set(item.aliases) | later) - {item.url})
        joined.continued_pages = [kept for _, kept in parts]
        yield joined
        for number, url, reason, status in sorted(assembly.missing):
            yield ChainGap(from_url=item.url, rel="page", to_url=url, reason=reason, status=status)
        for found in self._follow_neighbours(joined, assembly.unlisted):
            yield found

    async def parse_later_page(self, response):
        """Page 2, 3 ... of an article: its text is kept for the article, its pager may name
        pages the first one did not show."""
        assembly, number = response.meta["assembly"], response.meta["page_number"]
        page = None
        if isinstance(response, TextResponse):
            try:
                page = await self._read(response, first_page=False)
            except Exception as error:  # the article is stored with the pages that could be read
                self.logger.warning("Could not extract page %d of %s (%s: %s)", number, assembly.item.url, type(error).__name__, error)
        if page is None or isinstance(page, NotAnArticle):
            self._missing_page(assembly, number, "not_article", response.status)
        else:
            self.crawler.stats.inc_value("portal/pagination/pages")
            kept = ContinuedPage(number=number, fetched_url=response.url, status=response.status,
                                 headers=kept_headers(response.headers), body=response.body, exchange=http_exchange(response))
            assembly.read.append((page, kept))
            for later, url in (page.pagination.urls if page.pagination else {}).items():
                assembly.urls.setdefault(later, url)
        async for found in self._next_page(assembly):
            yield found

    async def on_later_page_error(self, failure):
        request = failure.request
        assembly, number = request.meta["assembly"], request.meta["page_number"]
        if failure.check(NotFetched):  # left out on purpose (--max-pages), and counted where it was
            reason = None
        elif failure.check(HttpError):
            status = failure.value.response.status
            reason = f"http_{status}"
        else:
            status, reason = None, "robots" if failure.check(ForbiddenByRobots) else failure.type.__name__
        if reason:
            # A failed fetch like any other (the summary's "not stored"), and a gap of the article.
            self.crawler.stats.inc_value(f"portal/failed/{reason}")
            self._missing_page(assembly, number, reason, status)
        async for found in self._next_page(assembly):
            yield found

    def _missing_page(self, assembly, number, reason, status) -> None:
        """A page of the article that could not be read: counted, and kept as a gap of the article."""
        self.crawler.stats.inc_value("portal/pagination/missing_pages")
        self.logger.warning("Page %d of %s (%s) could not be read: %s; the article is stored without it",
                            number, assembly.item.url, assembly.urls[number], reason)
        assembly.missing.append((number, assembly.urls[number], reason, status))

    async def _read(self, response, first_page=True):
        """The page step over ``response``, as fetched now. Its normalising is counted when the
        article is stored as read: one split over pages is counted once, when joined."""
        page = Fetched(response.url, response.body, kept_headers(response.headers), response.status,
                       datetime.now(timezone.utc).isoformat(timespec="seconds"))
        read = await self._step(page)
        self._count(read, normalised=first_page and not getattr(read.article, "pagination", None))
        return read.article

    async def _joined_item(self, item, kept: list) -> ArticleItem:
        """The article read again from its first page (as ``item`` keeps it) and its ``kept``
        later pages, joined as ``reextract`` joins them; page 1 alone if that fails."""
        first = Fetched(item.fetched_url, item.raw_body, item.raw_headers, item.http_status, item.fetched_at)
        later = [Fetched(page.fetched_url, page.body, page.headers, page.status) for page in kept]
        try:
            read = await self._step(first, later)
        except Exception as error:  # each page was read once: only a loaded machine gets here
            self.logger.warning("Could not join the pages of %s (%s: %s); stored with its first page", item.url, type(error).__name__, error)
            return item
        self._count(read, step=False)
        if not isinstance(read.article, ArticleItem):
            return item
        return replace(read.article, aliases=item.aliases, exchange=item.exchange)

    async def _step(self, page: Fetched, later=()):
        """The page step, off the reactor thread so downloads go on meanwhile
        (crawler/extractor.py); what it logged goes into the crawl's log."""
        read = await maybe_deferred_to_future(self.extractor.extract_later(page, self.site_rules.for_url(page.url), later))
        emit(read.records)
        return read

    def _count(self, read, step=True, normalised=True) -> None:
        """What the page step counted, into the crawl's stats: with ``step`` its own counts (the
        charset fallback, as ``portal/...``), with ``normalised`` the normalising steps'."""
        for key, n in read.counts.items():
            if "/" in key and normalised:
                self.crawler.stats.inc_value(key, n)
            elif "/" not in key and step:
                self.crawler.stats.inc_value(f"portal/{key}", n)

    def _decoded(self, response, counted=True):
        """The response read in the charset that fits its bytes when the declared one does not
        (GBK sent as UTF-8), as the page step reads it; with ``counted``, the fallback is
        counted and logged."""
        encoding = fitting_encoding(response) if isinstance(response, TextResponse) else None
        if encoding is None:
            return response
        if counted:
            self.crawler.stats.inc_value("portal/encoding_fallback")
            self.logger.warning("%s is not %s as declared; read as %s", response.url, response.encoding, encoding)
        return response.replace(encoding=encoding)

    def _unlisted_run(self, page, response) -> int | None:
        """Chain pages in a row up to this one that no sitemap or listing names, or None
        when the chain is given up there: ``PORTAL_MAX_UNLISTED_CHAIN`` of them on a site
        that lists articles (an endless generated chain never meets one it lists)."""
        if {page.url, clean_url(response.url)} & self.listed:
            return 0
        unlisted = response.meta.get("unlisted", 0) + 1
        if self.max_unlisted and unlisted >= self.max_unlisted and origin(page.url) in self.listing_sites:
            self.crawler.stats.inc_value("portal/bounded/unlisted_chain")
            self.logger.warning("Gave up the chain at %s: %d pages in a row that the site's sitemaps and listings do not name", page.url, unlisted)
            return None
        return unlisted

    def _chain_request(self, url, via, rel, unlisted):
        request = self._article_request(url, via=via, rel=rel)
        request.meta["unlisted"] = unlisted
        waits = self.max_unlisted and unlisted >= self.max_unlisted
        return request.replace(priority=UNLISTED_CHAIN_PRIORITY) if waits else request

    def _note_listed(self, urls) -> None:
        for url in urls:
            self.listed.add(url)
            self.listing_sites.add(origin(url))

    # --- the coverage report --------------------------------------------------------

    def _learn_shape(self, urls) -> None:
        """Remember the shapes of these article URLs: a listing's links of the same shape are articles."""
        for url in urls:
            shape = url_shape(url)
            if shape:
                self.shapes.setdefault(origin(url), set()).add(shape)

    def _site_report(self, site: str) -> dict:
        return self.discovery.setdefault(site, {"reached": {}, "listing_pages": 0})

    def _count_reached(self, url: str, response) -> None:
        """Count the stored article by the way the crawl found it: the chain, a listing, a sitemap, a start URL."""
        self._learn_shape([url, clean_url(response.url)])
        way = response.meta.get("found_by") or "recheck"
        reached = self._site_report(origin(url))["reached"]
        reached[way] = reached.get(way, 0) + 1

    def on_idle(self):
        """Nothing left to fetch: the coverage report is final."""
        if self.discover:
            self._report_coverage()

    def _report_coverage(self) -> dict:
        """Per site: how the stored articles were reached, listing pages and sitemap entries read,
        the listed articles not stored and why, and a warning when the site showed neither a
        sitemap nor a listing (then the chain is all the crawl knows: it may be partial).
        Kept in the run's stats as ``discovery/report``."""
        stored = self.seen_articles | set(self.canonical_of)
        sitemap_sites = {origin(url) for url in self.state.sitemap} | self.sitemap_sites
        report = {}
        for site in sorted(self.origins):
            counts = self._site_report(site)
            missed = sorted(url for url in self.listed - stored if origin(url) == site and not self.state.is_known(url))
            reasons = {url: self.not_stored.get(url, "not_fetched") for url in missed}
            entry = {
                "reached": dict(sorted(counts["reached"].items())),
                "listing_pages": counts["listing_pages"],
                "listed_articles": sum(1 for url in self.listed if origin(url) == site),
                "sitemap": site in sitemap_sites,
                "listed_not_stored": len(missed),
                "not_stored_examples": dict(list(reasons.items())[:MAX_REPORTED_MISSES]),
            }
            if site not in sitemap_sites and site not in self.listing_sites:
                entry["warning"] = "no sitemap and no listing found: only the prev/next chain was crawled, it may be partial"
            report[site] = entry
        self.crawler.stats.set_value("discovery/report", report)
        return report

    def _article_request(self, url, via=None, rel=None, headers=None, found_by=None):
        meta = {"via": via, "rel": rel, "found_by": found_by or ("chain" if rel else None), "dont_redirect": True,
                "handle_httpstatus_list": [*REDIRECT_STATUSES, 304]}
        return scrapy.Request(url, callback=self.parse_page, errback=self.on_error, headers=headers, meta=meta)

    def _follow_redirect(self, response):
        """Redirects are followed here, not by Scrapy's middleware, so that the URL that
        redirected is kept as an alias even when its target was fetched before. Loops,
        chains longer than ``REDIRECT_MAX_TIMES`` and redirects off the site are counted."""
        stats = self.crawler.stats
        location = response.headers.get("Location")
        source = clean_url(response.url)
        if not location:
            stats.inc_value("portal/failed/redirect_without_location")
            self.logger.warning("Redirect from %s names no Location", source)
            return
        target = absolute_url(location.decode("latin-1"), response.url)
        hops = [*response.meta.get("redirect_hops", ()), source]
        if target is None or origin(target) not in self.origins:
            stats.inc_value("portal/skipped/offsite_redirect")
            self.logger.warning("Not following redirect of %s to %s: not on the crawled sites", source, location.decode("latin-1"))
            return
        target = clean_url(target)
        if target in hops:
            stats.inc_value("portal/failed/redirect_loop")
            self.logger.warning("Redirect loop at %s: %s", source, " -> ".join([*hops, target]))
            return
        if len(hops) > self.max_redirects:
            stats.inc_value("portal/failed/too_many_redirects")
            self.logger.warning("Gave up on %s after %d redirects", hops[0], len(hops))
            return
        stats.inc_value("portal/redirects")
        article = self.canonical_of.get(target) or (self.state.article(target).url if self.state.is_known(target) else None)
        if article:
            yield PageAlias(alias_url=source, article_url=article)
            return
        self.redirected_from.setdefault(target, set()).add(source)
        request = self._article_request(target, via=response.meta.get("via"), rel=response.meta.get("rel"),
                                        found_by=response.meta.get("found_by"))
        request.meta["redirect_hops"] = hops
        yield request

    def _recheck(self, url, conditional=True):
        """A request for an archived article; with ``conditional``, one the server can answer
        with 304 Not Modified."""
        self.crawler.stats.inc_value("portal/rechecked")
        known = self.state.article(url)
        headers = {}
        if conditional and known.etag:
            headers["If-None-Match"] = known.etag
        if conditional and known.last_modified:
            headers["If-Modified-Since"] = known.last_modified
        return self._article_request(known.url, headers=headers or None)

    def on_error(self, failure):
        request = failure.request
        via, rel = request.meta.get("via"), request.meta.get("rel")
        if failure.check(NotFetched):
            return  # left out on purpose, and counted where it was: no gap
        yield from self._read_on_its_own(request.meta)
        linked = f" (linked from {via})" if via else ""
        if failure.check(HttpError):
            status = failure.value.response.status
            reason = f"http_{status}"
            self.logger.warning("%s%s answered HTTP %s", request.url, linked, status)
        elif _too_large(failure):
            # DOWNLOAD_MAXSIZE: a page that large is no article; skipped, not a failure.
            self.crawler.stats.inc_value("portal/skipped/too_large")
            self.logger.warning("Skipped %s%s: larger than DOWNLOAD_MAXSIZE", request.url, linked)
            return
        elif failure.check(ForbiddenByRobots):
            status, reason = None, "robots"
            self.logger.info("robots.txt forbids %s%s", request.url, linked)
        else:
            status, reason = None, failure.type.__name__
            self.logger.warning("Could not fetch %s%s: %s", request.url, linked, failure.getErrorMessage())
        self.crawler.stats.inc_value(f"portal/failed/{reason}")
        target = clean_url(request.url)
        self.failed[target] = (reason, status)
        self.not_stored[target] = reason
        linkers = set(self.linked_from.get(target, ()))
        if via and rel:
            linkers.add((via, rel))
        for from_url, link_rel in sorted(linkers):
            yield ChainGap(from_url=from_url, rel=link_rel, to_url=target, reason=reason, status=status)

    # --- discovery: robots.txt, sitemaps, home page, category listings ------------

    def _discovery(self, url, callback, **meta):
        return scrapy.Request(url, callback=callback, errback=self.on_discovery_error, meta=meta, priority=-1)

    def parse_robots(self, response):
        """robots.txt: requests for the sitemaps it names, else for the usual sitemap paths.

        @url /robots.txt
        @returns requests 1
        """
        sitemaps = sitemaps_in_robots(response.body, response.url)
        for url in sitemaps or [origin(response.url) + path for path in SITEMAP_PATHS]:
            yield self._discovery(url, self.parse_sitemap)

    def parse_sitemap(self, response):
        """A sitemap: its entries, and requests for the articles and child sitemaps it lists.

        @url /sitemap.xml
        @returns items 1
        @returns requests 1
        @scrapes url lastmod
        """
        entries, children = read_sitemap(response.body)
        self.crawler.stats.inc_value("discovery/sitemap_entries", len(entries))
        if entries:
            self.sitemap_sites.add(origin(response.url))
        for url in children:
            if origin(url) in self.origins:
                yield self._discovery(url, self.parse_sitemap)
        for entry in entries:
            url = clean_url(entry.url)
            if origin(url) not in self.origins or not looks_like_article_url(url):
                continue
            yield SitemapSeen(url=url, lastmod=entry.lastmod)
            self._note_listed([url])
            if not self.state.is_settled(url):
                yield self._article_request(url, found_by="sitemap")
            elif self.state.is_known(url) and entry.lastmod and entry.lastmod != self.state.sitemap.get(url):
                self.crawler.stats.inc_value("discovery/sitemap_changed")
                yield self._article_request(url, found_by="sitemap")

    def parse_home(self, response):
        """The home page: requests for the sections its menus and blocks lead to and the articles it links.

        @url /
        @returns items 0 0
        @returns requests 1
        """
        for found in self._read_listing(response, home=True):
            yield found

    def parse_listing(self, response):
        """A listing, section or home page: requests for its articles, its other pages and the
        sections it leads to. Articles are its links shaped like the site's articles and its
        blocks of headline links; a headline link that proves no article is read as a listing.

        @url /sc/zhiliao/
        @returns items 0 0
        @returns requests 1
        """
        for found in self._read_listing(response):
            yield found

    def _read_listing(self, response, home=False):
        """Requests for a listing's articles, its other pages and its sections."""
        response = self._decoded(response)
        if not isinstance(response, TextResponse):
            return
        site = origin(response.url)
        report = self._site_report(site)
        if report["listing_pages"] >= self.max_listing_pages:  # queued before the bound was reached
            self._listings_bounded(site, 1)
            return
        listing = read_listing(response.selector.root, response.url, self.shapes.get(site, ()))
        report["listing_pages"] += 1
        self._note_listed(listing.articles)
        unknown = [url for url in listing.articles if not self.state.is_settled(url)]
        self.crawler.stats.inc_value("discovery/listing_pages")
        for url in unknown:
            yield self._article_request(url, via=response.url, found_by="listing")
        # An incremental run reads a listing only as far as it shows something new, and the
        # sections of the home page's menus and 更多 links (where a new section shows first).
        new = unknown or not self.incremental
        follow = (listing.pages + listing.folders if new else []) + (listing.sections if new or home else [])
        if follow and report["listing_pages"] >= self.max_listing_pages:
            self._listings_bounded(site, len(follow))
            return
        for url in follow:
            yield self._discovery(url, self.parse_listing)

    def _listings_bounded(self, site, count) -> None:
        """``count`` listing pages of ``site`` left unread: ``PORTAL_MAX_LISTING_PAGES`` are read."""
        report = self._site_report(site)
        if not report.get("bounded"):
            self.logger.warning("Reading no more listings of %s: %d read (PORTAL_MAX_LISTING_PAGES)", site, self.max_listing_pages)
        report["bounded"] = report.get("bounded", 0) + count
        self.crawler.stats.inc_value("portal/bounded/listing_pages", count)

    def _sections_of_article(self, response):
        """Requests for the sections an article's menus and breadcrumbs lead to, read once per
        folder of articles (a section's articles share one)."""
        folder = clean_url(response.url).rsplit("/", 1)[0]
        if not self.discover or folder in self.folders_read:
            return
        self.folders_read.add(folder)
        response = self._decoded(response, counted=False)  # as the page step read it
        for url in section_links(response.selector.root, response.url):
            yield self._discovery(url, self.parse_listing)

    def on_discovery_error(self, failure):
        """A missing sitemap or listing is normal; it is counted, not an error of the crawl."""
        if failure.check(NotFetched):
            return
        name = f"http_{failure.value.response.status}" if failure.check(HttpError) else failure.type.__name__
        self.crawler.stats.inc_value(f"discovery/failed/{name}")
        self.logger.info("Discovery page %s unavailable: %s", failure.request.url, name)

    # --- items ------------------------------------------------------------------

    def _aliases(self, page, response) -> list[str]:
        """The URLs that led to ``page`` other than its canonical one (redirects included)."""
        urls = {clean_url(response.url)}
        urls |= self.redirected_from.get(clean_url(response.url), set())
        urls.discard(page.url)
        return sorted(urls)

    def _item(self, page, response) -> ArticleItem:
        """The article the page step read, with what only the crawl knows: the URLs that led to
        it, and the HTTP exchange."""
        return replace(page, aliases=self._aliases(page, response), exchange=http_exchange(response))


@dataclass
class _Assembly:
    """An article split over pages while its pages are read: page 1's item, every page's URL
    by number, the pages read (extracted page, page as fetched) and those that failed. Plain
    data, so that a request carrying it can be queued elsewhere (scrapy-redis)."""

    item: ArticleItem
    urls: dict[int, str]
    unlisted: int | None
    tried: set[int] = field(default_factory=set)  # page numbers requested, the first one's included
    read: list = field(default_factory=list)
    missing: list = field(default_factory=list)


def _too_large(failure) -> bool:
    """A download cut at DOWNLOAD_MAXSIZE (Scrapy cancels a download only for that), or a
    compressed body that grew past it while being decompressed (a gzip bomb)."""
    return bool(failure.check(DownloadCancelledError, TooLarge))


def kept_page(response) -> KeptPage:
    """The response as re-extraction needs it."""
    return KeptPage(fetched_url=response.url, status=response.status, headers=kept_headers(response.headers), body=response.body)
