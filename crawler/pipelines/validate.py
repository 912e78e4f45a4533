"""Drop items that cannot be stored: an article needs a URL, a title and a body."""

from scrapy.exceptions import DropItem

from . import ArticlePipeline

REQUIRED_FIELDS = ("url", "title", "body")


class RequireFieldsPipeline(ArticlePipeline):
    """Refuses articles missing a required field, counting each refusal by field."""

    def process_article(self, item):
        for name in REQUIRED_FIELDS:
            if not (getattr(item, name) or "").strip():
                self.stats.inc_value(f"validate/dropped/missing_{name}")
                raise DropItem(f"Article {item.fetched_url} has no {name}")
