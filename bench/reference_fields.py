"""Score the fields read from printed reference entries, and count what citation files gain.

    .venv/bin/python bench/reference_fields.py [--articles N]

1. ``tests/cases/references.jsonl`` (hand-labelled): per field, precision (fields read that
   are the printed value, over fields read) and recall (printed values read, over values
   printed), over all entries and per source.
2. The replica's reference entries (``replica/corpus.py``, N articles, seed 7) written
   into an archive as the crawler stores them: how many entries of ``medarchive cite`` carry a
   title and a journal before ``enrich``, with and without the printed fields (``without`` is
   the writer fed nothing but the ``works`` table, as before this change), and the median time
   of ``cited_works`` each way (interleaved, ``--reps``).
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

from _common import ROOT

from archive import citations, writer
from archive.reference_parsing import parse_reference
from archive import open_archive
from crawler.extraction.references import parse_references
from replica import corpus

FIELDS = ("title", "authors", "container_title", "publisher", "type", "year", "volume", "issue", "pages")


def readable(fields: dict) -> dict:
    names = [name.get("literal") or f"{name['family']} {name['given']}" for name in fields.get("authors", [])]
    return fields | ({"authors": names} if names else {})


def score(cases: list[dict]) -> dict[str, Counter]:
    """Per field: ``read``, ``right`` (read and equal to the label), ``printed``."""
    counts = {name: Counter() for name in FIELDS}
    for case in cases:
        parsed, expected = readable(parse_reference(case["text"])), case["expected"]
        for name in FIELDS:
            counts[name]["printed"] += name in expected
            counts[name]["read"] += name in parsed
            counts[name]["right"] += name in parsed and parsed[name] == expected.get(name)
    return counts


def table(title: str, counts: dict[str, Counter]) -> None:
    print(f"\n{title}\n\n| field | printed | read | right | precision | recall |\n|---|---:|---:|---:|---:|---:|")
    total = Counter()
    for name, count in counts.items():
        total.update(count)
        print(f"| {name} | {count['printed']} | {count['read']} | {count['right']} | {_share(count['right'], count['read'])} | {_share(count['right'], count['printed'])} |")
    print(f"| **all** | {total['printed']} | {total['read']} | {total['right']} | {_share(total['right'], total['read'])} | {_share(total['right'], total['printed'])} |")


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "-"


def replica_archive(directory: Path, articles: int) -> Path:
    """An archive of the replica's articles with their reference lists, read as the crawler reads them."""
    rows = []
    for n, generated in enumerate(corpus.generate_articles(random.Random(7), articles, date(2025, 1, 1))):
        references = parse_references([corpus.text_of(reference.html) for reference in generated.references],
                                      [f"https://doi.org/{doi}" for reference in generated.references for doi in reference.dois])
        rows.append({
            "url": f"https://replica.example/a/{n}.html", "site": "https://replica.example", "title": generated.title,
            "body": "正文。", "body_html": "<p>正文。</p>", "published": generated.published.isoformat(),
            "references": references, "dois": sorted({r["doi"] for r in references if r["doi"]}),
            "pmids": sorted({r["pmid"] for r in references if r["pmid"]}),
            "pmcids": sorted({r["pmcid"] for r in references if r["pmcid"]}),
        })
    path = directory / "replica.db"
    db = open_archive(path)
    writer.write_batch(db, rows)
    db.close()
    return path


def citation_counts(path: Path, reps: int) -> dict:
    """Entries with a title, a journal, a journal-article type, and the median seconds of
    ``cited_works``, with the printed fields and without them (the parser swapped for nothing)."""
    parse, seconds = citations.parse_reference, {"with": [], "without": []}
    with sqlite3.connect(path) as conn:
        for _ in range(reps):
            for label in ("without", "with"):
                citations.parse_reference = parse if label == "with" else (lambda text: {})
                start = time.perf_counter()
                entries = citations.cited_works(conn)
                seconds[label].append(time.perf_counter() - start)
                if label == "with":
                    after = entries
                else:
                    before = entries
        citations.parse_reference = parse
    count = lambda entries, name: sum(bool(entry.work.get(name)) for entry in entries)  # noqa: E731
    return {label: {"entries": len(entries), "title": count(entries, "title"), "journal": count(entries, "container_title"),
                    "article-journal": sum(entry.csl_type == "article-journal" for entry in entries),
                    "ms": 1000 * statistics.median(seconds[label])}
            for label, entries in (("without", before), ("with", after))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300, help="replica articles for part 2")
    parser.add_argument("--reps", type=int, default=5, help="timed runs of cited_works each way")
    args = parser.parse_args()
    cases = [json.loads(line) for line in (ROOT / "tests" / "cases" / "references.jsonl").read_text("utf-8").splitlines() if line]
    table(f"Labelled entries ({len(cases)})", score(cases))
    by_source: dict[str, list] = {}
    for case in cases:
        by_source.setdefault(case["source"].split(":")[0].split(" ")[0], []).append(case)
    for source, group in by_source.items():
        totals = Counter()
        for count in score(group).values():
            totals.update(count)
        print(f"\n{source} ({len(group)} entries): precision {_share(totals['right'], totals['read'])}, recall {_share(totals['right'], totals['printed'])}")
    with tempfile.TemporaryDirectory() as directory:
        counts = citation_counts(replica_archive(Path(directory), args.articles), args.reps)
    print(f"\nReplica, {args.articles} articles: entries of `medarchive cite` before enrich\n\n"
          "| printed fields | entries | with title | with journal | article-journal | cited_works, median ms |\n|---|---:|---:|---:|---:|---:|")
    for label, count in counts.items():
        print(f"| {label} | {count['entries']} | {count['title']} | {count['journal']} | {count['article-journal']} | {count['ms']:.0f} |")


if __name__ == "__main__":
    main()
