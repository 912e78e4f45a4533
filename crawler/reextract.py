"""Rebuild every article's fields from the raw pages kept in the archive, without crawling.

After a fix to extraction, ``medarchive reextract`` runs the same extraction and
pipelines over the stored pages; the writer then updates what changed (keeping
the previous version in ``article_versions``) and leaves the rest untouched.
"""

import json
import logging
import zlib
from collections import Counter
from dataclasses import asdict
from types import SimpleNamespace

from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse

from archive import writer

from .extraction.article import extract_article
from .extraction.site_rules import SiteRules
from .pipelines.dates import DatesPipeline
from .pipelines.disclaimer import DisclaimerPipeline
from .pipelines.references import ReferencesPipeline
from .pipelines.validate import RequireFieldsPipeline
from .spiders.portal import article_item

logger = logging.getLogger(__name__)

#: The pipelines a crawled article goes through before the archive, in the crawl's order.
PIPELINES = (RequireFieldsPipeline, DatesPipeline, ReferencesPipeline, DisclaimerPipeline)


class Stats(Counter):
    """The part of Scrapy's stats collector the pipelines use."""

    def inc_value(self, key, count=1, start=0):
        self[key] += count

    def get_value(self, key, default=None):
        return self.get(key, default)


def reextract(db, batch_size: int = 50, site_rules: SiteRules | None = None) -> Stats:
    """Re-extract every stored page into the archive, and try again the pages whose extraction
    failed; returns what happened, counted."""
    stats = Stats()
    site_rules = site_rules or SiteRules()
    pipelines = [pipeline(SimpleNamespace(stats=stats)) for pipeline in PIPELINES]
    batch = []
    rows = db.execute(
        "select url, fetched_url, status, headers, body, fetched_at, 1 from pages"
        " union all select url, fetched_url, status, headers, body, fetched_at, 0 from unextracted_pages"
        " where url not in (select url from articles) order by 1"
    ).fetchall()
    for url, fetched_url, status, headers, body, fetched_at, archived in rows:
        item = _item(url if archived else None, fetched_url, status, headers, body, fetched_at, pipelines, stats, site_rules)
        if item is not None:
            batch.append(asdict(item))
        if len(batch) >= batch_size:
            _write(db, batch, stats)
            batch = []
    _write(db, batch, stats)
    return stats


def _item(url, fetched_url, status, headers, body, fetched_at, pipelines, stats, site_rules):
    """The article item for one kept page; ``url`` is its archived identity (None for a page
    never archived, which takes the identity its extraction gives)."""
    response = HtmlResponse(fetched_url, status=status or 200, headers=json.loads(headers or "{}"), body=zlib.decompress(body))
    try:
        page = extract_article(response.selector, fetched_url, site_rules.for_url(fetched_url))
    except Exception as error:  # the next page must still be tried
        stats.inc_value("reextract/extraction_error")
        logger.error("Could not extract %s (%s: %s); kept as it was", url or fetched_url, type(error).__name__, error)
        return None
    if page is None:
        stats.inc_value("reextract/not_article")
        logger.warning("%s no longer reads as an article; its row is kept as it was", url or fetched_url)
        return None
    # The article keeps its identity even if the new extraction reads its canonical URL differently.
    item = article_item(page, response, fetched_at=fetched_at)
    item.url = url or item.url
    try:
        for pipeline in pipelines:
            pipeline.process_item(item)
    except DropItem as error:
        stats.inc_value("reextract/dropped")
        logger.warning("%s: %s; its row is kept as it was", url, error)
        return None
    return item


def _write(db, batch, stats) -> None:
    if not batch:
        return
    counts = writer.write_batch(db, batch)
    for name in ("new", "updated", "unchanged"):
        stats.inc_value(f"reextract/{name}", getattr(counts, name))
