"""Drift: noticing at the end of a run that a portal no longer gives what it used to.

Each field's share in a run (``archive.coverage``) is compared with the site's baseline,
the median share of its last ``baseline_runs`` runs that extracted at least
``baseline_min_articles`` articles there and raised no alert for that field. A share is
an alert only when it is *confidently* too low: a run with fewer than ``min_articles``
articles of a site is not judged, and otherwise the run's count must be unlikely (one-sided
binomial test at ``alpha``) for a site still giving the field to at least
``baseline - max_drop`` of its articles. So 4 of 5 articles with a date, against a baseline
of 97%, is no alert; 0 of 5 is.

A site whose newest article is far older than its usual rhythm (``stale_factor`` times
the 90th percentile of the gaps between its articles' publication dates, at least
``stale_min_days``) is an alert too (field ``new_articles``).

Thresholds come from a TOML file (``load_config``); every key is optional.
"""

import json
import math
import statistics
import subprocess
import tomllib
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone

from . import coverage, search_index

#: How far below its baseline each field's share may fall before it is drift, as a share of
#: articles. A title is required to store an article at all, so any loss of it is drift.
DEFAULT_MAX_DROP = {
    coverage.ARTICLE_PAGES: 0.2,
    "title": 0.1,
    "date": 0.25,
    "body": 0.25,
    "disclaimer": 0.3,
    "references": 0.3,
    "category": 0.3,
    "neighbours": 0.3,
    **dict.fromkeys(coverage.METADATA_COVERAGE, 0.3),
}


@dataclass(frozen=True)
class DriftConfig:
    alpha: float = 0.01
    min_articles: int = 5
    baseline_runs: int = 10
    baseline_min_articles: int = 10
    stale_factor: float = 3.0
    stale_min_days: float = 7.0
    max_drop: dict = field(default_factory=lambda: dict(DEFAULT_MAX_DROP))
    #: Per site (``scheme://host[:port]``): ``max_drop`` overrides.
    sites: dict = field(default_factory=dict)

    def max_drop_for(self, site: str, name: str) -> float:
        return self.sites.get(site, {}).get(name, self.max_drop[name])


class DriftConfigError(ValueError):
    """The drift thresholds file cannot be used; the message names the bad entry."""


#: Each threshold's type and the range it must lie in, both ends included (``alpha`` excludes
#: 0 and 1). Beyond them a value means nothing (a run is never judged, a baseline of more runs
#: than anyone keeps) or breaks the SQL reading the baseline (an integer past 64 bits).
_NUMBERS = {
    "alpha": (float, 0.0, 1.0),
    "min_articles": (int, 1, 1_000_000),
    "baseline_runs": (int, 1, 10_000),
    "baseline_min_articles": (int, 0, 1_000_000),
    "stale_factor": (float, 1.0, 1000.0),
    "stale_min_days": (float, 0.0, 36_500.0),
}


def load_config(path=None) -> DriftConfig:
    """The thresholds in the TOML file at ``path`` over the defaults (the defaults alone for None)::

        alpha = 0.01
        min_articles = 5
        [max_drop]
        date = 0.25
        [sites."https://www.hjtdsm.com".max_drop]
        disclaimer = 1.0   # this site dropped its disclaimer for good: never an alert

    :raises DriftConfigError: for an unreadable file, an unknown key or a bad value
    """
    if path is None:
        return DriftConfig()
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise DriftConfigError(f"cannot read drift thresholds {path}: {error}")
    config = DriftConfig()
    values = {}
    for key, value in data.items():
        if key in _NUMBERS:
            values[key] = _number(path, key, value, *_NUMBERS[key])
        elif key not in ("max_drop", "sites"):
            raise DriftConfigError(f"{path}: unknown setting {key!r}; known: {', '.join([*_NUMBERS, 'max_drop', 'sites'])}")
    max_drop = {**config.max_drop, **_drops(path, "max_drop", data.get("max_drop", {}))}
    return replace(config, **values, max_drop=max_drop, sites=_sites(path, data.get("sites", {})))


def _number(path, key, value, kind, low, high):
    """``value`` as ``kind`` when it is one (an integer for an int) within ``low``..``high``."""
    usable = not isinstance(value, bool) and isinstance(value, int if kind is int else (int, float)) and low <= value <= high
    if key == "alpha":
        usable = usable and low < value < high
    if not usable:
        what = "an integer" if kind is int else "a number"
        ends = f"above {low:g} and below {high:g}" if key == "alpha" else f"from {low:,} to {high:,}"
        raise DriftConfigError(f"{path}: {key} = {value!r} is not {what} {ends}")
    return kind(value)


def _sites(path, table) -> dict:
    """``[sites."ORIGIN".max_drop]`` tables, by origin."""
    if not isinstance(table, dict) or not all(isinstance(entry, dict) for entry in table.values()):
        raise DriftConfigError(f'{path}: sites must be tables [sites."https://HOST".max_drop] of field = share')
    for site, entry in table.items():
        if set(entry) - {"max_drop"}:
            raise DriftConfigError(f"{path}: [sites.{site!r}] holds {sorted(set(entry) - {'max_drop'})[0]!r}; only max_drop is known")
    return {site.rstrip("/"): _drops(path, f"sites.{site!r}.max_drop", entry.get("max_drop", {})) for site, entry in table.items()}


def _drops(path, where, table) -> dict:
    if not isinstance(table, dict):
        raise DriftConfigError(f"{path}: [{where}] must be a table of field = share")
    for name, value in table.items():
        if name not in DEFAULT_MAX_DROP:
            raise DriftConfigError(f"{path}: [{where}] names no measured field {name!r}; fields: {', '.join(DEFAULT_MAX_DROP)}")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise DriftConfigError(f"{path}: [{where}] {name} = {value!r} is not a share between 0 and 1")
    return {name: float(value) for name, value in table.items()}


# --- judging a run -------------------------------------------------------------------


def binomial_cdf(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p), for any n a crawl reaches: the terms are summed from
    ``k`` downwards in floating point, starting from the log of the k-th (``math.comb`` times
    a power overflows a float beyond about a thousand articles)."""
    if k >= n or p <= 0:
        return 1.0
    if p >= 1:
        return 0.0
    term = math.exp(math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1) + k * math.log(p) + (n - k) * math.log1p(-p))
    total = 0.0
    for i in range(k, -1, -1):
        total += term
        if term <= total * 1e-17:  # past the mode the terms only shrink
            break
        term *= i / (n - i + 1) * (1 - p) / p
    return min(total, 1.0)


def confidently_below(present: int, articles: int, floor: float, alpha: float) -> bool:
    """Whether ``present`` of ``articles`` is too few for a site giving the field to at least
    ``floor`` of its articles: the chance of so few is below ``alpha``."""
    return floor > 0 and binomial_cdf(present, articles, floor) < alpha


def baseline(db, run_id: int, site: str, name: str, config: DriftConfig) -> float | None:
    """The median share of ``name`` on ``site`` over its earlier finished runs with enough
    articles and no alert for that field; None when there is no such run yet."""
    rows = db.execute(
        """
        select c.share from run_coverage c join runs r on r.id = c.run_id
        where c.site = ? and c.field = ? and c.run_id < ? and c.articles >= ? and r.status = 'finished'
          and not exists (select 1 from drift_alerts a where a.run_id = c.run_id and a.site = c.site and a.field = c.field)
        order by c.run_id desc limit ?
        """,
        [site, name, run_id, config.baseline_min_articles, config.baseline_runs],
    ).fetchall()
    return statistics.median(share for (share,) in rows) if rows else None


def field_alerts(db, run_id: int, config: DriftConfig) -> list[dict]:
    """The fields of run ``run_id`` whose share fell confidently below their site's baseline."""
    alerts = []
    rows = db.execute("select site, field, present, articles from run_coverage where run_id = ? order by site", [run_id]).fetchall()
    for site, name, present, articles in rows:
        if articles < config.min_articles:
            continue
        usual = baseline(db, run_id, site, name, config)
        if usual is None or not confidently_below(present, articles, usual - config.max_drop_for(site, name), config.alpha):
            continue
        examples = coverage.missing_examples(db, run_id, site, name)
        counted = "pages" if name == coverage.ARTICLE_PAGES else "articles"
        alerts.append(_alert(run_id, site, name, usual, present / articles, articles, examples,
                             f"{name} in {present} of {articles} {counted} ({present / articles:.0%}; baseline {usual:.0%})"))
    return alerts


def stale_alerts(db, run_id: int, config: DriftConfig, today: date | None = None) -> list[dict]:
    """Sites of the run whose newest archived article is far older than their usual rhythm."""
    today = today or datetime.now(timezone.utc).date()
    alerts = []
    for site in coverage.sites_of_run(db, run_id):
        dates = sorted({date.fromisoformat(d[:10]) for (d,) in db.execute(
            "select published from articles where site = ? and published is not null order by published desc limit 100", [site])})
        if len(dates) < config.baseline_min_articles:
            continue
        gaps = sorted((later - earlier).days for earlier, later in zip(dates, dates[1:]))
        usual = gaps[min(len(gaps) - 1, int(0.9 * len(gaps)))]
        newest_seen = db.execute("select max(first_seen) from articles where site = ?", [site]).fetchone()[0]
        waited = (today - date.fromisoformat(newest_seen[:10])).days
        limit = max(config.stale_factor * usual, config.stale_min_days)
        if waited > limit:
            newest = db.execute("select url from articles where site = ? order by first_seen desc limit 1", [site]).fetchone()[0]
            alerts.append(_alert(run_id, site, "new_articles", limit, waited, 0, [newest],
                                 f"no new article for {waited} days (usual gap {usual} days, alert after {limit:g})"))
    return alerts


def _alert(run_id, site, name, usual, value, articles, examples, message) -> dict:
    return {"run_id": run_id, "site": site, "field": name, "baseline": usual, "value": value,
            "articles": articles, "examples": examples, "message": message}


def check_run(db, run_id: int, config: DriftConfig | None = None, today: date | None = None) -> list[dict]:
    """Measure run ``run_id``'s coverage, store its drift alerts, and settle the fields its
    re-fetches lost (see ``settle_losses``); returns the alerts."""
    config = config or DriftConfig()
    coverage.record_coverage(db, run_id)
    alerts = field_alerts(db, run_id, config) + stale_alerts(db, run_id, config, today)
    with db.atomic():
        db.execute("delete from drift_alerts where run_id = ?", [run_id])
        db.conn.executemany(
            "insert into drift_alerts (run_id, site, field, baseline, value, articles, examples, message)"
            " values (:run_id, :site, :field, :baseline, :value, :articles, :examples, :message)",
            [{**alert, "examples": json.dumps(alert["examples"])} for alert in alerts],
        )
        settle_losses(db, run_id)
    return alerts


# --- fields lost on re-fetch ---------------------------------------------------------


#: How a settled loss empties the article's columns (references are rows of their own tables).
_CLEARED_COLUMNS = {"disclaimer": "disclaimer = null", "category": "category = null, category_group = null, breadcrumb = '[]'",
                    "authors": "authors = null", "source": "source = null, source_url = null"}


def settle_losses(db, run_id: int) -> int:
    """Fields run ``run_id``'s re-fetches lost on a site where that field did not drift were
    removed by the site: they go as the new pages say (a date stays, as the writer keeps an
    article's date when its page stops showing one). Fields lost where it drifted keep their
    last known values and their flag. Returns how many losses were settled."""
    rows = db.execute(
        """
        select l.url, l.field, a.id from field_losses l join articles a on a.url = l.url
        where l.last_run = ? and not exists (
            select 1 from drift_alerts d where d.run_id = l.last_run and d.site = a.site
            and d.field = l.field)
        """,
        [run_id],
    ).fetchall()
    for url, name, _ in rows:
        if name in _CLEARED_COLUMNS:
            db.execute(f"update articles set {_CLEARED_COLUMNS[name]} where url = ?", [url])
        elif name == "references":
            for table in ("article_references", "article_dois", "article_pmids", "article_pmcids"):
                db.execute(f"delete from {table} where article_url = ?", [url])
        db.execute("delete from field_losses where url = ? and field = ?", [url, name])
    search_index.index_articles(db, sorted({article_id for _, name, article_id in rows if name != "date"}))
    return len(rows)


# --- reading ----------------------------------------------------------------------------


def alerts_of_runs(db, run_ids=None, limit: int = 50) -> list[dict]:
    """Stored alerts, newest run first: of the runs ``run_ids``, or of any run."""
    where, params = "", []
    if run_ids is not None:
        where, params = "where run_id in (select value from json_each(?))", [json.dumps(list(run_ids))]
    rows = db.execute(
        f"select run_id, site, field, baseline, value, articles, examples, message from drift_alerts {where}"
        " order by run_id desc, site, field limit ?",
        [*params, limit],
    ).fetchall()
    keys = ("run_id", "site", "field", "baseline", "value", "articles", "examples", "message")
    return [{**dict(zip(keys, row)), "examples": json.loads(row[6] or "[]")} for row in rows]


def summary_line(alert: dict) -> str:
    """The one-line WARNING a scheduler's log shows for ``alert``."""
    examples = " ".join(alert["examples"])
    return f"WARNING: drift on {alert['site']}: {alert['message']}" + (f"; e.g. {examples}" if examples else "")


# --- telling -----------------------------------------------------------------------------

#: Seconds the notification command may run before it is given up.
NOTIFY_SECONDS = 120


class NotifyFailed(Exception):
    """The notification command did not finish in time, or failed; the message says which."""


def notify(command: str, archive, run_id: int, alerts: list[dict]) -> None:
    """Run the shell ``command`` with the alerts of run ``run_id`` of ``archive`` as JSON on its stdin."""
    message = json.dumps({"archive": str(archive), "run_id": run_id, "alerts": alerts}, ensure_ascii=False, indent=2)
    try:
        done = subprocess.run(command, shell=True, input=message, text=True, encoding="utf-8", timeout=NOTIFY_SECONDS)
    except subprocess.TimeoutExpired:
        raise NotifyFailed(f"did not finish within {NOTIFY_SECONDS} s") from None
    if done.returncode:
        raise NotifyFailed(f"failed with exit status {done.returncode}")
