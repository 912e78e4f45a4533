"""Politeness of `medarchive enrich`, measured where the APIs see it: at the local replica of
Crossref and NCBI (tests/scholarly_apis.py) on 127.0.0.1.

A synthetic archive cites N DOIs, N/3 PMIDs and N/3 PMCIDs (the replica knows 7 in 8 of them).
Each repetition enriches a fresh copy twice, once with the replica announcing Crossref's
published limit (X-Rate-Limit 50 per 1s) and once announcing 5 per 1s, interleaved; per run:
Crossref requests/s (from its second request on, as the first answer announces the limit), the
most NCBI requests within any one second (its limit: 3) and the smallest gap between two, the
requests a second run makes, and the wall time. Medians of the repetitions.

    .venv/bin/python bench/enrich_bench.py [--quick] [--reps 3]
"""

import argparse
import shutil
import sys
import time

from _common import OUT, ROOT, median, save, table

sys.path.insert(0, str(ROOT / "tests"))

from scholarly_apis import ScholarlyApis, ServedApis, catalogue_of  # noqa: E402

from archive import open_archive, writer  # noqa: E402
from enrichment.enrich import Sources, enrich  # noqa: E402


def synthetic_archive(path, dois: int):
    db = open_archive(path)
    articles = []
    for i in range(dois):
        articles.append({
            "url": f"https://site.example/{i}", "site": "https://site.example", "title": f"标题 {i}", "body": "干细胞。",
            "dois": [f"10.1000/bench.{i}"], "pmids": [str(30000000 + i)] if i % 3 == 0 else [],
            "pmcids": [f"PMC{7000000 + i}"] if i % 3 == 1 else [], "references": [], "neighbours": [], "aliases": [],
        })
    writer.write_batch(db, articles)
    db.close()


def one_run(template, announced) -> dict:
    path = OUT / "enrich-bench.db"
    for suffix in ("", "-wal", "-shm"):
        (OUT / f"enrich-bench.db{suffix}").unlink(missing_ok=True)
    shutil.copy(template, path)
    apis = ScholarlyApis(catalogue_of(path), rate_limit=announced)
    db = open_archive(path)
    with ServedApis(apis) as served:
        def sources():
            return Sources.at(crossref_url=served.url + "/crossref/", idconv_url=served.url + "/idconv/",
                              eutils_url=served.url + "/eutils/", email="bench@example.org")
        start = time.monotonic()
        counts = enrich(db, sources())
        wall = time.monotonic() - start
        first = len(apis.requests)
        enrich(db, sources())
        second = len(apis.requests) - first
    db.close()
    crossref = [r.at for r in apis.asked("crossref")]
    ncbi = sorted(r.at for r in apis.asked("idconv") + apis.asked("eutils"))
    return {
        "crossref_per_s": (len(crossref) - 2) / (crossref[-1] - crossref[1]),
        "ncbi_requests": len(ncbi),
        "ncbi_most_in_1s": max(sum(1 for t in ncbi if s <= t < s + 1) for s in ncbi),
        "ncbi_min_gap_s": min((b - a for a, b in zip(ncbi, ncbi[1:])), default=None),
        "resolved": counts.resolved, "unknown": counts.unknown,
        "second_run_requests": second, "wall_s": wall,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    dois = 30 if args.quick else 150
    template = OUT / f"enrich-template-{dois}.db"
    template.unlink(missing_ok=True)
    synthetic_archive(template, dois)
    runs = {"announced 50/1s": [], "announced 5/1s": []}
    for _ in range(args.reps):
        for name, announced in (("announced 50/1s", (50, "1s")), ("announced 5/1s", (5, "1s"))):
            runs[name].append(one_run(template, announced))
    save("enrich-bench", runs)
    keys = ["crossref_per_s", "ncbi_requests", "ncbi_most_in_1s", "ncbi_min_gap_s", "resolved", "unknown", "second_run_requests", "wall_s"]
    print(table(["Crossref announces", *keys], [[name, *(f"{median([r[k] for r in rs]):.3g}" for k in keys)] for name, rs in runs.items()]))


if __name__ == "__main__":
    main()
