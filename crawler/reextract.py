"""Rebuild every article's fields from the raw pages kept in the archive, without crawling.

After a fix to extraction, ``medarchive reextract`` runs the crawl's page step (``crawler.page``)
over the stored pages; the writer then updates what changed (keeping
the previous version in ``article_versions``) and leaves the rest untouched. An article
split over pages is read from all its stored pages and joined again, as the crawl joined it.
"""

import json
import logging
import zlib
from collections import Counter
from contextlib import ExitStack, closing
from dataclasses import asdict
from functools import partial
from typing import NamedTuple

from archive import stories, writer

from .extraction.article import NotAnArticle
from .extraction.listings import is_menu_listing
from .extraction.site_rules import SiteRules
from .jobs import Lost, Workers
from .normalise import UnreadDates
from .page import Fetched, Unstorable, decoded, page_to_article

logger = logging.getLogger(__name__)


#: Pages read from the archive at a time: memory holds a few of these, not every page.
READ_CHUNK = 500


def reextract(db, batch_size: int = 50, site_rules: SiteRules | None = None, *, jobs: int = 1,
              max_seconds: float | None = None) -> Counter:
    """Re-extract every stored page into the archive, and try again the pages whose extraction
    failed; returns what happened, counted.

    With ``jobs`` above 1 the pages are read by that many worker processes
    (:mod:`crawler.jobs`), and one that takes longer than ``max_seconds`` is skipped; this
    process writes, in the pages' order, so the archive ends the same as with one job."""
    stats, unread = Counter(), UnreadDates()
    read = partial(read_page, site_rules=site_rules or SiteRules())
    batch = []
    with ExitStack() as stack:
        if jobs > 1:
            workers = stack.enter_context(Workers(read, jobs, chunk_size=batch_size, max_seconds=max_seconds))
            results = stack.enter_context(closing(workers.map(kept_pages(db))))
        else:
            results = ((page, read(page)) for page in kept_pages(db))
        for page, result in results:
            if isinstance(result, Lost):
                stats["reextract/slow_extraction" if result.timed_out else "reextract/worker_ended"] += 1
                logger.warning("Skipped %s: its extraction %s%s; its row is kept as it was", page.url or page.fetched_url,
                               result.reason, " (PORTAL_MAX_EXTRACT_SECONDS)" if result.timed_out else "")
                continue
            item, counts = result
            stats.update(counts)
            if item is not None:
                unread.note(item["url"], item["published_raw"], item["published"])
                batch.append(item)
            if len(batch) >= batch_size:
                _write(db, batch, stats)
                batch = []
    _write(db, batch, stats)
    with db.atomic():
        # Articles the writer left as they were, on an archive from before stories, get theirs here.
        stats["reextract/stories_assigned"] += stories.assign_missing(db)
    unread.report(stats)
    return stats


class KeptPage(NamedTuple):
    """A page as the archive keeps it; ``url`` is its archived identity (None for a page
    never archived, which takes the identity its extraction gives). ``later``: the pages
    2, 3 ... of an article split over pages, in order."""

    url: str | None
    fetched_url: str
    status: int | None
    headers: str | None
    body: bytes
    fetched_at: str | None
    later: tuple = ()


def kept_pages(db):
    """Every kept page, by URL: the archived articles' and those whose extraction failed.
    Read a chunk at a time, after the URL last read, so that memory holds one chunk."""
    after = ""
    while True:
        rows = db.execute(
            "select url, fetched_url, status, headers, body, fetched_at, 1 from pages where url > :after"
            " union all select url, fetched_url, status, headers, body, fetched_at, 0 from unextracted_pages"
            " where url > :after and url not in (select url from articles) order by 1 limit :limit",
            {"after": after, "limit": READ_CHUNK},
        ).fetchall()
        later = _later_pages(db, [row[0] for row in rows if row[-1]])
        for url, fetched_url, status, headers, body, fetched_at, archived in rows:
            yield KeptPage(url if archived else None, fetched_url, status, headers, body, fetched_at,
                           later.get(url, ()) if archived else ())
        if len(rows) < READ_CHUNK:
            return
        after = rows[-1][0]


def _later_pages(db, urls: list[str]) -> dict[str, tuple]:
    """The kept later pages of the articles ``urls`` (those split over pages), by article."""
    later = {}
    rows = db.execute(
        "select url, fetched_url, status, headers, body, fetched_at from article_pages"
        " where url in (select value from json_each(?)) order by url, number",
        [json.dumps(urls)],
    )
    for url, *kept in rows:
        later[url] = (*later.get(url, ()), KeptPage(url, *kept))
    return later


def read_page(page: KeptPage, site_rules: SiteRules) -> tuple[dict | None, Counter]:
    """The article item (as a dict) of one kept page, or None if it is kept as it was; and
    what happened, counted. Runs in a worker process with ``--jobs``."""
    stats = Counter()
    item = _item(page, stats, site_rules)
    if item is None:
        return None, stats
    article = asdict(item)
    if page.url is not None:
        # The archive holds this very page already: not compressed and written again.
        article["raw_body"] = None
    return article, stats


def _item(page: KeptPage, stats, site_rules):
    url, fetched_url = page.url, page.fetched_url
    fetched = _fetched(page)
    if url is None and is_menu_listing(decoded(fetched).selector.root, fetched_url):
        # Never archived as an article (a crawl would have read it as a listing): one now.
        stats["reextract/not_article"] += 1
        logger.info("%s is a listing its site's menu names, not an article", fetched_url)
        return None
    try:
        # The article keeps its identity even if the new extraction reads its canonical URL differently.
        found = page_to_article(fetched, site_rules.for_url(fetched_url), later=[_fetched(later) for later in page.later],
                                identity=url, count=_count_into(stats))
    except Exception as error:  # the next page must still be tried
        stats["reextract/extraction_error"] += 1
        logger.error("Could not extract %s (%s: %s); kept as it was", url or fetched_url, type(error).__name__, error)
        return None
    if isinstance(found, Unstorable):
        stats["reextract/dropped"] += 1
        logger.warning("%s: %s; its row is kept as it was", url, found)
        return None
    if isinstance(found, NotAnArticle):
        stats["reextract/not_article"] += 1
        if url is None:  # a page never archived: one more listing or home page, not news
            logger.info("%s does not read as an article", fetched_url)
        else:
            logger.warning("%s no longer reads as an article; its row is kept as it was", url)
        return None
    return found


def _fetched(page: KeptPage) -> Fetched:
    return Fetched(page.fetched_url, zlib.decompress(page.body), json.loads(page.headers or "{}"), page.status, page.fetched_at)


def _count_into(stats: Counter):
    """A ``count`` adding into ``stats``, the page step's own keys as ``reextract/...``."""

    def count(key: str, n: int = 1) -> None:
        stats[key if "/" in key else f"reextract/{key}"] += n

    return count


def _write(db, batch, stats) -> None:
    if not batch:
        return
    counts = writer.write_batch(db, batch)
    for name in ("new", "updated", "unchanged"):
        stats[f"reextract/{name}"] += getattr(counts, name)
