"""Section 3: archive writes, `archive.writer.write_batch` in batches of 50, into a fresh archive.

    /tmp/venv/bin/python bench/write_bench.py [--quick] [--articles 5000] [--reps 3]

Article dicts are real: the live pages of a WordPress replica (`--source` articles) go through
the page step (`crawler.page`: extraction, the fetch's fields, the dates/references/disclaimer steps), then
`dataclasses.asdict` as `ArchivePipeline` does; they are copied (paths suffixed `-k`, neighbour
links too) up to `--articles`. Variants, interleaved `--reps` times, each into a fresh archive:
  * write_batch          -- as the crawl writes (search index included);
  * write_batch, no index -- same, with `archive.search_index.index_articles` replaced by a no-op
                             (bench-side monkeypatch) to separate the index's cost;
  * write_batch, index v1 -- same, into an archive whose search index has the shape it had before
                             m013 (no `prefix='1'`), to separate the 1-character prefix index's cost;
  * rewrite unchanged    -- write_batch of the same batches again on the filled archive;
  * executemany ceiling  -- the rows write_batch left in every non-search table, re-inserted with
                             plain `executemany` into a fresh archive of the same shape (same
                             indexes, foreign keys not checked), one transaction per 50 articles' worth of rows.
Then one cProfile of write_batch over all batches: the share of index_articles and the rest.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import io
import pstats
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import OUT, machine, median, save, table  # noqa: E402


import archive.search_index  # noqa: E402
from archive import open_archive, writer  # noqa: E402
from crawler.items import ArticleItem  # noqa: E402
from replica import build_portal  # noqa: E402

BASE = "http://127.0.0.1:8000"
BATCH = 50
SEARCH_TABLES_PREFIX = "articles_search"


def make_articles(source: int, total: int, seed: int) -> list[dict]:
    import logging

    # the replica's later articles are dated in the future, which the dates step logs per page
    logging.getLogger("crawler.normalise").setLevel(logging.ERROR)
    from crawler.normalise import counter_into
    from crawler.page import Fetched, page_to_article

    count = counter_into({})
    portal = build_portal("wordpress", source, seed=seed)
    base = []
    for art in portal.live_articles:
        status, headers, body = portal.response(art.path, BASE)
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        item = page_to_article(Fetched(BASE + art.path, body, headers, status, now), count=count)
        if isinstance(item, ArticleItem):
            base.append(dataclasses.asdict(item))
    out = []
    k = 0
    while len(out) < total:
        for a in base:
            if len(out) >= total:
                break
            out.append(_copy(a, k))
        k += 1
    return out


def _suffix(url, k):
    return url if (k == 0 or not url) else url.replace(".html", f"-{k}.html")


def _copy(a: dict, k: int) -> dict:
    if k == 0:
        return a
    b = dict(a)
    b["url"], b["fetched_url"] = _suffix(a["url"], k), _suffix(a.get("fetched_url"), k)
    b["neighbours"] = [{**n, "url": _suffix(n.get("url"), k)} for n in a.get("neighbours") or []]
    b["aliases"] = [_suffix(x, k) + ("" if ".html" in x else f"&copy={k}") for x in a.get("aliases") or []]
    return b


def batches(articles):
    return [articles[i:i + BATCH] for i in range(0, len(articles), BATCH)]


#: ``articles_search`` as m005 made it before m013 added the 1-character prefix index.
SEARCH_TABLE_V1 = ("create virtual table articles_search using fts5(title, body, refs, disclaimer, content='', "
                   "tokenize='unicode61 remove_diacritics 2')")


def run_write(path: Path, articles, *, index=True, index_v1=False) -> float:
    db = open_archive(path)
    if index_v1:
        db.execute("drop table articles_search")
        db.execute(SEARCH_TABLE_V1)
    original = archive.search_index.index_articles
    if not index:
        archive.search_index.index_articles = lambda db, ids: 0
    try:
        t0 = time.perf_counter()
        for batch in batches(articles):
            writer.write_batch(db, batch)
        dt = time.perf_counter() - t0
    finally:
        archive.search_index.index_articles = original
    db.close()
    return dt


def run_rewrite(path: Path, articles) -> float:
    db = open_archive(path)
    t0 = time.perf_counter()
    for batch in batches(articles):
        writer.write_batch(db, batch)
    dt = time.perf_counter() - t0
    db.close()
    return dt


def data_tables(con) -> list[str]:
    names = [r[0] for r in con.execute("select name from sqlite_master where type='table'")]
    return [n for n in names if not n.startswith((SEARCH_TABLES_PREFIX, "sqlite_", "_sqlite")) and n != "runs"]


def run_ceiling(filled: Path, path: Path, n_articles: int) -> tuple[float, dict]:
    src = sqlite3.connect(filled)
    # table_info leaves out generated columns (published_at, published_day), which take no insert
    cols = {t: [r[1] for r in src.execute(f"pragma table_info([{t}])")] for t in data_tables(src)}
    rows = {t: src.execute(f"select {', '.join(f'[{c}]' for c in cols[t])} from [{t}]").fetchall() for t in cols}
    src.close()
    db = open_archive(path)  # same shape: every table and index (FTS table present but not written)
    db.close()
    con = sqlite3.connect(path, isolation_level=None)
    # foreign keys off: the per-table slices of one transaction need not reference rows of the same slice
    nb = max(1, -(-n_articles // BATCH))
    t0 = time.perf_counter()
    for b in range(nb):
        con.execute("begin")
        for t, rs in rows.items():
            if not rs:
                continue
            lo, hi = len(rs) * b // nb, len(rs) * (b + 1) // nb
            marks = ", ".join("?" * len(cols[t]))
            con.executemany(f"insert into [{t}] ({', '.join(cols[t])}) values ({marks})", rs[lo:hi])
        con.execute("commit")
    dt = time.perf_counter() - t0
    con.close()
    return dt, {t: len(rs) for t, rs in rows.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1,000 articles, 1 rep")
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--source", type=int, default=500, help="replica articles extracted (then copied)")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args(argv)
    if args.quick:
        args.articles, args.reps = 1000, 1
    info = machine()
    t0 = time.perf_counter()
    articles = make_articles(args.source, args.articles, args.seed)
    print(f"{len(articles)} article dicts ready in {time.perf_counter() - t0:.1f}s "
          f"(mean body {sum(len(a['body']) for a in articles) / len(articles):.0f} chars, "
          f"{sum(len(a.get('dois') or []) for a in articles) / len(articles):.1f} DOIs, "
          f"{sum(len(a.get('references') or []) for a in articles) / len(articles):.1f} refs)", flush=True)

    tmp = Path(tempfile.mkdtemp(prefix="write-", dir=OUT))
    res = {"write_batch": [], "write_batch_index_v1": [], "write_batch_no_index": [], "rewrite_unchanged": [], "executemany_ceiling": []}
    counts = {}
    sizes = {}
    for rep in range(args.reps):
        p1, p2, p3, p4 = tmp / f"w{rep}.db", tmp / f"n{rep}.db", tmp / f"c{rep}.db", tmp / f"v{rep}.db"
        res["write_batch"].append(run_write(p1, articles))
        res["write_batch_index_v1"].append(run_write(p4, articles, index_v1=True))
        res["write_batch_no_index"].append(run_write(p2, articles, index=False))
        res["rewrite_unchanged"].append(run_rewrite(p1, articles))
        dt, counts = run_ceiling(p2, p3, len(articles))
        res["executemany_ceiling"].append(dt)
        sizes = {"with_index_mb": p1.stat().st_size / 1e6, "index_v1_mb": p4.stat().st_size / 1e6,
                 "no_index_mb": p2.stat().st_size / 1e6}
        print(f"  rep {rep}: " + ", ".join(f"{k} {len(articles) / v[-1]:.0f}/s" for k, v in res.items()), flush=True)

    # profile one write_batch run
    prof_path = tmp / "prof.db"
    db = open_archive(prof_path)
    prof = cProfile.Profile()
    prof.enable()
    for batch in batches(articles):
        writer.write_batch(db, batch)
    prof.disable()
    db.close()
    stats = pstats.Stats(prof)
    total = sum(v[2] for v in stats.stats.values() if False) or stats.total_tt

    def cum(name_part):
        return max((v[3] for k, v in stats.stats.items() if name_part in f"{k[0]}:{k[2]}"), default=0.0)

    shares = {name: cum(key) for name, key in (
        ("write_batch", "writer.py:write_batch"),
        ("_upsert_article", "writer.py:_upsert_article"),
        ("search_index.index_articles", "search_index.py:index_articles"),
        ("  cjkfts.index_text", "cjkfts.py:index_text"),
        ("  FTS5 insert (executemany in _insert_rows)", "search_index.py:_insert_rows"),
        ("resolve_neighbour_dates", "writer.py:resolve_neighbour_dates"),
        ("_write_page (raw page, zlib)", "writer.py:_write_page"),
        ("_write_references", "writer.py:_write_references"),
        ("_write_links", "writer.py:_write_links"),
        ("content_hash", "writer.py:content_hash"),
    )}
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(40)
    buf.write("\n=== tottime ===\n")
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(20)
    (OUT / "write-profile.txt").write_text(buf.getvalue())
    shutil.rmtree(tmp, ignore_errors=True)

    n = len(articles)
    summary = {k: {"median_s": median(v), "articles_per_s": n / median(v), "ms_per_article": 1000 * median(v) / n}
               for k, v in res.items()}
    result = {"machine": info, "articles": n, "batch": BATCH, "reps": args.reps, "raw_s": res, "summary": summary,
              "ceiling_rows": counts, "sizes": sizes, "profile_cum_s": shares, "profile_total_s": total}
    save("write-quick.json" if args.quick else "write.json", result)

    ceil = summary["executemany_ceiling"]["articles_per_s"]
    rows = [[k, v["articles_per_s"], v["ms_per_article"], f"{v['articles_per_s'] / ceil:.2f}"] for k, v in summary.items()]
    print(f"\nArchive writes, {n} articles, batches of {BATCH}, median of {args.reps}")
    print(table(["variant", "articles/s", "ms/article", "vs ceiling"], rows))
    idx_ms = summary["write_batch"]["ms_per_article"] - summary["write_batch_no_index"]["ms_per_article"]
    print(f"\nsearch index cost by difference: {idx_ms:.2f} ms/article "
          f"({100 * idx_ms / summary['write_batch']['ms_per_article']:.0f}% of write_batch)")
    print(f"rows per table in the ceiling: {counts}")
    wb = shares["write_batch"] or 1
    print("\ncProfile of write_batch (cumulative s, share of write_batch; profiler overhead inflates Python-heavy parts):")
    print(table(["function", "cum s", "share"], [[k, v, f"{100 * v / wb:.0f}%"] for k, v in shares.items()]))


if __name__ == "__main__":
    main()
