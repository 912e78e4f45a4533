"""Item pipelines, one job each; all of them pass anything but an article through."""

from ..items import ArticleItem


class ArticlePipeline:
    """Base of the per-field pipelines: ``process_article`` sees articles only and may
    count what it did in ``self.stats``."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item):
        if isinstance(item, ArticleItem):
            self.process_article(item)
        return item

    def process_article(self, item: ArticleItem) -> None:
        raise NotImplementedError
