"""The commands that look after the archive and its extraction: ``reextract``, ``backup``, ``enrich`` and ``extract``."""

import json
import sqlite3
import sys
from datetime import datetime, timezone
from pathlib import Path

import click

from archive.files import CannotWrite
from archive.works import lookup_counts
from enrichment.crossref import CROSSREF_URL
from enrichment.enrich import RETRY_UNKNOWN_DAYS
from enrichment.ncbi import EUTILS_URL, IDCONV_URL

from .common import _archive_error, _load_site_rules, _locked, _require_archive, _say, _sigterm_interrupts, _written_archive
from .options import check_http_url, db_option, jobs_option, site_rules_option


#: Exit status of ``enrich`` when a scholarly API was down: what needed it is asked again next run.
EXIT_SOURCE_DOWN = 6


def _fetch_time(ctx, param, value: str | None):
    """``--fetched-at`` as an aware datetime (no offset means UTC), or None when not given."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 time; give one such as 2019-09-05T12:00:00+08:00")
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@click.command()
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
                        ("modified", report["modified"] or report["modified_raw"]), ("description", (report["description"] or "")[:120]),
                        ("keywords", "、".join(report["keywords"])), ("language", report["language"])):
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


@click.command()
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


@click.command()
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


@click.command()
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

    from enrichment.enrich import EnrichCounts, Sources, enrich as run_enrich

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
