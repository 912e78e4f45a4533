"""What an analyst waits for in the browser: every page of ``medarchive serve`` on a large archive.

    .venv/bin/python bench/datasette_bench.py bench/out/scale-100000.db [--reps 20] [--before DIR] [--only WORD ...]

Starts ``medarchive serve`` (``archive.serve`` in a subprocess, as the command runs it) on the
archive and requests each page ``--reps`` times, pages interleaved, after one warm-up round:
the articles table as it opens, ``?_search=`` for a 1-, 2- and 3-character word and a Latin one,
a facet, the article page, the canned search and other canned queries, and each chart SVG.
Prints p50 and p95 of the wall time per page. With ``--before DIR`` a second server runs the
code of the checkout ``DIR`` (its own ``.venv``) on the same file, requests alternating between
the two, so that before -> after ratios come from one run on a shared machine. ``--only`` keeps
the pages whose name holds one of the words given (``--only chart canned facet``).
"""

from __future__ import annotations

import argparse
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import OUT, PY, ROOT, machine, median, p95, save, table  # noqa: E402

from archive.stats import CHART_TITLES  # noqa: E402

READABLE = "_col=title&_col=published_day&_col=category&_col=site&_sort_desc=published_at"


def pages(db: Path, only=()) -> dict[str, str]:
    """Name -> path of every page measured (or of those whose name holds a word of ``only``), for the archive ``db``."""
    name = db.stem
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        url = conn.execute("select url from articles order by id desc limit 1").fetchone()[0]
    finally:
        conn.close()
    found = {
        "articles table": f"/{name}/articles?{READABLE}",
        "search 1 char (肺)": f"/{name}/articles?{READABLE}&_search={quote('肺')}",
        "search 2 chars (患者)": f"/{name}/articles?{READABLE}&_search={quote('患者')}",
        "search 3 chars (外泌体)": f"/{name}/articles?{READABLE}&_search={quote('外泌体')}",
        "search Latin (COPD)": f"/{name}/articles?{READABLE}&_search=COPD",
        "facet site": f"/{name}/articles?{READABLE}&_facet=site",
        "article page": f"/-/article/{name}?url={quote(url, safe='')}",
        "canned search (患者)": f"/{name}/search?q={quote('患者')}",
        "canned search (外泌体)": f"/{name}/search?q={quote('外泌体')}",
        "canned articles_per_month": f"/{name}/articles_per_month",
        "canned most_cited_dois": f"/{name}/most_cited_dois",
    }
    found.update({f"chart {chart}": f"/-/charts/{name}/{chart}.svg" for chart in CHART_TITLES})
    return {page: path for page, path in found.items() if not only or any(word in page for word in only)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(checkout: Path) -> dict:
    """The environment of a server of ``checkout``: its own packages first, whatever this one's are."""
    return {**os.environ, "PYTHONPATH": str(checkout)}


def start(db: Path, checkout: Path) -> tuple[subprocess.Popen, str]:
    """``archive.serve`` of ``checkout`` on ``db``; returns the process and its base URL."""
    python = PY if checkout == ROOT else str(checkout / ".venv" / "bin" / "python")
    port = free_port()
    process = subprocess.Popen([python, "-m", "archive.serve", str(db), "--port", str(port)], cwd=checkout,
                               stdout=subprocess.DEVNULL, stderr=open(OUT / f"serve-{port}.log", "w"), env=_env(checkout))
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=2).read()
            return process, base
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"serve of {checkout} did not start")


def fetch(url: str) -> tuple[float, int]:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return (time.perf_counter() - started) * 1000, status


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("archive", type=Path)
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--before", type=Path, help="another checkout (with its .venv) to measure beside this one")
    parser.add_argument("--only", nargs="+", default=(), metavar="WORD", help="measure only the pages whose name holds one of these words")
    args = parser.parse_args(argv)
    args.archive = args.archive.resolve()
    checkouts = {"after": ROOT} | ({"before": args.before.resolve()} if args.before else {})
    servers = {label: start(args.archive, checkout) for label, checkout in checkouts.items()}
    timings = {(label, page): [] for label in servers for page in pages(args.archive, args.only)}
    statuses = {}
    try:
        for rep in range(args.reps + 1):
            for page, path in pages(args.archive, args.only).items():
                for label, (_, base) in servers.items():
                    ms, status = fetch(base + path)
                    statuses[(label, page)] = status
                    if rep:  # the first round warms the page cache and datasette's caches
                        timings[(label, page)].append(ms)
    finally:
        for process, _ in servers.values():
            process.terminate()
            process.wait(timeout=10)
    rows = []
    for page in pages(args.archive, args.only):
        row = [page]
        for label in servers:
            samples = timings[(label, page)]
            row += [median(samples), p95(samples), statuses[(label, page)]]
        if "before" in servers:
            row.append(median(timings[("before", page)]) / median(timings[("after", page)]))
        rows.append(row)
    headers = ["page"] + [f"{label} {what}" for label in servers for what in ("p50 ms", "p95 ms", "status")]
    headers += ["before/after p50"] if "before" in servers else []
    print(f"{args.archive} ({args.reps} requests per page and server, interleaved)")
    print(table(headers, rows))
    save("datasette_bench.json", {"machine": machine(), "archive": str(args.archive), "reps": args.reps,
                                  "timings": {f"{label}|{page}": samples for (label, page), samples in timings.items()}})


if __name__ == "__main__":
    main()
