"""Section 4: search latency on a large synthetic archive.

    /tmp/venv/bin/python bench/search_bench.py [--quick] [--articles 100000] [--reps 5] [--rebuild]
    /tmp/venv/bin/python bench/search_bench.py --articles 1000000 --grow 10 --no-brute
    /tmp/venv/bin/python bench/search_bench.py --quick --rebuild --traditional 0.1

Builds (once; reused from bench/out/search-N.db unless --rebuild) an archive of N synthetic
articles of ~2,000 Chinese characters: sentences and titles taken from the replica corpus
(`replica.corpus.generate_articles`, 8 topics: medical vocabulary with Latin terms such
as COPD, FEV1, HbA1c), recombined into new articles, each on one topic (90% of its sentences from
its topic's pool, 10% from any topic); with `--traditional SHARE`, that share of the articles
(evenly spread) written in Traditional characters (OpenCC `s2t`), which the index keeps twice
(as written and folded). Rows go straight into `articles` (executemany),
then `archive.search_index.rebuild_search_index` builds the index: its time and the file size are
reported, and the index (FTS5 pages and the state table, by dbstat) against the title and body
text it indexes. `--grow N` makes the archive instead as N copies of the one N times smaller
(see `grow`): a million articles in a tenth of the Python work.

Queries: 12 per class (1-, 2-, 3-character Chinese, Latin, mixed Chinese+Latin), each run
`--reps` times after one warm-up through `archive.search.search(db, q, limit=20)` (ranking
and snippets included); median and p95 over all runs of a class, wall time and the process's CPU
time (the machine being shared, CPU time is the steadier of the two). Also the ranking alone
(`archive.search.rank`, no articles read, no snippet), the number of matching articles,
and a brute-force scan (`instr()` over title and body of every row, all matching ids; Latin
lower-cased) run once per query.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sqlite3
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import OUT, machine, median, p95, save, table  # noqa: E402

from archive import cjkfts  # noqa: E402
from archive import search as S  # noqa: E402
from archive import search_index  # noqa: E402
from archive import open_archive  # noqa: E402

QUERIES = {
    "1-char": ["肺", "肝", "肾", "脑", "疫", "炎", "骨", "血", "糖", "药", "菌", "症"],
    "2-char": ["哮喘", "患者", "移植", "炎症", "疗效", "随访", "胰岛", "软骨", "纤维", "肝硬", "评分", "监管"],
    "3-char": ["外泌体", "糖尿病", "脑卒中", "银屑病", "肝硬化", "间充质", "胰岛素", "关节炎", "纤维化", "白蛋白", "胚胎干", "安全性"],
    "latin": ["COPD", "FEV1", "WOMAC", "MRI", "HbA1c", "PASI", "Treg", "DLCO", "MELD", "BDNF", "miR-146a", "IL-17A"],
    "mixed": ["外泌体 COPD", "哮喘 FEV1", "骨关节炎 MRI", "糖尿病 HbA1c", "银屑病 PASI", "肝硬化 MELD", "脑卒中 NIHSS",
              "肺纤维化 DLCO", "间充质 WOMAC", "干细胞 IL-17A", "FEV1/FVC比值", "hUCMSC-Exo 哮喘"],
    # a term in nearly every article ANDed with one in a few percent: the doclists of the
    # common term are long, so this is the class where an AND does the most work per hit
    "common+rare": ["患者 IL-17A", "随访 BDNF", "疗效 DLCO", "间充质 MELD", "安全性 Treg", "药 PASI",
                    "干细胞 IL-17A", "患者 miR-146a", "研究 WOMAC", "治疗 NIHSS", "随访 银屑病", "患者 外泌体"],
}

_SENT_END = re.compile(r"(?<=[。!?！？;；])")


def corpus_pools(seed: int):
    from replica.corpus import generate_articles

    rng = random.Random(seed)
    arts = generate_articles(rng, 800, date(2024, 1, 1))
    sentences, titles = {}, {}
    for a in arts:
        titles.setdefault(a.topic, set()).add(a.title)
        for line in a.plain_text().split("\n")[1:]:
            for s in _SENT_END.split(line):
                s = s.strip()
                if len(s) >= 8 and not s.startswith(("http", "[")):
                    sentences.setdefault(a.topic, set()).add(s)
    topics = sorted(sentences)
    return {t: sorted(sentences[t]) for t in topics}, {t: sorted(titles[t]) for t in topics}


def generate_rows(n: int, seed: int, target_chars: int = 2000, traditional: float = 0.0):
    import opencc

    to_traditional = opencc.OpenCC("s2t").convert
    sentences, titles = corpus_pools(seed)
    topics = sorted(sentences)
    everything = [s for t in topics for s in sentences[t]]
    rng = random.Random(seed + 1)
    day0 = date(2020, 1, 1)
    for i in range(1, n + 1):
        topic = rng.choice(topics)
        parts, length = [], 0
        while length < target_chars:
            # topic-coherent, like a real article: 90% of sentences from the article's topic
            s = rng.choice(sentences[topic] if rng.random() < 0.9 else everything)
            parts.append(s)
            length += len(s)
        # paragraphs of ~5 sentences, one per line, as the crawler stores bodies
        body = "\n".join("".join(parts[k:k + 5]) for k in range(0, len(parts), 5))
        title = rng.choice(titles[topic])
        if int(i * traditional) != int((i - 1) * traditional):
            title, body = to_traditional(title), to_traditional(body)
        d = (day0 + timedelta(days=i * 2000 // n)).isoformat()
        yield (f"https://bench.example/a/{i}.html", i, "https://bench.example", title, body, d, d, int(d[:4]),
               "2026-11-25T00:00:00+00:00", "2026-11-25T00:00:00+00:00")


def build(path: Path, n: int, seed: int, traditional: float = 0.0) -> dict:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    db = open_archive(path)
    conn = db.conn
    t0 = time.perf_counter()
    chars = 0
    batch = []
    conn.execute("BEGIN")
    for row in generate_rows(n, seed, traditional=traditional):
        chars += len(row[4])
        batch.append(row)
        if len(batch) == 5000:
            conn.executemany("insert into articles (url, id, site, title, body, published, published_raw, year, first_seen, "
                             "last_fetched) values (?,?,?,?,?,?,?,?,?,?)", batch)
            batch = []
    if batch:
        conn.executemany("insert into articles (url, id, site, title, body, published, published_raw, year, first_seen, "
                         "last_fetched) values (?,?,?,?,?,?,?,?,?,?)", batch)
    conn.execute("COMMIT")
    insert_s = time.perf_counter() - t0
    size_before = path.stat().st_size
    t0 = time.perf_counter()
    search_index.rebuild_search_index(db)
    conn.commit() if conn.in_transaction else None
    index_s = time.perf_counter() - t0
    db.close()
    return _describe(path, n, chars, insert_s, index_s, file_mb_before_index=size_before / 1e6, traditional=traditional)


def _describe(path: Path, n: int, chars: int, insert_s: float, index_s: float, **extra) -> dict:
    """Build figures and sizes (dbstat) of the archive at ``path``, also saved beside it."""
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    text_bytes = con.execute("select sum(length(cast(title as blob)) + length(cast(body as blob))) from articles").fetchone()[0]
    sizes = dict(con.execute("select name, sum(pgsize) from dbstat group by name order by 2 desc"))
    con.close()
    fts = sum(v for k, v in sizes.items() if k.startswith(search_index.SEARCH_TABLE) and k != search_index.STATE_TABLE)
    info = {"articles": n, "mean_body_chars": chars / n, "insert_rows_s": insert_s, "index_build_s": index_s,
            "index_ms_per_article": 1000 * index_s / n, "file_mb": path.stat().st_size / 1e6, **extra,
            "index_mb": (fts + sizes.get(search_index.STATE_TABLE, 0)) / 1e6, "fts_mb": fts / 1e6,
            "state_mb": sizes.get(search_index.STATE_TABLE, 0) / 1e6, "indexed_text_mb": text_bytes / 1e6,
            "fts_to_text": fts / text_bytes, "index_to_text": (fts + sizes.get(search_index.STATE_TABLE, 0)) / text_bytes,
            "top_objects_mb": {k: v / 1e6 for k, v in list(sizes.items())[:8]}}
    Path(str(path) + ".json").write_text(json.dumps(info, indent=2))
    return info


def grow(source: Path, path: Path, times: int) -> dict:
    """An archive of ``times`` copies of the archive at ``source``: its articles again under new
    ids and URLs (``/c1/``, ``/c2/``...), and its search index filled with the same rows
    ``search_index.rebuild_search_index`` writes, each article's index text computed once. Every term
    keeps its share of articles, which is what a search's cost follows, at a tenth of the build's
    Python work; the FTS5 inserts and the final 'optimize' are all done."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    source_conn = sqlite3.connect(source)
    n = source_conn.execute("select max(id) from articles").fetchone()[0]
    chars = source_conn.execute("select sum(length(body)) from articles").fetchone()[0]
    source_conn.close()
    db = open_archive(path)
    conn = db.conn
    t0 = time.perf_counter()
    conn.execute("ATTACH DATABASE ? AS source", [str(source)])
    columns = "site, title, body, published, published_raw, year, first_seen, last_fetched"
    conn.execute("BEGIN")
    for k in range(times):
        conn.execute(f"insert into articles (url, id, {columns}) select replace(url, '/a/', '/c{k}/a/'), id + ?, {columns} "
                     "from source.articles order by id", [k * n])
    conn.execute("COMMIT")
    insert_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    ids = [row[0] for row in conn.execute("select id from source.articles order by id")]
    indexed = {}
    for start in range(0, len(ids), 500):
        values = search_index._current_sources(conn, ids[start:start + 500])  # copy 0 has the source's ids
        indexed.update({id_: (search_index._shadow(v), search_index._pack(v)) for id_, v in values.items()})
    marks = ", ".join("?" * (1 + len(search_index.COLUMNS)))
    conn.execute("BEGIN")
    for k in range(times):
        conn.executemany(f"insert into {search_index.SEARCH_TABLE}(rowid, {', '.join(search_index.COLUMNS)}) values ({marks})",
                         ((id_ + k * n, *shadow) for id_, (shadow, _) in indexed.items()))
        conn.executemany(f"insert into {search_index.STATE_TABLE}(id, source) values (?, ?)",
                         ((id_ + k * n, blob) for id_, (_, blob) in indexed.items()))
    conn.execute(f"INSERT INTO {search_index.SEARCH_TABLE}({search_index.SEARCH_TABLE}) VALUES('optimize')")
    conn.execute("COMMIT")
    index_s = time.perf_counter() - t0
    conn.execute("DETACH DATABASE source")
    db.close()
    return _describe(path, n * times, chars * times, insert_s, index_s, grown_from=str(source))


def rank_only(conn, q):
    return S.rank(conn, q, limit=20)


def match_count(conn, q):
    expression = cjkfts.match_query(q, columns=("title", "body"))
    return conn.execute("SELECT count(*) FROM articles_search WHERE articles_search MATCH ?", [expression]).fetchone()[0]


def brute(conn, q):
    terms = q.split()
    where, params = [], []
    for t in terms:
        if re.search(r"[A-Za-z]", t):
            where.append("(instr(lower(title), ?) > 0 OR instr(lower(body), ?) > 0)")
            params += [t.lower(), t.lower()]
        else:
            where.append("(instr(title, ?) > 0 OR instr(body, ?) > 0)")
            params += [t, t]
    return conn.execute(f"SELECT id FROM articles WHERE {' AND '.join(where)}", params).fetchall()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10,000 articles, 3 reps")
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--no-brute", action="store_true")
    parser.add_argument("--no-count", action="store_true",
                        help="skip counting each query's matches (a whole-archive walk; with --grow N it is N times the source's)")
    parser.add_argument("--grow", type=int, default=1, metavar="N",
                        help="make the archive as N copies of the --articles/N one (built first if missing)")
    parser.add_argument("--traditional", type=float, default=0.0, metavar="SHARE",
                        help="that share of the articles written in Traditional characters (0 to 1; with --rebuild)")
    args = parser.parse_args(argv)
    if args.quick:
        args.articles, args.reps = 10_000, 3
    info = machine()
    path = OUT / f"search-{args.articles}.db"
    meta = Path(str(path) + ".json")
    if args.grow > 1 and (args.rebuild or not path.exists() or not meta.exists()):
        source = OUT / f"search-{args.articles // args.grow}.db"
        if not source.exists():
            print(f"building {source} ...", flush=True)
            build(source, args.articles // args.grow, args.seed)
        print(f"growing {path} from {args.grow} copies of {source} ...", flush=True)
        build_info = grow(source, path, args.grow)
    elif args.rebuild or not path.exists() or not meta.exists():
        print(f"building {path} ...", flush=True)
        build_info = build(path, args.articles, args.seed, args.traditional)
    else:
        build_info = json.loads(meta.read_text())
        print(f"reusing {path} (built earlier)", flush=True)
    print(f"archive: {build_info['articles']} articles, mean body {build_info['mean_body_chars']:.0f} chars; rows "
          f"{build_info['insert_rows_s']:.1f}s; index build {build_info['index_build_s']:.1f}s "
          f"({build_info['index_ms_per_article']:.2f} ms/article); file {build_info['file_mb']:.0f} MB "
          f"(index {build_info['index_mb'] or float('nan'):.0f} MB, {build_info.get('index_to_text', float('nan')):.2f}x "
          f"the {build_info.get('indexed_text_mb', float('nan')):.0f} MB of indexed text)", flush=True)

    db = open_archive(path)
    conn = db.conn
    # warm the page cache: one pass over the file
    conn.execute("select count(*), sum(length(body)) from articles").fetchone()

    per_query, per_class = [], {}
    for cls, queries in QUERIES.items():
        samples, cpu_samples, rank_samples, brute_samples = [], [], [], []
        for q in queries:
            S.search(db, q, limit=20)  # warm-up
            times, cpu, ftimes = [], [], []
            for _ in range(args.reps):
                t0, c0 = time.perf_counter(), time.process_time()
                results = S.search(db, q, limit=20)
                times.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
                t0 = time.perf_counter()
                rank_only(conn, q)
                ftimes.append(time.perf_counter() - t0)
            hits = match_count(conn, q) if not args.no_count else float("nan")
            bt, bhits = float("nan"), None
            if not args.no_brute:
                t0 = time.perf_counter()
                bhits = len(brute(conn, q))
                bt = time.perf_counter() - t0
                brute_samples.append(bt)
            samples += times
            cpu_samples += cpu
            rank_samples += ftimes
            per_query.append({"class": cls, "query": q, "median_ms": 1000 * median(times), "max_ms": 1000 * max(times),
                              "rank_median_ms": 1000 * median(ftimes), "results": len(results), "matches": hits,
                              "brute_ms": 1000 * bt, "brute_matches": bhits})
            print(f"  {cls:7} {q:16} {1000 * median(times):8.1f} ms (cpu {1000 * median(cpu):7.1f}, rank {1000 * median(ftimes):7.1f}) "
                  f"matches {hits:6} brute {1000 * bt:8.0f} ms ({bhits})", flush=True)
        per_class[cls] = {"median_ms": 1000 * median(samples), "p95_ms": 1000 * p95(samples),
                          "cpu_median_ms": 1000 * median(cpu_samples), "cpu_p95_ms": 1000 * p95(cpu_samples),
                          "rank_median_ms": 1000 * median(rank_samples), "rank_p95_ms": 1000 * p95(rank_samples),
                          "brute_median_ms": 1000 * median(brute_samples) if brute_samples else float("nan"),
                          "samples": len(samples), "median_matches": median([r["matches"] for r in per_query if r["class"] == cls])}
    db.close()

    result = {"machine": info, "build": build_info, "reps": args.reps, "per_class": per_class, "per_query": per_query}
    save("search-quick.json" if args.quick else f"search-{args.articles}.json", result)
    target_ms = 30 if args.articles <= 100_000 else 100  # issue 15's targets
    print(f"\nSearch, {build_info['articles']:,} articles of ~{build_info['mean_body_chars']:.0f} chars, "
          f"12 queries x {args.reps} runs per class")
    rows = [[cls, v["median_ms"], v["p95_ms"], v["cpu_median_ms"], v["cpu_p95_ms"], v["rank_median_ms"], v["rank_p95_ms"], v["median_matches"],
             v["brute_median_ms"], f"{v['brute_median_ms'] / v['median_ms']:.0f}x", "yes" if v["p95_ms"] < target_ms else "NO"]
            for cls, v in per_class.items()]
    print(table(["class", "search() median ms", "p95 ms", "CPU median ms", "CPU p95 ms", "rank() median", "rank() p95", "median matches",
                 "instr() scan median ms", "scan / search", f"p95 < {target_ms} ms"], rows))


if __name__ == "__main__":
    main()
