"""Export: time and peak memory of `medarchive export` per format, at two archive sizes.

    .venv/bin/python bench/export_bench.py [--quick] [--sizes 10000 100000] [--reps 3]

Builds (once; reused from bench/out/export-N.db unless --rebuild) archives of N synthetic
articles of ~2,000 Chinese characters (search_bench.generate_rows: sentences of the replica
corpus), each citing two DOIs in ``article_dois``. Then runs ``medarchive export --db ARCHIVE
-o FILE --format F`` as a process of its own for every size and format, the runs interleaved
(size x format, repeated --reps times), and reports per cell the median wall and CPU time (user +
system from ``wait4``: steadier than wall time on a shared machine), articles per CPU second, the
output's size, and the process's peak RSS (read by /usr/bin/time, as crawl_bench does). Constant
memory shows as the same peak RSS for 10x the articles.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import OUT, PY, machine, median, save, table  # noqa: E402
from crawl_bench import run_child  # noqa: E402
from search_bench import generate_rows  # noqa: E402

from archive import open_archive  # noqa: E402

FORMATS = ("csv", "jsonl", "parquet")
INSERT = ("insert into articles (url, id, site, title, body, published, published_raw, year, first_seen, last_fetched) "
          "values (?,?,?,?,?,?,?,?,?,?)")


def build(path: Path, n: int, seed: int) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    db = open_archive(path)
    conn = db.conn
    conn.execute("BEGIN")
    batch = []
    for row in generate_rows(n, seed):
        batch.append(row)
        if len(batch) == 5000:
            _insert(conn, batch)
            batch = []
    _insert(conn, batch)
    conn.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


def _insert(conn, rows) -> None:
    conn.executemany(INSERT, rows)
    dois = [(row[0], f"10.{1000 + row[1] % 97}/bench.{row[1]}.{k}", f"10.{1000 + row[1] % 97}") for row in rows for k in (1, 2)]
    conn.executemany("insert into article_dois (article_url, doi, prefix) values (?, ?, ?)", dois)


def run_export(db: Path, fmt: str, out: Path) -> dict:
    """One ``medarchive export`` process: wall and CPU seconds, peak RSS (MB), output size (MB)."""
    out.unlink(missing_ok=True)
    result = run_medarchive(f"{out.name}", "export", "--db", str(db), "-o", str(out), "--format", fmt)
    return {**result, "out_mb": out.stat().st_size / 1e6}


def run_medarchive(tag: str, *args) -> dict:
    """``medarchive ARGS`` as a process of its own (crawl_bench's ``run_child``, which reads the
    peak RSS through /usr/bin/time: this process's own size would otherwise be counted)."""
    result = run_child([PY, "-m", "medarchive", *args], tag)
    if result["rc"] != 0:
        raise SystemExit(f"medarchive {' '.join(args)} failed: {result['stderr_tail']}")
    return {"seconds": result["wall_s"], "cpu_s": result["cpu_s"], "rss_mb": result["peak_rss_mb"]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1,000 and 10,000 articles, 1 repetition")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.reps = [1_000, 10_000], 1
    info = machine()
    archives = {}
    for n in args.sizes:
        path = OUT / f"export-{n}.db"
        if args.rebuild or not path.exists():
            print(f"building {path} ...", flush=True)
            started = time.perf_counter()
            build(path, n, args.seed)
            print(f"  {time.perf_counter() - started:.0f} s, {path.stat().st_size / 1e6:.0f} MB", flush=True)
        archives[n] = path
    runs = {(n, fmt): [] for n in args.sizes for fmt in FORMATS}
    # What the command costs before it reads a row: Python, click and the archive's modules.
    startup = [run_medarchive("export-help", "export", "--help")["rss_mb"] for _ in range(args.reps)]
    print(f"startup (medarchive export --help): median peak RSS {median(startup):.0f} MB", flush=True)
    for rep in range(args.reps):
        for n in args.sizes:
            for fmt in FORMATS:
                result = run_export(archives[n], fmt, OUT / f"export-{n}.{fmt}")
                runs[(n, fmt)].append(result)
                print(f"rep {rep + 1}: {n} articles {fmt}: {result['seconds']:.1f} s, {result['rss_mb']:.0f} MB RSS", flush=True)
    rows, summary = [], {}
    for (n, fmt), results in runs.items():
        seconds = median([r["seconds"] for r in results])
        cpu = median([r["cpu_s"] for r in results])
        rss = median([r["rss_mb"] for r in results])
        summary[f"{n}-{fmt}"] = {"seconds": seconds, "cpu_s": cpu, "rss_mb": rss, "out_mb": results[-1]["out_mb"], "runs": results}
        rows.append([f"{n:,}", fmt, seconds, cpu, n / cpu, results[-1]["out_mb"], rss, max(r["rss_mb"] for r in results)])
    print(table(["articles", "format", "median wall s", "median CPU s", "articles per CPU s", "output MB", "median peak RSS MB",
                 "max peak RSS MB"], rows))
    small, large = min(args.sizes), max(args.sizes)
    for fmt in FORMATS:
        ratio_rss = summary[f"{large}-{fmt}"]["rss_mb"] / summary[f"{small}-{fmt}"]["rss_mb"]
        ratio_cpu = summary[f"{large}-{fmt}"]["cpu_s"] / summary[f"{small}-{fmt}"]["cpu_s"]
        print(f"{fmt}: {large // small}x the articles -> peak RSS x{ratio_rss:.2f}, CPU time x{ratio_cpu:.1f}")
    save("export-bench.json", {"machine": info, "sizes": args.sizes, "reps": args.reps, "startup_rss_mb": startup, "results": summary})


if __name__ == "__main__":
    main()
