"""Distributed crawls: pages/s with 1, 2 and 4 scrapy-redis workers.

    /tmp/venv/bin/python bench/distributed_bench.py [--quick] [--articles 400] [--latency 0.05] [--reps 2]

One replica WordPress portal served with `--latency` seconds per request (a real site is
far from loopback), one real redis-server on a free port. For each worker count N: a
fresh distributed crawl (`medarchive crawl URL --redis`, then N-1 `medarchive worker`
processes started at once), wall time from the first start to the last exit, pages the
server saw, and then `medarchive ingest` time. Each worker runs with the same
per-site concurrency (2), so N workers keep up to 2N requests in flight. Medians of `--reps`.
Worker processes stop after WORKER_IDLE_SECONDS (set to 1) of empty queue; that idle
tail is included in the wall time, as it is in real use.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PY, ROOT, cached_portal, machine, median, save, table  # noqa: E402

sys.path.insert(0, str(ROOT))
from replica import serve  # noqa: E402

WORKER_OPTIONS = ["--delay", "0", "--concurrency", "2", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "WORKER_IDLE_SECONDS=1"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_redis():
    port = free_port()
    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                               stdout=subprocess.DEVNULL)
    for _ in range(200):
        with socket.socket() as client:
            if client.connect_ex(("127.0.0.1", port)) == 0:
                return process, f"redis://127.0.0.1:{port}/0"
        time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


def run(site, start_url, redis_url, workers: int, db_path: Path) -> dict:
    site.clear_requests()
    began = time.perf_counter()
    first = subprocess.Popen([PY, "-m", "medarchive", "crawl", start_url, "--redis", redis_url, *WORKER_OPTIONS],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    time.sleep(1.0)  # the first worker clears the previous crawl's keys before the others join
    others = [subprocess.Popen([PY, "-m", "medarchive", "worker", "--redis", redis_url, *WORKER_OPTIONS],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
              for _ in range(workers - 1)]
    per_worker = []
    for process in [first, *others]:
        out, err = process.communicate()
        if process.returncode:
            raise RuntimeError(err[-2000:])
        per_worker.append(int(out.split()[0]))
    wall = time.perf_counter() - began
    pages = len(site.requests)
    began = time.perf_counter()
    ingested = subprocess.run([PY, "-m", "medarchive", "ingest", "--redis", redis_url, "--db", str(db_path)],
                              capture_output=True, text=True, cwd=ROOT, check=True)
    return {"workers": workers, "wall_s": wall, "pages": pages, "pages_per_s": pages / wall, "per_worker_pages": per_worker,
            "ingest_s": time.perf_counter() - began, "ingest": ingested.stdout.strip()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=400)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="120 articles, one repetition")
    args = parser.parse_args()
    if args.quick:
        args.articles, args.reps = 120, 1
    portal, _, _ = cached_portal("wordpress", args.articles, 7)
    redis, redis_url = start_redis()
    results = {}
    try:
        with serve(portal, latency=args.latency) as site, tempfile.TemporaryDirectory() as tmp:
            start_url = site.url + portal.live_articles[len(portal.live_articles) // 4].path
            for rep in range(args.reps):
                for workers in (1, 2, 4):  # interleaved, so drift hits every count alike
                    result = run(site, start_url, redis_url, workers, Path(tmp) / f"r{rep}-w{workers}.db")
                    results.setdefault(workers, []).append(result)
                    print(f"rep {rep} workers {workers}: {result['pages_per_s']:.1f} pages/s {result['per_worker_pages']}", flush=True)
    finally:
        redis.terminate()
    base = median([r["pages_per_s"] for r in results[1]])
    rows = []
    for workers, runs in results.items():
        rate = median([r["pages_per_s"] for r in runs])
        rows.append([workers, runs[0]["pages"], f"{median([r['wall_s'] for r in runs]):.1f}", f"{rate:.1f}",
                     f"{rate / base:.2f}x", " / ".join(map(str, runs[-1]["per_worker_pages"])),
                     f"{median([r['ingest_s'] for r in runs]):.1f}"])
    print(table(["workers", "pages", "wall s", "pages/s", "vs 1 worker", "pages per worker (last rep)", "ingest s"], rows))
    save("distributed", {"machine": machine(), "args": vars(args), "results": results})


if __name__ == "__main__":
    main()
