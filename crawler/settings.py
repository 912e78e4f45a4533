"""Scrapy settings for medarchive.

Defaults are polite enough for a real portal: robots.txt obeyed, one project user
agent, two requests at a time per site, AutoThrottle adapting the delay to the
server's latency, bounded retries on 5xx and time-outs. ``medarchive crawl``
and the environment (``MEDARCHIVE_*``) override what a user may want to change.
"""

import os

BOT_NAME = "medarchive"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
COMMANDS_MODULE = "crawler.commands"

USER_AGENT = os.environ.get(
    "MEDARCHIVE_USER_AGENT", "medarchive/0.1 (news archive for research; obeys robots.txt)"
)
ROBOTSTXT_OBEY = True

CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# Scrapy's list without CannotResolveHostError: a host name that does not resolve will not
# resolve a second later, and retrying it only repeats the same message.
RETRY_EXCEPTIONS = [
    "scrapy.exceptions.DownloadConnectionRefusedError",
    "scrapy.exceptions.DownloadFailedError",
    "scrapy.exceptions.DownloadTimeoutError",
    "scrapy.exceptions.ResponseDataLossError",
    "twisted.internet.error.ConnectionDone",
    "twisted.internet.error.ConnectError",
    "twisted.internet.error.ConnectionLost",
    OSError,
    "scrapy.core.downloader.handlers.http11.TunnelError",
]
# The spider logs each page it could not fetch, once, with the page that linked to it.
RETRY_GIVE_UP_LOG_LEVEL = "INFO"
#: A 429 or 503 with Retry-After is retried after the wait it asks for, at most this many seconds.
RETRY_AFTER_MAX = 60
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.RetryAfterMiddleware": 550,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.RobotsTxtMiddleware": 100,
    # After robots.txt: a request that waited for it is dropped if Ctrl-C came meanwhile.
    "crawler.middlewares.InterruptMiddleware": 110,
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.middlewares.HttpCompressionMiddleware": 590,
    "crawler.middlewares.PageBudgetMiddleware": 120,
}
DOWNLOAD_TIMEOUT = 30
# A news article is well under 1 MB; a 10 MB "page" is a mistake or an attack.
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024

COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = os.environ.get("MEDARCHIVE_LOG_LEVEL", "INFO")

# Scrapy starts this many tasks for every page a callback returns from, whatever it yields; a
# page here yields an article and two links, and the pipelines do not wait on anything, so
# Scrapy's 100 cost ~0.7 ms of CPU per page for nothing (bench/RESULTS.md, "Crawl CPU").
CONCURRENT_ITEMS = 4

# The normalising steps run as each page is read (``crawler.page``); the pipelines report and store.
ITEM_PIPELINES = {
    "crawler.pipelines.UnreadDatesPipeline": 100,
    "crawler.pipelines.archive.ArchivePipeline": 900,
    "crawler.feeds.ArticleRecordPipeline": 1000,
}

# ``scrapy check portal``: the callbacks' @url paths are read from PORTAL_CHECK_SITE (crawler/contracts.py).
SPIDER_CONTRACTS = {
    "scrapy.contracts.default.UrlContract": None,
    "scrapy.contracts.default.ScrapesContract": None,
    "crawler.contracts.UrlContract": 1,
    "crawler.contracts.ScrapesContract": 3,
}
#: The site whose pages ``scrapy check portal`` checks the spider's callbacks against: the
#: replica ``medarchive demo`` crawls, served by ``python -m replica.server --articles 40
#: --seed 1 --port 8731``.
PORTAL_CHECK_SITE = "http://127.0.0.1:8731"

# Feeds (``-O articles.jsonl``) get the articles in ``medarchive export``'s form (crawler/feeds.py).
ADDONS = {"crawler.feeds.ArticleFeeds": 0}
FEED_EXPORTERS = {
    "csv": "crawler.feeds.CsvItemExporter",
    "xml": "crawler.feeds.XmlItemExporter",
}

#: The SQLite archive every crawl writes to.
ARCHIVE_DB_PATH = os.environ.get("MEDARCHIVE_DB", "archive.db")
#: Articles written per transaction: larger is faster, smaller loses less on a crash.
ARCHIVE_BATCH_SIZE = 50

EXTENSIONS = {
    "crawler.extensions.Progress": 500,
    "crawler.extensions.Interrupt": 510,
}
#: Print a live progress line to the terminal (``medarchive crawl`` turns it on when
#: stderr is a terminal).
PROGRESS_ENABLED = False

#: "incremental" fetches only what may have changed since the archive's last run;
#: "full" fetches every page it finds (``medarchive crawl --full``). Formerly CRAWL_MODE.
PORTAL_MODE = "incremental"
#: Also find articles through robots.txt sitemaps, /sitemap.xml and the category listings
#: of the site's menu, so a deleted page in the chain does not hide what lies beyond it.
#: Formerly DISCOVER.
PORTAL_DISCOVER = True
#: Archived articles of each site re-checked by every incremental run, newest first.
#: Formerly RECHECK_NEWEST.
PORTAL_RECHECK_NEWEST = 5
#: A TOML file of per-site selectors that override the extraction heuristics for those hosts
#: (``medarchive crawl --site-rules``); see docs/new-portal.md, "Per-site rules".
PORTAL_SITE_RULES = os.environ.get("MEDARCHIVE_SITE_RULES") or None
#: A TOML file of drift thresholds (``archive/drift.py``, docs/operations.md "Noticing a portal's
#: change"); unset: the defaults.
DRIFT_CONFIG = None

#: Pages fetched from one site in one crawl at most (``medarchive crawl --max-pages``); a
#: site that reaches it gets no more requests. Far above any real portal, low enough that a
#: site generating pages without end cannot keep a crawl (and the disk) busy for ever.
PORTAL_MAX_PAGES = 200_000
#: A prev/next chain that has gone this many pages in a row without meeting an article the
#: site's sitemaps or listings name is given up, when the site lists any articles at all
#: (a generated chain ``/a/1.html -> /a/2.html -> ...``); 0 turns the rule off.
PORTAL_MAX_UNLISTED_CHAIN = 1000
#: Listing, section and home pages read from one site in one crawl at most: a calendar or a
#: filter that generates listings without end stops here.
PORTAL_MAX_LISTING_PAGES = 2000

#: A worker of a distributed crawl stops once the shared queue has stayed empty this many
#: seconds (another worker may be about to queue links).
WORKER_IDLE_SECONDS = 10

#: Seconds one page may take to extract before it is skipped (counted
#: ``portal/skipped/slow_extraction``) and kept for ``medarchive reextract``; pages are read
#: by child processes, and the one that overruns is replaced (``crawler/extractor.py``).
PORTAL_MAX_EXTRACT_SECONDS = 10
