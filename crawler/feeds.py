"""Scrapy's feed exports (``scrapy crawl portal -O articles.jsonl``, ``FEEDS``) give the archived
articles, one record each, in the form ``medarchive export`` writes them (``archive.export``).

The crawl's bookkeeping items (sitemap entries, aliases, gaps, pages that are no articles) go
to the archive and stay out of feeds, unless a feed names its own ``item_classes``.
"""

from itemadapter import ItemAdapter
from scrapy.exceptions import NotConfigured
from scrapy.exporters import CsvItemExporter as ScrapyCsvItemExporter
from scrapy.exporters import XmlItemExporter as ScrapyXmlItemExporter

from archive.export import JSON_IN_CSV, article_record, csv_value

from .extraction.text import XML_INCOMPATIBLE
from .items import ArticleItem


class ArticleRecord(dict):
    """An article as ``medarchive export --format jsonl`` writes it: text, ISO dates, identifier lists."""


class ArticleRecordPipeline:
    """Hands on each article as an :class:`ArticleRecord`, for the feeds. It runs after the
    archive's pipeline, which has stored the item itself (raw page included); a crawl without
    feeds goes without it."""

    @classmethod
    def from_crawler(cls, crawler):
        if not (crawler.settings.getdict("FEEDS") or crawler.settings.get("FEED_URI")):
            raise NotConfigured
        return cls()

    def process_item(self, item):
        return ArticleRecord(article_record(vars(item))) if isinstance(item, ArticleItem) else item


class ArticleFeeds:
    """Add-on: every feed that names no ``item_classes`` or ``item_filter`` of its own takes
    the :class:`ArticleRecord` items only."""

    def update_settings(self, settings) -> None:
        feeds = {uri: dict(options) for uri, options in settings.getdict("FEEDS").items()}
        for options in feeds.values():
            if "item_classes" not in options and "item_filter" not in options:
                options["item_classes"] = [ArticleRecord]
        settings.set("FEEDS", feeds, priority=settings.getpriority("FEEDS") or "default")


class CsvItemExporter(ScrapyCsvItemExporter):
    """Scrapy's CSV exporter joining lists with ``;`` as ``medarchive export --format csv`` does
    (no identifier contains one)."""

    def __init__(self, file, join_multivalued=";", **kwargs):
        super().__init__(file, join_multivalued=join_multivalued, **kwargs)

    def serialize_field(self, field, name, value):
        """Lists of free text (authors, keywords, images) as JSON text, as ``medarchive export`` writes them."""
        return super().serialize_field(field, name, csv_value(name, value) if name in JSON_IN_CSV else value)


class XmlItemExporter(ScrapyXmlItemExporter):
    """Scrapy's XML exporter, leaving out the fields that have no value (Scrapy would write the
    text ``None``) and the characters XML 1.0 cannot hold, which no reader would accept."""

    def export_item(self, item) -> None:
        super().export_item({name: _xml_text(value) for name, value in ItemAdapter(item).items() if value is not None})


def _xml_text(value):
    if isinstance(value, str):
        return XML_INCOMPATIBLE.sub("", value)
    if isinstance(value, list):
        return [_xml_text(element) for element in value]
    if isinstance(value, dict):  # an image: its fields without a value left out, as the record's are
        return {name: _xml_text(element) for name, element in value.items() if element is not None}
    return value
