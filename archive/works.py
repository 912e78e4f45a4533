"""The works the archive cites, as ``enrich`` resolves them: what is left to look up, and
where the answers go (``works``, one row per paper with its DOI, PMID and PMCID cross-linked,
and ``work_lookups``, one row per identifier asked about).

A lookup ends ``resolved`` (with its work), ``unknown`` (the sources do not know the
identifier: asked again after ``retry_after``) or ``failed`` (a source was down: asked again
by the next run). Every function takes a ``sqlite_utils.Database`` or an SQLite connection.
"""

import json
import statistics
from datetime import datetime, timedelta, timezone

SCHEMES = ("doi", "pmid", "pmcid")
#: The longest text stored in each column of ``works`` (characters), ``author`` for each name
#: and ``authors`` for how many, ``identifier`` for a DOI, PMID or PMCID: far above real works
#: (the longest titles run to a few hundred characters; papers with thousands of authors exist),
#: and enough that no answer can grow the archive by megabytes.
TEXT_LIMITS = {"title": 2000, "container_title": 500, "publisher": 500, "type": 100, "volume": 100, "issue": 100,
               "pages": 100, "author": 500, "authors": 10000, "identifier": 300}
WORK_COLUMNS = ("doi", "pmid", "pmcid", "title", "container_title", "publisher", "type", "issued", "year",
                "authors", "volume", "issue", "pages", "source", "resolved_at")

#: Every identifier the archive cites, once, by scheme.
CITED = (
    "select 'doi' as scheme, doi as identifier from article_dois"
    " union select 'pmid', pmid from article_pmids"
    " union select 'pmcid', pmcid from article_pmcids"
)
#: Each article with each resolved work it cites, by whichever identifier it cites it. Through
#: the lookups, not the works' columns: Crossref answers an alias DOI with the work's own DOI.
ARTICLE_WORKS = " union ".join(
    # From the resolved lookups to the citations (by the identifier's index), not from every
    # citation to its lookup: an archive holds more citations than resolved works.
    f"select cited.article_url, l.work_id from work_lookups as l join article_{scheme}s as cited"
    f" on cited.{scheme} = l.identifier where l.status = 'resolved' and l.scheme = '{scheme}'"
    for scheme in ("doi", "pmid", "pmcid")
)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _iso(moment: datetime) -> str:
    # Always with microseconds: times compare as text, and a run starting within the second
    # the last one ended must still sort after it.
    return moment.isoformat(timespec="microseconds")


def pending(conn, now: datetime, limit: int, asked_since: datetime | None = None) -> list[tuple[str, str]]:
    """Up to ``limit`` cited ``(scheme, identifier)`` pairs to look up: never asked, or
    unknown or failed with their retry time come, and not asked since ``asked_since`` (the
    run's start: one run asks about an identifier once)."""
    since = _iso(asked_since or now + timedelta(days=1))
    return conn.execute(
        f"select scheme, identifier from ({CITED}) as cited where identifier is not null and not exists ("
        " select 1 from work_lookups as l where l.scheme = cited.scheme and l.identifier = cited.identifier"
        " and (l.status = 'resolved' or l.retry_after > ? or l.last_tried >= ?)) order by scheme, identifier limit ?",
        [_iso(now), since, limit],
    ).fetchall()


def save_work(conn, work: dict, now: datetime) -> int:
    """Store ``work`` (``works`` columns, ``authors`` a list) and return its id.

    A stored work sharing its DOI, PMID or PMCID is the same paper: the two become one row,
    Crossref's fields first (they name the publisher and the work's type), the other
    source filling what Crossref left empty.
    """
    values = {**work, "authors": json.dumps(work.get("authors") or [], ensure_ascii=False), "resolved_at": _iso(now)}
    ids = [(scheme, values[scheme]) for scheme in SCHEMES if values.get(scheme)]
    if not ids:
        raise ValueError("a work needs a DOI, PMID or PMCID")
    where = " or ".join(f"{scheme} = ?" for scheme, _ in ids)
    columns = ", ".join(("id",) + WORK_COLUMNS)
    same = [dict(zip(("id",) + WORK_COLUMNS, row)) for row in conn.execute(f"select {columns} from works where {where} order by id", [v for _, v in ids])]
    for row in same:
        values = _merge(values, row)
    if not same:
        cursor = conn.execute(
            f"insert into works ({', '.join(WORK_COLUMNS)}) values ({', '.join('?' for _ in WORK_COLUMNS)})",
            [values.get(column) for column in WORK_COLUMNS],
        )
        return cursor.lastrowid
    keep, *others = [row["id"] for row in same]
    for other in others:
        conn.execute("update work_lookups set work_id = ? where work_id = ?", [keep, other])
        conn.execute("delete from works where id = ?", [other])
    conn.execute(f"update works set {', '.join(f'{c} = ?' for c in WORK_COLUMNS)} where id = ?",
                 [values.get(column) for column in WORK_COLUMNS] + [keep])
    return keep


def _merge(new: dict, stored: dict) -> dict:
    first, second = (stored, new) if stored.get("source") == "crossref" and new.get("source") != "crossref" else (new, stored)
    merged = {column: first.get(column) if first.get(column) not in (None, "", "[]") else second.get(column) for column in WORK_COLUMNS}
    merged["resolved_at"] = new["resolved_at"]
    return merged


def record_lookup(conn, scheme: str, identifier: str, status: str, now: datetime, *,
                  work_id: int | None = None, retry_after: datetime | None = None, message: str | None = None) -> None:
    """Record that ``identifier`` was looked up, with its outcome."""
    conn.execute(
        "insert into work_lookups (scheme, identifier, status, work_id, attempts, last_tried, retry_after, message)"
        " values (?, ?, ?, ?, 1, ?, ?, ?) on conflict (scheme, identifier) do update set status = excluded.status,"
        " work_id = excluded.work_id, attempts = work_lookups.attempts + 1, last_tried = excluded.last_tried,"
        " retry_after = excluded.retry_after, message = excluded.message",
        [scheme, identifier, status, work_id, _iso(now), _iso(retry_after) if retry_after else None, message],
    )


def record_cross_links(conn, work_id: int, ids: dict, skip, now: datetime) -> int:
    """Mark the work's other identifiers that the archive also cites as resolved (those in
    ``skip`` are being looked up themselves), so that no run asks about them; returns how
    many were marked."""
    marked = 0
    for scheme in SCHEMES:
        value = ids.get(scheme)
        if not value or (scheme, value) in skip:
            continue
        if not conn.execute(f"select 1 from article_{scheme}s where {scheme} = ? limit 1", [value]).fetchone():
            continue
        marked += conn.execute(
            "insert into work_lookups (scheme, identifier, status, work_id, attempts, last_tried, message)"
            " values (?, ?, 'resolved', ?, 0, ?, 'cross-linked') on conflict (scheme, identifier) do update"
            " set status = 'resolved', work_id = excluded.work_id, retry_after = null, message = excluded.message"
            " where work_lookups.status != 'resolved'",
            [scheme, value, work_id, _iso(now)],
        ).rowcount
    return marked


def retry_time(now: datetime, days: float) -> datetime:
    return now + timedelta(days=days)


def lookup_counts(conn) -> dict[str, int]:
    """Lookups by status, and works stored."""
    counts = dict(conn.execute("select status, count(*) from work_lookups group by status").fetchall())
    counts["works"] = conn.execute("select count(*) from works").fetchone()[0]
    return counts


def cited_journals(conn, limit: int) -> list[tuple[str, int, int]]:
    """``(journal, articles citing it, works of it cited)``, most cited first."""
    return conn.execute(
        f"select works.container_title, count(distinct aw.article_url), count(distinct works.id)"
        f" from ({ARTICLE_WORKS}) as aw join works on works.id = aw.work_id"
        " where works.container_title is not null group by works.container_title"
        " order by 2 desc, 3 desc, 1 limit ?",
        [limit],
    ).fetchall()


def publication_lags(conn, published_day: str = "articles.published_day") -> list[tuple[int, int]]:
    """``(year of the article, days from the paper's publication to the article)`` for each
    article and work it cites whose full dates are both known."""
    return conn.execute(
        f"select cast(substr({published_day}, 1, 4) as integer),"
        f" cast(julianday({published_day}) - julianday(works.issued) as integer)"
        f" from ({ARTICLE_WORKS}) as aw join works on works.id = aw.work_id join articles on articles.url = aw.article_url"
        f" where length(works.issued) = 10 and {published_day} is not null"
    ).fetchall()


def median_lag_per_year(lags: list[tuple[int, int]]) -> dict[int, float]:
    by_year = {}
    for year, days in lags:
        by_year.setdefault(year, []).append(days)
    return {year: statistics.median(days) for year, days in sorted(by_year.items())}
