"""Settings that took their component's prefix. The old names still work for one release,
with a deprecation warning, so a cron line with ``-s CRAWL_MODE=full`` keeps working."""

import warnings

from scrapy.exceptions import ScrapyDeprecationWarning

#: New name -> the name it replaces.
RENAMED = {
    "PORTAL_MODE": "CRAWL_MODE",
    "PORTAL_DISCOVER": "DISCOVER",
    "PORTAL_RECHECK_NEWEST": "RECHECK_NEWEST",
}


def setting(settings, name: str, getter: str = "get"):
    """The value of ``name`` in ``settings`` (read with ``settings.<getter>``), or of the name
    it replaces when only that one was set by the user."""
    old = RENAMED.get(name)
    old_priority = settings.getpriority(old) if old else None
    if old_priority is not None and old_priority > (settings.getpriority(name) or 0):
        warnings.warn(f"the setting {old} is now called {name}; {old} will stop working in the next release",
                      ScrapyDeprecationWarning, stacklevel=2)
        name = old
    return getattr(settings, getter)(name)
