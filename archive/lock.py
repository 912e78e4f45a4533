"""One writer per archive: a lock that dies with its process, even under SIGKILL."""

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path


class ArchiveBusy(RuntimeError):
    """Another process is writing the archive."""


@contextmanager
def archive_lock(db_path):
    """Hold ``<archive>.lock`` for the duration, or raise :class:`ArchiveBusy` at once.

    An flock is released by the kernel when its process ends, however it ends, so a
    killed crawl never leaves the archive locked.
    """
    path = Path(f"{db_path}.lock")
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise ArchiveBusy(f"{db_path} is being written by {holder}; wait for it to finish") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"medarchive pid {os.getpid()}")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)
