"""The ``medarchive`` command: crawl portals into the archive, try it on a replica, query it."""

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

import click

from archive import stats as archive_stats
from archive import writer
from archive.files import CannotWrite, replaced_atomically
from archive.sanitize import terminal_text
from archive.reading import NoArchive, UnreadableArchive, chain_gaps, check_servable, existing_archive, field_losses, newest_articles, raw_pages, recent_runs
from archive.schema import NotAnArchive, can_change, close_archive, disk_full, open_archive
from archive.works import lookup_counts
from crawler.enrichment.crossref import CROSSREF_URL
from crawler.enrichment.enrich import RETRY_UNKNOWN_DAYS
from crawler.enrichment.ncbi import EUTILS_URL, IDCONV_URL

from .options import check_http_url, crawl_options, csv_option, db_option, jobs_option, redis_options, selection_options, site_rules_option

#: Exit status of ``ingest`` when some messages could not be written and were set aside.
EXIT_SET_ASIDE = 4
#: Exit status when the crawl finished but a site's pages no longer give what they used to.
EXIT_DRIFTED = 5
#: Exit status of ``enrich`` when a scholarly API was down: what needed it is asked again next run.
EXIT_SOURCE_DOWN = 6
#: What the spider's failure counts (``portal/failed/NAME``) mean, for a user told that nothing was reached.
FAILURE_WORDS = {
    "CannotResolveHostError": "host name not found",
    "DownloadConnectionRefusedError": "connection refused",
    "DownloadTimeoutError": "no answer in time",
    "robots": "robots.txt forbids it",
}


def _load_site_rules(path):
    """The site rules at ``path`` (none for None); a clear error when the file cannot be used."""
    from crawler.extraction.site_rules import SiteRulesError, load_site_rules

    try:
        return load_site_rules(path)
    except SiteRulesError as error:
        raise click.ClickException(str(error))


def _check_archive(db_path: Path) -> None:
    """Create or upgrade the archive now, so a bad path fails before any page is fetched."""
    if not db_path.parent.exists():
        raise click.ClickException(f"the directory {db_path.parent} does not exist; create it or choose another --db")
    if db_path.exists() and not can_change(db_path):
        raise click.ClickException(f"{db_path} is read-only (or its directory is); a crawl writes the archive: make it writable or choose another --db")
    try:
        open_archive(db_path).close()
    except sqlite3.DatabaseError as error:
        raise click.ClickException(_archive_error(db_path, error))


def _archive_error(db_path: Path, error: sqlite3.DatabaseError) -> str:
    """One line saying why the archive cannot be used, pointing the right way."""
    if isinstance(error, NotAnArchive):
        return f"{db_path} is not a medarchive archive: {error}; choose another --db"
    if disk_full(error, db_path):
        return f"the disk holding {db_path} is full; free some space and run again"
    if getattr(error, "sqlite_errorcode", None) in (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT):
        return f"{db_path} is not a usable SQLite archive ({error}); choose another --db"
    return f"cannot use {db_path} ({error})"


def _check_start_url(url: str) -> str:
    """``url`` when it can start a crawl; a usage error (exit 2) before anything is opened otherwise."""
    # "http://host:8911http://host:8911/a.html": two URLs pasted as one.
    pasted = "; it holds more than one URL: give each separately, with a space between them" if url.count("://") > 1 else ""
    try:
        parts = urlsplit(url)
        parts.port  # a port that is no number, or past 65535, raises here
    except ValueError as error:
        raise click.BadParameter(f"{url!r} is not a URL ({error}){pasted}", param_hint="URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or any(char.isspace() for char in parts.hostname):
        raise click.BadParameter(f"{url!r} is not an http(s) URL of an article page{pasted}", param_hint="URL")
    return url


class SettingError(click.ClickException):
    """A setting the crawl cannot use: one line, with the exit status of bad usage."""

    exit_code = 2


def _parse_settings(pairs: tuple[str, ...]) -> dict:
    settings = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise SettingError(f"-s {pair!r} is not NAME=VALUE")
        settings[name.strip()] = value
    return settings


def _say(line: str = "", **options) -> None:
    """Print a line holding crawled text: without the characters a terminal would act on
    (an ESC sequence in a title retitles the window, a bidi override reorders the line)."""
    click.echo(terminal_text(line), **options)


@click.group()
@click.version_option(package_name="medarchive")
def cli():
    """Archive Chinese medical news portals into one searchable SQLite file.

    \b
    Try it on a replica portal served on this machine:
        medarchive demo
    Crawl a real portal from one article, both directions of its 上一篇/下一篇 chain:
        medarchive crawl https://www.hjtdsm.com/sc/zhiliao/59017.html --db stemcell.db
    """


@cli.command()
@click.argument("urls", nargs=-1, required=True, metavar="URL...")
@db_option
@click.option("--full", is_flag=True, help="Fetch every page found, not only what may have changed since the last run.")
@click.option("--recheck", type=click.IntRange(min=0), help="Newest archived articles of each site to re-check (default 5).")
@redis_options(required=False)
@click.option("--max-pages", type=click.IntRange(min=1), help="Pages fetched from one site at most in this crawl (default 200000).")
@crawl_options
@click.option("--drift-config", type=click.Path(exists=True, dir_okay=False), help="A TOML file of drift thresholds (docs/operations.md: Noticing a portal's change).")
@click.option("--notify-command", metavar="CMD", help="Shell command run when the crawl drifted, with the alerts as JSON on its stdin (e.g. 'mail -s drift ops@example.org').")
def crawl(urls, db_path, full, chain_only, recheck, redis_url, redis_prefix, delay, concurrency, max_pages, scrapy_settings, verbose, log_file, site_rules,
          drift_config, notify_command):
    """Crawl from each article URL along its prev/next chain into the archive.

    From every URL the crawl follows both the 上一篇 (previous) and 下一篇 (next)
    links until each end of the chain, on the URLs' own sites only, obeying
    robots.txt. It also reads the sites' sitemaps and category listings, so a
    deleted page in the chain (recorded as a gap: `medarchive gaps`) hides nothing.

    On an existing archive the crawl is incremental: it fetches new pages, pages
    whose sitemap date changed, links it never followed (so a killed crawl resumes),
    and re-checks the newest articles; --full fetches everything again. Edited
    articles are updated, their previous text kept in article_versions.

    At the end, each field's share (title, date, body, ...) is compared with the
    site's earlier runs: a share far below it is drift, printed as a WARNING line.

    \b
    Exit status: 0 when the crawl finished (dead links are reported, not fatal),
    1 when it failed or was interrupted, 3 when no article could be reached,
    5 when it finished but drifted (`medarchive runs --alerts`).
    """
    from crawler.runner import EXIT_NOTHING_REACHED, project_settings, run_crawl

    start_urls = [_check_start_url(url) for url in urls]
    _load_site_rules(site_rules)
    if redis_url:
        from crawler.distributed import start_crawl
        from crawler.extraction.urls import origin

        _check_settings(_parse_settings(scrapy_settings))  # before the crawl is queued in Redis
        _redis_call(start_crawl, redis_url, redis_prefix, sorted({origin(url) for url in start_urls}))
        result = _run_worker(start_urls, [], redis_url, redis_prefix, chain_only, delay, concurrency, scrapy_settings, verbose, log_file, site_rules)
        sys.exit(0 if result.finished else 1)
    _check_drift_config(drift_config)
    overrides = _crawl_settings(
        verbose, chain_only, scrapy_settings,
        ARCHIVE_DB_PATH=str(db_path),
        DRIFT_CONFIG=drift_config,
        PORTAL_MODE="full" if full else "incremental",
        PORTAL_RECHECK_NEWEST=recheck,
        DOWNLOAD_DELAY=delay,
        CONCURRENT_REQUESTS_PER_DOMAIN=concurrency,
        PORTAL_MAX_PAGES=max_pages,
        LOG_FILE=log_file,
        PORTAL_SITE_RULES=site_rules,
    )
    _check_archive(db_path)
    with _locked(db_path):
        result = run_crawl(start_urls, project_settings(overrides))
    _print_summary(result, db_path)
    if not result.finished:
        why = f"{result.reason}: {result.stats['archive/error']}" if "archive/error" in result.stats else result.reason
        raise click.ClickException(f"the crawl stopped early ({why}); rows written so far are complete and kept")
    if not result.reached:
        causes = [FAILURE_WORDS.get(key.rsplit("/", 1)[1], key.rsplit("/", 1)[1]) for key in sorted(result.stats) if key.startswith("portal/failed/")]
        because = f" ({', '.join(causes)})" if causes else ""
        click.echo(f"No article was reached{because}: check the URLs, the site's robots.txt and your network.", err=True)
        sys.exit(EXIT_NOTHING_REACHED)
    if result.stats.get("drift/alerts"):
        _report_drift(db_path, result.stats["archive/run_id"], notify_command)
        sys.exit(EXIT_DRIFTED)


def _check_drift_config(path) -> None:
    from archive.drift import DriftConfigError, load_config

    try:
        load_config(path)
    except DriftConfigError as error:
        raise click.BadParameter(str(error), param_hint="--drift-config")


def _report_drift(db_path: Path, run_id: int, notify_command: str | None) -> None:
    """One WARNING line per alert on stderr; the alerts as JSON to ``notify_command``."""
    from archive.drift import alerts_of_runs, summary_line

    with _existing_archive(db_path) as db:
        alerts = alerts_of_runs(db, [run_id])
    for alert in alerts:
        click.echo(summary_line(alert), err=True)
    if not notify_command:
        return
    message = json.dumps({"archive": str(db_path), "run_id": run_id, "alerts": alerts}, ensure_ascii=False, indent=2)
    try:
        done = subprocess.run(notify_command, shell=True, input=message, text=True, encoding="utf-8", timeout=120)
    except subprocess.TimeoutExpired:
        click.echo(f"--notify-command {notify_command!r} did not finish within 120 s", err=True)
        return
    if done.returncode:
        click.echo(f"--notify-command {notify_command!r} failed with exit status {done.returncode}", err=True)


def _crawl_settings(verbose: bool, chain_only: bool, scrapy_settings: tuple[str, ...], **settings) -> dict:
    """Scrapy settings for a crawl from the command's options; a None option keeps the default,
    and ``-s NAME=VALUE`` wins over everything."""
    overrides = {
        "LOG_LEVEL": "INFO" if verbose else "WARNING",
        "PROGRESS_ENABLED": sys.stderr.isatty(),
        "PORTAL_DISCOVER": not chain_only,
        **{name: value for name, value in settings.items() if value is not None},
    }
    overrides.update(_parse_settings(scrapy_settings))
    _check_settings(overrides)
    return overrides


def _check_settings(overrides: dict) -> None:
    """Refuse, before anything is opened, a setting the crawl could not use (``-s DOWNLOAD_DELAY=abc``)."""
    from crawler.checked_settings import BadSetting, check_settings
    from crawler.runner import project_settings

    try:
        check_settings(project_settings(overrides))
    except BadSetting as error:
        raise SettingError(str(error)) from None


@contextmanager
def _locked(db_path: Path):
    from archive.lock import ArchiveBusy, ArchiveUnavailable, archive_lock

    try:
        with archive_lock(db_path):
            yield
    except (ArchiveBusy, ArchiveUnavailable) as error:
        raise click.ClickException(str(error))


@contextmanager
def _written_archive(db_path: Path):
    """The archive at ``db_path`` for writing; checkpointed and closed afterwards, so the
    ``.db`` file alone holds what was written."""
    try:
        db = open_archive(db_path)
        try:
            yield db
        finally:
            close_archive(db)
    except sqlite3.Error as error:
        raise click.ClickException(_archive_error(db_path, error))


def _print_summary(result, db_path: Path) -> None:
    stats = result.stats
    click.echo(
        f"{result.pages} pages, {result.articles} articles "
        f"({stats.get('archive/articles_new', 0)} new, {stats.get('archive/articles_updated', 0)} updated, "
        f"{stats.get('archive/articles_unchanged', 0)} unchanged) -> {db_path}"
    )
    if stats.get("portal/known_articles"):
        click.echo(
            f"incremental: {stats['portal/known_articles']} articles already archived, "
            f"{stats.get('portal/rechecked', 0)} re-checked, {stats.get('portal/not_modified', 0)} not modified"
        )
    problems = {k.split("/", 1)[1]: v for k, v in sorted(stats.items()) if k.startswith(("portal/failed/", "portal/skipped/"))}
    if stats.get("item_dropped_count"):
        problems["dropped (invalid)"] = stats["item_dropped_count"]
    if problems:
        click.echo("not stored: " + ", ".join(f"{name} {count}" for name, count in problems.items()))
    bounds = _bounds(stats)
    if bounds:
        click.echo("bounded: " + ", ".join(f"{BOUND_WORDS[name]} ({count})" for name, count in bounds.items()))
    for line in _discovery_lines(stats):
        click.echo(line)


#: Control characters (C0, DEL, C1): in a URL a page wrote, shown escaped so they cannot steer the terminal.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _terminal_text(text: str) -> str:
    return _CONTROLS.sub(lambda match: f"\\x{ord(match.group()):02x}", str(text))


def _discovery_lines(stats: dict, indent: str = "") -> list[str]:
    """The crawl's coverage report (``discovery/report``): per site, how its articles were
    reached, the listing pages read, the listed articles not stored, and the warning."""
    return [_terminal_text(line) for line in _report_lines(stats, indent)]


def _report_lines(stats: dict, indent: str) -> list[str]:
    lines = []
    for site, entry in (stats.get("discovery/report") or {}).items():
        reached = entry.get("reached", {})
        ways = ", ".join(f"{reached.get(way, 0)} {way}" for way in ("start", "chain", "listing", "sitemap", "recheck") if reached.get(way) or way != "recheck")
        lines.append(f"{indent}{site}: reached {ways}; {entry.get('listing_pages', 0)} listing pages read, "
                     f"sitemap {'yes' if entry.get('sitemap') else 'no'}, {entry.get('listed_not_stored', 0)} listed articles not stored")
        for url, reason in (entry.get("not_stored_examples") or {}).items():
            lines.append(f"{indent}  not stored: {url} ({reason})")
        if entry.get("warning"):
            lines.append(f"{indent}warning: {site}: {entry['warning']}")
    return lines


#: The crawl's bounds (``portal/bounded/NAME``), as the summary names them.
BOUND_WORDS = {
    "max_pages": "a site reached --max-pages, requests not made",
    "unlisted_chain": "chains given up after PORTAL_MAX_UNLISTED_CHAIN pages no sitemap or listing names",
    "article_pages": "articles split over more than 50 pages, stored with their first 50",
    "listing_pages": "listing pages left unread after PORTAL_MAX_LISTING_PAGES of a site",
}


def _bounds(stats: dict) -> dict:
    return {key.rsplit("/", 1)[1]: count for key, count in sorted(stats.items()) if key.startswith("portal/bounded/")}


#: The replica families ``demo`` serves: family -> (share of ``--articles`` it gets as 1/N, fewest articles, seed).
DEMO_FAMILIES = {"wordpress": (1, 10, 1), "dedecms": (3, 6, 2), "trs": (3, 12, 3), "phpcms": (3, 12, 4)}


@cli.command()
@db_option
@click.option("--articles", type=click.IntRange(min=6, max=5000), default=40, show_default=True, help="Articles on the replica's WordPress-style site.")
@click.option("--port", type=click.IntRange(min=0, max=65534), default=8731, show_default=True, help="Port of the first replica site; the next ones use the next ports. 0 picks free ports.")
@click.option("--family", "families", type=click.Choice(list(DEMO_FAMILIES)), multiple=True, default=("wordpress", "dedecms"),
              show_default=True, help="Replica site to serve and crawl (repeat for several): trs is a government site (GB2312, "
              ".shtml, no sitemap), phpcms a hospital site with pseudo-static URLs.")
def demo(db_path, articles, port, families):
    """Serve a replica portal on 127.0.0.1, crawl it into the archive and show what was stored.

    Two replica sites run on loopback: a WordPress-style portal like the real
    one (most pages without a date of their own, a deleted page, a shortlink,
    robots.txt rules) and a DedeCMS-style site served as GBK (``--family`` picks
    others). The crawl starts
    in the middle of each chain and walks both ways. Nothing leaves this machine.
    Fixed ports keep the article URLs, and so the archive's rows, the same from
    one demo to the next.
    """
    from crawler.replica.portal import build_portal
    from crawler.replica.server import serve
    from crawler.runner import LOOPBACK_SETTINGS, project_settings, run_crawl

    _check_archive(db_path)
    portals = []
    for family in dict.fromkeys(families):
        share, fewest, seed = DEMO_FAMILIES[family]
        portals.append(build_portal(family, max(fewest, articles // share), seed=seed))
    servers = []
    try:
        for offset, portal in enumerate(portals):
            servers.append(serve(portal, port=port + offset if port else 0))
    except OSError as error:
        for server in servers:
            server.stop()
        raise click.ClickException(f"cannot serve the replica on port {port + len(servers)} ({error}); try --port 0")
    start_urls = []
    for server, portal in zip(servers, portals):
        live = portal.live_articles
        start = live[len(live) // 2].path
        click.echo(f"Replica {portal.style} site at {server.url}/ ({len(portal.articles)} articles); starting from {start}")
        start_urls.append(server.url + start)
    overrides = {**LOOPBACK_SETTINGS, "ARCHIVE_DB_PATH": str(db_path), "LOG_LEVEL": "WARNING", "PROGRESS_ENABLED": sys.stderr.isatty()}
    try:
        with _locked(db_path):
            result = run_crawl(start_urls, project_settings(overrides))
    finally:
        for server in servers:
            server.stop()
    _print_summary(result, db_path)
    _print_archive(db_path, [server.url for server in servers])
    if not result.finished or result.articles == 0:
        raise click.ClickException(f"the demo crawl did not finish ({result.reason})")


def _print_archive(db_path: Path, sites: list[str]) -> None:
    db = open_archive(db_path, create=False)
    try:
        total, rows = newest_articles(db, sites)
    finally:
        db.close()
    _say(f"\nNewest of the {total} replica articles in {db_path}:")
    for published, title, dois in rows:
        _say(f"  {(published or '?')[:10]}  {title}" + (f"  [{dois} DOI]" if dois else ""))
    _say(
        "\nNext:\n"
        f"  sqlite3 {db_path} 'select published, title from articles order by published'\n"
        f"  sqlite3 {db_path} 'select * from article_dois'"
    )


def _no_archive(db_path: Path) -> str:
    return f"no archive at {db_path}: run `medarchive crawl URL --db {db_path}` (or `medarchive demo`) first"


def _require_archive(db_path: Path) -> None:
    if not db_path.is_file():
        raise click.ClickException(_no_archive(db_path))


@contextmanager
def _existing_archive(db_path: Path):
    """The archive at ``db_path`` for reading, closed afterwards; a clear error if there is none.

    An archive no one can write is read as it is (:func:`archive.reading.existing_archive`).
    """
    try:
        with existing_archive(db_path) as db:
            yield db
    except NoArchive:
        raise click.ClickException(_no_archive(db_path))
    except UnreadableArchive as error:
        raise click.ClickException(f"cannot read {db_path} ({error})")
    except sqlite3.DatabaseError as error:
        raise click.ClickException(_archive_error(db_path, error))


@cli.command()
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
            hits = archive_search.search(db, query, limit=limit, sort=sort, **options)
            total = archive_search.count_matches(db, query, **options)
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


#: The format ``export`` writes when -o names a file with this suffix and no --format is given.
EXPORT_SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet", ".warc": "warc", ".warc.gz": "warc",
                   ".wacz": "wacz"}


def _export_format(output: Path | None) -> str | None:
    """The format -o's suffix names (``.warc.gz`` as a whole), if any."""
    if output is None:
        return None
    return next((fmt for suffix, fmt in EXPORT_SUFFIXES.items() if output.name.lower().endswith(suffix)), None)


@cli.command()
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
        write = _write_web_archive
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
    if output is None:
        raise click.UsageError("say which --format (csv, jsonl, parquet, warc or wacz), or give -o FILE ending in .csv, .jsonl, .parquet, .warc.gz or .wacz")
    fmt = _export_format(output)
    if fmt is None:
        raise click.UsageError(f"-o {output}: its suffix names no format ({', '.join(EXPORT_SUFFIXES)}); say which --format")
    return fmt


@contextmanager
def _sigterm_interrupts():
    """SIGTERM (kill, a scheduler's time-out) made a Ctrl-C for the block: a file being
    written is then removed, not left half-written."""
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _write_web_archive(db, fmt, binary, **options) -> int:
    """``export --format warc`` or ``wacz``, called as ``archive.export.export`` is; the pages written."""
    from archive.warc import write_wacz, write_warc

    return (write_warc if fmt == "warc" else write_wacz)(db, binary, **options)


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so that Python's last flush on a closed pipe stays silent."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


@cli.command()
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


@cli.command()
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


@cli.command()
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


@cli.command()
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


@cli.command()
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


def _fetch_time(ctx, param, value: str | None):
    """``--fetched-at`` as an aware datetime (no offset means UTC), or None when not given."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 time; give one such as 2019-09-05T12:00:00+08:00")
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@cli.command()
@click.argument("source", metavar="URL_OR_FILE")
@click.option("--url", "page_url", metavar="URL", help="The page's address, for a saved file: resolves its links and picks its site rules.")
@click.option("--json", "as_json", is_flag=True, help="Print what would be stored as JSON, keys named as the archive's columns.")
@click.option("--fetched-at", "fetched_at", metavar="TIME", callback=_fetch_time,
              help="When a saved file was fetched (ISO 8601, e.g. 2019-09-05T12:00:00+08:00; no offset is UTC): "
                   "relative dates such as 昨天 are read against it. Without it they are left absent.")
@site_rules_option
def extract(source, page_url, as_json, fetched_at, site_rules):
    """Show what would be stored from one page, without an archive.

    SOURCE is a URL (fetched once) or a saved HTML file (its charset is found as a crawl
    finds it). The first thing to run when pointing medarchive at a new portal: it shows
    the title, date, body, disclaimer, identifiers and prev/next links it reads, and which
    rule found each; for a page that is not an article, why not.

    \b
    Exit status: 0 for an article, 3 when the page is not an article, 1 when it cannot
    be read (a missing file, a failed download).
    """
    from crawler.runner import EXIT_NOTHING_REACHED
    from crawler.single_page import PageTooLarge, extract_page, fetch, read_saved

    rules = _load_site_rules(site_rules)
    if source.startswith(("http://", "https://")):
        try:
            body, content_type, final_url, answered_at = fetch(source)
        except (OSError, ValueError) as error:
            raise click.ClickException(f"cannot fetch {source}: {getattr(error, 'reason', None) or error}")
        url = page_url or final_url
        fetched_at = fetched_at or answered_at
    else:
        path = Path(source)
        if not path.is_file():
            raise click.ClickException(f"{source} is neither an http(s) URL nor a file")
        try:
            body, content_type = read_saved(path), None
        except PageTooLarge as error:
            raise click.ClickException(str(error))
        except OSError as error:
            raise click.ClickException(f"cannot read {source} ({error.strerror or error})")
        url = page_url or path.resolve().as_uri()
    try:
        result = extract_page(body, url, content_type, rules.for_url(url), fetched_at=fetched_at)
    except Exception as error:  # as in a crawl, where such a page is counted and kept for reextract
        raise click.ClickException(f"could not extract {source} ({type(error).__name__}: {error})")
    if as_json:
        click.echo(json.dumps(_extract_report(result), ensure_ascii=False, indent=2))
    else:
        _print_extract_report(_extract_report(result))
    if result.item is None:
        sys.exit(EXIT_NOTHING_REACHED)


def _extract_report(result) -> dict:
    item = result.item
    if item is None:
        return {"url": result.url, "article": False, "reason": result.reason, "encoding": result.encoding}
    return {
        "url": item.url,
        "article": True,
        "title": item.title,
        "published": item.published,
        "published_raw": item.published_raw,
        "published_source": item.published_source,
        "category": item.category,
        "body": item.body,
        "disclaimer": item.disclaimer,
        "dois": item.dois,
        "pmids": item.pmids,
        "pmcids": item.pmcids,
        "trials": item.trials,
        "neighbours": [{"rel": link.rel, "url": link.url, "title": link.title, "date": link.date} for link in item.neighbours],
        "authors": item.authors,
        "editor": item.editor,
        "source": item.source,
        "source_url": item.source_url,
        "modified": item.modified,
        "modified_raw": item.modified_raw,
        "description": item.description,
        "keywords": item.keywords,
        "images": [{"url": image.url, "alt": image.alt, "caption": image.caption} for image in item.images],
        "language": item.language,
        "found_by": result.found_by,
        "encoding": result.encoding,
    }


def _print_extract_report(report: dict) -> None:
    if not report["article"]:
        _say(f"{report['url']}: not an article: {report['reason']}")
        return
    found_by = report["found_by"]
    _say(f"title       {report['title']}  [{found_by.get('title')}]")
    shown = f" (shown as {report['published_raw']!r})" if report["published_raw"] else ""
    _say(f"published   {report['published'] or '-'}{shown}  [{found_by.get('published') or 'none found'}]")
    _say(f"category    {report['category'] or '-'}")
    for name, value in (("authors", "、".join(report["authors"])), ("editor", report["editor"]),
                        ("source", " ".join(filter(None, (report["source"], report["source_url"])))),
                        ("modified", report["modified"] or report["modified_raw"]), ("language", report["language"])):
        if value:
            _say(f"{name:<11} {value}  [{found_by.get(name)}]")
    if report["images"]:
        _say(f"images      {len(report['images'])}, the first {report['images'][0]['url']}")
    for link in report["neighbours"]:
        _say(f"{link['rel']:<11} {link['url'] or '(end of the chain)'}  {link['title'] or ''}  {link['date'] or ''}".rstrip())
    for name in ("dois", "pmids", "pmcids"):
        if report[name]:
            _say(f"{name:<11} {', '.join(report[name])}")
    if report["trials"]:
        _say(f"trials      {', '.join(trial['trial_id'] for trial in report['trials'])}")
    if report["disclaimer"]:
        _say(f"disclaimer  {report['disclaimer'][:120]}")
    lines = report["body"].split("\n")
    _say(f"body        {len(report['body'])} characters, {len(lines)} lines  [{found_by.get('body')}]")
    for line in lines[:3] + (["..."] + lines[-2:] if len(lines) > 5 else lines[3:]):
        _say(f"  {line[:100]}")


@cli.command()
@db_option
@site_rules_option
@jobs_option
def reextract(db_path, site_rules, jobs):
    """Rebuild every article's fields from the raw pages kept in the archive, without fetching.

    Use it after upgrading medarchive: the new extraction runs over the stored pages;
    changed articles are updated (their previous text kept in article_versions),
    the others left as they are. With --jobs above 1, a page that takes a worker longer
    than PORTAL_MAX_EXTRACT_SECONDS is skipped and its row kept as it was.
    """
    from crawler.reextract import reextract as run_reextract
    from crawler.runner import project_settings

    rules = _load_site_rules(site_rules)
    _require_archive(db_path)
    max_seconds = project_settings().getfloat("PORTAL_MAX_EXTRACT_SECONDS")
    with _locked(db_path), _written_archive(db_path) as db:
        try:
            stats = run_reextract(db, site_rules=rules, jobs=jobs, max_seconds=max_seconds)
        except KeyboardInterrupt:
            raise click.ClickException("interrupted; the batches written so far are kept, run `medarchive reextract` again for the rest")
    kept = sum(stats[f"reextract/{name}"] for name in ("not_article", "dropped", "extraction_error", "slow_extraction", "worker_ended"))
    click.echo(
        f"{stats['reextract/updated']} updated, {stats['reextract/unchanged']} unchanged, "
        f"{stats['reextract/new']} new (pages whose extraction had failed), {kept} kept as they were (see the log)"
    )


@cli.command("import")
@click.argument("warc_paths", nargs=-1, required=True, metavar="FILE.warc[.gz]...", type=click.Path(dir_okay=False, path_type=Path))
@db_option
@click.option("--site", "sites", multiple=True, metavar="HOST",
              help="Only pages of HOST (www.a.cn, or an origin like https://www.a.cn). Repeatable.")
@site_rules_option
def import_warc(warc_paths, db_path, sites, site_rules):
    """Archive the article pages of WARC files, without fetching anything.

    Reads web archives made by any crawler (wget --warc-file, Browsertrix, Common Crawl,
    `medarchive export --format warc`), gzipped per record or whole: every HTML page of
    a response or resource record (a revisit as the page it refers to) is read as a crawl
    reads it and archived as a run of its own (mode import, see `medarchive runs`).
    Pages that are not articles, and damaged or cut-short records, are counted and skipped.

    \b
        medarchive import CC-NEWS-20250301.warc.gz --site www.hjtdsm.com --db news.db
    """
    from crawler.warc_import import WarcError, import_warcs, warc_files

    rules = _load_site_rules(site_rules)
    try:
        files = warc_files(warc_paths)
    except WarcError as error:
        raise click.ClickException(str(error))
    _check_archive(db_path)
    with _locked(db_path), _written_archive(db_path) as db:
        try:
            stats = import_warcs(db, files, sites=sites, site_rules=rules)
        except WarcError as error:
            raise click.ClickException(str(error))
        except KeyboardInterrupt:
            raise click.ClickException("interrupted; the batches written so far are kept (run marked interrupted)")
    skipped = sum(count for name, count in stats.items()
                  if name in ("import/truncated", "import/unreadable", "import/no_date", "import/revisit_unresolved"))
    click.echo(
        f"{stats['import/pages']} pages read: {stats['import/new']} articles new, {stats['import/updated']} updated, "
        f"{stats['import/unchanged']} unchanged; {stats['import/not_article'] + stats['import/not_html']} not articles, "
        f"{skipped} damaged records skipped (see the log)"
    )


@cli.command()
@click.argument("dest", type=click.Path(dir_okay=False, path_type=Path))
@db_option
def backup(dest, db_path):
    """Copy the archive into the single file DEST, consistent even while a crawl writes it.

    Uses SQLite's online backup API: the copy is one snapshot of the archive, including
    what is still in its -wal file, and needs no lock (a crawl goes on meanwhile). DEST
    is written under a temporary name and renamed, so it is never half a copy.
    """
    from archive.backup import BackupError, backup_archive

    _require_archive(db_path)
    try:
        with _sigterm_interrupts():
            articles = backup_archive(db_path, dest)
    except (BackupError, CannotWrite) as error:
        raise click.ClickException(str(error))
    except KeyboardInterrupt:
        raise click.ClickException(f"interrupted; {dest} was not written")
    except sqlite3.DatabaseError as error:
        raise click.ClickException(_archive_error(db_path, error))
    click.echo(f"{db_path} -> {dest} ({articles} articles)")


def _redis_call(function, *args):
    """Call ``function``, turning an unreachable Redis into a message."""
    import redis

    try:
        return function(*args)
    except redis.exceptions.RedisError as error:
        raise click.ClickException(f"cannot use Redis at {args[0]} ({error}); is redis-server running?")


def _run_worker(start_urls, origins, redis_url, prefix, chain_only, delay, concurrency, scrapy_settings, verbose, log_file, site_rules=None):
    from crawler.distributed import redis_settings
    from crawler.runner import project_settings, run_crawl

    overrides = _crawl_settings(
        verbose, chain_only, scrapy_settings,
        **redis_settings(redis_url, prefix),
        DOWNLOAD_DELAY=delay,
        CONCURRENT_REQUESTS_PER_DOMAIN=concurrency,
        LOG_FILE=log_file,
        PORTAL_SITE_RULES=site_rules,
    )
    result = run_crawl(start_urls, project_settings(overrides), origins=origins)
    click.echo(f"{result.pages} pages, {result.articles} articles queued for `medarchive ingest`")
    return result


@cli.command()
@redis_options(required=True)
@crawl_options
def worker(redis_url, redis_prefix, chain_only, delay, concurrency, scrapy_settings, verbose, log_file, site_rules):
    """Join the distributed crawl started by `medarchive crawl URL --redis URL`.

    Any number of workers, on any machines, share one frontier in Redis and never
    fetch a URL twice. A worker stops once the shared queue has stayed empty for
    WORKER_IDLE_SECONDS (10); start, stop and add workers at any time.
    """
    from crawler.distributed import crawl_origins

    origins = _redis_call(crawl_origins, redis_url, redis_prefix)
    if not origins:
        raise click.ClickException(f"no distributed crawl under {redis_prefix!r} in {redis_url}: start one with `medarchive crawl URL --redis {redis_url}`")
    _load_site_rules(site_rules)
    result = _run_worker([], origins, redis_url, redis_prefix, chain_only, delay, concurrency, scrapy_settings, verbose, log_file, site_rules)
    sys.exit(0 if result.finished else 1)


@cli.command()
@redis_options(required=True)
@db_option
@click.option("--follow", is_flag=True, help="Keep writing while workers run; stop after --idle seconds without a message.")
@click.option("--idle", type=click.FloatRange(min=0.1), default=30, show_default=True, help="With --follow: seconds without a message before stopping.")
@click.option("--dead-letters", "show_dead_letters", is_flag=True, help="Show the messages set aside as unwritable, with the reason, and write nothing.")
@click.option("--replay-dead-letters", is_flag=True, help="Put the messages set aside back in the queue first (after a fix), then ingest.")
def ingest(redis_url, redis_prefix, db_path, follow, idle, show_dead_letters, replay_dead_letters):
    """Write the articles that distributed workers queued in Redis into the archive.

    The archive has one writer: run one ingester per archive (it takes the
    archive's lock). Each message leaves Redis only after its transaction has
    committed, so a killed ingester loses nothing; writes are idempotent. A message
    that cannot be written (not JSON, an article without a title ...) is set aside
    with the reason in the Redis list PREFIX:items:dead, and the rest is written.

    \b
    Exit status: 0 when every message was written, 4 when some were set aside
    (see --dead-letters), 1 when the ingest failed or was interrupted.
    """
    from crawler import distributed

    if show_dead_letters:
        _show_dead_letters(_redis_call(distributed.dead_letters, redis_url, redis_prefix))
        return
    if replay_dead_letters:
        replayed = _redis_call(distributed.replay_dead_letters, redis_url, redis_prefix)
        click.echo(f"{replayed} messages set aside before are back in the queue")
    new = not db_path.exists()
    if new:
        _redis_call(distributed.reachable, redis_url)  # before the archive is created: no empty file left
    _check_archive(db_path)
    counts = distributed.IngestCounts()
    with _locked(db_path), _written_archive(db_path) as db:
        if not new:  # after what the archive says of itself (locked, disk full), before a run is recorded
            _redis_call(distributed.reachable, redis_url)
        run = writer.start_run(db, [], {"REDIS_PREFIX": redis_prefix}, mode="ingest")
        status = "failed"
        # SIGTERM (systemd, kill) ends the ingest as Ctrl-C does: with the run's row closed.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        try:
            _redis_call(lambda *args: distributed.ingest(*args, follow=follow, idle_seconds=idle, run_id=run.id, counts=counts),
                        redis_url, redis_prefix, db)
            status = "finished"
        except KeyboardInterrupt:
            status = "shutdown"
            raise click.ClickException(f"interrupted after {counts.messages} messages; the rest stay queued for the next ingest")
        except sqlite3.Error:
            status = "archive_error"  # the messages of the failed batch stay queued
            raise
        finally:
            run.counts = counts.written
            writer.finish_run(db, run, status, {"queue/ingested": counts.messages, "queue/set_aside": counts.set_aside})
    written = counts.written
    click.echo(f"{counts.messages} messages: {written.new} new, {written.updated} updated, {written.unchanged} unchanged articles -> {db_path}")
    if counts.set_aside:
        click.echo(f"{counts.set_aside} messages could not be written and were set aside: "
                   f"`medarchive ingest --redis {redis_url} --dead-letters` shows why", err=True)
        sys.exit(EXIT_SET_ASIDE)


def _show_dead_letters(letters) -> None:
    if not letters:
        click.echo("No message has been set aside.")
    for letter in letters:
        preview = letter.message[:120].decode("utf-8", "replace").replace("\n", " ")
        click.echo(f"{letter.set_aside[:19]}  {letter.reason}\n            {preview}")


@cli.command()
@db_option
@click.option("--mailto", metavar="EMAIL", envvar="MEDARCHIVE_MAILTO",
              help="Your address, sent to Crossref (User-Agent: their polite pool) and NCBI (email=) so they can write before blocking. Or $MEDARCHIVE_MAILTO.")
@click.option("--limit", type=click.IntRange(min=1), help="Identifiers looked up at most in this run (default: all that are due).")
@click.option("--retry-unknown-after", "retry_days", type=click.FloatRange(min=0), default=RETRY_UNKNOWN_DAYS, show_default=True, metavar="DAYS",
              help="Days before a DOI, PMID or PMCID no source knows is looked up again.")
@click.option("--ncbi-api-key", envvar="NCBI_API_KEY", metavar="KEY", help="An NCBI API key: 10 requests/s instead of 3. Or $NCBI_API_KEY.")
@click.option("--crossref-url", envvar="MEDARCHIVE_CROSSREF_URL", default=CROSSREF_URL, show_default=True, callback=check_http_url,
              help="Crossref's REST API (or $MEDARCHIVE_CROSSREF_URL).")
@click.option("--idconv-url", envvar="MEDARCHIVE_IDCONV_URL", default=IDCONV_URL, show_default=True, callback=check_http_url,
              help="NCBI's PMC ID converter (or $MEDARCHIVE_IDCONV_URL).")
@click.option("--eutils-url", envvar="MEDARCHIVE_EUTILS_URL", default=EUTILS_URL, show_default=True, callback=check_http_url,
              help="NCBI's E-utilities (or $MEDARCHIVE_EUTILS_URL).")
@click.option("--max-time", "max_seconds", type=click.FloatRange(min=0), metavar="SECONDS",
              help="Ask nothing more once this many seconds have passed; what is left waits for the next run (default: no limit).")
@click.option("-v", "--verbose", is_flag=True, help="Log each batch and each retry.")
def enrich(db_path, mailto, limit, retry_days, ncbi_api_key, crossref_url, idconv_url, eutils_url, max_seconds, verbose):
    """Look up the DOIs, PMIDs and PMCIDs the archive cites: title, journal, year, authors into `works`.

    NCBI's ID converter links each PMCID, PMID and DOI of a paper into one row;
    Crossref describes works with a DOI, PubMed the others. Requests go one at a time
    within each API's published rate limit (Crossref's announced X-Rate-Limit, NCBI's
    3/s or 10/s with a key); 429 and 5xx answers are retried after their Retry-After.
    Only what is not yet resolved is asked: a second run asks nothing new. Each batch
    is committed, so Ctrl-C keeps what was resolved. An answer that cannot be stored
    (too large, of the wrong shape, about another identifier) is recorded `unusable`
    with its reason, and the run goes on.

    \b
    Exit status: 0 when every source answered, 6 when one was down (what needed it
    is looked up again by the next run), 1 when interrupted.
    """
    import logging
    from importlib.metadata import version

    from crawler.enrichment.enrich import EnrichCounts, Sources, enrich as run_enrich

    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(message)s")
    _require_archive(db_path)
    sources = Sources.at(crossref_url=crossref_url, idconv_url=idconv_url, eutils_url=eutils_url,
                         email=mailto, api_key=ncbi_api_key, version=version("medarchive"))
    counts = EnrichCounts()
    with _locked(db_path), _written_archive(db_path) as db:
        try:
            run_enrich(db, sources, limit=limit, retry_unknown_days=retry_days, counts=counts, max_seconds=max_seconds)
        except KeyboardInterrupt:
            raise click.ClickException(f"interrupted: the {counts.resolved} works resolved before are stored; run again to go on")
        stored = lookup_counts(db.conn)
    requests = ", ".join(f"{api.name} {api.requests}" for api in sources.apis)
    unusable = f", {counts.unusable} unusable" if counts.unusable else ""
    click.echo(f"{counts.asked} identifiers looked up: {counts.resolved} resolved, {counts.unknown} unknown{unusable}, {counts.failed} failed"
               f" (+{counts.cross_linked} cross-linked) -> {db_path}")
    click.echo(f"requests: {requests}; archive: {stored['works']} works, {stored.get('unknown', 0)} identifiers unknown")
    if counts.out_of_time:
        click.echo(f"stopped at the time limit (--max-time {max_seconds:g}): what is left is looked up by the next run")
    for message in counts.messages:
        click.echo(f"Error: {message}", err=True)
    if counts.messages:
        click.echo(f"{counts.failed} lookups are left for the next run", err=True)
        sys.exit(EXIT_SOURCE_DOWN)
