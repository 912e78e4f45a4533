"""One writer per archive: a lock on the archive file itself, that dies with its process.

The lock is an ``flock`` on the SQLite file, so it follows the file, not the name
it was given: a symlink, a hard link or a relative path to the same archive meets
the same lock. The kernel releases it when its process ends, however it ends, so a
killed writer never leaves the archive locked, and a writer that holds it knows
that every run still marked ``running`` belongs to a process that is gone.

On Linux an ``flock`` and SQLite's own (POSIX) locks do not interact, except on
network file systems, where SQLite's WAL mode does not work anyway.
"""

import errno
import fcntl
import os
from contextlib import contextmanager
from pathlib import Path


class ArchiveBusy(RuntimeError):
    """Another process is writing the archive."""


class ArchiveUnavailable(RuntimeError):
    """The archive file cannot be opened to lock it (a missing directory, a full disk, no permission)."""


#: Descriptors of locked archives, by file identity (device, inode), kept open for the
#: process's life: closing any descriptor of a file drops every POSIX lock the process
#: holds on it, SQLite's included, so the lock is released with ``LOCK_UN`` instead.
_DESCRIPTORS: dict[tuple[int, int], int] = {}
#: Identities of the archives this process holds now: taking the lock again is a no-op,
#: so ``medarchive crawl`` can take it before Scrapy starts and the pipeline again.
_HELD: set[tuple[int, int]] = set()


def identity(db_path) -> tuple[int, int]:
    """(device, inode) of the archive file: the same for every name it has."""
    status = os.stat(db_path)
    return status.st_dev, status.st_ino


@contextmanager
def archive_lock(db_path):
    """Hold the archive's lock for the duration, or raise :class:`ArchiveBusy` at once.

    Creates an empty archive file if there is none (SQLite reads it as an empty database).
    """
    descriptor, key = _descriptor(Path(db_path))
    if key in _HELD:
        yield
        return
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise ArchiveBusy(f"{db_path} is being written by {_holder(key)}; wait for it to finish") from None
    _HELD.add(key)
    try:
        yield
    finally:
        _HELD.discard(key)
        fcntl.flock(descriptor, fcntl.LOCK_UN)


def _descriptor(path: Path) -> tuple[int, tuple[int, int]]:
    try:
        if not path.exists():
            os.close(os.open(path, os.O_RDONLY | os.O_CREAT, 0o644))
        key = identity(path)
        if key not in _DESCRIPTORS:
            _DESCRIPTORS[key] = os.open(path, os.O_RDONLY)
    except OSError as error:
        reason = "the disk is full" if error.errno in (errno.ENOSPC, errno.EDQUOT) else error.strerror
        raise ArchiveUnavailable(f"cannot open {path} ({reason})") from None
    return _DESCRIPTORS[key], key


def _holder(key: tuple[int, int]) -> str:
    """``medarchive pid N`` for the process holding the lock, as the kernel lists it."""
    device, inode = key
    wanted = f"{os.major(device):02x}:{os.minor(device):02x}:{inode}"
    try:
        with open("/proc/locks") as locks:
            for line in locks:
                fields = line.split()
                if "FLOCK" in fields and wanted in fields:
                    return f"medarchive pid {fields[fields.index(wanted) - 1]}"
    except OSError:
        pass
    return "another process"
