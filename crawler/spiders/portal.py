"""The ``portal`` spider: walks the prev/next chain of a news portal in both directions.

It only decides what to fetch next. What a page says comes from
``crawler.extraction``; what happens to it comes from the item pipelines.
"""

from dataclasses import replace
from datetime import datetime, timezone

import scrapy
from scrapy.http import TextResponse
from scrapy.spidermiddlewares.httperror import HttpError

from ..extraction.article import extract_article
from ..extraction.urls import clean_url, origin
from ..items import ArticleItem, PageAlias


class PortalSpider(scrapy.Spider):
    """Follow ``上一篇``/``下一篇`` from each start article to both ends of the chain.

    Usage: ``scrapy crawl portal -a start_urls=URL[,URL...]``. The crawl stays on
    the start URLs' origins (scheme, host and port).
    """

    name = "portal"

    def __init__(self, start_urls=None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if isinstance(start_urls, str):
            start_urls = [url.strip() for url in start_urls.split(",")]
        self.start_urls = [clean_url(url) for url in (start_urls or []) if url]
        if not self.start_urls:
            raise ValueError("the portal spider needs start_urls: -a start_urls=https://www.example.com/a/1.html")
        self.origins = {origin(url) for url in self.start_urls}
        self.allowed_domains = sorted({origin(url).split("://", 1)[1].split(":")[0] for url in self.start_urls})
        self.seen_articles: set[str] = set()

    async def start(self):
        for url in self.start_urls:
            yield self._request(url, via=None)

    def parse_page(self, response):
        stats = self.crawler.stats
        if not isinstance(response, TextResponse):
            stats.inc_value("portal/skipped/not_text")
            self.logger.warning("Skipped %s: not a text page (%s)", response.url, response.headers.get("Content-Type"))
            return
        page = extract_article(response.selector, response.url)
        if page is None:
            stats.inc_value("portal/skipped/not_article")
            self.logger.info("Skipped %s: not an article page", response.url)
            return
        if page.url in self.seen_articles:
            # Another URL for an article already scraped: remember it, fetch nothing more.
            stats.inc_value("portal/duplicate_article")
            for alias in self._aliases(page, response):
                yield PageAlias(alias_url=alias, article_url=page.url)
            return
        self.seen_articles.add(page.url)
        stats.inc_value("portal/articles")
        yield self._item(page, response)
        for link in page.neighbours:
            if not link.url:
                stats.inc_value(f"portal/chain_end/{link.rel}")
                continue
            target = clean_url(link.url)
            if origin(target) not in self.origins:
                stats.inc_value("portal/offsite_neighbour")
                self.logger.info("Not following %s link of %s to another site: %s", link.rel, page.url, target)
                continue
            yield self._request(target, via=page.url)

    def _request(self, url, via):
        return scrapy.Request(url, callback=self.parse_page, errback=self.on_error, meta={"via": via})

    def on_error(self, failure):
        request = failure.request
        if failure.check(HttpError):
            status = failure.value.response.status
            self.crawler.stats.inc_value(f"portal/failed/http_{status}")
            self.logger.warning("Neighbour %s (linked from %s) answered HTTP %s", request.url, request.meta.get("via"), status)
        else:
            self.crawler.stats.inc_value(f"portal/failed/{failure.type.__name__}")
            self.logger.warning("Could not fetch %s (linked from %s): %s", request.url, request.meta.get("via"), failure.getErrorMessage())

    @staticmethod
    def _aliases(page, response) -> list[str]:
        """The URLs that led to ``page`` other than its canonical one (redirects included)."""
        urls = {clean_url(url) for url in (*response.request.meta.get("redirect_urls", ()), response.url)}
        urls.discard(page.url)
        return sorted(urls)

    def _item(self, page, response) -> ArticleItem:
        return ArticleItem(
            url=page.url,
            fetched_url=response.url,
            site=origin(response.url),
            title=page.title,
            body=page.body,
            body_html=page.body_html,
            category=page.category,
            breadcrumb=page.breadcrumb,
            published_raw=page.published_raw,
            published_source=page.published_source,
            disclaimer=page.disclaimer,
            reference_texts=page.reference_texts,
            reference_hrefs=page.reference_hrefs,
            body_hrefs=page.body_hrefs,
            neighbours=[replace(link, url=clean_url(link.url)) if link.url else link for link in page.neighbours],
            aliases=self._aliases(page, response),
            fetched_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            http_status=response.status,
            encoding=response.encoding,
        )
