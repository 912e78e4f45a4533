"""The commands that read the archive: ``search``, ``export``, ``cite``, ``stats``, ``gaps``, ``runs`` and ``serve``."""

import json
import os
import sqlite3
import sys
from pathlib import Path

import click

from archive import stats as archive_stats
from archive.files import CannotWrite, replaced_atomically
from archive import NoArchive, check_servable
from archive.reading import chain_gaps, field_losses, raw_pages, recent_runs

from .common import _bounds, _discovery_lines, _existing_archive, _no_archive, _say, _sigterm_interrupts
from .options import csv_option, db_option, selection_options


@click.command()
@click.argument("query")
@db_option
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="Most hits to show.")
@selection_options
@click.option("--sort", type=click.Choice(["rank", "date"]), default="rank", show_default=True,
              help="rank: best matches first; date: newest first, among every match.")
@click.option("--references", "include_references", is_flag=True, help="Also search the reference lists (done anyway for a query that is a DOI, PMID, PMCID or trial number).")
@click.option("--disclaimer", "include_disclaimer", is_flag=True, help="Also search the site disclaimers.")
@click.option("--exact-script", is_flag=True,
              help="Search as typed: 干细胞 no longer also finds 幹細胞, nor the reverse (found by default).")
@click.option("--simplified", is_flag=True,
              help="Find both scripts: the default now, kept for existing scripts; not with --exact-script.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of {url, title, published, category, snippet, score, ranked_by}.")
@csv_option
def search(query, db_path, limit, since, until, site, category, sort, include_references, include_disclaimer, exact_script, simplified, as_json,
           as_csv):
    """Search titles and bodies; best matches first, title matches before body matches.

    \b
    Chinese terms of any length match where they occur in the text (肺, 哮喘, 外泌体),
    in either script (干细胞 finds 幹細胞 and the reverse; --exact-script: as typed only),
    Latin terms case-insensitively (copd, FEV1, hUCMSC-Exo), and every word must match.
    The last line says how many articles match in all (on stderr with --json or --csv).
    \b
        medarchive search 哮喘
        medarchive search '哮喘 COPD' --since 2025-01-01 --until 2025-06-30
        medarchive search '"间充质干细胞" -综述'      (phrase, and leave out 综述)
        medarchive search '外泌体 OR exosome' --json
        medarchive search 外泌体 --site www.hjtdsm.com --sort date --csv
        medarchive search 10.1177/2050313X251386547      (a DOI, PMID or trial number: the references too)
    """
    from archive import search as archive_search

    if exact_script and simplified:
        raise click.UsageError("--simplified finds both scripts and --exact-script only the one typed: give one of them")
    _one_format(as_json, as_csv)
    selection = _selection(since, until, site, category)
    identifier = None if include_references else _identifier_in(query)
    options = {"selection": selection, "include_references": include_references or identifier is not None,
               "include_disclaimer": include_disclaimer, "exact_script": exact_script}
    with _existing_archive(db_path) as db:
        try:
            parsed = archive_search.parse_query(query)
            hits = archive_search.search(db, parsed, limit=limit, sort=sort, **options)
            total = archive_search.count_matches(db, parsed, **options)
        except archive_search.QuerySyntaxError as error:
            raise click.UsageError(f"cannot read the query {query!r}: {error}")
        except archive_search.SearchFailed as error:
            raise click.ClickException(f"{db_path}: {error}; try again once the writer is done")
    widened = f" (as {identifier}, the reference lists too)" if identifier else ""
    count = _count_line(query, total, hits) + widened
    if as_json or as_csv:
        _echo_rows(hits, ["url", "title", "published", "category", "snippet", "score", "ranked_by"], as_csv)
        click.echo(count, err=True)
        return
    if not hits:
        click.echo(f"No article matches {query!r}{widened}.")
        return
    for hit in hits:
        _say(f"{(hit['published'] or '?')[:10]}  {hit['title']}")
        _say(f"            {hit['url']}")
        if hit["snippet"]:
            _say(f"            {hit['snippet']}")
    click.echo(count)


def _identifier_in(query: str) -> str | None:
    """What ``query`` names that articles cite mostly in their reference lists ("a DOI",
    "a PMID", "a PMCID", "a trial number"), or None for other words."""
    from crawler.extraction.references import find_pmcids, find_pmids, normalize_doi
    from crawler.extraction.trials import find_trials

    if normalize_doi(query):
        return "a DOI"
    if find_pmids(query):
        return "a PMID"
    if find_pmcids(query):
        return "a PMCID"
    if find_trials(query):
        return "a trial number"
    return None


def _count_line(query: str, total, hits: list[dict]) -> str:
    """The line saying how many articles match ``query`` and in what order those shown are."""
    matches = f"{total} article{'' if total.exact and total.value == 1 else 's'} match{'es' if total.exact and total.value == 1 else ''} {query!r}"
    if not hits or (total.exact and total.value <= len(hits)):
        return matches
    shown = {
        "bm25": f"showing the {len(hits)} best by relevance",
        "newest": f"showing {len(hits)} of the newest, title matches first: too common to rank by relevance",
        "date": f"showing the {len(hits)} newest",
    }[hits[0]["ranked_by"]]
    return f"{matches}; {shown} (--limit)"


def _selection(since, until, site, category):
    from archive.selection import BadSelection, Selection

    try:
        return Selection(since=since, until=until, site=site, category=category)
    except BadSelection as error:
        raise click.UsageError(str(error))


def _one_format(as_json: bool, as_csv: bool) -> None:
    """Refuse --json with --csv: the output is one or the other."""
    if as_json and as_csv:
        raise click.UsageError("--json and --csv print the same rows two ways: give one of them")


def _echo_rows(rows: list[dict], names: list[str], as_csv: bool) -> None:
    """``rows`` on stdout: as CSV with the columns ``names``, or as a JSON list."""
    if not as_csv:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    from archive.export import utf8_text, write_csv

    with utf8_text(sys.stdout.buffer) as stdout:
        write_csv(rows, names, stdout)


@click.command()
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl", "parquet", "warc", "wacz"]),
              help="csv (lists ;-joined), jsonl (one JSON object a line), parquet (needs -o); warc (the kept pages"
                   " as a web archive, gzipped unless -o ends in .warc) or wacz (the same packed, needs -o). Default: from -o's suffix.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Write to FILE (created whole or not at all) instead of stdout.")
@db_option
@selection_options
@click.option("--query", metavar="QUERY", help="Only articles matching QUERY, as `medarchive search` reads it (every match).")
@click.option("--html", "with_html", is_flag=True, help="Add the sanitised body_html column after body.")
@click.option("--bom", is_flag=True, help="Start a CSV with a UTF-8 byte order mark, so that Excel reads its Chinese right.")
@click.option("--raw", is_flag=True, help="CSV cells exactly as stored: without it a cell starting with = + - @ (a spreadsheet formula) gets a leading '.")
def export(fmt, output, db_path, since, until, site, category, query, with_html, bom, raw):
    """Write the archive's articles as CSV, JSON Lines or Parquet, for pandas, R, Excel or DuckDB,
    or their pages as a WARC web archive, for pywb, ReplayWeb.page and other web archive tools.

    One row per article: url, id, site, title, category, published, published_at,
    published_raw, published_source, body, disclaimer, first_seen, last_changed, and
    what it cites (dois, pmids, pmcids, trials) as lists. Rows are streamed in id
    order, so memory stays the same however large the archive.

    \b
        medarchive export --format jsonl > articles.jsonl
        medarchive export -o articles.parquet --since 2025-01-01
        medarchive export -o 哮喘.csv --bom --query 哮喘 --site www.hjtdsm.com
        medarchive export -o pages.warc.gz --site www.hjtdsm.com
    """
    from archive import export as archive_export
    from archive.search import QuerySyntaxError
    from archive.warc import write_web_archive

    selection = _selection(since, until, site, category)
    fmt = fmt or _format_of(output)
    if fmt in ("parquet", "wacz") and output is None:
        raise click.UsageError(f"{'Parquet' if fmt == 'parquet' else 'WACZ'} is a binary file: give -o FILE")
    if (bom or raw) and fmt != "csv":
        raise click.UsageError(f"--{'bom' if bom else 'raw'} is for CSV only")
    if with_html and fmt in ("warc", "wacz"):
        raise click.UsageError("--html is for the article formats; a WARC holds the pages as served")
    if output is not None and output.exists() and db_path.exists() and os.path.samefile(output, db_path):
        raise click.UsageError(f"-o {output} is the archive itself; choose another file")
    options = {"selection": selection, "query": query, "with_html": with_html, "bom": bom, "raw": raw}
    write = archive_export.export
    if fmt in ("warc", "wacz"):
        options = {"selection": selection, "query": query, "filename": output.name if output else "-"}
        if fmt == "warc":
            options["gzip"] = not (output and output.name.lower().endswith(".warc"))
        write = write_web_archive
    try:
        with _sigterm_interrupts(), _existing_archive(db_path) as db:
            if output is None:
                write(db, fmt, sys.stdout.buffer, **options)
                return
            with replaced_atomically(output) as binary:
                count = write(db, fmt, binary, **options)
    except QuerySyntaxError as error:
        raise click.UsageError(f"cannot read the query {query!r}: {error}")
    except CannotWrite as error:
        raise click.ClickException(str(error))
    except BrokenPipeError:
        _quiet_stdout()  # the reader (head, less) has had enough: not an error
        return
    except KeyboardInterrupt:
        raise click.ClickException("interrupted; " + (f"{output} was not written" if output else "the output is incomplete"))
    except OSError as error:
        raise click.ClickException(f"cannot write {output or 'stdout'} ({error.strerror or error})")
    click.echo(f"{count} {'pages' if fmt in ('warc', 'wacz') else 'articles'} -> {output}", err=True)


def _format_of(output: Path | None) -> str:
    """The format ``export`` writes to ``output`` without --format: its suffix's; a usage error saying what to give."""
    from archive.export import SUFFIXES, format_of_name

    if output is None:
        raise click.UsageError("say which --format (csv, jsonl, parquet, warc or wacz), or give -o FILE ending in .csv, .jsonl, .parquet, .warc.gz or .wacz")
    fmt = format_of_name(output.name)
    if fmt is None:
        raise click.UsageError(f"-o {output}: its suffix names no format ({', '.join(SUFFIXES)}); say which --format")
    return fmt


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so that Python's last flush on a closed pipe stays silent."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


@click.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on; the default keeps the archive on this machine.")
@click.option("--port", type=click.IntRange(min=0, max=65535), default=8001, show_default=True, help="Port to listen on; 0 picks a free one (the URL printed names it).")
@click.option("--public", is_flag=True, help="Allow a --host other machines can reach (0.0.0.0, a LAN address). Without it such a --host is refused.")
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="NAME", help="Also answer requests whose Host is NAME (the name other machines use with --public). Repeatable.")
def serve(db_path, host, port, public, allow_hosts):
    """Browse and search the archive in a web browser, with datasette.

    Tables come with descriptions, newest articles first, facets (category,
    year, DOI prefix), a search box that finds Chinese words of any length, and
    canned queries: search, articles citing a DOI, articles per month, most-cited
    DOIs. Article HTML is shown sanitised. The archive is served read-only, and
    only to this machine unless --public is given. Requests for another Host
    name than the address served, localhost, 127.0.0.1 or [::1] (and --allow-host)
    are refused. Stop with Ctrl-C.

    \b
    Exit status: 1 when the archive cannot be served or the port cannot be
    listened on (in use), 2 for bad usage (a --host other machines reach, without --public).
    """
    from archive.serve import PublicBindRefused, check_host, listening_socket
    from archive.serve import serve as run_datasette
    from archive.webguard import host_name

    try:
        check_host(host, public)
    except PublicBindRefused as error:
        raise click.UsageError(str(error))
    try:  # read-only: serving never creates, migrates or writes the archive
        check_servable(db_path)
    except NoArchive:
        raise click.ClickException(_no_archive(db_path))
    except (sqlite3.DatabaseError, OSError) as error:
        raise click.ClickException(f"{db_path} is not a usable SQLite archive ({error})")
    address = host_name(host)
    shown = f"[{address}]" if ":" in address else address
    try:
        sock = listening_socket(host, port)
    except OSError as error:
        raise click.ClickException(f"cannot listen on {shown}:{port} ({error.strerror or error}): choose another --port, or 0 for any free one")
    click.echo(f"Serving {db_path} read-only at http://{shown}:{sock.getsockname()[1]}/ (Ctrl-C to stop)")
    run_datasette(db_path, host=host, port=port, public=public, allow_hosts=allow_hosts, sock=sock)


@click.command()
@db_option
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="Most recent runs to show.")
@click.option("--json", "as_json", is_flag=True, help="Print the runs as JSON, with Scrapy's stats, coverage and alerts of each.")
@csv_option
@click.option("--alerts", "only_alerts", is_flag=True, help="Show only the drift alerts of the recent runs.")
def runs(db_path, limit, as_json, as_csv, only_alerts):
    """Show the most recent crawl runs: when, how they ended, what they fetched and stored,
    and per site the share of articles that had each field.

    A run still marked `running` is in progress; `killed` means its process died
    (its complete batches are kept, and the next crawl resumes from its frontier).
    """
    _one_format(as_json, as_csv)
    if only_alerts:
        with _existing_archive(db_path) as db:
            _print_alerts(db, limit, as_json, as_csv)
        return
    with _existing_archive(db_path) as db:
        rows = recent_runs(db, limit)
        kept = raw_pages(db)
    if as_json or as_csv:
        _echo_rows(rows, RUN_COLUMNS, as_csv)
        return
    click.echo(f"{'run':>4}  {'started':<20} {'status':<9} {'mode':<11} {'pages':>6} {'new':>5} {'upd':>5} {'same':>5} {'304':>5} {'err':>4} {'gaps':>4}  bounded")
    for row in rows:
        click.echo((
            f"{row['id']:>4}  {(row['started'] or '')[:19]:<20} {row['status']:<9} {row['mode'] or '':<11} "
            + " ".join(f"{row[name] or 0:>{width}}" for name, width in (
                ("pages", 6), ("articles_new", 5), ("articles_updated", 5), ("articles_unchanged", 5),
                ("not_modified", 5), ("errors", 4), ("gaps", 4)))
            + "  " + ",".join(_bounds(row["stats"]))
        ).rstrip())
        for line in _discovery_lines(row["stats"], "      "):
            click.echo(line)
        drifted = {(alert["site"], alert["field"]) for alert in row["alerts"]}
        for site, fields in row["coverage"].items():
            click.echo(f"      {site}  " + "  ".join(
                f"{name} {present}/{articles}" + ("!" if (site, name) in drifted else "")
                for name, (present, articles) in fields.items()))
    click.echo(f"raw pages kept: {kept[0]} ({kept[1] / 1e6:.1f} MB compressed)")


#: The columns of ``runs --csv``: a run's counts (its stats, coverage and alerts are in ``--json``).
RUN_COLUMNS = ["id", "started", "finished", "status", "mode", "pages", "articles_new", "articles_updated", "articles_unchanged",
               "not_modified", "errors", "gaps"]
#: The columns of ``runs --alerts --csv`` (``examples`` ``;``-joined).
ALERT_COLUMNS = ["run_id", "site", "field", "baseline", "value", "articles", "message", "examples"]


def _print_alerts(db, limit: int, as_json: bool, as_csv: bool) -> None:
    from archive.drift import alerts_of_runs, summary_line

    alerts = alerts_of_runs(db, limit=limit)
    if as_json or as_csv:
        _echo_rows(alerts, ALERT_COLUMNS, as_csv)
        return
    if not alerts:
        click.echo("No drift alerts: every run's fields were as common as in the site's earlier runs.")
    for alert in alerts:
        click.echo(f"run {alert['run_id']}  " + summary_line(alert))
    kept = field_losses(db)
    if kept[0]:
        click.echo(f"{kept[0]} articles keep {kept[1]} fields a re-fetch lost (table field_losses); "
                   "`medarchive reextract` after a fix fills them from the kept pages")


@click.command()
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--plot", type=click.Path(dir_okay=False, path_type=Path), metavar="PATH",
              help="Also draw the charts (articles per month, most cited publishers, categories over time) into PATH: .svg, or .png with cairosvg and a font with Chinese installed.")
def stats(db_path, as_json, plot):
    """Summarise the archive: articles per site and year, dated and undated, citing a DOI,
    open chain gaps and the last run; with --plot, the charts datasette shows at /-/charts."""
    with _existing_archive(db_path) as db:
        try:
            click.echo(archive_stats.report(db, as_json=as_json, plot=plot))
        except (archive_stats.PlotError, CannotWrite) as error:
            raise click.ClickException(str(error))
        except OSError as error:
            raise click.ClickException(f"cannot write {plot} ({error.strerror or error})")


#: The columns of ``gaps --csv``, as :func:`archive.reading.chain_gaps` gives them.
GAP_COLUMNS = ["from_url", "rel", "to_url", "reason", "status", "first_seen", "last_seen"]


@click.command()
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the gaps as JSON.")
@csv_option
def gaps(db_path, as_json, as_csv):
    """List the breaks in the prev/next chains: which article links to what, and why it failed.

    A gap is a neighbour link that answered an error (a deleted article: http_404),
    that robots.txt forbids, or that leads to another site. The articles beyond it
    are still found through sitemaps and listings. A gap disappears once its target
    is archived.
    """
    _one_format(as_json, as_csv)
    with _existing_archive(db_path) as db:
        rows = chain_gaps(db)
    if as_json or as_csv:
        _echo_rows(rows, GAP_COLUMNS, as_csv)
        return
    if not rows:
        click.echo("No gaps: every prev/next link that was followed led to an article.")
    for row in rows:
        arrow = "上一篇" if row["rel"] == "prev" else "下一篇"
        _say(f"{row['from_url']}  {arrow} ->  {row['to_url']}  ({row['reason']}, since {row['first_seen'][:10]})")


@click.command()
@db_option
@click.option("--format", "fmt", type=click.Choice(["ris", "bibtex", "csl-json"]), required=True,
              help="RIS (Zotero, EndNote), BibTeX (JabRef, biber) or CSL-JSON (citation.js, Zotero).")
@click.option("--query", metavar="TEXT", help="Only the works cited by articles matching this search (as `medarchive search` reads it).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE", help="Write the file to FILE instead of printing it.")
def cite(db_path, fmt, query, output):
    """Write a citation file of every work the articles cite (DOI, PMID or PMCID), each once,
    with the citing articles (title and URL) in its note. Titles, journals and authors come
    from the works table when `medarchive enrich` has filled it.

    \b
        medarchive cite --format bibtex -o cited.bib
        medarchive cite --format ris --query 哮喘 > asthma.ris
        medarchive cite --format csl-json --query 干细胞 -o stem-cells.json
    """
    from archive import citations, cjkfts

    with _existing_archive(db_path) as db:
        try:
            text, count = citations.citation_file(db.conn, fmt, query)
        except cjkfts.QuerySyntaxError as error:
            raise click.UsageError(f"cannot read the query {query!r}: {error}")
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        with _sigterm_interrupts(), replaced_atomically(output) as binary:
            binary.write(text.encode("utf-8"))
    except CannotWrite as error:
        raise click.ClickException(str(error))
    except KeyboardInterrupt:
        raise click.ClickException(f"interrupted; {output} was not written")
    except OSError as error:
        raise click.ClickException(f"cannot write {output} ({error.strerror or error})")
    click.echo(f"{count} cited work{'s' if count != 1 else ''} written to {output}", err=True)
