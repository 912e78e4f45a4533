"""Rebuild every article's fields from the raw pages kept in the archive, without crawling.

After a fix to extraction, ``medarchive reextract`` runs the same extraction and
normalising steps over the stored pages; the writer then updates what changed (keeping
the previous version in ``article_versions``) and leaves the rest untouched.
"""

import json
import logging
import zlib
from collections import Counter
from dataclasses import asdict

from scrapy.http import HtmlResponse

from archive import writer

from .extraction.article import extract_article
from .extraction.site_rules import SiteRules
from .normalise import InvalidArticle, counter_into, normalise
from .spiders.portal import article_item

logger = logging.getLogger(__name__)


def reextract(db, batch_size: int = 50, site_rules: SiteRules | None = None) -> Counter:
    """Re-extract every stored page into the archive, and try again the pages whose extraction
    failed; returns what happened, counted."""
    stats = Counter()
    site_rules = site_rules or SiteRules()
    batch = []
    rows = db.execute(
        "select url, fetched_url, status, headers, body, fetched_at, 1 from pages"
        " union all select url, fetched_url, status, headers, body, fetched_at, 0 from unextracted_pages"
        " where url not in (select url from articles) order by 1"
    ).fetchall()
    for url, fetched_url, status, headers, body, fetched_at, archived in rows:
        item = _item(url if archived else None, fetched_url, status, headers, body, fetched_at, stats, site_rules)
        if item is not None:
            batch.append(asdict(item))
        if len(batch) >= batch_size:
            _write(db, batch, stats)
            batch = []
    _write(db, batch, stats)
    return stats


def _item(url, fetched_url, status, headers, body, fetched_at, stats, site_rules):
    """The article item for one kept page; ``url`` is its archived identity (None for a page
    never archived, which takes the identity its extraction gives)."""
    response = HtmlResponse(fetched_url, status=status or 200, headers=json.loads(headers or "{}"), body=zlib.decompress(body))
    try:
        page = extract_article(response.selector, fetched_url, site_rules.for_url(fetched_url))
    except Exception as error:  # the next page must still be tried
        stats["reextract/extraction_error"] += 1
        logger.error("Could not extract %s (%s: %s); kept as it was", url or fetched_url, type(error).__name__, error)
        return None
    if page is None:
        stats["reextract/not_article"] += 1
        logger.warning("%s no longer reads as an article; its row is kept as it was", url or fetched_url)
        return None
    # The article keeps its identity even if the new extraction reads its canonical URL differently.
    item = article_item(page, response, fetched_at=fetched_at)
    item.url = url or item.url
    try:
        normalise(item, counter_into(stats))
    except InvalidArticle as error:
        stats["reextract/dropped"] += 1
        logger.warning("%s: %s; its row is kept as it was", url, error)
        return None
    return item


def _write(db, batch, stats) -> None:
    if not batch:
        return
    counts = writer.write_batch(db, batch)
    for name in ("new", "updated", "unchanged"):
        stats[f"reextract/{name}"] += getattr(counts, name)
