"""Discovery on each replica family (issue 30): from one article in the middle of the chain, the
articles stored out of those live, the requests of the crawl, and the requests of a second,
incremental run on the unchanged site.

    .venv/bin/python bench/discovery_bench.py [--before DIR]

``--before DIR`` also runs the crawls with the code of another checkout (``git archive REV | tar -x -C DIR``),
against the same replica servers (this checkout's, in this process).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from _common import PY, ROOT, table

from replica import build_portal, serve

FAST = ["--delay", "0", "--concurrency", "8", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "RETRY_TIMES=0"]
#: family -> (articles, seed), as the tests build them.
FAMILIES = {"wordpress": (24, 1), "dedecms": (12, 2), "trs": (31, 3), "phpcms": (16, 4)}


def crawl_twice(family: str, code: Path) -> dict:
    """A full crawl and an incremental one of a fresh replica of ``family`` with the code at ``code``."""
    n, seed = FAMILIES[family]
    portal = build_portal(family, n, seed=seed)
    live = portal.live_articles
    start = live[len(live) // 2].path
    with serve(portal) as site, tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "archive.db"
        requests = []
        for _ in range(2):
            site.clear_requests()
            subprocess.run([PY, "-m", "medarchive", "crawl", site.url + start, "--db", str(db), *FAST], cwd=code,
                           capture_output=True, check=False, env={**os.environ, "PYTHONPATH": str(code)})
            requests.append(len(site.requests))
        with sqlite3.connect(db) as archive:
            (stored,) = archive.execute("select count(*) from articles").fetchone()
    return {"live": len(live), "stored": stored, "full": requests[0], "incremental": requests[1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, help="a checkout of the code to compare with")
    args = parser.parse_args()
    codes = [("before", args.before)] if args.before else []
    codes.append(("this", ROOT))
    rows = []
    for family in FAMILIES:
        for name, code in codes:
            result = crawl_twice(family, code)
            rows.append([family, name, f"{result['stored']}/{result['live']}", result["full"], result["incremental"]])
    print(table(["family", "code", "stored/live", "requests, full run", "requests, unchanged incremental run"], rows))


if __name__ == "__main__":
    main()
