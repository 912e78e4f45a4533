"""What the archive holds, as a summary and as charts: ``medarchive stats`` and the plugin's ``/-/charts``.

:func:`summary` counts articles per site and year, dated and undated, those citing a
DOI, open chain gaps and the last run; :func:`chart_svg` draws one of
:data:`CHART_TITLES` as SVG, our own drawing: of the charting plugins on PyPI,
datasette-plot needs datasette 1.0, datasette-vega was last released in 2018, and
datasette-dashboards (0.8.0) writes each chart's spec into an inline script and runs Vega,
which compiles expressions with ``new Function``: ``serve``'s CSP refuses both, and would
have to allow ``'unsafe-inline'`` and ``'unsafe-eval'`` for it. :func:`report`
is the command: the summary as text or JSON, and the charts written to a file.
Every function takes an SQLite connection (or a ``sqlite_utils.Database``) and only reads.
"""

import json
import subprocess
import unicodedata
from pathlib import Path

from .coverage import COLOURS
from .files import replaced_atomically
from .sanitize import terminal_text, xml_text
from .schema import article_columns, category_group_column, has_table, sortable_dates
from .works import cited_journals, median_lag_per_year, publication_lags

#: Registrant prefix -> publisher, for the DOI prefixes Chinese medical news cites most.
#: A prefix not listed is shown as itself.
PUBLISHERS = {
    "10.1001": "JAMA Network",
    "10.1002": "Wiley",
    "10.1007": "Springer",
    "10.1016": "Elsevier",
    "10.1038": "Nature",
    "10.1056": "NEJM",
    "10.1073": "PNAS",
    "10.1080": "Taylor & Francis",
    "10.1093": "Oxford University Press",
    "10.1097": "Wolters Kluwer",
    "10.1101": "bioRxiv/medRxiv",
    "10.1111": "Wiley (Blackwell)",
    "10.1126": "Science",
    "10.1136": "BMJ",
    "10.1161": "American Heart Association",
    "10.1164": "American Thoracic Society",
    "10.1177": "SAGE",
    "10.1182": "American Society of Hematology",
    "10.1183": "European Respiratory Society",
    "10.1186": "BMC",
    "10.1200": "ASCO",
    "10.1371": "PLOS",
    "10.3389": "Frontiers",
    "10.3390": "MDPI",
    "10.3760": "中华医学会 Chinese Medical Association",
    "10.7150": "Ivyspring",
    "10.11958": "天津医药",
    "10.12114": "中国全科医学",
}

#: The charts, by the name of their URL and of ``--plot``'s panels.
CHART_TITLES = {
    "articles_per_month": "Articles per month, by site",
    "cited_journals": "Most cited publishers (by DOI prefix), articles citing them",
    "categories_over_time": "Articles per month in the largest categories",
    "works_journals": "Most cited journals (works resolved by medarchive enrich), articles citing them",
    "publication_lag": "Days from a paper's publication to the news item citing it",
}
#: The bins of ``publication_lag``: (label, last day in it). A negative lag is news before the
#: paper's issue date (the print issue often comes months after the online paper).
LAG_BINS = [("before issue", -1), ("0-30 d", 30), ("31-90 d", 90), ("91-180 d", 180), ("181-365 d", 365),
            ("1-2 y", 730), ("2-5 y", 1826), ("> 5 y", None)]
#: Categories drawn by name in ``categories_over_time``; the rest are summed as "其他 other".
TOP_CATEGORIES = 6
#: Source outlets (the ``来源`` a reprint names) the summary counts per month ...
TOP_OUTLETS = 10
#: ... over at most this many of the latest months in its text.
OUTLET_MONTHS = 12
#: Publishers shown in ``cited_journals``.
TOP_PUBLISHERS = 12
WIDTH, CHART_HEIGHT, LEFT, LEGEND = 760, 260, 48, 200
#: The common fonts with Chinese (Debian and Fedora, Android, macOS, Windows): a browser takes
#: the first it has.
CHINESE_FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Droid Sans Fallback", "PingFang SC", "Microsoft YaHei")
FONTS = ", ".join([*CHINESE_FONTS, "sans-serif"])
#: What to install for Chinese labels in a PNG, said when no font with Chinese is found.
INSTALL_CHINESE_FONT = "apt-get install fonts-noto-cjk (Debian, Ubuntu) or dnf install google-noto-sans-cjk-fonts (Fedora)"
#: Characters a font must have to draw the charts' labels (中文Aa0), as fontconfig's charset.
LABEL_CHARACTERS = " ".join(f"{ord(char):x}" for char in "中文Aa0")
#: At most this many steps on a y axis between 0 and the highest count.
Y_TICKS = 5


class PlotError(ValueError):
    """A chart file that cannot be written as asked (its extension, a missing optional package)."""


def publisher(prefix: str | None) -> str | None:
    """The publisher of a DOI registrant ``prefix`` (``10.1177`` -> ``SAGE``), or the prefix itself."""
    return PUBLISHERS.get(prefix, prefix) if prefix else None


def _articles(conn) -> str:
    """``articles`` as the queries here read it: with ``published_day`` on any archive, and
    ``category`` as its group (a category and its Traditional spelling count as one)."""
    return (f"(select url, site, {category_group_column(conn)} as category, {sortable_dates(conn)['published_day']} as published_day"
            " from articles)")


# --- the summary -----------------------------------------------------------------------


def summary(conn) -> dict:
    """The archive in numbers: totals, per site and year, open gaps, the last run."""
    articles = _articles(conn)
    totals = conn.execute(
        f"select count(*), count(published_day), (select count(distinct article_url) from article_dois) from {articles}"
    ).fetchone()
    sites = {}
    for site, year, articles in conn.execute(
        f"select site, substr(published_day, 1, 4), count(*) from {articles} group by 1, 2 order by 1, 2"
    ).fetchall():
        entry = sites.setdefault(site, {"site": site, "articles": 0, "undated": 0, "years": {}})
        entry["articles"] += articles
        if year is None:
            entry["undated"] += articles
        else:
            entry["years"][year] = articles
    last = conn.execute(
        "select id, started, finished, status, articles_new, articles_updated from runs order by id desc limit 1"
    ).fetchone()
    names = ("id", "started", "finished", "status", "articles_new", "articles_updated")
    return {
        "articles": totals[0],
        "dated": totals[1],
        "undated": totals[0] - totals[1],
        "citing_dois": totals[2],
        "open_gaps": conn.execute("select count(*) from gaps").fetchone()[0],
        "sites": list(sites.values()),
        "outlets": outlets_per_month(conn),
        "months": _months(conn),
        "last_run": dict(zip(names, last)) if last else None,
    }


def outlets_per_month(conn, limit: int = TOP_OUTLETS) -> list[dict]:
    """The ``limit`` source outlets naming the most articles, each with its ``articles``, the
    ``sites`` reprinting it and its articles per month (``YYYY-MM``; ``undated`` for those
    without a date). Empty on an archive from before m023 read as it is."""
    if "source" not in article_columns(conn):
        return []
    top = conn.execute(
        "select source, count(*), count(distinct site) from articles where source is not null"
        " group by source order by 2 desc, source limit ?", [limit]).fetchall()
    outlets = {source: {"source": source, "articles": articles, "sites": sites, "months": {}} for source, articles, sites in top}
    rows = conn.execute(
        f"select source, substr({sortable_dates(conn)['published_day']}, 1, 7), count(*) from articles"
        " where source in (select value from json_each(?)) group by 1, 2 order by 1, 2",
        [json.dumps(list(outlets), ensure_ascii=False)],
    )
    for source, month, articles in rows:
        outlets[source]["months"][month or "undated"] = articles
    return list(outlets.values())


def format_outlets(outlets: list[dict]) -> list[str]:
    """The lines of :func:`outlets_per_month`: one row per outlet, a column per month (the latest
    :data:`OUTLET_MONTHS` of them)."""
    if not outlets:
        return []
    months = sorted({month for outlet in outlets for month in outlet["months"] if month != "undated"})[-OUTLET_MONTHS:]
    names = [terminal_text(outlet["source"]).replace("\n", " ").replace("\t", " ") for outlet in outlets]
    width = max(shown_width(name) for name in [*names, "source outlet"])
    lines = ["", padded("source outlet", width) + f"  {'articles':>8}  {'sites':>5}" + "".join(f"  {month:>7}" for month in months)]
    for name, outlet in zip(names, outlets):
        counts = "".join(f"  {outlet['months'].get(month, 0):>7}" for month in months)
        lines.append(padded(name, width) + f"  {outlet['articles']:>8}  {outlet['sites']:>5}{counts}")
    return lines


def shown_width(text: str) -> int:
    """The columns ``text`` takes on a terminal: two for each wide (Chinese) character."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def padded(text: str, width: int) -> str:
    """``text`` padded with spaces to ``width`` terminal columns."""
    return text + " " * (width - shown_width(text))


#: ``medarchive stats`` prints the articles and stories of this many latest months (``--json``: all).
MONTHS_SHOWN = 12


def _months(conn) -> list[dict]:
    """Dated articles per month of publication, and the stories they tell (reprints of one text
    count once a month; None on an archive from before stories, read as it is)."""
    has_story = "story" in article_columns(conn)
    day = sortable_dates(conn)["published_day"]
    stories = "count(distinct story)" if has_story else "null"
    rows = conn.execute(
        f"select substr({day}, 1, 7) as month, count(*), {stories} from articles where {day} is not null group by month order by month"
    ).fetchall()
    return [{"month": month, "articles": articles, "stories": told} for month, articles, told in rows]


def format_summary(numbers: dict) -> str:
    """:func:`summary` as the lines ``medarchive stats`` prints."""
    gaps = numbers["open_gaps"]
    lines = [
        f"{numbers['articles']} articles: {numbers['dated']} dated, {numbers['undated']} undated, "
        f"{numbers['citing_dois']} citing a DOI; {gaps} open gap{'' if gaps == 1 else 's'} in the prev/next chains"
    ]
    run = numbers["last_run"]
    if run:
        lines.append(
            f"Last run: #{run['id']} {run['status']}, started {run['started'][:16]}, "
            f"{run['articles_new'] or 0} new, {run['articles_updated'] or 0} updated"
        )
    else:
        lines.append("No crawl run recorded yet.")
    years = sorted({year for site in numbers["sites"] for year in site["years"]})
    if numbers["sites"]:
        width = max(len(site["site"]) for site in numbers["sites"])
        lines.append("")
        lines.append(f"{'site':<{width}}  {'articles':>8}" + "".join(f"  {year:>5}" for year in years) + "  undated")
        for site in numbers["sites"]:
            counts = "".join(f"  {site['years'].get(year, 0):>5}" for year in years)
            lines.append(f"{site['site']:<{width}}  {site['articles']:>8}{counts}  {site['undated']:>7}")
    if numbers["months"]:
        lines += ["", f"{'month':<7}  {'articles':>8}  {'stories':>7}"]
        for month in numbers["months"][-MONTHS_SHOWN:]:
            told = "-" if month["stories"] is None else month["stories"]
            lines.append(f"{month['month']:<7}  {month['articles']:>8}  {told:>7}")
    lines += format_outlets(numbers.get("outlets") or [])
    return "\n".join(lines)


# --- the charts ------------------------------------------------------------------------


def _per_day(conn, column: str) -> list[tuple[str, str, int]]:
    """``(value of column, day or month, articles)`` for every dated article, sorted by value
    (NULL as ``?``) and day: per month from m025's ``article_months`` (a few thousand rows at
    any size), or on an archive read as it is from before it, per day from the articles."""
    if has_table(conn, "article_months"):
        rows = conn.execute(
            f"select {'category_group' if column == 'category' else column}, month, sum(articles) from article_months"
            f" where month is not null group by month, 1"
        ).fetchall()
    else:
        rows = conn.execute(
            f"select {column}, published_day, count(*) from {_articles(conn)}"
            f" where published_day is not null group by published_day, {column}"
        ).fetchall()
    return sorted(rows, key=lambda row: ("?" if row[0] is None else row[0], row[1]))


def _per_month(per_day: list[tuple[str, str, int]], keep: list[str] | None = None, other: str = "") -> tuple[list[str], dict[str, list[int]]]:
    """Months and, per value in ``per_day`` (:func:`_per_day`; only ``keep`` by name, the rest as ``other``), its articles per month."""
    months = sorted({day[:7] for _, day, _ in per_day})
    index = {month: i for i, month in enumerate(months)}
    series = {}
    for value, day, articles in per_day:
        value = "?" if value is None else value
        name = value if keep is None or value in keep else other
        series.setdefault(name, [0] * len(months))[index[day[:7]]] += articles
    return months, series


def _largest(per_day: list[tuple[str, str, int]], limit: int) -> list[str]:
    """The ``limit`` values of ``per_day`` with the most articles (ties by name), NULL left out."""
    totals = {}
    for value, _, articles in per_day:
        if value is not None:
            totals[value] = totals.get(value, 0) + articles
    return sorted(totals, key=lambda value: (-totals[value], value))[:limit]


def _linked(element: str, link, table: str, filters: dict) -> str:
    """``element`` inside a link to the rows of ``table`` matching ``filters`` (datasette's
    ``?column=value`` filters), when the chart is drawn with a ``link`` function."""
    href = link(table, filters) if link else None
    return f'<a href="{xml_text(href)}">{element}</a>' if href else element


def _empty(title: str, message: str) -> str:
    return _svg(title, f'<text x="{LEFT}" y="60">{xml_text(message)}</text>', 90)


def _svg(title: str, body: str, height: int) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH + LEGEND}" height="{height}" '
        f'font-family="{FONTS}" font-size="12"><title>{xml_text(title)}</title>'
        f'<text x="{LEFT}" y="18" font-weight="bold" font-size="14">{xml_text(title)}</text>{body}</svg>'
    )


def ticks(highest: int) -> list[int]:
    """The counts marked on a y axis up to ``highest``: 0 and multiples of a round step
    (1, 2 or 5 times a power of ten), at most :data:`Y_TICKS` steps."""
    step = 1
    while highest > step * Y_TICKS:
        step = step * 5 // 2 if str(step)[0] == "2" else step * 2  # 1, 2, 5, 10, 20, 50, ...
    return list(range(0, highest + 1, step))


def _axis(top: int, bottom: int, highest: int, labels: list[str], x) -> list[str]:
    """The y scale (:func:`ticks`, each with a faint line across the plot) and, under the
    plot, every label that fits."""
    parts = []
    for count in ticks(highest):
        y = bottom - (bottom - top) * count / highest
        colour = "#999" if count == 0 else "#e5e5e5"
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH}" y2="{y:.1f}" stroke="{colour}"/>'
                     f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{count}</text>')
    step = max(1, len(labels) // 12)
    for i in range(0, len(labels), step):
        parts.append(f'<text x="{x(i):.1f}" y="{bottom + 16}" text-anchor="middle">{xml_text(labels[i])}</text>')
    return parts


def _legend(names: list[str], top: int) -> list[str]:
    return [
        f'<rect x="{WIDTH + 12}" y="{top + 18 * i}" width="10" height="10" fill="{COLOURS[i % len(COLOURS)]}"/>'
        f'<text x="{WIDTH + 28}" y="{top + 18 * i + 9}">{xml_text(name)}</text>'
        for i, name in enumerate(names)
    ]


def articles_per_month_svg(conn, link=None) -> str:
    """Stacked bars: articles per month (``published_day``), one colour per site; each bar
    links to its articles through ``link(table, filters)`` when given."""
    title = CHART_TITLES["articles_per_month"]
    months, series = _per_month(_per_day(conn, "site"))
    if not months:
        return _empty(title, "No dated article yet.")
    top, bottom = 40, CHART_HEIGHT - 30
    highest = max(sum(values[i] for values in series.values()) for i in range(len(months)))
    slot = (WIDTH - LEFT) / len(months)

    def x(i):
        return LEFT + slot * (i + 0.5)

    parts = _axis(top, bottom, highest, months, x)
    stacked = [0] * len(months)
    for colour_index, (site, values) in enumerate(series.items()):
        colour = COLOURS[colour_index % len(COLOURS)]
        for i, count in enumerate(values):
            if count:
                height = (bottom - top) * count / highest
                y = bottom - (bottom - top) * stacked[i] / highest - height
                bar = (f'<rect x="{x(i) - slot * 0.4:.1f}" y="{y:.1f}" width="{slot * 0.8:.1f}" height="{height:.1f}" fill="{colour}">'
                       f"<title>{xml_text(months[i])} {xml_text(site)}: {count}</title></rect>")
                parts.append(_linked(bar, link, "articles", {"site": site, "published_day__startswith": months[i]}))
                stacked[i] += count
    parts += _legend(list(series), top)
    return _svg(title, "".join(parts), CHART_HEIGHT)


def cited_publishers(conn, limit: int = TOP_PUBLISHERS) -> list[tuple[str, str, int]]:
    """``(prefix, publisher, articles citing it)``, most cited first."""
    counted = ("prefix_citations" if has_table(conn, "prefix_citations") else
               "(select prefix, count(distinct article_url) as articles from article_dois where prefix is not null group by prefix)")
    rows = conn.execute(f"select prefix, articles from {counted} order by articles desc, prefix limit ?", [limit]).fetchall()
    return [(prefix, publisher(prefix), articles) for prefix, articles in rows]


def cited_journals_svg(conn, link=None) -> str:
    """Horizontal bars: the publishers (by DOI prefix) cited by the most articles, each linked
    to the DOIs cited under its prefix and their articles."""
    publishers = cited_publishers(conn)
    rows = [(name if name == prefix else f"{name} ({prefix})", articles) for prefix, name, articles in publishers]
    hrefs = [link("article_dois", {"prefix": prefix}) if link else None for prefix, _, _ in publishers]
    return _bars(CHART_TITLES["cited_journals"], rows, "No article cites a DOI yet.", hrefs)


def works_journals_svg(conn, link=None) -> str:
    """Horizontal bars: the journals of resolved works, by the articles citing them, each linked
    to the journal's works (each DOI there links to its citing articles)."""
    if not has_table(conn, "works"):
        return _empty(CHART_TITLES["works_journals"], "No work resolved yet: run `medarchive enrich`.")
    rows = [(journal, articles) for journal, articles, _ in cited_journals(conn, TOP_PUBLISHERS)]
    hrefs = [link("works", {"container_title": journal}) if link else None for journal, _ in rows]
    return _bars(CHART_TITLES["works_journals"], rows, "No work resolved yet: run `medarchive enrich`.", hrefs)


def publication_lag_svg(conn) -> str:
    """Bars: how many (article, cited work) pairs fall in each of :data:`LAG_BINS`, and the
    median lag of each year's articles."""
    title = CHART_TITLES["publication_lag"]
    lags = publication_lags(conn, sortable_dates(conn)["published_day"]) if has_table(conn, "works") else []
    if not lags:
        return _empty(title, "No resolved work with a full publication date yet: run `medarchive enrich`.")
    counts = [0] * len(LAG_BINS)
    for _, days in lags:
        counts[next(i for i, (_, last) in enumerate(LAG_BINS) if last is None or days <= last)] += 1
    top, bottom = 40, CHART_HEIGHT - 30
    highest = max(counts)
    slot = (WIDTH - LEFT) / len(LAG_BINS)

    def x(i):
        return LEFT + slot * (i + 0.5)

    parts = _axis(top, bottom, highest, [label for label, _ in LAG_BINS], x)
    for i, count in enumerate(counts):
        height = (bottom - top) * count / highest
        parts.append(f'<rect x="{x(i) - slot * 0.4:.1f}" y="{bottom - height:.1f}" width="{slot * 0.8:.1f}" height="{height:.1f}" fill="{COLOURS[2]}">'
                     f"<title>{xml_text(LAG_BINS[i][0])}: {count}</title></rect>")
    medians = median_lag_per_year(lags)
    parts.append(f'<text x="{WIDTH + 12}" y="{top + 9}" font-weight="bold">median days, by year</text>')
    parts += [f'<text x="{WIDTH + 12}" y="{top + 27 + 18 * i}">{year}: {median:g}</text>' for i, (year, median) in enumerate(medians.items())]
    return _svg(title, "".join(parts), max(CHART_HEIGHT, top + 40 + 18 * len(medians)))


def _bars(title: str, rows: list[tuple[str, int]], nothing: str, hrefs: list | None = None) -> str:
    """Horizontal bars, largest first: ``rows`` of (label, count), each bar a link to the
    matching ``hrefs`` entry when there is one."""
    if not rows:
        return _empty(title, nothing)
    highest = rows[0][1]
    bar_left = LEFT + 260  # room for the label
    parts = []
    for i, (label, count) in enumerate(rows):
        y = 36 + 22 * i
        length = (WIDTH + LEGEND - bar_left - 60) * count / highest
        bar = (
            f'<text x="{bar_left - 8}" y="{y + 12}" text-anchor="end">{xml_text(label)}</text>'
            f'<rect x="{bar_left}" y="{y}" width="{length:.1f}" height="16" fill="{COLOURS[1]}"/>'
            f'<text x="{bar_left + length + 6:.1f}" y="{y + 12}">{count}</text>'
        )
        href = hrefs[i] if hrefs else None
        parts.append(f'<a href="{xml_text(href)}">{bar}</a>' if href else bar)
    return _svg(title, "".join(parts), 50 + 22 * len(rows))


def categories_over_time_svg(conn, link=None) -> str:
    """Lines: articles per month in each of the :data:`TOP_CATEGORIES` largest categories; with
    ``link``, a point per month linked to its articles."""
    title = CHART_TITLES["categories_over_time"]
    per_day = _per_day(conn, "category")
    keep = _largest(per_day, TOP_CATEGORIES)
    months, series = _per_month(per_day, keep, other="其他 other")
    if not months:
        return _empty(title, "No dated article yet.")
    top, bottom = 40, CHART_HEIGHT - 30
    highest = max(max(values) for values in series.values())
    slot = (WIDTH - LEFT) / len(months)

    def x(i):
        return LEFT + slot * (i + 0.5)

    parts = _axis(top, bottom, highest, months, x)
    names = [name for name in [*keep, "其他 other"] if name in series]
    for colour_index, name in enumerate(names):
        colour = COLOURS[colour_index % len(COLOURS)]
        points = " ".join(f"{x(i):.1f},{bottom - (bottom - top) * count / highest:.1f}" for i, count in enumerate(series[name]))
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"><title>{xml_text(name)}</title></polyline>')
        if link and name in keep:
            parts += [
                _linked(f'<circle cx="{x(i):.1f}" cy="{bottom - (bottom - top) * count / highest:.1f}" r="4" fill="{colour}">'
                        f"<title>{xml_text(months[i])} {xml_text(name)}: {count}</title></circle>",
                        link, "articles", {category_group_column(conn): name, "published_day__startswith": months[i]})
                for i, count in enumerate(series[name]) if count
            ]
    parts += _legend(names, top)
    return _svg(title, "".join(parts), CHART_HEIGHT)


_DRAWINGS = {
    "articles_per_month": articles_per_month_svg,
    "cited_journals": cited_journals_svg,
    "categories_over_time": categories_over_time_svg,
    "works_journals": works_journals_svg,
    "publication_lag": publication_lag_svg,
}


#: The charts whose bars or points can link to the rows behind them.
_LINKED = {"articles_per_month", "cited_journals", "categories_over_time", "works_journals"}


def chart_svg(conn, name: str, link=None) -> str:
    """The chart ``name`` (a key of :data:`CHART_TITLES`) as an SVG document; with ``link``
    (``link(table, filters)`` -> URL), its bars and points link to the rows behind them."""
    return _DRAWINGS[name](conn, link) if link and name in _LINKED else _DRAWINGS[name](conn)


def all_charts_svg(conn) -> str:
    """Every chart, one under the other, in one SVG document."""
    parts, y = [], 0
    for name in CHART_TITLES:
        chart = chart_svg(conn, name)
        height = int(chart.split('height="', 1)[1].split('"', 1)[0])
        parts.append(f'<svg y="{y}" {chart.split("<svg ", 1)[1]}')
        y += height + 20
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH + LEGEND}" height="{y}">{"".join(parts)}</svg>'


def write_plot(conn, path) -> Path:
    """Write every chart to ``path``: SVG, or PNG for a ``.png`` name (needs ``cairosvg``).

    :raises PlotError: for another extension, or a PNG without ``cairosvg``
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".svg", ".png"):
        raise PlotError(f"cannot plot to {path}: the name must end in .svg or .png")
    svg = all_charts_svg(conn).encode("utf-8")
    if suffix == ".svg":
        with replaced_atomically(path, "--plot") as binary:
            binary.write(svg)
        return path
    try:
        import cairosvg
    except ImportError:
        raise PlotError(f"cannot write {path}: PNG needs cairosvg (pip install 'medarchive[plot]'); an .svg name needs nothing") from None
    # cairosvg draws every label with the first font named, and for one that is not installed
    # fontconfig stands in a font without Chinese: the labels would be empty boxes.
    family = chinese_font()
    svg = svg.replace(f'font-family="{FONTS}"'.encode(), f'font-family="{xml_text(family)}, {FONTS}"'.encode())
    try:
        with replaced_atomically(path, "--plot") as binary:
            cairosvg.svg2png(bytestring=svg, write_to=binary, background_color="white")
    except (SyntaxError, ValueError) as error:  # what cairosvg raises for a drawing it cannot read
        raise PlotError(f"cannot draw {path}: {error}") from error
    return path


def chinese_font() -> str:
    """The family of an installed font that draws both Chinese and Latin letters (cairo draws
    each label with one font), as fontconfig, which cairo uses, lists them: the first of
    :data:`CHINESE_FONTS` there, else any. Droid Sans Fallback, for one, has no Latin letters.

    :raises PlotError: naming what to install, when there is none or fontconfig cannot say
    """
    try:
        listed = subprocess.run(["fc-list", f":charset={LABEL_CHARACTERS}", "family"],
                                capture_output=True, text=True, timeout=60, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        raise PlotError("cannot tell whether a font with Chinese is installed (fontconfig's fc-list does not run): "
                        f"install fontconfig and a Chinese font, e.g. {INSTALL_CHINESE_FONT}") from None
    families = [name.strip() for line in listed.splitlines() for name in line.split(",") if name.strip()]
    if not families:
        raise PlotError("no installed font draws both Chinese and Latin letters: the PNG's labels would be empty boxes; "
                        f"install one, e.g. {INSTALL_CHINESE_FONT}, or write .svg")
    return next((name for name in CHINESE_FONTS if name in families), sorted(families)[0])


def report(conn, *, as_json: bool = False, plot=None) -> str:
    """``medarchive stats``: the summary as text (or JSON), after writing the charts to ``plot`` if given."""
    if plot is not None:
        write_plot(conn, plot)
    numbers = summary(conn)
    if as_json:
        return json.dumps(numbers, ensure_ascii=False, indent=2)
    return format_summary(numbers) + (f"\nCharts written to {plot}" if plot is not None else "")
