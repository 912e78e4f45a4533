"""What a crawl starts from: its start URLs and sites as given (``-a start_urls=a,b``) and what
the archive holds of those sites, read before the crawl by whoever starts it (the runner,
``scrapy crawl``) and handed to the spider, which never opens the archive nor imports it.
"""

import sqlite3

from scrapy.settings import Settings

from archive import CrawlState, load_state

from .extraction.urls import clean_url, origin
from .renamed_settings import setting


def as_list(value) -> list[str]:
    """A list of URLs from a list or a comma-separated string (``-a start_urls=a,b``)."""
    if isinstance(value, str):
        value = value.split(",")
    return [url.strip() for url in value or () if url and url.strip()]


def nothing_known() -> CrawlState:
    """The state of a crawl that knows nothing of the archive: a full crawl, or the spider run
    by Scrapy's own tools (``scrapy check``, ``scrapy parse``), which hand it no state."""
    return CrawlState()


def crawl_state(settings: Settings, start_urls=(), origins=()) -> CrawlState:
    """What the archive holds that an incremental crawl from ``start_urls`` (and within
    ``origins``) needs, read before the crawl starts: only what lies on its sites; nothing
    for a full crawl. The spider is handed it and never opens the archive itself."""
    if setting(settings, "PORTAL_MODE") != "incremental":
        return nothing_known()
    start_urls = [clean_url(url) for url in as_list(start_urls)]
    sites = {origin(url) for url in [*start_urls, *as_list(origins)]}
    try:
        return load_state(settings.get("ARCHIVE_DB_PATH"), setting(settings, "PORTAL_RECHECK_NEWEST", "getint"),
                          start_urls, sites)
    except sqlite3.DatabaseError:
        # Not an archive at all: the archive pipeline refuses it, in one line, before any page is fetched.
        return nothing_known()
