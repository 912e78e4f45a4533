"""Shared helpers for the bench scripts: paths, machine info, stats, tables, cached portals."""

from __future__ import annotations

import json
import os
import pickle
import platform
import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"
OUT.mkdir(exist_ok=True)
PY = sys.executable

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def machine() -> dict:
    import sqlite3

    import scrapy

    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal"))
    except OSError:
        mem_kb = 0
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "scrapy": scrapy.__version__,
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
    }


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def p95(xs):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    # nearest-rank p95
    k = max(0, min(len(xs) - 1, int(round(0.95 * len(xs) + 0.5)) - 1))
    return xs[k]


def table(headers, rows) -> str:
    def fmt(v):
        if isinstance(v, float):
            if v != v:
                return "n/a"
            return f"{v:.3g}" if abs(v) < 100 else f"{v:,.0f}"
        return str(v)

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(fmt(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def save(name: str, data) -> Path:
    path = OUT / name
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str))
    return path


def cached_portal(style: str, n: int, seed: int):
    """build_portal(style, n, seed), pickled under bench/out/ so a re-run skips the (slow) build.

    Returns (portal, build_seconds, cached: bool); build_seconds is the original build time."""
    from replica import build_portal

    path = OUT / f"portal-{style}-{n}-{seed}.pickle"
    if path.exists():
        with open(path, "rb") as f:
            portal, seconds = pickle.load(f)
        return portal, seconds, True
    t0 = time.perf_counter()
    portal = build_portal(style, n, seed=seed)
    seconds = time.perf_counter() - t0
    with open(path, "wb") as f:
        pickle.dump((portal, seconds), f, protocol=pickle.HIGHEST_PROTOCOL)
    return portal, seconds, False
