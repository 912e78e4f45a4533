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
#: A 429 or 503 with Retry-After is retried after the wait it asks for, at most this many seconds.
RETRY_AFTER_MAX = 60
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.RetryAfterMiddleware": 550,
}
DOWNLOAD_TIMEOUT = 30
# A news article is well under 1 MB; a 10 MB "page" is a mistake or an attack.
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024

COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = os.environ.get("MEDARCHIVE_LOG_LEVEL", "INFO")

ITEM_PIPELINES = {
    "crawler.pipelines.validate.RequireFieldsPipeline": 100,
    "crawler.pipelines.dates.DatesPipeline": 200,
    "crawler.pipelines.references.ReferencesPipeline": 300,
    "crawler.pipelines.disclaimer.DisclaimerPipeline": 400,
    "crawler.pipelines.archive.ArchivePipeline": 900,
}

#: The SQLite archive every crawl writes to.
ARCHIVE_DB_PATH = os.environ.get("MEDARCHIVE_DB", "archive.db")
#: Articles written per transaction: larger is faster, smaller loses less on a crash.
ARCHIVE_BATCH_SIZE = 50

EXTENSIONS = {
    "crawler.extensions.Progress": 500,
}
#: Print a live progress line to the terminal (``medarchive crawl`` turns it on when
#: stderr is a terminal).
PROGRESS_ENABLED = False

#: "incremental" fetches only what may have changed since the archive's last run;
#: "full" fetches every page it finds (``medarchive crawl --full``).
CRAWL_MODE = "incremental"
#: Also find articles through robots.txt sitemaps, /sitemap.xml and the category listings
#: of the site's menu, so a deleted page in the chain does not hide what lies beyond it.
DISCOVER = True
#: Archived articles of each site re-checked by every incremental run, newest first.
RECHECK_NEWEST = 5
#: A TOML file of per-site selectors that override the extraction heuristics for those hosts
#: (``medarchive crawl --site-rules``); see README, "Pointing it at another portal".
PORTAL_SITE_RULES = os.environ.get("MEDARCHIVE_SITE_RULES") or None
#: A TOML file of drift thresholds (``archive/drift.py``, README "Noticing a portal's
#: change"); unset: the defaults.
DRIFT_CONFIG = None
