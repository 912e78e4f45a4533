"""Runs: one row per crawl, import or ingest, opened when it starts and closed with its
outcome, counts and Scrapy's stats (each batch adds its counts as it is written, see
:func:`archive.writer.write_batch`).
"""

import json
import sqlite3
from dataclasses import dataclass, field

from .db import disk_full
from .writer import WriteCounts, utc_now


@dataclass
class Run:
    id: int
    counts: WriteCounts = field(default_factory=WriteCounts)


def start_run(db, start_urls: list[str], settings: dict, mode: str = "full") -> Run:
    """Record that a crawl has begun; its row says ``running`` until ``finish_run``.
    Runs still marked ``running`` were killed (the caller holds the archive's lock)."""
    with db.atomic():
        db.execute("update runs set status = 'killed' where status = 'running'")
        table = db["runs"].insert(
            {
                "started": utc_now(),
                "status": "running",
                "mode": mode,
                "start_urls": json.dumps(start_urls),
                "settings": json.dumps(settings, ensure_ascii=False, sort_keys=True),
            }
        )
    return Run(id=table.last_pk)


def abandon_run(db, run_id: int, status: str, stats: dict) -> None:
    """Close the row of a run whose crawl could not close it (stopped at once), with the
    counts its stats recorded at its last committed batch."""
    counts = WriteCounts(**{name: stats.get(f"archive/articles_{name}", 0) for name in ("new", "updated", "unchanged")})
    finish_run(db, Run(id=run_id, counts=counts), status, stats)


def finish_run(db, run: Run, status: str, stats: dict) -> None:
    """Close the run's row with its outcome, counts and Scrapy's stats.

    On a full disk the row may still take the outcome without the stats (the largest part)."""
    try:
        _finish_run(db, run, status, stats)
    except sqlite3.OperationalError as error:
        if not disk_full(error):
            raise
        with db.atomic():
            db.execute("update runs set finished = ?, status = ? where id = ?", [utc_now(), status, run.id])


def crawl_errors(stats: dict) -> int:
    """A crawl's errors, as its run's row and its progress line count them: pages that could
    not be fetched and exceptions in the spider's callbacks."""
    return sum(v for k, v in stats.items() if k.startswith(("portal/failed/", "spider_exceptions/")) and isinstance(v, int))


def _finish_run(db, run: Run, status: str, stats: dict) -> None:
    errors = crawl_errors(stats)
    with db.atomic():
        db["runs"].update(
            run.id,
            {
                "finished": utc_now(),
                "status": status,
                "pages": stats.get("response_received_count", 0),
                "articles_new": run.counts.new,
                "articles_updated": run.counts.updated,
                "articles_unchanged": run.counts.unchanged,
                "items_dropped": stats.get("item_dropped_count", 0),
                "errors": errors,
                "gaps": db.execute("select count(*) from gaps where run_id = ?", [run.id]).fetchone()[0],
                "not_modified": stats.get("portal/not_modified", 0),
                "stats": json.dumps(stats, default=str, ensure_ascii=False, sort_keys=True),
            },
        )
