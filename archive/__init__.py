"""The archive as a library: what the crawl and the command use of it, importable from here.

``from archive import open_archive, Batch, start_run`` reaches the module that has each name
(:data:`FRONT_DOOR`); the modules ``archive.search``, ``archive.export`` and the others are
imported as they are (``from archive import search``). A name is imported when first asked
for, so that a process needing one module (``archive.sanitize`` in an extraction process)
loads none of the others.
"""

import importlib

#: Each name of the front door, by the module that has it.
FRONT_DOOR = {
    "db": (
        "open_archive", "open_readonly", "existing_archive", "check_servable", "close_archive", "checkpoint",
        "can_change", "disk_full", "NotAnArchive", "NoArchive", "UnreadableArchive",
    ),
    "lock": ("archive_lock", "ArchiveBusy", "ArchiveUnavailable"),
    "writer": ("Batch", "WriteCounts", "write_batch", "delete_articles", "utc_now"),
    "writer_thread": ("WriterThread",),
    "runs": ("Run", "start_run", "finish_run", "abandon_run", "crawl_errors"),
    "state": ("CrawlState", "KnownArticle", "load_state"),
}

_HOMES = {name: module for module, names in FRONT_DOOR.items() for name in names}

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    """The front door's ``name``, from the module that has it."""
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    globals()[name] = value
    return value
