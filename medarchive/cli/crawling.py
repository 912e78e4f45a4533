"""The commands that fill the archive: ``crawl``, ``worker``, ``ingest``, ``import`` and ``demo``."""

import signal
import sys
from pathlib import Path
from urllib.parse import urlsplit

import click

from archive import open_archive
from archive.reading import newest_articles

from .common import (BOUND_WORDS, _bounds, _check_archive, _discovery_lines, _existing_archive, _load_site_rules, _locked, _say,
                     _written_archive)
from .options import crawl_options, db_option, redis_options, site_rules_option


#: Exit status of ``ingest`` when some messages could not be written and were set aside.
EXIT_SET_ASIDE = 4
#: Exit status when the crawl finished but a site's pages no longer give what they used to.
EXIT_DRIFTED = 5
#: What the spider's failure counts (``portal/failed/NAME``) mean, for a user told that nothing was reached.
FAILURE_WORDS = {
    "CannotResolveHostError": "host name not found",
    "DownloadConnectionRefusedError": "connection refused",
    "DownloadTimeoutError": "no answer in time",
    "robots": "robots.txt forbids it",
}


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


@click.command()
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
    from archive.drift import NotifyFailed, alerts_of_runs, notify, summary_line

    with _existing_archive(db_path) as db:
        alerts = alerts_of_runs(db, [run_id])
    for alert in alerts:
        click.echo(summary_line(alert), err=True)
    if not notify_command:
        return
    try:
        notify(notify_command, db_path, run_id, alerts)
    except NotifyFailed as error:
        click.echo(f"--notify-command {notify_command!r} {error}", err=True)


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


#: The replica families ``demo`` serves: family -> (share of ``--articles`` it gets as 1/N, fewest articles, seed).
DEMO_FAMILIES = {"wordpress": (1, 10, 1), "dedecms": (3, 6, 2), "trs": (3, 12, 3), "phpcms": (3, 12, 4)}


@click.command()
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
    from crawler.runner import LOOPBACK_SETTINGS, project_settings, run_crawl
    from replica.portal import build_portal
    from replica.server import PortUnavailable, serve_all

    _check_archive(db_path)
    portals = []
    for family in dict.fromkeys(families):
        share, fewest, seed = DEMO_FAMILIES[family]
        portals.append(build_portal(family, max(fewest, articles // share), seed=seed))
    try:
        servers = serve_all(portals, port)
    except PortUnavailable as error:
        raise click.ClickException(f"cannot serve the replica on port {error.port} ({error.__cause__}); try --port 0")
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


@click.command("import")
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


@click.command()
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


@click.command()
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
        # SIGTERM (systemd, kill) ends the ingest as Ctrl-C does: with the run's row closed.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        try:
            _redis_call(lambda *args: distributed.ingest_run(*args, follow=follow, idle_seconds=idle, counts=counts),
                        redis_url, redis_prefix, db)
        except KeyboardInterrupt:
            raise click.ClickException(f"interrupted after {counts.messages} messages; the rest stay queued for the next ingest")
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
