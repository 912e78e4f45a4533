"""A long job's pages read by several worker processes at once, and written by one.

``reextract --jobs N`` hands the reading of each kept page (decompressing, decoding,
extraction, the normalising steps) to N worker processes. The main process feeds them,
puts their results back in the order of the pages and stays the archive's one writer, so
the archive ends as it would after ``--jobs 1``.

Three bounds hold whatever the pages are:

* memory: at most :data:`CHUNKS_PER_JOB` chunks of pages per worker are out at a time,
  counting those done but waiting for an earlier page;
* time: a worker that spends longer than ``max_seconds`` on one page is killed and replaced
  (a process can be stopped, a thread cannot); the page comes back as :class:`Lost` and
  the rest of its chunk goes to the other workers;
* Ctrl-C: it reaches the whole process group, and workers ignore it; the main process
  kills them as it stops. A worker whose main process has gone ends by itself, its pipe
  closed, so none is left behind.

Workers are started with ``spawn``: a forked worker would share the archive's open
connection and inherit its lock.
"""

import logging
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import wait
from queue import SimpleQueue

#: Chunks each worker may hold at once: one being read, one waiting, so that it never idles
#: while the main process writes.
CHUNKS_PER_JOB = 2


@dataclass
class Lost:
    """A page whose reading did not come back: too slow (``timed_out``), or its worker died."""

    reason: str
    timed_out: bool


class Workers:
    """``jobs`` worker processes applying ``function`` (a picklable, module-level callable)
    to items; use as a context manager, so the workers end with it."""

    def __init__(self, function, jobs: int, *, chunk_size: int = 50, max_seconds: float | None = None):
        self.function, self.jobs, self.chunk_size, self.max_seconds = function, jobs, chunk_size, max_seconds
        self._context = multiprocessing.get_context("spawn")
        self._workers = []

    def __enter__(self):
        self._workers = [self._start() for _ in range(self.jobs)]
        return self

    def __exit__(self, kind, error, traceback):
        for worker in self._workers:
            worker.stop(at_once=kind is not None)
        self._workers = []

    def map(self, items):
        """``(item, function(item))`` for each of ``items``, in their order; the result is
        :class:`Lost` for a page given up. Log records the function made come out with its result."""
        items = enumerate(items)
        out = {}  # index -> item, given to a worker and not yet yielded
        done = {}  # index -> (result, records), waiting for an earlier index
        again = deque()  # (index, item) of a replaced worker, to give out first
        following, exhausted = 0, False
        cap = self.jobs * CHUNKS_PER_JOB * self.chunk_size
        while True:
            for worker in self._workers:
                while len(worker.pending) < CHUNKS_PER_JOB * self.chunk_size and len(out) < cap:
                    chunk = [again.popleft() for _ in range(min(len(again), self.chunk_size))]
                    if not chunk and not exhausted:
                        chunk = [entry for _, entry in zip(range(self.chunk_size), items)]
                        exhausted = len(chunk) < self.chunk_size
                    if not chunk:
                        break
                    out.update(chunk)
                    worker.give(chunk)
            while following in done:
                result, records = done.pop(following)
                emit(records)
                yield out.pop(following), result
                following += 1
            if out:
                self._collect(done, again, out)
            elif exhausted:
                return

    def _collect(self, done, again, out) -> None:
        """Wait for results (or an overrun), and file them."""
        busy = [worker for worker in self._workers if worker.pending]
        if not busy:
            return
        reading = [worker for worker in busy if worker.ready]
        timeout = None
        if self.max_seconds is not None and reading:
            timeout = max(0.0, min(worker.since for worker in reading) + self.max_seconds - time.monotonic())
        ready = wait([worker.results for worker in busy] + [worker.process.sentinel for worker in busy], timeout)
        for worker in busy:
            if worker.results in ready or worker.process.sentinel in ready:
                if not worker.receive(done):
                    self._replace(worker, Lost("ended its worker process", timed_out=False), done, again, out)
        if self.max_seconds is not None:
            now = time.monotonic()
            for worker in [worker for worker in self._workers if worker.pending and worker.ready]:
                if now - worker.since > self.max_seconds:
                    self._replace(worker, Lost(f"took longer than {self.max_seconds:g} s", timed_out=True), done, again, out)

    def _replace(self, worker, lost: Lost, done, again, out) -> None:
        """Give up the page ``worker`` is on, kill it, and give the rest of its pages to a new one."""
        (index, _), *rest = worker.pending
        done[index] = (lost, [])
        again.extendleft(reversed([(index, out[index]) for index, _ in rest]))
        worker.stop(at_once=True)
        self._workers[self._workers.index(worker)] = self._start()

    def _start(self) -> "_Worker":
        return _Worker(self._context, self.function, logging.getLogger().getEffectiveLevel())


class _Worker:
    """One worker process, seen from the main process: the indices it holds, in order."""

    def __init__(self, context, function, log_level: int):
        tasks, self.tasks = context.Pipe(duplex=False)
        self.results, results = context.Pipe(duplex=False)
        self.process = context.Process(target=_work, args=(function, tasks, results, log_level), daemon=True)
        # Started ignoring Ctrl-C (the new process keeps that through its start), so that one
        # pressed while it imports cannot print a traceback from it.
        handler = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            self.process.start()
        finally:
            signal.signal(signal.SIGINT, handler)
        tasks.close()
        results.close()
        self.pending = deque()  # (index, when given), oldest first
        self.since = 0.0  # when it began the page at the head of ``pending``
        # Started and its imports done: its pages are timed from then on, however long a
        # loaded machine took to start it.
        self.ready = False

    def give(self, chunk) -> None:
        now = time.monotonic()
        if not self.pending:
            self.since = now
        self.pending.extend((index, now) for index, _ in chunk)
        self.tasks.send(chunk)

    def receive(self, done) -> bool:
        """File every result that has arrived; False if the process has ended."""
        try:
            while self.results.poll():
                index, result, records, finished = self.results.recv()
                if isinstance(result, _Raised):
                    raise result.error
                if index is None:
                    self.ready = True
                else:
                    self.pending.popleft()
                    done[index] = (result, records)
                # The next page began when this one ended, or when it was given, if later.
                self.since = max(finished, self.pending[0][1]) if self.pending else 0.0
        except (EOFError, ConnectionError):
            return False
        return self.process.is_alive() or not self.pending

    def stop(self, at_once: bool) -> None:
        if at_once:
            self.process.kill()
        else:
            try:
                self.tasks.send(None)
            except OSError:
                self.process.kill()
        self.process.join(timeout=None if at_once else 10)
        if self.process.exitcode is None:
            self.process.kill()
            self.process.join()
        self.tasks.close()
        self.results.close()


@dataclass
class _Raised:
    """An exception the function let escape: raised again in the main process, as ``--jobs 1`` would."""

    error: BaseException


# --- in the worker process ---------------------------------------------------------


def _work(function, tasks, results, log_level: int) -> None:
    """A worker's loop. One thread takes chunks off the pipe as they come, so the main
    process never waits to give one, another sends results back, so reading goes on while
    the main process writes and does not read them."""
    records = capture_logs(log_level)
    inbox, outbox = SimpleQueue(), SimpleQueue()
    threading.Thread(target=_take, args=(tasks, inbox), daemon=True).start()
    sender = threading.Thread(target=_send, args=(results, outbox), daemon=True)
    sender.start()
    outbox.put((None, None, [], time.monotonic()))  # ready
    while (chunk := inbox.get()) is not None:
        for index, item in chunk:
            try:
                result = function(item)
            except Exception as error:
                result = _Raised(error if _picklable(error) else RuntimeError(f"{type(error).__name__}: {error}"))
            outbox.put((index, result, records[:], time.monotonic()))
            records.clear()
    outbox.put(None)
    sender.join()


def _take(tasks, inbox) -> None:
    while True:
        try:
            chunk = tasks.recv()
        except (EOFError, OSError):
            os._exit(0)  # the main process has gone: nothing more to do
        inbox.put(chunk)
        if chunk is None:
            return


def _send(results, outbox) -> None:
    while (message := outbox.get()) is not None:
        try:
            results.send(message)
        except OSError:
            os._exit(0)


class _Collect(logging.Handler):
    def __init__(self, records: list):
        super().__init__()
        self.records = records

    def emit(self, record) -> None:
        # As logging.handlers.QueueHandler prepares a record for another process.
        record.msg, record.args, record.exc_info, record.exc_text = self.format(record), None, None, None
        self.records.append(record)


def capture_logs(level: int) -> list:
    """A list the records this process logs at ``level`` and above go into, instead of its handlers."""
    records = []
    root = logging.getLogger()
    root.handlers[:] = [_Collect(records)]
    root.setLevel(level)
    return records


def emit(records) -> None:
    """Log, in the main process and through its handlers, what a worker logged."""
    for record in records:
        logger = logging.getLogger(record.name)
        if logger.isEnabledFor(record.levelno):
            logger.handle(record)


def _picklable(error) -> bool:
    import pickle

    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return False
    return True
