"""Item pipelines: normalise each article (``crawler.normalise``), then write or queue it."""

from scrapy.exceptions import DropItem

from ..items import ArticleItem
from ..normalise import InvalidArticle, UnreadDates, normalise


class NormalisePipeline:
    """Runs the normalising steps over each article, counting into the crawl's stats; an
    article that cannot be stored is dropped with the reason; the dates it could not read are
    reported once, when the crawl closes. Anything else passes through."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.unread = UnreadDates()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item):
        if isinstance(item, ArticleItem):
            try:
                normalise(item, self.stats.inc_value)
            except InvalidArticle as error:
                raise DropItem(str(error)) from None
            self.unread.note(item.url, item.published_raw, item.published)
        return item

    def close_spider(self):
        self.unread.report(self.stats.get_stats())
