"""The options several ``medarchive`` commands share, each declared once, as a decorator."""

import os
from pathlib import Path

import click


def _compose(*decorators):
    def apply(function):
        for decorator in reversed(decorators):
            function = decorator(function)
        return function

    return apply


def db_option(function):
    return click.option(
        "--db",
        "db_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=lambda: os.environ.get("MEDARCHIVE_DB", "archive.db"),
        show_default="archive.db, or $MEDARCHIVE_DB",
        help="The SQLite archive file.",
    )(function)


def site_rules_option(function):
    return click.option(
        "--site-rules",
        type=click.Path(dir_okay=False, path_type=Path),
        envvar="MEDARCHIVE_SITE_RULES",
        help="A TOML file of per-site selectors (title, date, body, drop, prev, next) overriding the heuristics for those hosts; see docs/new-portal.md, Per-site rules.",
    )(function)


def _check_redis_url(ctx, param, url: str | None) -> str | None:
    """Refuse a --redis that is not a Redis URL in one line, before anything is opened or created."""
    if url is None:
        return None
    import redis

    try:
        redis.connection.parse_url(url)
    except ValueError as error:
        raise click.BadParameter(f"{url!r} is not a Redis URL ({error}); give one such as redis://127.0.0.1:6379/0", param=param) from None
    return url


def check_http_url(ctx, param, url: str) -> str:
    """Refuse an API address that is not an http(s) URL, before any request."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise click.BadParameter(f"{url!r} is not an http(s) URL", param=param)
    return url


def redis_options(required: bool):
    """``--redis`` and ``--redis-prefix``: which distributed crawl a command starts or joins."""
    if required:
        url_help = "The Redis of the distributed crawl (redis://HOST:PORT/DB)."
    else:
        url_help = ("Start a distributed crawl over this Redis (redis://HOST:PORT/DB); `medarchive worker` joins it, "
                    "`medarchive ingest` writes the archive.")
    return _compose(
        click.option("--redis", "redis_url", required=required, metavar="URL", callback=_check_redis_url, help=url_help),
        click.option("--redis-prefix", default="medarchive", show_default=True, help="Names the distributed crawl's Redis keys."),
    )


def _check_log_file(ctx, param, path: Path | None) -> str | None:
    """Refuse a log file that cannot be written before anything starts, not with a
    traceback from the logging set-up."""
    if path is None:
        return None
    if not path.parent.is_dir():
        raise click.BadParameter(f"the directory {path.parent} does not exist; create it or choose another file", param=param)
    if not os.access(path if path.exists() else path.parent, os.W_OK):
        raise click.BadParameter(f"{path} cannot be written (permission denied)", param=param)
    return str(path)


#: What ``crawl`` and ``worker`` both take: how to fetch, and what to log.
crawl_options = _compose(
    click.option("--chain-only", is_flag=True, help="Follow only the prev/next links: no sitemaps, no category listings."),
    click.option("--delay", type=click.FloatRange(min=0), help="Seconds between requests to one site, per worker (default 0.5, adapted by AutoThrottle)."),
    click.option("--concurrency", type=click.IntRange(min=1), help="Requests in flight per site, per worker (default 2)."),
    click.option("-s", "--set", "scrapy_settings", multiple=True, metavar="NAME=VALUE", help="Any Scrapy setting, e.g. -s AUTOTHROTTLE_MAX_DELAY=60. Repeatable."),
    click.option("-v", "--verbose", is_flag=True, help="Log every page and decision (Scrapy INFO level)."),
    click.option("--log-file", type=click.Path(dir_okay=False, path_type=Path), callback=_check_log_file,
                 help="Write the log to this file instead of the terminal."),
    site_rules_option,
)


def _check_day(ctx, param, value: str | None) -> str | None:
    from archive.selection import BadSelection, check_day

    try:
        return None if value is None else check_day(value)
    except BadSelection as error:
        raise click.BadParameter(str(error), param=param)


#: Which articles ``search`` and ``export`` read (:class:`archive.selection.Selection`).
selection_options = _compose(
    click.option("--since", metavar="DATE", callback=_check_day, help="Only articles published on or after DATE (2025-01-01)."),
    click.option("--until", metavar="DATE", callback=_check_day, help="Only articles published on or before DATE (2025-12-31)."),
    click.option("--site", metavar="HOST", help="Only articles of this site: its host as in its URLs (www.hjtdsm.com, 127.0.0.1:8731) or its origin (https://www.hjtdsm.com)."),
    click.option("--category", help="Only articles of this category (its exact name, in Simplified or Traditional characters, e.g. 干细胞治疗)."),
)


#: ``--csv`` beside ``--json`` on the commands that print a table.
csv_option = click.option("--csv", "as_csv", is_flag=True, help="Print the rows as CSV (UTF-8, a header line), for a spreadsheet or pandas.")


def _cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _at_most_the_cores(ctx, param, jobs: int) -> int:
    """``jobs``, or the number of cores when it asks for more: a worker beyond them only waits
    for a core, holding its memory (about 70 MB each)."""
    cores = _cores()
    if jobs > cores:
        click.echo(f"--jobs {jobs} is more than the {cores} cores here: using {cores}", err=True)
        return cores
    return jobs


def jobs_option(function):
    return click.option(
        "--jobs",
        type=click.IntRange(min=1),
        default=_cores,
        callback=_at_most_the_cores,
        show_default="the number of cores",
        help="Worker processes reading pages, at most the number of cores; this process alone writes the archive. 1 reads in this process.",
    )(function)
