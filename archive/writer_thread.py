"""Writing batches in a thread of its own, so that whoever fills them (the crawl's reactor)
goes on downloading and parsing while SQLite writes.

The thread has its own connection. Batches wait in a bounded queue: when the disk is slower
than the crawl, handing over one more batch waits for it, so a slow disk slows the crawl
instead of growing memory. Each batch is still one transaction (``Batch.write``): a crash
loses the batches still waiting, never part of one.
"""

import queue
import threading

from .db import open_archive
from .writer import Batch

#: Batches waiting for the thread at most, besides the one being written.
QUEUED_BATCHES = 2


class WriterThread:
    """Writes each batch handed to :meth:`write`, in order, for the run ``run_id`` of the archive
    at ``path``. What each write gave (its ``WriteCounts``, or the exception that rolled it back)
    arrives in :attr:`results`, in the same order.

    Once a write has failed, the batches handed over later are not tried: the full disk or the
    broken file that refused one would meet them too, and whatever they managed to write would
    take the room that the run's closing row needs."""

    def __init__(self, path, run_id: int | None = None, queued: int = QUEUED_BATCHES):
        self.results = queue.SimpleQueue()
        self._batches = queue.Queue(queued)
        self._thread = threading.Thread(target=self._run, args=(path, run_id), name="archive-writer", daemon=True)
        self._thread.start()

    def write(self, batch: Batch, pages: int | None = None) -> None:
        """Queue ``batch``, which now belongs to the thread; blocks while ``queued`` batches wait.
        ``pages`` is how many pages the run had fetched when the batch was filled."""
        self._batches.put((batch, pages))

    def close(self) -> None:
        """Write every queued batch, then end the thread and its connection."""
        self._batches.put(None)
        self._thread.join()

    def _run(self, path, run_id) -> None:
        db = failed = None
        try:
            db = open_archive(path, create=False)
        except Exception as error:  # reported with the first batch, which it keeps from being written
            failed = error
        reported = False
        while (job := self._batches.get()) is not None:
            if failed is None:
                batch, pages = job
                result = _write(db, batch, run_id, pages)
                failed = result if isinstance(result, Exception) else None
                self.results.put(result)
            elif not reported:
                self.results.put(failed)
            reported = failed is not None
        if db is not None:
            db.close()


def _write(db, batch: Batch, run_id, pages):
    try:
        return batch.write(db, run_id, pages)
    except Exception as error:  # the caller decides what it means; the thread goes on emptying the queue
        return error
