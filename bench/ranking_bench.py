"""Whether search ranks as it says, and what its count costs, on a large archive.

    .venv/bin/python bench/ranking_bench.py bench/out/scale-100000.db [--sample 160] [--reps 5]

For the search bench's query classes and a sample of words drawn from the archive's own titles
(1-, 2- and 3-character pieces and Latin tokens), compares the 20 results of
``archive.search.ranking`` with the true bm25 top 20 over every match (the same expression,
title weighted 10x, no bound): for queries below the common-word bound, how many of the 20 agree
and whether the order is the same; for those above it, that they are announced as ``newest``.
Then p50/p95 of ``search.search`` with ``search.count_matches`` beside it, per class, as the CLI
runs them (wall and CPU), after one warm-up.
"""

from __future__ import annotations

import argparse
import random
import re
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, median, p95, save, table  # noqa: E402
from search_bench import QUERIES  # noqa: E402

from archive import cjkfts, search  # noqa: E402

_CJK = re.compile(f"[{cjkfts.CJK_RANGES}]+")
_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9-]{1,}")


def sample_queries(conn, n: int, seed: int) -> list[str]:
    """``n`` distinct words from the archive's titles: CJK pieces of 1-3 characters and Latin tokens."""
    rng = random.Random(seed)
    titles = [row[0] for row in conn.execute("select title from articles where id % 97 = 0 limit 3000")]
    words = set()
    while len(words) < n:
        title = rng.choice(titles)
        if rng.random() < 0.2 and _LATIN.findall(title):
            words.add(rng.choice(_LATIN.findall(title)))
            continue
        runs = _CJK.findall(title)
        if not runs:
            continue
        run = rng.choice(runs)
        size = rng.choice((1, 2, 3))
        if len(run) >= size:
            start = rng.randrange(len(run) - size + 1)
            words.add(run[start : start + size])
    return sorted(words)


def true_bm25(conn, query: str) -> list[int]:
    expression = cjkfts.match_query(query, columns=("title", "body"))
    weights = ", ".join(str(w) for w in search.BM25_WEIGHTS)
    return [row[0] for row in conn.execute(
        f"select rowid from articles_search where articles_search match ? order by bm25(articles_search, {weights}) limit 20",
        [expression])]


def agreement(conn, queries: list[str]) -> dict:
    below, above = [], []
    for query in queries:
        ranked, order = search.ranking(conn, query, limit=20)
        truth = true_bm25(conn, query)
        ids = [id_ for id_, _ in ranked]
        entry = {"query": query, "order": order, "overlap": len(set(ids) & set(truth)), "of": len(truth), "same_order": ids == truth}
        (below if order == "bm25" else above).append(entry)
    return {"below": below, "above": above}


def timed(conn, query: str) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    search.search(conn, query, limit=20)
    search.count_matches(conn, query)
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("archive", type=Path)
    parser.add_argument("--sample", type=int, default=160)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args(argv)
    conn = sqlite3.connect(f"file:{args.archive}?mode=ro", uri=True)
    sampled = sample_queries(conn, args.sample, args.seed)
    result = agreement(conn, sampled)
    below, above = result["below"], result["above"]
    print(f"{args.archive}: {len(sampled)} sampled words")
    print(f"  below the bound (bm25): {len(below)}; all 20 the same, in the same order: "
          f"{sum(e['same_order'] for e in below)}/{len(below)}; mean overlap {median([e['overlap'] for e in below]) if below else 'n/a'} of 20 (median)")
    print(f"  above the bound: {len(above)}, every one announced as 'newest': {all(e['order'] == 'newest' for e in above)}; "
          f"overlap with bm25's top 20: mean {sum(e['overlap'] for e in above) / max(len(above), 1):.2f}")
    rows, timings = [], {}
    for kind, queries in QUERIES.items():
        for query in queries:
            timed(conn, query)
        walls, cpus = [], []
        for _ in range(args.reps):
            for query in queries:
                wall, cpu = timed(conn, query)
                walls.append(wall)
                cpus.append(cpu)
        timings[kind] = {"wall": walls, "cpu": cpus}
        rows.append([kind, median(walls), p95(walls), median(cpus), p95(cpus), str(search.count_matches(conn, queries[0]))])
    print(table(["class", "p50 ms", "p95 ms", "p50 CPU ms", "p95 CPU ms", "count of the first query"], rows))
    save("ranking_bench.json", {"machine": machine(), "archive": str(args.archive), "agreement": result, "timings": timings})


if __name__ == "__main__":
    main()
