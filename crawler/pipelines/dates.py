"""Normalise the article's own date and the dates shown beside its neighbour links."""

import logging
from datetime import datetime

from . import ArticlePipeline
from ..extraction.dates import normalize_date

logger = logging.getLogger(__name__)


class DatesPipeline(ArticlePipeline):
    """Fills ``published`` (ISO 8601, Asia/Shanghai) from ``published_raw``, and each
    neighbour link's ``date`` from its ``date_raw``. A date that cannot be read is kept
    raw, left NULL and counted as ``dates/unparsed``."""

    def process_article(self, item):
        now = datetime.fromisoformat(item.fetched_at) if item.fetched_at else None
        if item.published_raw:
            item.published = self._normalize(item.published_raw, now, item.url)
        for link in item.neighbours:
            if link.date_raw:
                link.date = self._normalize(link.date_raw, now, item.url)

    def _normalize(self, raw, now, url):
        result = normalize_date(raw, now=now)
        if result is None:
            self.stats.inc_value("dates/unparsed")
            logger.warning("Could not read the date %r on %s; kept raw", raw, url)
            return None
        self.stats.inc_value(f"dates/parsed/{result.method}")
        return result.iso
