"""``scrapy parse``, showing one page's callback output and writing nothing: the archive's
pipeline runs only with ``--pipelines``, and the raw page an article item carries (kept for
re-extraction) is printed as its size, not as a screenful of bytes."""

import warnings

from itemadapter import ItemAdapter
from scrapy.commands.parse import Command as ScrapyParse
from scrapy.exceptions import ScrapyDeprecationWarning
from scrapy.settings import SETTINGS_PRIORITIES


def shown(item) -> dict:
    """``item`` as printed: bytes as ``<N bytes>``."""
    return {name: f"<{len(value)} bytes>" if isinstance(value, bytes) else value for name, value in ItemAdapter(item).items()}


class Command(ScrapyParse):
    def process_options(self, args, opts):
        super().process_options(args, opts)
        if not opts.pipelines:
            # Above the spider's custom settings, below -s (as `scrapy check` does).
            priority = (SETTINGS_PRIORITIES["spider"] + SETTINGS_PRIORITIES["cmdline"]) // 2
            self.settings.set("ITEM_PIPELINES", {}, priority=priority)

    def run(self, args, opts):
        # Scrapy's parse wraps every callback in one returning a Deferred, then warns about that.
        warnings.filterwarnings("ignore", "(?s).*returned a Deferred", ScrapyDeprecationWarning)
        super().run(args, opts)

    def add_items(self, lvl, new_items):
        super().add_items(lvl, [shown(item) for item in new_items])
