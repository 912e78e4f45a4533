"""Files handed on (exports, citation files, charts, backups), written whole or not at all.

Each is written under a temporary name beside it (the name plus ``.partial``) and renamed into
place at the end, so a failure, Ctrl-C or SIGTERM (made a ``KeyboardInterrupt``) or a full disk
leaves neither half a file nor the temporary one, and the previous file as it was.
"""

import errno
import os
from contextlib import contextmanager
from pathlib import Path

#: What SQLite may leave beside a database it was writing: a backup's journal and WAL files.
SQLITE_SIDE_FILES = ("-journal", "-wal", "-shm")
#: The errors of a disk (or a user's quota) that has no room left.
NO_ROOM = (errno.ENOSPC, errno.EDQUOT)


class CannotWrite(RuntimeError):
    """The file cannot be written where it was asked for; the message says what to do."""


def disk_full_message(path) -> str:
    """The one line saying that the disk holding ``path`` is full."""
    return f"the disk holding {path} is full; {path} was not written"


@contextmanager
def written_whole(path, option: str = "-o"):
    """The path of a temporary file that becomes ``path`` once the block ends without error;
    otherwise it is removed, with whatever SQLite made beside it. ``option`` names where the
    user gave ``path``, for the messages.

    :raises CannotWrite: for a missing directory, a directory, no permission or a full disk
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise CannotWrite(f"the directory {path.parent} does not exist; create it or choose another {option}")
    if path.is_dir():
        raise CannotWrite(f"{path} is a directory; give a file name to {option}")
    partial = path.with_name(path.name + ".partial")
    _remove(partial)
    try:
        yield partial
        os.replace(partial, path)
    except PermissionError as error:
        raise CannotWrite(f"cannot write {path} ({error.strerror}); choose another {option}") from error
    except OSError as error:
        if error.errno in NO_ROOM:
            raise CannotWrite(disk_full_message(path)) from error
        raise
    finally:
        _remove(partial)


@contextmanager
def replaced_atomically(path, option: str = "-o"):
    """A binary file open for writing that becomes ``path`` as :func:`written_whole` says."""
    with written_whole(path, option) as partial, open(partial, "wb") as binary:
        yield binary


def _remove(partial: Path) -> None:
    for name in (partial, *(partial.with_name(partial.name + suffix) for suffix in SQLITE_SIDE_FILES)):
        name.unlink(missing_ok=True)
