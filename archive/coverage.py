"""Field coverage: which share of the articles a run extracted had each field, per site.

The writer records, for every article a run extracted, which fields the page gave
(``run_articles``); at the end of the run ``record_coverage`` turns them into one row per
site and field in ``run_coverage``. ``archive.drift`` compares those shares with the
site's earlier runs.
"""

import json
from html import escape
from urllib.parse import urlsplit

from .schema import METADATA_COVERAGE

#: Each measured field as an SQL test over a ``run_articles`` row ``ra``. A date counts
#: when the page shows its own or when a neighbour's link shows it after this run: a run
#: that re-fetched the neighbours with a broken template has rewritten their links.
FIELDS = {
    "title": "ra.title",
    "date": (
        "(ra.own_date or exists (select 1 from links l where l.date is not null and (l.to_url = ra.url"
        " or l.to_url in (select alias_url from aliases where article_url = ra.url))))"
    ),
    "body": "ra.body",
    "disclaimer": "ra.disclaimer",
    "references": "ra.[references]",
    "category": "ra.category",
    "neighbours": "(ra.prev and ra.next)",
    # NULL in the rows of runs from before m023, which did not look for them.
    **{name: f"coalesce(ra.[{name}], 0)" for name in METADATA_COVERAGE},
}
#: The share of the pages fetched as articles (from prev/next links, sitemaps, listings) that
#: read as one: a template the extraction no longer understands turns articles into skipped pages.
ARTICLE_PAGES = "article_pages"
#: The pages of run ``:run`` on ``:site`` that were fetched as articles and did not read as one.
_SKIPPED_PAGES = (
    "from not_articles where substr(url, 1, length(:site) + 1) = :site || '/'"
    " and last_seen >= (select started from runs where id = :run)"
)


def sites_of_run(db, run_id: int) -> list[str]:
    """The sites run ``run_id`` crawled: those of its start URLs and of the articles it extracted."""
    (start_urls,) = db.execute("select start_urls from runs where id = ?", [run_id]).fetchone()
    sites = {f"{parts.scheme}://{parts.netloc}" for parts in map(urlsplit, json.loads(start_urls or "[]"))}
    sites |= {site for (site,) in db.execute("select distinct site from run_articles where run_id = ?", [run_id])}
    return sorted(sites)


def record_coverage(db, run_id: int) -> None:
    """Store the shares of run ``run_id`` in ``run_coverage`` (replacing any earlier count)."""
    sums = ", ".join(f"sum({test})" for test in FIELDS.values())
    rows = db.execute(f"select site, count(*), {sums} from run_articles ra where run_id = ? group by site", [run_id]).fetchall()
    values = [
        (run_id, site, field, articles, present)
        for site, articles, *counts in rows
        for field, present in zip(FIELDS, counts)
    ]
    for site in sites_of_run(db, run_id):
        articles, skipped = db.execute(
            f"""
            select (select count(*) from run_articles where run_id = :run and site = :site),
                   (select count(*) {_SKIPPED_PAGES})
            """,
            {"run": run_id, "site": site},
        ).fetchone()
        if articles + skipped:
            values.append((run_id, site, ARTICLE_PAGES, articles + skipped, articles))
    with db.atomic():
        db.execute("delete from run_coverage where run_id = ?", [run_id])
        db.conn.executemany(
            "insert into run_coverage (run_id, site, field, articles, present, share) values (?, ?, ?, ?, ?, ?)",
            [(*row, row[-1] / row[-2]) for row in values],
        )


def missing_examples(db, run_id: int, site: str, field: str, limit: int = 3) -> list[str]:
    """URLs of articles of run ``run_id`` on ``site`` whose page lacked ``field`` (for
    ``article_pages``: pages of the run that did not read as articles)."""
    if field == ARTICLE_PAGES:
        rows = db.execute(
            f"select url {_SKIPPED_PAGES} order by url limit :limit",
            {"site": site, "run": run_id, "limit": limit},
        )
        return [url for (url,) in rows]
    rows = db.execute(
        f"select url from run_articles ra where run_id = ? and site = ? and not {FIELDS[field]} order by url limit ?",
        [run_id, site, limit],
    )
    return [url for (url,) in rows]


def coverage_of_runs(db, run_ids) -> dict[int, dict[str, dict[str, tuple[int, int]]]]:
    """``{run_id: {site: {field: (present, articles)}}}`` for the runs ``run_ids``."""
    coverage = {}
    rows = db.execute(
        "select run_id, site, field, present, articles from run_coverage"
        " where run_id in (select value from json_each(?)) order by run_id, site",
        [json.dumps(list(run_ids))],
    )
    order = {field: position for position, field in enumerate([ARTICLE_PAGES, *FIELDS])}
    for run_id, site, field, present, articles in sorted(rows, key=lambda row: (row[0], row[1], order.get(row[2], len(order)))):
        coverage.setdefault(run_id, {}).setdefault(site, {})[field] = (present, articles)
    return coverage


# --- the chart datasette shows -------------------------------------------------------

#: One colour per field, in the order of ``FIELDS``.
COLOURS = ("#30343f", "#1b6ca8", "#d1495b", "#66a182", "#edae49", "#8d6a9f", "#00798c", "#a4243b",
           "#6c757d", "#e76f51", "#2a9d8f", "#264653", "#f4a261", "#9c6644", "#588157", "#bc4749", "#4361ee")
WIDTH, HEIGHT, MARGIN = 640, 220, 40


def coverage_svg(db, last_runs: int = 50, min_articles: int = 1) -> str:
    """An SVG line chart per site of each field's share over the last ``last_runs`` runs, leaving
    out a site's runs of fewer than ``min_articles`` articles: too few to judge a share by, as
    the drift check (:class:`archive.drift.DriftConfig`) leaves them out."""
    rows = db.execute(
        "select run_id, site, field, share from run_coverage"
        " where run_id > (select coalesce(max(id), 0) from runs) - ? and articles >= ? order by site, run_id",
        [last_runs, min_articles],
    ).fetchall()
    series = {}
    for run_id, site, field, share in rows:
        series.setdefault(site, {}).setdefault(field, []).append((run_id, share))
    if not series:
        message = "No run has measured coverage yet." if min_articles <= 1 else f"No run has measured coverage on {min_articles} or more articles of a site yet."
        return f'<svg xmlns="http://www.w3.org/2000/svg" width="640" height="40"><text x="10" y="25">{message}</text></svg>'
    charts = [_site_chart(site, fields, offset * (HEIGHT + 30)) for offset, (site, fields) in enumerate(sorted(series.items()))]
    total = len(charts) * (HEIGHT + 30) + 20
    note = f'<text x="{MARGIN}" y="{total - 6}" fill="#555">Runs of fewer than {min_articles} articles on a site are left out.</text>' if min_articles > 1 else ""
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH + 160}" height="{total}" font-family="sans-serif" font-size="12">{"".join(charts)}{note}</svg>'


def _site_chart(site: str, fields: dict, top: int) -> str:
    runs = sorted({run_id for points in fields.values() for run_id, _ in points})
    first, last = runs[0], runs[-1]

    def x(run_id):
        return MARGIN + (WIDTH - 2 * MARGIN) * ((run_id - first) / (last - first) if last > first else 0.5)

    def y(share):
        return top + 20 + (HEIGHT - 40) * (1 - share)

    parts = [
        f'<text x="{MARGIN}" y="{top + 14}" font-weight="bold">{escape(site)}: share of articles with each field, runs {first}-{last}</text>',
        f'<line x1="{MARGIN}" y1="{y(0)}" x2="{WIDTH - MARGIN}" y2="{y(0)}" stroke="#999"/>',
        f'<text x="4" y="{y(1) + 4}">100%</text><text x="4" y="{y(0) + 4}">0%</text>',
    ]
    # A metadata field the site never gave is left out: a line at 0 for each would hide the rest.
    drawn = [name for name in [ARTICLE_PAGES, *FIELDS]
             if fields.get(name) and (name not in METADATA_COVERAGE or any(share for _, share in fields[name]))]
    step = min(16, (HEIGHT - 40) // max(1, len(drawn)))
    for field in drawn:
        points = fields[field]
        position = [ARTICLE_PAGES, *FIELDS].index(field)
        colour = COLOURS[position % len(COLOURS)]
        path = " ".join(f"{x(run_id):.1f},{y(share):.1f}" for run_id, share in points)
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{path}"><title>{field}</title></polyline>')
        # A point per run: a site measured in one run has no line to draw.
        parts += [f'<circle cx="{x(run_id):.1f}" cy="{y(share):.1f}" r="3" fill="{colour}"><title>{field}, run {run_id}: {share:.0%}</title></circle>' for run_id, share in points]
        parts.append(f'<text x="{WIDTH - MARGIN + 10}" y="{top + 30 + step * drawn.index(field)}" fill="{colour}">{field} {points[-1][1]:.0%}</text>')
    return "".join(parts)
