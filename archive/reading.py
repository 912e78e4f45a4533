"""Reading the archive for people: its runs, its gaps, its newest articles.

Every command that only reads the archive is one call here (or into :mod:`archive.search`),
so the command line holds no SQL.
"""

import json

from . import coverage, drift
from .schema import has_table


def recent_runs(db, limit: int) -> list[dict]:
    """The ``limit`` most recent runs, newest first, each with its Scrapy stats, its
    field coverage per site (``coverage``) and its drift alerts (``alerts``)."""
    rows = [
        dict(row)
        for row in db.query(
            "select id, started, finished, status, mode, pages, articles_new, articles_updated, articles_unchanged, "
            "not_modified, errors, gaps, stats from runs order by id desc limit ?",
            [limit],
        )
    ]
    ids = [row["id"] for row in rows]
    shares = coverage.coverage_of_runs(db, ids)
    alerts = drift.alerts_of_runs(db, ids, limit=10 * limit)
    for row in rows:
        row["stats"] = json.loads(row["stats"] or "{}")
        row["coverage"] = shares.get(row["id"], {})
        row["alerts"] = [alert for alert in alerts if alert["run_id"] == row["id"]]
    return rows


def raw_pages(db) -> tuple[int, int]:
    """How many raw pages the archive keeps (later pages of split articles too), and their
    compressed size in bytes."""
    tables = ["pages", *(["article_pages"] if has_table(db.conn, "article_pages") else [])]
    counts = [db.execute(f"select count(*), coalesce(sum(length(body)), 0) from {table}").fetchone() for table in tables]
    return sum(count for count, _ in counts), sum(size for _, size in counts)


def field_losses(db) -> tuple[int, int]:
    """Articles keeping fields a re-fetch lost, and how many such fields (table ``field_losses``)."""
    return tuple(db.execute("select count(distinct url), count(*) from field_losses").fetchone())


def chain_gaps(db) -> list[dict]:
    """The breaks in the prev/next chains, by the article they start from."""
    return [dict(row) for row in db.query("select from_url, rel, to_url, reason, status, first_seen, last_seen from gaps order by from_url, rel")]


def newest_articles(db, sites: list[str], limit: int = 12) -> tuple[int, list[tuple]]:
    """How many articles ``sites`` have, and the ``limit`` newest as (published, title, DOIs cited)."""
    placeholders = ", ".join("?" for _ in sites)
    rows = db.execute(
        f"select published, title, (select count(*) from article_dois d where d.article_url = a.url) "
        f"from articles a where site in ({placeholders}) order by published desc limit {int(limit)}",
        sites,
    ).fetchall()
    total = db.execute(f"select count(*) from articles where site in ({placeholders})", sites).fetchone()[0]
    return total, rows
