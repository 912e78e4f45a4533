"""Settings checked before a crawl starts, wherever they were set (``-s``, ``settings.py``, a
spider's ``custom_settings``): a bad value is refused in one line naming it, instead of a
traceback from deep inside Scrapy once the crawl is under way."""

from archive.drift import DriftConfigError, load_config

from .extraction.site_rules import SiteRulesError, load_site_rules
from .renamed_settings import setting

#: Settings read as numbers or flags: how each is read, and the least value it may take
#: (None for a flag).
NUMBERS = {
    "DOWNLOAD_DELAY": ("getfloat", 0),
    "DOWNLOAD_TIMEOUT": ("getfloat", 0),
    "DOWNLOAD_MAXSIZE": ("getint", 0),
    "DOWNLOAD_WARNSIZE": ("getint", 0),
    "CONCURRENT_REQUESTS": ("getint", 1),
    "CONCURRENT_REQUESTS_PER_DOMAIN": ("getint", 1),
    "CONCURRENT_ITEMS": ("getint", 1),
    "RETRY_TIMES": ("getint", 0),
    "RETRY_AFTER_MAX": ("getfloat", 0),
    "REDIRECT_MAX_TIMES": ("getint", 0),
    "AUTOTHROTTLE_ENABLED": ("getbool", None),
    "AUTOTHROTTLE_START_DELAY": ("getfloat", 0),
    "AUTOTHROTTLE_MAX_DELAY": ("getfloat", 0),
    "AUTOTHROTTLE_TARGET_CONCURRENCY": ("getfloat", 0.01),
    "ROBOTSTXT_OBEY": ("getbool", None),
    "PROGRESS_ENABLED": ("getbool", None),
    "ARCHIVE_BATCH_SIZE": ("getint", 1),
    "WORKER_IDLE_SECONDS": ("getfloat", 0),
    "PORTAL_DISCOVER": ("getbool", None),
    "PORTAL_RECHECK_NEWEST": ("getint", 0),
    "PORTAL_MAX_PAGES": ("getint", 1),
    "PORTAL_MAX_UNLISTED_CHAIN": ("getint", 0),
    "PORTAL_MAX_LISTING_PAGES": ("getint", 1),
    "PORTAL_MAX_EXTRACT_SECONDS": ("getfloat", 0.01),
}
#: What each way of reading expects, as the error says it.
EXPECTED = {"getint": "a whole number", "getfloat": "a number", "getbool": "True or False"}
#: Settings that take one of a few words.
CHOICES = {"PORTAL_MODE": ("incremental", "full")}
#: Settings naming a file, and what reads it (raising a one-line ValueError when it cannot).
FILES = {"PORTAL_SITE_RULES": load_site_rules, "DRIFT_CONFIG": load_config}


class BadSetting(ValueError):
    """A setting whose value a crawl cannot use; the text says which and what it takes."""


def check_settings(settings) -> None:
    """Raise :class:`BadSetting` for the first setting in ``settings`` a crawl could not use."""
    for name, (getter, least) in NUMBERS.items():
        try:
            value = setting(settings, name, getter)
        except (TypeError, ValueError):
            raise BadSetting(f"{name} must be {EXPECTED[getter]}, not {settings.get(name)!r}") from None
        if least is not None and value < least:
            raise BadSetting(f"{name} must be at least {least}, not {settings.get(name)!r}")
    for name, words in CHOICES.items():
        if setting(settings, name) not in words:
            raise BadSetting(f"{name} must be {' or '.join(words)}, not {settings.get(name)!r}")
    for name, read in FILES.items():
        try:
            read(settings.get(name) or None)
        except (SiteRulesError, DriftConfigError) as error:
            raise BadSetting(f"{name}: {error}") from None
