"""Story assignment at scale: the back-fill of a large archive and the cost of one new article.

    python bench/story_bench.py --db bench/out/stories-100000.db [--articles N] [--new 200]

The archive is changed in place: give it a copy (``cp bench/out/scale-100000.db
bench/out/stories-100000.db``, from ``scale.py build``), never an archive to keep. Opening it
applies migration m024 (timed); then ``stories.assign_missing`` gives every article (or the
first ``--articles``, or as many as ``--seconds`` allow) its story, in transactions of 1,000
(timed); then ``--new`` articles, each an existing body with an editor's note
added, are written one at a time, and ``stories.assign`` of each is timed again on its own.
The synthetic bodies repeat one vocabulary, so the stories found here mean nothing: only the
times and counts do.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from pathlib import Path

from _common import OUT, machine

from archive import stories, writer
from archive import open_archive

CHUNK = 1000


def candidates_compared(db, article_id: int) -> int:
    """How many stored signatures a (re)assignment of ``article_id`` compares with: its band candidates."""
    (blob,) = db.execute("select signature from story_signatures where article_id = ?", [article_id]).fetchone() or (None,)
    if blob is None:
        return 0
    import numpy as np

    hashes = stories.band_hashes(np.frombuffer(blob, dtype="<u4"))
    return len(stories._candidates(db.conn, article_id, hashes))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="a copy of a scale.py archive: it is changed")
    parser.add_argument("--articles", type=int, help="assign only the first N articles (default: all)")
    parser.add_argument("--new", type=int, default=200, help="new articles written one at a time after the back-fill")
    parser.add_argument("--seconds", type=float, help="stop the back-fill after this long (the rate is reported)")
    args = parser.parse_args()
    started = time.perf_counter()
    db = open_archive(args.db)
    migrated = time.perf_counter() - started
    ids = [row[0] for row in db.execute("select id from articles where story is null order by id")]
    ids = ids[: args.articles] if args.articles else ids
    started, assigned = time.perf_counter(), 0
    for start in range(0, len(ids), CHUNK):
        with db.atomic():
            assigned += stories.assign(db, ids[start : start + CHUNK])
        print(f"  {assigned:,} assigned, {time.perf_counter() - started:.0f} s", flush=True)
        if args.seconds and time.perf_counter() - started > args.seconds:
            break
    backfill = time.perf_counter() - started
    rng = random.Random(26)
    sample = rng.sample(ids[:assigned], min(args.new, assigned))
    per_write, per_assign, compared = [], [], []
    for number, source in enumerate(sample):
        url, site, title, body = db.execute("select url, site, title, body from articles where id = ?", [source]).fetchone()
        new = {"url": f"{url}?reprint={number}", "site": site, "title": "转载：" + title, "body": "编者按：转发如下。\n" + body,
               "neighbours": [], "aliases": []}
        started = time.perf_counter()
        writer.write_batch(db, [new])
        per_write.append(time.perf_counter() - started)
        (article_id,) = db.execute("select id from articles where url = ?", [new["url"]]).fetchone()
        started = time.perf_counter()
        with db.atomic():
            stories.assign(db, [article_id])
        per_assign.append(time.perf_counter() - started)
        compared.append(candidates_compared(db, article_id))
    sizes = [row[0] for row in db.execute("select count(*) from articles where story is not null group by story")]
    result = {
        "machine": machine(),
        "articles": len(ids),
        "assigned": assigned,
        "migration_s": round(migrated, 1),
        "backfill_s": round(backfill, 1),
        "backfill_ms_per_article": round(backfill / max(assigned, 1) * 1000, 2),
        "new_articles": len(sample),
        "new_write_ms_median": round(statistics.median(per_write) * 1000, 1),
        "new_assign_ms_median": round(statistics.median(per_assign) * 1000, 1),
        "new_assign_ms_p95": round(sorted(per_assign)[int(len(per_assign) * 0.95)] * 1000, 1),
        "candidates_median": statistics.median(compared),
        "candidates_max": max(compared),
        "stories": len(sizes),
        "largest_story": max(sizes),
        "band_rows": db.execute("select count(*) from story_bands").fetchone()[0],
        "story_tables_mb": round(sum(row[0] for row in db.execute(
            "select sum(pgsize) from dbstat where name in ('story_bands', 'story_signatures', 'stories',"
            " 'idx_articles_story', 'idx_articles_published_day_story') group by name")) / 1e6, 1),
    }
    db.close()
    (OUT / "story-bench.json").write_text(json.dumps(result, indent=2))
    print("| measure | value |\n|---|---|")
    for name, value in result.items():
        if name != "machine":
            print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
