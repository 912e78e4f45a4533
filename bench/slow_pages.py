"""Slow pages: extraction time per MB on flat and deeply nested pages (`replica/deep.py`),
for this code and for the code before issue 14 (commit e39a2f0, taken with `git archive`); then
a crawl of a replica alone and of the same replica plus one 9.7 MB nested page.

    .venv/bin/python bench/slow_pages.py [--quick]

Each extraction runs in a child process of its own; the old code's runs are given up after
OLD_TIMEOUT seconds. Raw results: `bench/out/slow_pages.json`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

from _common import OUT, PY, ROOT, cached_portal, machine, save, table

OLD_COMMIT = "e39a2f0"
OLD_TIMEOUT = 180
MB = 1_000_000
DEEP_PATH = "/deep/nested.html"
CRAWL_OPTIONS = ["--delay", "0", "--concurrency", "8", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "RETRY_TIMES=0"]


def one(code_root: str, depth: int, size: int) -> None:
    """In the child: parse and extract one generated page with the code at ``code_root``."""
    sys.path.insert(0, code_root)
    from parsel import Selector

    from crawler.extraction.article import extract_article
    from replica.deep import nested_page as page_of  # the page comes from this tree

    text = page_of(depth, size).decode()
    started = time.perf_counter()
    selector = Selector(text=text, type="html")
    parsed = time.perf_counter()
    outcome = "article"
    try:
        if extract_article(selector, "http://127.0.0.1/deep/nested.html") is None:
            outcome = "not an article"
    except RecursionError:
        outcome = "RecursionError"
    done = time.perf_counter()
    print(json.dumps({"parse_s": parsed - started, "extract_s": done - parsed, "outcome": outcome}))


def measure(code_root, depth: int, size: int, timeout: float) -> dict:
    process = subprocess.Popen([PY, __file__, "--one", str(code_root), str(depth), str(size)],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        return {"extract_s": None, "outcome": f"gave up after {timeout} s"}
    found = json.loads(out.decode().strip().splitlines()[-1]) if process.returncode == 0 else {"extract_s": None, "outcome": err.decode()[-200:]}
    found["s_per_mb"] = (found["parse_s"] + found["extract_s"]) / (size / MB) if found.get("extract_s") is not None else None
    return found


def old_tree():
    """The code before this issue's work, unpacked under bench/out/."""
    root = OUT / f"old-{OLD_COMMIT}"
    if not root.exists():
        root.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", OLD_COMMIT, "crawler"], capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(root)], input=archive, check=True)
        # The old tree has no page generator: it reads the same pages from this one.
        (root / "crawler" / "replica" / "deep.py").write_text((ROOT / "crawler" / "replica" / "deep.py").read_text("utf-8"), "utf-8")
    return root


def crawl_with_and_without(articles: int) -> list[dict]:
    """A crawl of the replica alone, then of the replica plus the 9.7 MB nested page (default
    PORTAL_MAX_EXTRACT_SECONDS): wall time, and what the deep page became."""
    import sqlite3
    import tempfile

    from replica import serve
    from replica.deep import WithDeepPage, nested_page

    portal, _, _ = cached_portal("wordpress", articles, 7)
    site = WithDeepPage(portal, DEEP_PATH, nested_page(depth=100, size=int(9.7 * MB)))
    runs = []
    with serve(site) as server, tempfile.TemporaryDirectory() as work:
        start = server.url + portal.live_articles[len(portal.live_articles) // 2].path
        for name, urls in [("replica alone", [start]), ("replica + 9.7 MB nested page", [server.url + DEEP_PATH, start])]:
            db_path = f"{work}/{len(runs)}.db"
            started = time.monotonic()
            process = subprocess.run([PY, "-m", "archive", "crawl", *urls, "--db", db_path, *CRAWL_OPTIONS],
                                     cwd=ROOT, capture_output=True, text=True, timeout=900)
            seconds = time.monotonic() - started
            with sqlite3.connect(db_path) as db:
                stored = db.execute("select count(*) from articles").fetchone()[0]
                kept = db.execute("select reason from unextracted_pages").fetchall()
                failed = json.loads(db.execute("select stats from runs").fetchone()[0])
            runs.append({"crawl": name, "seconds": round(seconds, 1), "exit": process.returncode, "articles": stored,
                         "kept_pages": [reason for (reason,) in kept],
                         "timeouts": sum(v for k, v in failed.items() if "TimeoutError" in k)})
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 MB pages only, a 200-article crawl")
    parser.add_argument("--one", nargs=3, metavar=("ROOT", "DEPTH", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one(args.one[0], int(args.one[1]), int(args.one[2]))
        return
    sizes = [1 * MB] if args.quick else [1 * MB, 4 * MB, int(9.7 * MB)]
    cases = [(depth, size) for depth in (1, 100, 250) for size in sizes]
    old = old_tree()
    rows = []
    for depth, size in cases:
        new = measure(ROOT, depth, size, timeout=OLD_TIMEOUT)
        before = measure(old, depth, size, timeout=OLD_TIMEOUT)
        rows.append({"depth": depth, "mb": size / MB, "now": new, "before": before})
        print(depth, size / MB, "now", new, "before", before, flush=True)
    crawls = crawl_with_and_without(200 if args.quick else 1000)
    save("slow_pages.json", {"machine": machine(), "extraction": rows, "crawls": crawls})
    print(table(["page", "MB", "now: s", "now: s/MB", "before (e39a2f0): s", "before: s/MB"],
                [["flat" if r["depth"] == 1 else f"nested {r['depth']} deep", r["mb"],
                  _seconds(r["now"]), r["now"]["s_per_mb"] or r["now"]["outcome"],
                  _seconds(r["before"]), r["before"]["s_per_mb"] or r["before"]["outcome"]] for r in rows]))
    print()
    print(table(["crawl", "s", "exit", "articles", "kept pages", "timed-out requests"],
                [[c["crawl"], c["seconds"], c["exit"], c["articles"], ", ".join(c["kept_pages"]) or "-", c["timeouts"]] for c in crawls]))


def _seconds(found: dict):
    return found["parse_s"] + found["extract_s"] if found.get("extract_s") is not None else "-"


if __name__ == "__main__":
    main()
