"""Many crawl workers over one shared frontier in Redis (scrapy-redis), one archive writer.

Workers on any machine share scrapy-redis' request queue and duplicate filter, so
no URL is fetched twice however many there are. They do not write SQLite (a file
on one machine): their items go, as JSON messages, to a Redis list that
``medarchive ingest`` drains into the archive. The ingester moves each message to
a processing list before writing and drops it only after its transaction
commits, so a killed ingester loses nothing and the next one re-writes the
unacknowledged messages (writes are idempotent). A message that cannot be written
(not JSON, an article without a title ...) is set aside in a dead-letter list with
the reason, so it never holds back the messages behind it.
"""

import base64
import binascii
import dataclasses
import json
import logging
import sqlite3
import time
import warnings

from contextlib import closing

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured, ScrapyDeprecationWarning

from archive import Batch, WriteCounts, finish_run, start_run, utc_now

from .items import ArticleItem, ChainGap, NotArticle, NotModified, PageAlias, SitemapSeen
from .pipelines.archive import WRITES

# scrapy-redis 0.9 still passes ``spider=`` to the stats collector; the warning is its own.
warnings.filterwarnings("ignore", category=ScrapyDeprecationWarning, module="scrapy_redis")

logger = logging.getLogger(__name__)

#: Redis keys of one distributed crawl; ``prefix`` separates crawls sharing a server.
KEYS = {
    "requests": "{prefix}:requests",
    "dupefilter": "{prefix}:dupefilter",
    "items": "{prefix}:items",
    "processing": "{prefix}:items:processing",
    "dead": "{prefix}:items:dead",
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
        "PORTAL_MODE": "full",
        "ITEM_PIPELINES": {"crawler.pipelines.UnreadDatesPipeline": 100, "crawler.distributed.QueuePipeline": 900},
        "EXTENSIONS": {"crawler.extensions.Progress": 500, "crawler.distributed.WaitForPeers": 600},
    }


#: Seconds a Redis command may take, set here rather than left to redis-py, whose default
#: (5 s in redis-py 8) once cut every blocking wait of ``ingest --follow`` short.
SOCKET_TIMEOUT = 30


def connect(redis_url: str, socket_timeout: float = SOCKET_TIMEOUT):
    import redis

    return redis.Redis.from_url(redis_url, socket_timeout=socket_timeout, socket_connect_timeout=SOCKET_TIMEOUT)


def reachable(redis_url: str) -> None:
    """Raise redis-py's error when the Redis at ``redis_url`` does not answer."""
    with closing(connect(redis_url)) as server:
        server.ping()


def configured(crawler, *names: str) -> tuple:
    """The values of the settings ``names``; :class:`NotConfigured` naming those unset, so a
    component of the distributed crawl is left out of a crawl that is not one."""
    missing = [name for name in names if not crawler.settings.get(name)]
    if missing:
        raise NotConfigured(f"{', '.join(missing)} not set: not a distributed crawl")
    return tuple(crawler.settings.get(name) for name in names)


def start_crawl(redis_url: str, prefix: str, origins: list[str]) -> None:
    """Begin a new distributed crawl: forget the previous one's frontier and name the sites."""
    with closing(connect(redis_url)) as server:
        server.delete(key("requests", prefix), key("dupefilter", prefix), key("origins", prefix))
        server.sadd(key("origins", prefix), *origins)


def crawl_origins(redis_url: str, prefix: str) -> list[str]:
    """The sites of the distributed crawl a worker joins."""
    with closing(connect(redis_url)) as server:
        return sorted(value.decode() for value in server.smembers(key("origins", prefix)))


# --- items as messages ------------------------------------------------------------


#: The name each type of item has in a message (JSON carries no type), and how the ingester
#: writes a message of that name: as the crawl's archive pipeline writes the item.
MESSAGE_KINDS = {ArticleItem: "article", PageAlias: "alias", ChainGap: "gap", SitemapSeen: "sitemap", NotArticle: "not_article",
                 NotModified: "revisit"}
WRITE_MESSAGE = {kind: WRITES[item_type] for item_type, kind in MESSAGE_KINDS.items()}


def to_message(item) -> bytes | None:
    """``item`` as a JSON message for the ingester, or None if the archive does not store it."""
    kind = MESSAGE_KINDS.get(type(item))
    if kind is None:
        return None
    data = dataclasses.asdict(item)
    for holder, key in _byte_fields(data):
        holder[key] = base64.b64encode(holder[key]).decode("ascii")
    return json.dumps({"kind": kind, "data": data}, ensure_ascii=False).encode("utf-8")


#: Fields each kind of message must carry, as non-empty text, to be written.
REQUIRED_FIELDS = {
    "article": ("url", "site", "title", "body"),
    "alias": ("alias_url", "article_url"),
    "gap": ("from_url", "rel"),
    "sitemap": ("url",),
    "not_article": ("url", "reason"),
}


class BadMessage(ValueError):
    """A message the archive cannot take; its text is the reason."""


def from_message(message: bytes) -> tuple[str, dict]:
    """The (kind, data) of a message made by :func:`to_message`; :class:`BadMessage` if it is not one."""
    try:
        payload = json.loads(message)
        kind, data = payload["kind"], payload["data"]
    except Exception as error:  # whatever a message makes the decoder raise (RecursionError too) is the message's fault
        raise BadMessage(f"not a medarchive message ({type(error).__name__}: {error})") from None
    if kind not in REQUIRED_FIELDS or not isinstance(data, dict):
        raise BadMessage(f"unknown kind of message {kind!r}")
    for name in REQUIRED_FIELDS[kind]:
        if not isinstance(data.get(name), str) or not data[name].strip():
            raise BadMessage(f"{kind} without {name}")
    for holder, field in _byte_fields(data):
        try:
            holder[field] = base64.b64decode(holder[field], validate=True)
        except (binascii.Error, TypeError, ValueError):
            raise BadMessage(f"{kind} {data[REQUIRED_FIELDS[kind][0]]}: {field} is not base64") from None
    return kind, data


def _byte_fields(data: dict):
    """Where a message holds page bytes: an article's ``raw_body`` and its later pages' ``body``,
    a kept page's ``body``."""
    if data.get("raw_body") is not None:
        yield data, "raw_body"
    for page in data.get("continued_pages") or ():
        if isinstance(page, dict) and page.get("body") is not None:
            yield page, "body"
    if isinstance(data.get("page"), dict) and data["page"].get("body") is not None:
        yield data["page"], "body"


class QueuePipeline:
    """Pushes each item, as a message, to the crawl's Redis list for ``medarchive ingest``."""

    def __init__(self, crawler, redis_url: str, items_key: str):
        self.crawler = crawler
        self.server = connect(redis_url)
        self.key = items_key

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, *configured(crawler, "REDIS_URL", "REDIS_ITEMS_KEY"))

    def close_spider(self):
        self.server.close()

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

    def __init__(self, crawler, redis_url: str, queue_key: str, grace: float):
        self.crawler = crawler
        self.server = connect(redis_url)
        self.key = queue_key
        self.grace = grace
        self.empty_since = None
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, *configured(crawler, "REDIS_URL", "SCHEDULER_QUEUE_KEY"), crawler.settings.getfloat("WORKER_IDLE_SECONDS"))

    def spider_closed(self, spider):
        self.server.close()

    def spider_idle(self, spider):
        if self.server.zcard(self.key):  # scrapy-redis' priority queue is a sorted set
            self.empty_since = None
            raise DontCloseSpider
        now = time.monotonic()
        self.empty_since = self.empty_since or now
        if now - self.empty_since < self.grace:
            raise DontCloseSpider


# --- the single writer ----------------------------------------------------------------

#: Errors of writing that say the archive is in trouble (a full disk, a lock, a broken file),
#: not the message: they stop the ingest, the messages kept for the next one.
ARCHIVE_ERRORS = (sqlite3.OperationalError, sqlite3.InternalError, OSError, MemoryError)


def is_message_error(error: Exception) -> bool:
    """True when writing failed because of the message itself (a wrong type, a number SQLite
    cannot hold, nesting too deep): such a message is set aside, whatever it raised."""
    # The bare DatabaseError is a broken file; its subclasses (IntegrityError ...) are the data's.
    return not isinstance(error, ARCHIVE_ERRORS) and type(error) is not sqlite3.DatabaseError


@dataclasses.dataclass
class IngestCounts:
    messages: int = 0
    set_aside: int = 0
    written: WriteCounts = dataclasses.field(default_factory=WriteCounts)


def ingest(redis_url: str, prefix: str, db, *, batch_size: int = 50, follow: bool = False, idle_seconds: float = 5.0,
           run_id: int | None = None, counts: IngestCounts | None = None) -> IngestCounts:
    """Drain the crawl's item messages into the archive ``db``; returns (and adds to) ``counts``.

    With ``follow`` it keeps waiting for messages until ``idle_seconds`` pass without one.
    Messages left in the processing list by a killed ingester are written first; those
    that cannot be written go to the dead-letter list (:func:`dead_letters`).
    """
    # The blocking wait must end before the socket gives up on it.
    with closing(connect(redis_url, socket_timeout=idle_seconds + SOCKET_TIMEOUT)) as server:
        items, processing = key("items", prefix), key("processing", prefix)
        counts = counts or IngestCounts()
        while True:
            taken = server.lrange(processing, 0, -1)
            while len(taken) < batch_size:
                message = server.lmove(items, processing, "RIGHT", "LEFT")
                if message is None:
                    break
                taken.append(message)
            if taken:
                dead = _write_messages(db, taken, run_id, counts)
                # Acknowledge only now that the transaction has committed, together with setting aside.
                with server.pipeline(transaction=True) as acknowledge:
                    if dead:
                        acknowledge.lpush(key("dead", prefix), *dead)
                    acknowledge.delete(processing)
                    acknowledge.execute()
                counts.messages += len(taken)
                counts.set_aside += len(dead)
                continue
            if not follow:
                break
            message = server.blmove(items, processing, idle_seconds, "RIGHT", "LEFT")
            if message is None:
                break
        return counts


def ingest_run(redis_url: str, prefix: str, db, *, follow: bool = False, idle_seconds: float = 5.0,
               counts: IngestCounts | None = None) -> IngestCounts:
    """:func:`ingest` recorded as a run of the archive (mode ``ingest``), whose row is closed
    however it ends: ``finished``, ``shutdown`` (Ctrl-C), ``archive_error`` or ``failed``."""
    counts = counts or IngestCounts()
    run = start_run(db, [], {"REDIS_PREFIX": prefix}, mode="ingest")
    status = "failed"
    try:
        ingest(redis_url, prefix, db, follow=follow, idle_seconds=idle_seconds, run_id=run.id, counts=counts)
        status = "finished"
    except KeyboardInterrupt:
        status = "shutdown"
        raise
    except sqlite3.Error:
        status = "archive_error"  # the messages of the failed batch stay queued
        raise
    finally:
        run.counts = counts.written
        finish_run(db, run, status, {"queue/ingested": counts.messages, "queue/set_aside": counts.set_aside})
    return counts


def _write_messages(db, messages: list[bytes], run_id, counts: IngestCounts) -> list[bytes]:
    """Write ``messages`` in one transaction, or, if one of them cannot be written, each
    in its own; returns the dead letters (JSON) of those that could not."""
    dead, readable = [], []
    for message in messages:
        try:
            readable.append((message, *from_message(message)))
        except BadMessage as error:
            dead.append(_dead_letter(message, str(error)))
    try:
        counts.written.add(_write(db, [(kind, data) for _, kind, data in readable], run_id))
        return dead
    except Exception as error:
        if not is_message_error(error):
            raise
        # rolled back as a whole: find the culprits one by one
    for message, kind, data in readable:
        try:
            counts.written.add(_write(db, [(kind, data)], run_id))
        except Exception as error:
            if not is_message_error(error):
                raise
            dead.append(_dead_letter(message, f"cannot be written ({type(error).__name__}: {error})"))
    return dead


def _write(db, writes, run_id) -> WriteCounts:
    batch = Batch()
    for kind, data in writes:
        WRITE_MESSAGE[kind](batch, data)
    return batch.write(db, run_id) if batch else WriteCounts()


def _dead_letter(message: bytes, reason: str) -> bytes:
    logger.warning("Set aside a message that cannot be written: %s", reason)
    return json.dumps({"reason": reason, "set_aside": utc_now(), "message": base64.b64encode(message).decode("ascii")}).encode()


@dataclasses.dataclass
class DeadLetter:
    reason: str
    set_aside: str
    message: bytes


def dead_letters(redis_url: str, prefix: str) -> list[DeadLetter]:
    """The messages ingest set aside, newest first."""
    with closing(connect(redis_url)) as server:
        records = server.lrange(key("dead", prefix), 0, -1)
    return [DeadLetter(r["reason"], r["set_aside"], base64.b64decode(r["message"])) for r in map(json.loads, records)]


def replay_dead_letters(redis_url: str, prefix: str) -> int:
    """Put the set-aside messages back in the queue (after a fix, say); returns how many.
    One transaction: a message is in exactly one of the two lists at any time."""
    import redis

    dead = key("dead", prefix)
    with closing(connect(redis_url)) as server, server.pipeline(transaction=True) as replay:
        while True:
            try:
                replay.watch(dead)
                records = replay.lrange(dead, 0, -1)
                replay.multi()
                if records:
                    # Oldest first out of the queue, as they first came.
                    replay.lpush(key("items", prefix), *(base64.b64decode(json.loads(r)["message"]) for r in reversed(records)))
                replay.delete(dead)
                replay.execute()
                return len(records)
            except redis.WatchError:
                continue
