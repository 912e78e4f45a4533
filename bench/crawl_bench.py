"""Section 1: crawl throughput on a replica WordPress portal.

    /tmp/venv/bin/python bench/crawl_bench.py [--quick] [--articles 5000] [--reps 3] [--latency 0.05]

Measures, against one `replica.serve` server (in this process):
  0. the server alone: a threaded urllib fetch loop (in a child process) over every live article
     path, at concurrency 1, 4 and 8 -> pages/s;
  a. `bench/bare_spider.py` (Scrapy following rel=prev/next with one XPath, nothing else);
  b. `medarchive crawl` into a fresh archive;
  c. `medarchive crawl` again on the same archive (re-crawl);
each in its own child process: wall time, pages (requests the server saw, robots.txt included),
pages/s, crawl window (first -> last request at the server), child CPU time and peak RSS
(`/usr/bin/time -f %M`; CPU from `os.wait4` rusage). (a)/(b)/(c) are interleaved `--reps` times; medians reported.
Then (a) and (b) once more against a server answering after `--latency` seconds.

The replica has a deleted article in the middle of its chain (n // 2), which prev/next cannot
cross, so every crawl starts from two articles (n // 4 and 3n // 4): four chain directions, so at
most four requests in flight whatever the concurrency setting. Building the portal is slow for
large n (see RESULTS.md); it is pickled under bench/out/ and reused.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import OUT, PY, ROOT, cached_portal, machine, median, save, table  # noqa: E402

MEDARCHIVE = str(Path(PY).with_name("medarchive"))


# --- server-alone fetch loop (runs as a child: `--_fetch`) ---------------------------------


def fetch_loop(base: str, paths: list[str], concurrency: int) -> dict:
    import urllib.request

    def get(path):
        with urllib.request.urlopen(base + path, timeout=30) as r:
            return len(r.read())

    t0 = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        sizes = list(pool.map(get, paths))
    dt = time.perf_counter() - t0
    return {"pages": len(paths), "bytes": sum(sizes), "seconds": dt, "pages_per_s": len(paths) / dt}


# --- children --------------------------------------------------------------------------------


def run_child(cmd: list[str], tag: str, env=None, cwd=ROOT) -> dict:
    out = OUT / f"crawl-{tag}.stdout"
    err = OUT / f"crawl-{tag}.stderr"
    rss_file = OUT / f"crawl-{tag}.maxrss"
    # Peak RSS via /usr/bin/time: os.wait4's ru_maxrss of a child forked from this (large) process
    # counts the parent's pages mapped between fork and exec, so it would report this process's size.
    timed_cmd = ["/usr/bin/time", "-f", "%M", "-o", str(rss_file), *cmd]
    with open(out, "wb") as fo, open(err, "wb") as fe:
        t0 = time.perf_counter()
        proc = subprocess.Popen(timed_cmd, stdout=fo, stderr=fe, cwd=cwd, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
    try:
        peak_kb = int(rss_file.read_text().split()[-1])
    except (OSError, ValueError, IndexError):
        peak_kb = float("nan")
    return {
        "rc": proc.returncode,
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": peak_kb / 1024,
        "stdout": out.read_text(errors="replace")[-2000:],
        "stderr_tail": err.read_text(errors="replace")[-1500:],
    }


class Timed:
    """Wraps a ReplicaServer's request log with arrival times (bench-side, no project change)."""

    def __init__(self, server):
        self.server = server
        self.times: list[float] = []
        original = server._record

        def record(method, path, status):
            original(method, path, status)
            self.times.append(time.perf_counter())

        server._record = record

    def mark(self):
        return len(self.server.requests), len(self.times)

    def since(self, mark):
        reqs = self.server.requests[mark[0]:]
        times = self.times[mark[1]:]
        window = (times[-1] - times[0]) if len(times) > 1 else float("nan")
        statuses = {}
        for _, _, st in reqs:
            statuses[st] = statuses.get(st, 0) + 1
        return {"requests": len(reqs), "window_s": window, "statuses": statuses}


#: medarchive crawl variants: extra CLI flags.
VARIANTS = {
    "chain": ["--chain-only"],  # prev/next only: the same design as the bare spider
    "discover": [],  # the default: chain + robots.txt sitemaps + category listings
    "recrawl_incremental": [],  # default again on the same archive (incremental mode)
    "recrawl_full": ["--full"],  # --full again on the same archive: refetch everything
}
#: Variants run from another checkout (``--before DIR``): the same crawl by older code.
BEFORE = {"chain_before": "chain"}


def crawl_once(kind: str, timed: Timed, starts: list[str], concurrency: int, db: Path | None, tag: str,
               before: Path | None = None) -> dict:
    cwd = ROOT
    if kind == "bare":
        cmd = [PY, str(ROOT / "bench" / "bare_spider.py"), *starts, "--concurrency", str(concurrency)]
    else:
        # `python -m medarchive` from a checkout runs that checkout's code (its directory comes first on sys.path).
        program, cwd = ([PY, "-m", "medarchive"], before) if kind in BEFORE else ([MEDARCHIVE], ROOT)
        cmd = [*program, "crawl", *starts, *VARIANTS[BEFORE.get(kind, kind)], "--db", str(db), "--delay", "0",
               "--concurrency", str(concurrency), "-s", "AUTOTHROTTLE_ENABLED=False"]
    mark = timed.mark()
    res = run_child(cmd, tag, cwd=cwd)
    res.update(timed.since(mark))
    res["kind"] = kind
    res["pages_per_s"] = res["requests"] / res["wall_s"]
    res["window_pages_per_s"] = res["requests"] / res["window_s"] if res["window_s"] == res["window_s"] else float("nan")
    res["cpu_ms_per_page"] = 1000 * res["cpu_s"] / max(1, res["requests"])
    if db is not None and db.exists():
        import sqlite3

        con = sqlite3.connect(db)
        res["articles_in_db"] = con.execute("select count(*) from articles").fetchone()[0]
        res["db_mb"] = db.stat().st_size / 1e6
        con.close()
    print(f"  {tag:28} rc={res['rc']} {res['requests']} req in {res['wall_s']:.1f}s "
          f"({res['pages_per_s']:.1f}/s wall, {res['window_pages_per_s']:.1f}/s window) "
          f"cpu {res['cpu_s']:.1f}s rss {res['peak_rss_mb']:.0f}MB", flush=True)
    if res["rc"] != 0:
        print(res["stderr_tail"], file=sys.stderr)
    return res


def summarize(runs: list[dict]) -> dict:
    keys = ("wall_s", "requests", "pages_per_s", "window_pages_per_s", "cpu_s", "cpu_ms_per_page", "peak_rss_mb")
    return {k: median([r[k] for r in runs]) for k in keys} | {"n": len(runs)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1,000 articles, 1 rep, latency on 500 articles")
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--no-latency", action="store_true", help="skip the latency runs")
    parser.add_argument("--no-profile", action="store_true", help="skip the profiled crawl")
    parser.add_argument("--latency-articles", type=int, help="a smaller replica for the latency runs")
    parser.add_argument("--latency-reps", type=int, default=1)
    parser.add_argument("--only-chain", action="store_true", help="only (a) and (b): no discovery or re-crawl runs")
    parser.add_argument("--before", type=Path, metavar="DIR",
                        help="also run (b) from this checkout (e.g. `git archive main`), interleaved: before -> after")
    parser.add_argument("--_fetch", nargs=3, metavar=("BASE", "PATHS_FILE", "CONC"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args._fetch:
        base, paths_file, conc = args._fetch
        print(json.dumps(fetch_loop(base, json.loads(Path(paths_file).read_text()), int(conc))))
        return

    if args.quick:
        args.articles, args.reps = 1000, 1
    info = machine()
    print(f"machine: {info}", flush=True)

    t0 = time.perf_counter()
    portal, build_s, cached = cached_portal("wordpress", args.articles, args.seed)
    load_s = time.perf_counter() - t0
    n = len(portal.articles)
    starts_paths = [portal.articles[n // 4].path, portal.articles[3 * n // 4].path]
    reachable = portal.reachable_from(starts_paths[0]) | portal.reachable_from(starts_paths[1])
    live_paths = [a.path for a in portal.live_articles]
    print(f"portal: {n} articles, {len(portal.pages)} pages; build {build_s:.1f}s "
          f"({'loaded from cache in %.1fs' % load_s if cached else 'built now'}); "
          f"{len(reachable)} of {len(live_paths)} live articles reachable from the two starts", flush=True)

    result = {"machine": info, "articles": n, "pages_total": len(portal.pages), "build_s": build_s,
              "reachable": len(reachable), "live": len(live_paths), "concurrency": args.concurrency}

    from replica import serve

    server = serve(portal)
    timed = Timed(server)
    starts = [server.url + p for p in starts_paths]

    # 0. server alone
    paths_file = OUT / "crawl-paths.json"
    paths_file.write_text(json.dumps(live_paths))
    fetch = {}
    for conc in (1, 4, 8):
        tries = []
        for _ in range(3):
            res = subprocess.run([PY, __file__, "--_fetch", server.url, str(paths_file), str(conc)],
                                 capture_output=True, text=True, cwd=ROOT, check=True)
            tries.append(json.loads(res.stdout.strip().splitlines()[-1]))
        fetch[conc] = sorted(tries, key=lambda t: t["pages_per_s"])[1]  # median of 3
        fetch[conc]["all_pages_per_s"] = [t["pages_per_s"] for t in tries]
        print(f"  fetch loop c={conc}: {fetch[conc]['pages_per_s']:.0f} pages/s "
              f"({fetch[conc]['bytes'] / fetch[conc]['pages'] / 1024:.1f} KiB/page)", flush=True)
    result["fetch_loop"] = fetch

    # a/b/c interleaved
    tmp = Path(tempfile.mkdtemp(prefix="medarchive-crawl-", dir=OUT))
    chains = ["chain_before", "chain"] if args.before else ["chain"]
    runs = {"bare": [], **{kind: [] for kind in chains}}
    if not args.only_chain:
        runs |= {"discover": [], "recrawl_incremental": [], "recrawl_full": []}
    for rep in range(args.reps):
        runs["bare"].append(crawl_once("bare", timed, starts, args.concurrency, None, f"bare-r{rep}"))
        for kind in chains:
            runs[kind].append(crawl_once(kind, timed, starts, args.concurrency, tmp / f"{kind}{rep}.db", f"{kind}-r{rep}", args.before))
        db = tmp / f"rep{rep}.db"
        for kind in () if args.only_chain else ("discover", "recrawl_incremental", "recrawl_full"):
            runs[kind].append(crawl_once(kind, timed, starts, args.concurrency, db, f"{kind}-r{rep}"))
    result["runs"] = runs
    result["summary"] = {k: summarize(v) for k, v in runs.items()}
    server.stop()

    # latency
    if not args.no_latency:
        lat_portal = portal
        if args.quick or args.latency_articles:
            lat_portal, _, _ = cached_portal("wordpress", args.latency_articles or 500, args.seed)
        ln = len(lat_portal.articles)
        lat_server = serve(lat_portal, latency=args.latency)
        lat_timed = Timed(lat_server)
        lat_starts = [lat_server.url + lat_portal.articles[ln // 4].path, lat_server.url + lat_portal.articles[3 * ln // 4].path]
        lat_kinds = ["bare", *chains, *(() if args.only_chain else ("discover",))]
        lat = {kind: [] for kind in lat_kinds}
        for rep in range(args.latency_reps):
            for kind in lat_kinds:
                db = None if kind == "bare" else tmp / f"latency-{kind}{rep}.db"
                lat[kind].append(crawl_once(kind, lat_timed, lat_starts, args.concurrency, db, f"latency-{kind}-r{rep}", args.before))
        lat_server.stop()
        result["latency"] = {"latency_s": args.latency, "articles": ln, "runs": lat,
                             "summary": {k: summarize(v) for k, v in lat.items()},
                             "design_limit_pages_per_s": 4 / args.latency}

    # one profiled --chain-only crawl (not timed: cProfile slows it), to show where the CPU goes
    if not args.no_profile:
        server = serve(portal)
        prof = OUT / ("crawl-chain-quick.prof" if args.quick else "crawl-chain.prof")
        cmd = [PY, "-m", "cProfile", "-o", str(prof), "-m", "medarchive", "crawl", *[server.url + p for p in starts_paths],
               "--chain-only", "--db", str(tmp / "profiled.db"), "--delay", "0", "--concurrency", str(args.concurrency),
               "-s", "AUTOTHROTTLE_ENABLED=False"]
        run_child(cmd, "profiled-chain")
        server.stop()
        import io
        import pstats

        buf = io.StringIO()
        pstats.Stats(str(prof), stream=buf).sort_stats("cumulative").print_stats(45)
        (OUT / (prof.stem + ".txt")).write_text(buf.getvalue())
        result["profile"] = str(prof)
        print(f"profile of a --chain-only crawl: {prof} (top functions in {prof.stem}.txt)")

    name = "crawl-quick.json" if args.quick else "crawl.json"
    save(name, result)

    s = result["summary"]
    labels = {"bare": "(a) bare Scrapy spider (chain only)",
              "chain_before": "(b) medarchive crawl --chain-only, before (--before)",
              "chain": "(b) medarchive crawl --chain-only, fresh",
              "discover": "(b') medarchive crawl (default: +sitemap/listings), fresh",
              "recrawl_incremental": "(c) re-crawl, default incremental",
              "recrawl_full": "(c') re-crawl --full"}
    rows = [["server alone, urllib c=%d" % c, fetch[c]["pages"], fetch[c]["seconds"], fetch[c]["pages_per_s"], "", "", "", ""]
            for c in (1, 4, 8)]
    rows += summary_rows(s, labels, "")
    if "latency" in result:
        rows += summary_rows(result["latency"]["summary"], labels, ", latency %.2fs" % args.latency)
    print()
    print(f"Crawl, {n}-article WordPress replica, concurrency {args.concurrency}, median of {args.reps} "
          f"(latency runs: {args.latency_reps})")
    print(table(["run", "pages", "wall s", "pages/s (wall)", "pages/s (window)", "CPU ms/page", "peak RSS MB", "vs (a)"], rows))
    print("\n" + "; ".join(f"{kind}/(a) = {s[kind]['pages_per_s'] / s['bare']['pages_per_s']:.2f}" for kind in s if kind != "bare"))
    if "latency" in result:
        ls = result["latency"]["summary"]
        print("latency: " + "; ".join(f"{kind}/(a) = {ls[kind]['pages_per_s'] / ls['bare']['pages_per_s']:.2f}"
                                      for kind in ls if kind != "bare"))
    if "chain" in s and "discover" in s:
        print(f"(c) wall / (b') wall = {s['recrawl_incremental']['wall_s'] / s['discover']['wall_s']:.2f}; "
              f"(c') wall / (b') wall = {s['recrawl_full']['wall_s'] / s['discover']['wall_s']:.2f}")


def summary_rows(summary: dict, labels: dict, suffix: str) -> list[list]:
    bare = summary["bare"]["pages_per_s"]
    return [[labels[kind] + suffix, m["requests"], m["wall_s"], m["pages_per_s"], m["window_pages_per_s"],
             m["cpu_ms_per_page"], m["peak_rss_mb"], f"{m['pages_per_s'] / bare:.2f}"] for kind, m in summary.items()]


if __name__ == "__main__":
    main()
