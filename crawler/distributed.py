"""Many crawl workers over one shared frontier in Redis (scrapy-redis), one archive writer.

Workers on any machine share scrapy-redis' request queue and duplicate filter, so
no URL is fetched twice however many there are. They do not write SQLite (a file
on one machine): their items go, as JSON messages, to a Redis list that
``medarchive ingest`` drains into the archive. The ingester moves each message to
a processing list before writing and drops it only after its transaction
commits, so a killed ingester loses nothing and the next one re-writes the
unacknowledged messages (writes are idempotent).
"""

import base64
import dataclasses
import json
import logging
import time
import warnings

from scrapy.exceptions import ScrapyDeprecationWarning

from .items import write_kind

# scrapy-redis 0.9 still passes ``spider=`` to the stats collector; the warning is its own.
warnings.filterwarnings("ignore", category=ScrapyDeprecationWarning, module="scrapy_redis")

logger = logging.getLogger(__name__)

#: Redis keys of one distributed crawl; ``prefix`` separates crawls sharing a server.
KEYS = {
    "requests": "{prefix}:requests",
    "dupefilter": "{prefix}:dupefilter",
    "items": "{prefix}:items",
    "processing": "{prefix}:items:processing",
    "origins": "{prefix}:origins",
}


def key(name: str, prefix: str) -> str:
    return KEYS[name].format(prefix=prefix)


def redis_settings(redis_url: str, prefix: str = "medarchive") -> dict:
    """Scrapy settings that make a crawl process one worker of the shared crawl."""
    return {
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_QUEUE_KEY": key("requests", prefix),
        "SCHEDULER_DUPEFILTER_KEY": key("dupefilter", prefix),
        # The frontier outlives each worker: the crawl is done when the last one stops.
        "SCHEDULER_PERSIST": True,
        "REDIS_URL": redis_url,
        "REDIS_ITEMS_KEY": key("items", prefix),
        # Workers have no archive to compare with: they fetch what they find.
        "CRAWL_MODE": "full",
        "ITEM_PIPELINES": {
            "crawler.pipelines.validate.RequireFieldsPipeline": 100,
            "crawler.pipelines.dates.DatesPipeline": 200,
            "crawler.pipelines.references.ReferencesPipeline": 300,
            "crawler.pipelines.disclaimer.DisclaimerPipeline": 400,
            "crawler.distributed.QueuePipeline": 900,
        },
        "EXTENSIONS": {"crawler.extensions.Progress": 500, "crawler.distributed.WaitForPeers": 600},
    }


def connect(redis_url: str):
    import redis

    return redis.Redis.from_url(redis_url)


def start_crawl(redis_url: str, prefix: str, origins: list[str]) -> None:
    """Begin a new distributed crawl: forget the previous one's frontier and name the sites."""
    server = connect(redis_url)
    server.delete(key("requests", prefix), key("dupefilter", prefix), key("origins", prefix))
    server.sadd(key("origins", prefix), *origins)


def crawl_origins(redis_url: str, prefix: str) -> list[str]:
    """The sites of the distributed crawl a worker joins."""
    return sorted(value.decode() for value in connect(redis_url).smembers(key("origins", prefix)))


# --- items as messages ------------------------------------------------------------


def to_message(item) -> bytes | None:
    """``item`` as a JSON message for the ingester, or None if the archive does not store it."""
    kind = write_kind(item)
    if kind is None:
        return None
    data = dataclasses.asdict(item)
    for holder, key in _byte_fields(data):
        holder[key] = base64.b64encode(holder[key]).decode("ascii")
    return json.dumps({"kind": kind, "data": data}, ensure_ascii=False).encode("utf-8")


def from_message(message: bytes) -> tuple[str, dict]:
    """The (kind, data) of a message made by :func:`to_message`."""
    payload = json.loads(message)
    data = payload["data"]
    for holder, key in _byte_fields(data):
        holder[key] = base64.b64decode(holder[key])
    return payload["kind"], data


def _byte_fields(data: dict):
    """Where a message holds page bytes: an article's ``raw_body``, a kept page's ``body``."""
    if data.get("raw_body") is not None:
        yield data, "raw_body"
    if isinstance(data.get("page"), dict) and data["page"].get("body") is not None:
        yield data["page"], "body"


class QueuePipeline:
    """Pushes each item, as a message, to the crawl's Redis list for ``medarchive ingest``."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.server = connect(crawler.settings["REDIS_URL"])
        self.key = crawler.settings["REDIS_ITEMS_KEY"]

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item):
        message = to_message(item)
        if message is not None:
            self.server.lpush(self.key, message)
            self.crawler.stats.inc_value("queue/pushed")
        return item


class WaitForPeers:
    """Keeps an idle worker alive while the shared queue may still fill: another worker
    can be parsing a page whose links are about to be queued. The worker stops once the
    queue has stayed empty for ``WORKER_IDLE_SECONDS``."""

    def __init__(self, crawler):
        from scrapy import signals

        self.crawler = crawler
        self.server = connect(crawler.settings["REDIS_URL"])
        self.key = crawler.settings["SCHEDULER_QUEUE_KEY"]
        self.grace = crawler.settings.getfloat("WORKER_IDLE_SECONDS", 10)
        self.empty_since = None
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def spider_idle(self, spider):
        from scrapy.exceptions import DontCloseSpider

        if self.server.zcard(self.key):  # scrapy-redis' priority queue is a sorted set
            self.empty_since = None
            raise DontCloseSpider
        now = time.monotonic()
        self.empty_since = self.empty_since or now
        if now - self.empty_since < self.grace:
            raise DontCloseSpider


# --- the single writer ----------------------------------------------------------------


def ingest(redis_url: str, prefix: str, db, *, batch_size: int = 50, follow: bool = False, idle_seconds: float = 5.0) -> dict:
    """Drain the crawl's item messages into the archive ``db``; returns counts.

    With ``follow`` it keeps waiting for messages until ``idle_seconds`` pass without one.
    Messages left in the processing list by a killed ingester are written first.
    """
    from archive import writer

    server = connect(redis_url)
    items, processing = key("items", prefix), key("processing", prefix)
    totals = writer.WriteCounts()
    messages = 0
    while True:
        taken = server.lrange(processing, 0, -1)
        while len(taken) < batch_size:
            message = server.lmove(items, processing, "RIGHT", "LEFT")
            if message is None:
                break
            taken.append(message)
        if taken:
            batch = writer.Batch()
            for message in taken:
                batch.add(*from_message(message))
            totals.add(batch.write(db))
            # Acknowledge only now that the transaction has committed.
            server.delete(processing)
            messages += len(taken)
            continue
        if not follow:
            break
        message = server.blmove(items, processing, idle_seconds, "RIGHT", "LEFT")
        if message is None:
            break
    return {"messages": messages, "new": totals.new, "updated": totals.updated, "unchanged": totals.unchanged}
