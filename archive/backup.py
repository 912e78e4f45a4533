"""A copy of the archive in one file, taken while it may be written."""

import os
import sqlite3
from pathlib import Path

from .files import CannotWrite, disk_full_message, written_whole
from .db import BUSY_TIMEOUT_MS, can_change, readonly_uri

#: Pages copied per step of the backup; between steps a Ctrl-C or SIGTERM is answered.
PAGES_PER_STEP = 1024


class BackupError(RuntimeError):
    """The copy cannot be made where it was asked for."""


def backup_archive(db_path, dest) -> int:
    """Copy the archive ``db_path`` to ``dest`` with SQLite's online backup API; returns the
    number of articles in the copy.

    The copy is one consistent snapshot (the backup reads in a single transaction, which
    in WAL mode never blocks the writer), in rollback-journal mode so that it is one
    self-contained file. It is written whole or not at all (:func:`archive.files.written_whole`).
    An archive on a read-only mount is read as it is.

    :raises CannotWrite: when ``dest`` cannot be written (its disk full, ...)
    :raises sqlite3.DatabaseError: when the archive cannot be read
    """
    db_path, dest = Path(db_path), Path(dest)
    if dest.exists() and os.path.samefile(dest, db_path):
        raise BackupError(f"{dest} is the archive itself; choose another file")
    # mode=ro creates the -shm file a WAL archive needs; where nothing can be created, the
    # archive cannot change either, and is read as the immutable file it is.
    source_uri = f"file:{db_path.resolve()}?mode=ro" if can_change(db_path) else readonly_uri(db_path)
    source = sqlite3.connect(source_uri, uri=True)
    try:
        source.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        with written_whole(dest, "DEST") as partial:
            return _copy(source, partial, dest)
    finally:
        source.close()


def _copy(source, partial: Path, dest: Path) -> int:
    """Back ``source`` up into the file ``partial``; the articles copied."""
    copy = sqlite3.connect(partial)
    try:
        source.backup(copy, pages=PAGES_PER_STEP, progress=_step_done)
        copy.execute("PRAGMA journal_mode = DELETE")
        return copy.execute("select count(*) from articles").fetchone()[0]
    except sqlite3.OperationalError as error:
        # The archive is only read: a write that found no room was the copy's.
        if error.sqlite_errorcode == sqlite3.SQLITE_FULL:
            raise CannotWrite(disk_full_message(dest)) from error
        raise
    finally:
        copy.close()


def _step_done(status, remaining, total) -> None:
    """Called between two steps of the backup: Python code, so a pending signal is handled here."""
