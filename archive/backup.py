"""A copy of the archive in one file, taken while it may be written."""

import os
import sqlite3
from pathlib import Path

from .schema import BUSY_TIMEOUT_MS


class BackupError(RuntimeError):
    """The copy cannot be made where it was asked for."""


def backup_archive(db_path, dest) -> int:
    """Copy the archive ``db_path`` to ``dest`` with SQLite's online backup API; returns the
    number of articles in the copy.

    The copy is one consistent snapshot (the backup reads in a single transaction, which
    in WAL mode never blocks the writer), in rollback-journal mode so that it is one
    self-contained file. It is written as ``dest`` plus a suffix and renamed into place.
    """
    db_path, dest = Path(db_path), Path(dest)
    if not dest.parent.is_dir():
        raise BackupError(f"the directory {dest.parent} does not exist")
    if dest.exists() and os.path.samefile(dest, db_path):
        raise BackupError(f"{dest} is the archive itself; choose another file")
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{db_path.resolve()}?mode=ro", uri=True)
    try:
        source.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)
            copy.execute("PRAGMA journal_mode = DELETE")
            articles = copy.execute("select count(*) from articles").fetchone()[0]
        finally:
            copy.close()
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        source.close()
    os.replace(partial, dest)
    return articles
