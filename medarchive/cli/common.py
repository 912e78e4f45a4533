"""What the ``medarchive`` commands share: opening the archive with one clear error line,
its lock, the site rules, and printing crawled text safely."""

import re
import signal
import sqlite3
from contextlib import contextmanager
from pathlib import Path

import click

from archive import NoArchive, NotAnArchive, UnreadableArchive, can_change, close_archive, disk_full, existing_archive, open_archive
from archive.sanitize import terminal_text


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


def _say(line: str = "", **options) -> None:
    """Print a line holding crawled text: without the characters a terminal would act on
    (an ESC sequence in a title retitles the window, a bidi override reorders the line)."""
    click.echo(terminal_text(line), **options)


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


def _no_archive(db_path: Path) -> str:
    return f"no archive at {db_path}: run `medarchive crawl URL --db {db_path}` (or `medarchive demo`) first"


def _require_archive(db_path: Path) -> None:
    if not db_path.is_file():
        raise click.ClickException(_no_archive(db_path))


@contextmanager
def _existing_archive(db_path: Path):
    """The archive at ``db_path`` for reading, closed afterwards; a clear error if there is none.

    An archive no one can write is read as it is (:func:`archive.db.existing_archive`).
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


@contextmanager
def _sigterm_interrupts():
    """SIGTERM (kill, a scheduler's time-out) made a Ctrl-C for the block: a file being
    written is then removed, not left half-written."""
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
