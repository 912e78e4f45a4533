"""Which articles a command reads: published between two days, of one site, of one category.

``search`` and ``export`` take the same ``--since/--until/--site/--category`` and mean the same
by them because both turn a :class:`Selection` into SQL here.
"""

from dataclasses import dataclass
from datetime import date

from .cjkfts import to_simplified
from .schema import category_group_column, sortable_dates


class BadSelection(ValueError):
    """A filter value that cannot select anything as given (a date that is not a date)."""


def check_day(value: str) -> str:
    """``value`` if it is an ISO day (``2025-01-31``); otherwise :class:`BadSelection`."""
    try:
        date.fromisoformat(value)
    except ValueError:
        raise BadSelection(f"{value!r} is not a date like 2025-01-31") from None
    if len(value) != 10:  # fromisoformat also reads 20250131, which would not compare with published_day
        raise BadSelection(f"{value!r} is not a date like 2025-01-31")
    return value


def site_origins(site: str) -> list[str]:
    """The ``articles.site`` values ``site`` names: an origin as stored (``https://www.a.cn``)
    or a host as in its URLs (``www.a.cn``, ``127.0.0.1:8731``), over http or https."""
    site = site.strip().rstrip("/").lower()
    if "://" in site:
        return [site]
    return [f"http://{site}", f"https://{site}"]


def dated(conn, name: str, alias: str) -> str:
    """``published_at`` or ``published_day`` (``name``) of the ``articles`` table named ``alias``:
    the column, or on an archive from before it the expression computing it."""
    expression = sortable_dates(getattr(conn, "conn", conn))[name]
    return f"{alias}.{name}" if expression == name else expression.replace("published", f"{alias}.published")


@dataclass(frozen=True)
class Selection:
    """Articles published on or after ``since`` and on or before ``until`` (ISO days, China
    time, both included), of the site ``site`` and the category ``category`` (exact name, in
    either script: 政策法規 selects 政策法规 too).
    Unset fields select everything; with a date set, undated articles are left out."""

    since: str | None = None
    until: str | None = None
    site: str | None = None
    category: str | None = None

    def __post_init__(self):
        for day in (self.since, self.until):
            if day is not None:
                check_day(day)
        if self.since and self.until and self.since > self.until:
            raise BadSelection(f"--since {self.since} is after --until {self.until}: no day is both")

    def where(self, conn, alias: str = "a") -> tuple[list[str], list]:
        """SQL conditions on the ``articles`` table named ``alias`` in the caller's query, and
        their parameters; an archive from before ``published_day`` is read as it is."""
        day = dated(conn, "published_day", alias)
        clauses, params = [], []
        if self.since:
            clauses.append(f"{day} >= ?")
            params.append(self.since)
        if self.until:
            clauses.append(f"{day} <= ?")
            params.append(self.until)
        if self.site:
            origins = site_origins(self.site)
            clauses.append(f"{alias}.site in ({', '.join('?' * len(origins))})")
            params.extend(origins)
        if self.category:
            # A category and its Traditional spelling are one group (政策法规, 政策法規).
            column = category_group_column(getattr(conn, "conn", conn))
            clauses.append(f"{alias}.{column} = ?")
            params.append(to_simplified(self.category) if column == "category_group" else self.category)
        return clauses, params
