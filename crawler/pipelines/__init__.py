"""Item pipelines: report the dates a crawl could not read, then write or queue each item.

The articles come normalised: the page step (``crawler.page``) normalises each as it reads it.
"""

import warnings

from scrapy.exceptions import ScrapyDeprecationWarning

from ..items import ArticleItem
from ..normalise import UnreadDates


class UnreadDatesPipeline:
    """Notes each article's published date shown but not read, and reports them in one line
    when the crawl closes. Every item passes through."""

    def __init__(self, crawler):
        self.stats = crawler.stats
        self.unread = UnreadDates()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item):
        if isinstance(item, ArticleItem):
            self.unread.note(item.url, item.published_raw, item.published)
        return item

    def close_spider(self):
        self.unread.report(self.stats.get_stats())


class NormalisePipeline:
    """The pipeline that normalised articles before the page step did: a user's
    ``ITEM_PIPELINES`` naming it still loads, with a deprecation warning, and passes every item on."""

    @classmethod
    def from_crawler(cls, crawler):
        warnings.warn("crawler.pipelines.NormalisePipeline is gone: articles are normalised as they are read;"
                      " remove it from ITEM_PIPELINES (it will stop loading in the next release)",
                      ScrapyDeprecationWarning, stacklevel=2)
        return cls()

    def process_item(self, item):
        return item
