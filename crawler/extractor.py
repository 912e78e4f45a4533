"""The page step (:mod:`crawler.page`) in child processes, so that one slow page neither
stalls the crawl nor runs for ever.

The spider hands each page as fetched to `Extractor.extract_later`, which runs `Extractor.extract`
in threads of its own: the reactor goes on downloading while the page is read. A thread cannot be
stopped, though, and Python code in it would still hold the interpreter lock against the
reactor; so the reading itself happens in two long-lived child processes
(``python -m crawler.extractor``, one page at a time each), and one is killed and replaced
when a page takes longer than ``PORTAL_MAX_EXTRACT_SECONDS``. The bound is hard: the crawl
never waits longer than that for a page, nothing keeps working on it afterwards, and the
other process reads the other pages meanwhile.

Messages are pickles over the child's stdin and stdout; the child writes its own output,
if any, to stderr. What the page step counted and logged comes back with its article.
"""

import logging
import os
import pickle
import queue
import signal
import subprocess
import sys
from collections import Counter
from multiprocessing.connection import Connection
from typing import NamedTuple

from .items import ArticleItem


class ExtractionTimeout(Exception):
    """A page took longer than the bound to extract."""


class Read(NamedTuple):
    """What the page step made of a page: the article (or why there is none), what it
    counted (``count`` keys) and the log records it made, for the crawl's log."""

    article: object
    counts: Counter
    records: list


class Extractor:
    """``processes`` child processes that extract pages, each one page at a time: while one
    reads a slow page, the others read the rest."""

    def __init__(self, max_seconds: float, processes: int = 2):
        self.max_seconds, self.processes = max_seconds, processes
        self._idle = queue.SimpleQueue()
        for _ in range(processes):
            self._idle.put(_Child())
        self._threads = self._trigger = None

    def extract_later(self, page, rule, later=()):
        """`extract` in this extractor's own threads (pages queue there, not in the reactor's
        pool, which resolves host names): a Deferred."""
        from twisted.internet import reactor
        from twisted.internet.threads import deferToThreadPool
        from twisted.python.threadpool import ThreadPool

        if self._threads is None:
            self._threads = ThreadPool(self.processes, self.processes, "extraction")
            self._threads.start()
            # Stopped at the reactor's shutdown if the spider never closes (a crash).
            self._trigger = reactor.addSystemEventTrigger("during", "shutdown", self._threads.stop)
        return deferToThreadPool(reactor, self._threads, self.extract, page, rule, later)

    def extract(self, page, rule, later=()) -> Read:
        """The page step over ``page`` (a :class:`crawler.page.Fetched`) and the ``later`` pages
        of its article, as it would give it here; its exception if it raises one;
        `ExtractionTimeout` after ``max_seconds`` a page. Blocks: call it from a thread."""
        child = self._idle.get()
        try:
            ok, result = child.extract((page, rule, tuple(later)), self.max_seconds * (1 + len(later)))
        finally:
            self._idle.put(child)
        if not ok:
            raise result
        if isinstance(result.article, ArticleItem):
            result.article.raw_body = page.body
        return result

    def close(self) -> None:
        if self._threads is not None:
            from twisted.internet import reactor

            reactor.removeSystemEventTrigger(self._trigger)
            self._threads.stop()  # waits for the pages being read, at most max_seconds
            self._threads = None
        for _ in range(self.processes):
            self._idle.get().stop()


class _Child:
    """One extraction process, started when first needed and replaced after an overrun."""

    def __init__(self):
        self._running = None

    def extract(self, request, max_seconds: float):
        try:
            if self._running is None:
                self._running = _start_child()
            process, to_child, from_child = self._running
            to_child.send(request)
            if not from_child.poll(max_seconds):
                self.stop()
                raise ExtractionTimeout(f"extraction took longer than {max_seconds:g} s")
            return from_child.recv()
        except (EOFError, OSError) as error:  # the child died (out of memory, killed)
            self.stop()
            raise ChildProcessError(f"the extraction process ended: {error}") from None

    def stop(self) -> None:
        if self._running is None:
            return
        process, to_child, from_child = self._running
        self._running = None
        process.kill()
        process.wait()
        to_child.close()
        from_child.close()


def _start_child():
    """A new extraction process, once it is ready to read: its start-up (a second or more on a
    busy machine) does not count against the first page's bound. It logs what this process
    would log."""
    level = str(logging.getLogger().getEffectiveLevel())
    process = subprocess.Popen([sys.executable, "-m", "crawler.extractor", level], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    to_child = Connection(os.dup(process.stdin.fileno()), readable=False)
    from_child = Connection(os.dup(process.stdout.fileno()), writable=False)
    process.stdin.close()
    process.stdout.close()
    from_child.recv()  # READY, or EOFError if it could not start
    return process, to_child, from_child


#: What a child says once it has imported the extraction code.
READY = "ready"


def serve(requests: Connection, answers: Connection, log_level: int = logging.WARNING) -> None:
    """The child's loop: each page sent through the page step, until the parent goes away."""
    from .jobs import capture_logs
    from .page import page_to_article

    records = capture_logs(log_level)
    try:
        answers.send(READY)
    except OSError:  # the crawl has gone already
        return
    while True:
        try:
            page, rule, later = requests.recv()
        except EOFError:
            return
        counts = Counter()
        try:
            article = page_to_article(page, rule, later=later, count=_count_into(counts))
            if isinstance(article, ArticleItem):
                article.raw_body = None  # the crawl has the page's bytes: not sent back
            answer = (True, Read(article, counts, records[:]))
        except Exception as error:  # the spider counts it and keeps the page
            answer = (False, error)
        records.clear()
        try:
            answers.send(answer)
        except (pickle.PicklingError, TypeError, AttributeError) as error:
            answers.send((False, RuntimeError(f"{type(answer[1]).__name__} from {page.url} could not be passed on: {error}")))
        except OSError:  # the crawl has gone (killed, or stopped while this page was read)
            return


def _count_into(counts: Counter):
    def count(key: str, n: int = 1) -> None:
        counts[key] += n

    return count


def main() -> None:
    # Ctrl-C reaches the whole process group; the crawl decides when this process ends.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    answers = Connection(os.dup(1), readable=False)
    os.dup2(2, 1)  # stray prints must not corrupt the answers
    level = int(sys.argv[1]) if len(sys.argv) > 1 else logging.WARNING
    serve(Connection(os.dup(0), writable=False), answers, level)


if __name__ == "__main__":
    # Run as the module proper, not as __main__: what it sends back must unpickle as crawler.extractor's.
    from crawler.extractor import main as run

    run()
