"""Connections to the archive: opening it to write (made or upgraded on the way) or to read
only, checkpointing and closing it, and telling a full disk from other SQLite errors.

Every command, the crawl and the tests open the archive here, so that each connection gets
the same busy timeout, foreign keys and WAL, and a file that is not an archive is refused
before a byte of it changes.
"""

import itertools
import logging
import os
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import sqlite_utils

from .schema import MIGRATIONS

logger = logging.getLogger(__name__)

#: Busy timeout for every connection, in ms: a reader holding the file
#: briefly must not make the crawl fail.
BUSY_TIMEOUT_MS = 30_000
#: How long the final checkpoint waits for readers: each try waits this long (ms) ...
CHECKPOINT_BUSY_MS = 500
#: ... this many times, a little longer each time.
CHECKPOINT_TRIES = 5


class NotAnArchive(sqlite3.DatabaseError):
    """The file is an SQLite database that medarchive did not make."""


def check_is_archive(path) -> None:
    """Raise :class:`NotAnArchive` if ``path`` is someone else's SQLite database, reading
    it without changing a byte. A missing or empty file, or one with no table yet (a
    first crawl killed before its schema was committed), will become an archive."""
    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        return
    conn = sqlite3.connect(readonly_uri(path), uri=True)
    try:
        tables = {name for (name,) in conn.execute("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'")}
        sets = set()
        if MIGRATIONS.migrations_table in tables:
            sets = {name for (name,) in conn.execute(f"select distinct migration_set from {MIGRATIONS.migrations_table}")}
    finally:
        conn.close()
    if MIGRATIONS.name in sets:
        return
    others = sorted(tables - {MIGRATIONS.migrations_table})
    if others or sets:
        shown = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
        raise NotAnArchive(f"it is another application's database (tables {shown or 'of ' + ', '.join(sorted(sets))}); it was left as it was")


#: For tests/test_crash_consistency.py: ``MEDARCHIVE_PAUSE_AT=SQL[@N]`` stops the process at
#: the N-th statement (the first by default) that holds SQL, on any of its connections, to be
#: killed exactly there (mid-schema, mid-batch, before a commit).
PAUSE_AT = "MEDARCHIVE_PAUSE_AT"
_statements_matched = itertools.count(1)
_last_statement = [None]


def _pause_where_asked(statement: str) -> None:
    """Say ``paused before SQL`` on stderr and wait for ever, if ``statement`` is the one
    ``MEDARCHIVE_PAUSE_AT`` names."""
    # SQLite traces a statement again for each trigger it fires (m025's kept counts): one count.
    repeated, _last_statement[0] = statement == _last_statement[0], statement
    sql, _, nth = os.environ[PAUSE_AT].partition("@")
    if not repeated and sql.lower() in statement.lower() and next(_statements_matched) == int(nth or 1):
        os.write(2, f"paused before {sql}\n".encode())
        while True:
            time.sleep(3600)


def open_archive(path, *, create=True) -> sqlite_utils.Database:
    """Open (and, with ``create``, make or upgrade) the archive at ``path``.

    Every connection uses WAL so that readers never block the crawl's writer. Another
    application's SQLite file is refused before anything is written to it.
    """
    if create:
        check_is_archive(path)
    db = sqlite_utils.Database(path)
    if os.environ.get(PAUSE_AT):
        db.conn.set_trace_callback(_pause_where_asked)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA foreign_keys = ON")
    if create:
        db.enable_wal()
        MIGRATIONS.apply(db)
    return db


def can_change(path) -> bool:
    """True when a writer could change the archive at ``path``: the file and its directory
    (where a writer's journal goes) are both writable. False on a read-only mount."""
    path = Path(path).resolve()
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def wal_has_pages(path) -> bool:
    """True when the ``-wal`` file of ``path`` holds pages: a writer is at work, or left
    committed pages there that only a WAL-aware reader sees."""
    wal = Path(f"{path}-wal")
    return wal.exists() and wal.stat().st_size > 0


def readonly_uri(path) -> str:
    """The SQLite URI that reads ``path`` without creating or changing any file.

    ``mode=ro`` never writes the database, but on a WAL file it creates ``-wal`` and
    ``-shm`` next to it when they are missing (and fails on a read-only mount). While the
    ``-wal`` holds no page, the file alone holds everything, so ``immutable=1`` reads it
    creating nothing; a writer that starts later makes such a connection stale
    (:func:`wal_has_pages` turns true), and :mod:`archive.serve` then opens a new one.
    A file in rollback-journal mode is read with ``mode=ro`` (which creates nothing there)
    unless it cannot change at all.
    """
    path = Path(path).resolve()
    with open(path, "rb") as handle:
        wal_mode = handle.read(20)[18:20] == b"\x02\x02"
    uri = f"file:{quote(str(path))}?mode=ro"
    if not wal_has_pages(path) and (wal_mode or not can_change(path)):
        uri += "&immutable=1"
    return uri


def open_readonly(path) -> sqlite_utils.Database:
    """Open the archive at ``path`` for reading only (:func:`readonly_uri`): on a read-only
    mount or file, and without migrating it.

    :raises sqlite3.DatabaseError: when the file is not an SQLite database
    """
    return sqlite_utils.Database(sqlite3.connect(readonly_uri(path), uri=True))


class NoArchive(FileNotFoundError):
    """There is no archive file at the path given."""


class UnreadableArchive(OSError):
    """The archive file exists but cannot be read (permissions, a vanished mount)."""


@contextmanager
def existing_archive(db_path):
    """The archive at ``db_path`` for reading, closed afterwards.

    An archive no one can write (a read-only file, directory or mount) is read as it is,
    neither upgraded nor switched to WAL, and nothing is created next to it.

    :raises NoArchive: when there is no file at ``db_path``
    :raises UnreadableArchive: when the file cannot be opened
    :raises sqlite3.DatabaseError: when it is not a usable archive
    """
    if not Path(db_path).is_file():
        raise NoArchive(str(db_path))
    try:
        db = open_archive(db_path) if can_change(db_path) else open_readonly(db_path)
    except OSError as error:
        raise UnreadableArchive(error.strerror or str(error)) from error
    try:
        yield db
    finally:
        db.close()


def check_servable(db_path) -> None:
    """Read the archive at ``db_path`` once, read-only, creating, migrating and writing nothing.

    :raises NoArchive: when there is no file at ``db_path``
    :raises sqlite3.DatabaseError, OSError: when it is not a usable SQLite file
    """
    if not Path(db_path).is_file():
        raise NoArchive(str(db_path))
    with sqlite3.connect(readonly_uri(db_path), uri=True) as db:
        db.execute("select count(*) from sqlite_master").fetchone()
    db.close()


#: Free space (bytes) under which a disk I/O error is taken for a full disk: SQLite reports
#: a full disk as SQLITE_FULL when a write fails, but as a plain I/O error when it cannot
#: even map its ``-shm`` file.
NEARLY_FULL = 1 << 20


def disk_full(error: sqlite3.Error, path=None) -> bool:
    """True when SQLite failed because the disk (or the user's quota) holding ``path`` is full."""
    code = getattr(error, "sqlite_errorcode", None)
    if code == sqlite3.SQLITE_FULL:
        return True
    if path is None or code is None or code & 0xFF != sqlite3.SQLITE_IOERR:
        return False
    try:
        status = os.statvfs(os.path.dirname(os.path.abspath(path)))
    except OSError:
        return False
    return status.f_bavail * status.f_frsize < NEARLY_FULL


def checkpoint(db) -> bool:
    """Move everything in the ``-wal`` file into the archive file and empty the ``-wal``, so
    that the ``.db`` file alone holds the archive (a copy of it is a backup).

    A reader in the middle of a transaction keeps its snapshot and so holds the checkpoint
    back: it is tried again a few times. Returns False if readers held it every time (the
    next writer's checkpoint finishes the job), logging why.
    """
    db.execute(f"PRAGMA busy_timeout = {CHECKPOINT_BUSY_MS}")
    try:
        for attempt in range(1, CHECKPOINT_TRIES + 1):
            try:
                busy, _, _ = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            except sqlite3.OperationalError as error:
                logger.warning("Could not checkpoint the archive (%s); the -wal file keeps the latest writes", error)
                return False
            if not busy:
                return True
            time.sleep(0.2 * attempt)
        logger.warning("Readers held back the checkpoint; the -wal file keeps the latest writes until the next writer")
        return False
    finally:
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


def close_archive(db) -> None:
    """Checkpoint (see :func:`checkpoint`) and close an archive that was written."""
    try:
        checkpoint(db)
    finally:
        db.close()
