"""Soak: a crawl of a 5,000-article replica, read and served while it writes, killed with
SIGKILL at a random moment and resumed, ROUNDS times; then one run to the end.

Reports, per round and at the end: `PRAGMA integrity_check` and `foreign_key_check`, rows
without what one transaction writes, the reader's and the `serve` client's answers and
failures; peak RSS of every crawl process (and its extraction child) and of `serve`; whether
the finished archive equals an uninterrupted crawl of the same replica; and whether the
`.db` file alone, copied without its `-wal`, holds every article once everything has stopped.

    .venv/bin/python bench/soak.py [--quick] [--rounds 10] [--articles 5000]

All traffic stays on 127.0.0.1; every loop is bounded (rounds, a deadline per crawl, a stop
event for the reader and the client). Raw results: `bench/out/soak.json`.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from _common import OUT, PY, ROOT, cached_portal, machine, save, table

CRAWL_OPTIONS = ["--delay", "0", "--concurrency", "8", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "RETRY_TIMES=0"]
#: The most a crawl may take before the soak gives up on it (a bound, not an expectation).
CRAWL_DEADLINE = 900
#: What the `serve` client asks for, in turn: pages, JSON, full-text search, a count.
SERVE_PATHS = ["/", "/archive", "/archive/articles?_size=50", "/archive/articles.json?_size=100",
               "/archive/articles?_search=%E6%82%A3%E8%80%85", "/archive.json?sql=select+count(*)+from+articles"]


def rows(db_path, sql):
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30) as db:
        return db.execute(sql).fetchall()


def content(db_path):
    return rows(db_path, "select url, title, published, body, disclaimer, content_hash from articles order by url")


def checks(db_path) -> dict:
    return {
        "integrity": rows(db_path, "pragma integrity_check") == [("ok",)],
        "foreign_keys": rows(db_path, "pragma foreign_key_check") == [],
        "partial_rows": rows(db_path, "select count(*) from articles where title is null or body is null or content_hash is null")[0][0],
        "articles": rows(db_path, "select count(*) from articles")[0][0],
    }


def peak_rss_mb(pid: int) -> float:
    """VmHWM of a live process: its peak resident set so far."""
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def crawl(start: str, db_path: Path, kill_after: float | None) -> dict:
    """One crawl process; SIGKILLed after ``kill_after`` seconds, or run to its end."""
    started = time.monotonic()
    process = subprocess.Popen([PY, "-m", "archive", "crawl", start, "--db", str(db_path), *CRAWL_OPTIONS],
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = []
    threading.Thread(target=lambda: stderr.append(process.stderr.read()), daemon=True).start()
    child_peak = 0.0
    deadline = started + (kill_after if kill_after is not None else CRAWL_DEADLINE)
    ended = None  # os.wait4 rather than poll(): it also gives the process's peak RSS
    while time.monotonic() < deadline:
        ended = os.wait4(process.pid, os.WNOHANG)
        if ended[0]:
            break
        child_peak = max([child_peak, *(peak_rss_mb(child) for child in children(process.pid))])
        time.sleep(0.2)
    killed = not (ended and ended[0])
    if killed:
        process.send_signal(signal.SIGKILL)
        ended = os.wait4(process.pid, 0)
    _, status, usage = ended
    process.returncode = os.waitstatus_to_exitcode(status)
    return {"seconds": round(time.monotonic() - started, 1), "killed": killed, "exit": process.returncode,
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1), "extractor_peak_rss_mb": round(child_peak, 1),
            "stderr_tail": (stderr[0] if stderr else b"")[-400:].decode("utf-8", "replace") if not killed and process.returncode else ""}


class Reader(threading.Thread):
    """An analyst's loop: a read transaction held for a moment, again and again."""

    def __init__(self, db_path: Path, stop: threading.Event):
        super().__init__(daemon=True)
        self.db_path, self.stop = db_path, stop
        self.reads = self.errors = 0
        self.last_error = ""

    def run(self):
        while not self.stop.is_set():
            try:
                with sqlite3.connect(self.db_path, timeout=5) as db:
                    db.execute("begin")
                    db.execute("select count(*), max(id) from articles").fetchone()
                    db.execute("select category, count(*) from articles group by category").fetchall()
                    self.stop.wait(0.5)  # holds the snapshot, as a notebook does
                    db.rollback()
                self.reads += 1
            except sqlite3.Error as error:
                self.errors += 1
                self.last_error = str(error)
                self.stop.wait(0.2)


class Hammer(threading.Thread):
    """A `serve` client asking without pause for pages, JSON, searches and counts."""

    def __init__(self, base: str, stop: threading.Event):
        super().__init__(daemon=True)
        self.base, self.stop = base, stop
        self.statuses: dict[str, int] = {}
        self.latencies: list[float] = []

    def run(self):
        turn = 0
        while not self.stop.is_set():
            path = SERVE_PATHS[turn % len(SERVE_PATHS)]
            turn += 1
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(self.base + path, timeout=30) as answer:
                    answer.read()
                    status = str(answer.status)
            except urllib.error.HTTPError as error:
                status = str(error.code)
            except OSError as error:  # serve not up yet, or refusing: counted, then again
                status = type(error).__name__
                self.stop.wait(0.2)
            self.latencies.append(time.perf_counter() - started)
            self.statuses[status] = self.statuses.get(status, 0) + 1


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="300 articles, 3 rounds")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--articles", type=int, default=5000)
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.articles = 3, 300
    from replica import serve

    portal, build_seconds, cached = cached_portal("wordpress", args.articles, 7)
    work = OUT / f"soak-{args.articles}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    reference, db_path = work / "reference" / "archive.db", work / "soaked" / "archive.db"
    reference.parent.mkdir()
    db_path.parent.mkdir()
    chance = random.Random(2026)
    result = {"machine": machine(), "articles_live": len(portal.live_articles), "rounds": []}
    with serve(portal) as site:
        start = site.url + portal.live_articles[len(portal.live_articles) // 2].path
        result["reference"] = crawl(start, reference, None)
        result["reference"].update(checks(reference))
        print("reference crawl:", result["reference"], flush=True)
        # Kills spread so that the rounds together cover about half of an uninterrupted crawl.
        latest_kill = max(6.0, 1.5 * result["reference"]["seconds"] / args.rounds)
        stop = threading.Event()
        reader, server, hammer = Reader(db_path, stop), None, None
        try:
            for number in range(1, args.rounds + 1):
                round_ = crawl(start, db_path, kill_after=chance.uniform(3.0, latest_kill))
                round_.update(checks(db_path) if db_path.exists() else {})
                result["rounds"].append(round_)
                print(f"round {number}:", round_, flush=True)
                if server is None and db_path.exists():
                    port = free_port()
                    server = subprocess.Popen([PY, "-m", "archive", "serve", "--db", str(db_path), "--port", str(port)],
                                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    hammer = Hammer(f"http://127.0.0.1:{port}", stop)
                    hammer.start()
                    reader.start()
            result["final"] = crawl(start, db_path, None)
            result["final"].update(checks(db_path))
            print("final crawl:", result["final"], flush=True)
        finally:
            stop.set()
            if server is not None:
                result["serve_peak_rss_mb"] = round(peak_rss_mb(server.pid), 1)
                server.terminate()
                server.wait(timeout=30)
            for thread in (reader, hammer):
                if thread is not None and thread.is_alive():
                    thread.join(timeout=30)
    result["reader"] = {"reads": reader.reads, "errors": reader.errors, "last_error": reader.last_error}
    result["serve_client"] = {"answers": hammer.statuses, "requests": len(hammer.latencies),
                              "max_latency_s": round(max(hammer.latencies), 2)} if hammer else {}
    result["equal_to_uninterrupted"] = content(db_path) == content(reference)
    wal = db_path.with_name(db_path.name + "-wal")
    result["wal_bytes_after"] = wal.stat().st_size if wal.exists() else 0
    alone = work / "alone.db"
    shutil.copyfile(db_path, alone)  # the .db file alone, as a backup by `cp` would take it
    result["db_alone_articles"] = rows(alone, "select count(*) from articles")[0][0]
    result["db_alone_holds_every_article"] = result["db_alone_articles"] == result["final"]["articles"] == result["reference"]["articles"]
    result["left_running"] = [pid for pid in children(os.getpid())]
    save("soak.json", result)
    report(result, args)


def report(result: dict, args) -> None:
    print(f"\nSoak: {result['articles_live']} live articles, {args.rounds} SIGKILL rounds, {result['machine']['when']}")
    print(table(["run", "s", "killed", "articles", "integrity", "FKs", "partial rows", "crawl peak RSS MB", "extractor peak RSS MB"],
                [[name, run["seconds"], run["killed"], run.get("articles", "-"), run.get("integrity", "-"), run.get("foreign_keys", "-"),
                  run.get("partial_rows", "-"), run["peak_rss_mb"], run["extractor_peak_rss_mb"]]
                 for name, run in [("reference", result["reference"]),
                                   *((f"round {n}", run) for n, run in enumerate(result["rounds"], 1)),
                                   ("final", result["final"])]]))
    print(f"\nequal to the uninterrupted crawl: {result['equal_to_uninterrupted']}")
    print(f".db alone: {result['db_alone_articles']} articles (every article: {result['db_alone_holds_every_article']}); "
          f"-wal after: {result['wal_bytes_after']} bytes")
    print(f"serve peak RSS: {result.get('serve_peak_rss_mb')} MB; client: {result['serve_client']}")
    print(f"reader: {result['reader']}")
    print(f"processes left running: {result['left_running']}")


if __name__ == "__main__":
    main()
