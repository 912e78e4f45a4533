"""Issue 15, part 4: archives of 100,000 and 1,000,000 articles, and what they cost.

    .venv/bin/python bench/scale.py build --articles 100000 --out bench/out/scale-100000.db
    .venv/bin/python bench/scale.py grow bench/out/scale-100000.db --times 10 --out bench/out/scale-1000000.db
    .venv/bin/python bench/scale.py report bench/out/scale-100000.db [--reps 5]

``build`` synthesises N articles and writes them through the archive's own writer
(`archive.writer.write_batch`, batches of 500, search index included), so the file is the
one a crawl of N pages would leave. Each article is a real extracted replica page (the
write bench's article dicts: references, DOIs, disclaimer, neighbour links, headers) with
its title, body and date replaced by the search bench's topic-coherent text of ~2,000
characters; its kept raw page is that replica page with the new body in place, so the
compressed `pages` rows are as large as a crawl's. Articles are spread over 20 sites,
each a prev/next chain, dated over 2,000 days; each has its sitemap entry, and one listing
page in 50 is recorded as not an article, as a default crawl leaves them.

``grow`` makes an archive K times larger from a built one, where building through the writer
would take hours (on 2 shared cores the writer made 100-150 articles/s): every row copied in
SQL with its URLs moved under ``/c1/``, ``/c2/``..., and the search index filled with the rows
``search_index.index_articles`` writes.

``report`` prints the file's size per article split by dbstat (rows, raw pages, search
index), the index against the title+body text it indexes, the time to read an incremental
crawl's state (`archive.state.load_state`) for one site and for all, the crawl's start up to
its first request, `medarchive stats` and `medarchive export --format jsonl` (to nothing), and search p50/p95 (wall and CPU) for the search
bench's query classes.
"""

from __future__ import annotations

import argparse
import cProfile
import html
import io
import pstats
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PY, machine, median, p95, save, table  # noqa: E402
from search_bench import QUERIES, generate_rows  # noqa: E402
from write_bench import make_articles  # noqa: E402

from archive import close_archive, open_archive, search, search_index  # noqa: E402
from archive.schema import COUNT_TABLES  # noqa: E402
from archive.state import load_state  # noqa: E402
from archive.writer import write_batch  # noqa: E402
from crawler.settings import PORTAL_RECHECK_NEWEST  # noqa: E402

SITES = [f"https://portal{k:02d}.example" for k in range(20)]
BATCH = 500
TEMPLATES = 200

# Where the article's own text sits in a replica WordPress page.
_BODY_START = b'<div class="entry-content">\n'
_BODY_END = b'\n</div>\n<footer class="entry-footer">'


def _templates(seed: int) -> list[dict]:
    """Extracted replica article dicts whose raw page has the body where we can swap it."""
    return [a for a in make_articles(TEMPLATES, TEMPLATES, seed) if _BODY_START in a["raw_body"]]


def _url(i: int) -> str:
    return f"{SITES[i % len(SITES)]}/a/{i}.html"


def _cn_date(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{y}年{m}月{d}日"


def synthesise(n: int, seed: int):
    """N article dicts as the crawl hands them to the writer, article i at ``_url(i)``."""
    templates = _templates(seed)
    for url, i, _site, title, body, day, *_ in generate_rows(n, seed):
        t = templates[i % len(templates)]
        body_html = "\n".join(f"<p>{html.escape(p)}</p>" for p in body.split("\n"))
        head, rest = t["raw_body"].split(_BODY_START, 1)
        tail = rest.split(_BODY_END, 1)[1]
        raw = head.replace(t["title"].encode(), title.encode()) + _BODY_START + body_html.encode() + _BODY_END + tail
        step = len(SITES)  # neighbours on the same site's chain
        neighbours = [
            {"rel": rel, "url": _url(j), "title": None, "date_raw": None, "date": None}
            for rel, j in (("prev", i - step), ("next", i + step)) if 0 < j <= n
        ]
        # DOIs and references of the template, made unique to the article
        dois = [f"{doi}.{i}" for doi in t["dois"]]
        references = [{**r, "doi": f"{r['doi']}.{i}" if r.get("doi") else None} for r in t["references"]]
        yield {
            **t,
            "url": _url(i),
            "fetched_url": _url(i),
            "site": SITES[i % len(SITES)],
            "title": title,
            "body": body,
            "body_html": body_html,
            "published": day,
            "published_raw": _cn_date(day),
            "published_source": "time",
            "neighbours": neighbours,
            "dois": dois,
            "references": references,
            "aliases": [],
            "raw_body": raw,
            "fetched_at": f"{day}T08:00:00+00:00",
        }


def _discovered(batch: list[dict]) -> dict:
    """What a default crawl records beside the articles: each one's sitemap entry, and a
    listing page (not an article) for every 50."""
    return {
        "sitemap": [(a["url"], a["published"]) for a in batch],
        "not_articles": [(a["url"].replace("/a/", "/list/"), "not_article") for a in batch[::50]],
    }


def build(n: int, out: Path, seed: int) -> dict:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{out}{suffix}").unlink(missing_ok=True)
    db = open_archive(out)
    t0 = time.perf_counter()
    batch, done, chars, last = [], 0, 0, t0
    for article in synthesise(n, seed):
        batch.append(article)
        chars += len(article["title"]) + len(article["body"])
        if len(batch) == BATCH:
            write_batch(db, batch, **_discovered(batch))
            done += len(batch)
            batch = []
            if time.perf_counter() - last > 60:
                last = time.perf_counter()
                print(f"  {done:,} articles, {done / (last - t0):.0f}/s", flush=True)
    if batch:
        write_batch(db, batch, **_discovered(batch))
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    seconds = time.perf_counter() - t0
    close_archive(db)
    info = {"articles": n, "build_s": seconds, "articles_per_s": n / seconds, "text_chars": chars,
            "file_bytes": out.stat().st_size, "machine": machine()}
    save(f"scale-build-{n}.json", info)
    return info


# --- grow -------------------------------------------------------------------------------

#: Tables ``grow`` leaves alone: bookkeeping, the search index it fills itself, and m025's kept
#: counts, which their triggers keep up as the rows are copied (a copy of them would count twice).
NOT_COPIED = ("_sqlite_migrations", "sqlite_", *COUNT_TABLES)


def _copy_select(conn, table: str, k: int, id_offset: int) -> tuple[list[str], str]:
    """The columns of ``table`` and the SELECT giving its rows as copy ``k``: every URL moved
    under ``/c{k}/`` on the same site, article ids shifted by ``k * id_offset``."""
    columns = [row[1] for row in conn.execute(f"pragma src.table_xinfo([{table}])") if row[6] == 0]  # not generated
    exprs = []
    for column in columns:
        if column.endswith("url"):
            exprs.append(f"replace([{column}], '.example/', '.example/c{k}/')")
        elif table == "articles" and column == "id":
            exprs.append(f"id + {k * id_offset}")
        else:
            exprs.append(f"[{column}]")
    return columns, f"select {', '.join(exprs)} from src.[{table}]"


def grow(source: Path, out: Path, times: int) -> dict:
    """A copy of the archive ``source`` with every article ``times`` times over (URLs under
    ``/c1/``, ``/c2/``...), its search index filled with the same rows `search_index.index_articles`
    writes, the text rewritten once per source article."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{out}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, out)
    t0 = time.perf_counter()
    conn = sqlite3.connect(out, isolation_level=None)
    conn.execute("pragma journal_mode = wal")
    conn.execute("attach database ? as src", [f"file:{source}?mode=ro"])
    id_offset, = conn.execute("select max(id) from src.articles").fetchone()
    tables = [name for (name,) in conn.execute("select name from src.sqlite_master where type = 'table' order by name")
              if not name.startswith((*NOT_COPIED, search_index.SEARCH_TABLE))]
    for k in range(1, times):
        conn.execute("begin")
        for table in tables:
            columns, select = _copy_select(conn, table, k, id_offset)
            conn.execute(f"insert into [{table}] ({', '.join(f'[{c}]' for c in columns)}) {select}")
        conn.execute("commit")
        print(f"  rows of copy {k} in {time.perf_counter() - t0:.0f} s", flush=True)
    source_conn = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    ids = [id_ for (id_,) in source_conn.execute("select id from articles order by id")]
    marks = ", ".join("?" * (1 + len(search_index.COLUMNS)))
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        values = search_index._current_sources(source_conn, chunk)
        rows = {id_: (search_index._shadow(v), search_index._pack(v)) for id_, v in values.items()}
        conn.execute("begin")
        for k in range(1, times):
            conn.executemany(f"insert into {search_index.SEARCH_TABLE}(rowid, {', '.join(search_index.COLUMNS)}) values ({marks})",
                             [(id_ + k * id_offset, *shadow) for id_, (shadow, _) in rows.items()])
            conn.executemany(f"insert into {search_index.STATE_TABLE}(id, source) values (?, ?)",
                             [(id_ + k * id_offset, blob) for id_, (_, blob) in rows.items()])
        conn.execute("commit")
        if start % 10_000 == 0:
            print(f"  index: {start:,} of {len(ids):,} source articles, {time.perf_counter() - t0:.0f} s", flush=True)
    source_conn.close()
    conn.execute("pragma wal_checkpoint(truncate)")
    conn.close()
    seconds = time.perf_counter() - t0
    info = {"source": str(source), "times": times, "articles": len(ids) * times, "grow_s": seconds,
            "file_bytes": out.stat().st_size, "machine": machine()}
    save(f"scale-grow-{len(ids) * times}.json", info)
    return info


# --- report ---------------------------------------------------------------------------

#: Which part of the file each table (and its indexes) is, by table name.
RAW_PAGE_TABLES = ("pages", "unextracted_pages")
INDEX_PREFIX = search_index.SEARCH_TABLE


def part_of(table_name: str) -> str:
    if table_name.startswith(INDEX_PREFIX):
        return "search index"
    return "raw pages" if table_name in RAW_PAGE_TABLES else "rows"


def sizes(path: Path) -> dict:
    """Bytes per part of the file (dbstat, every b-tree mapped to its table) and the text indexed."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        owner = dict(con.execute("select name, tbl_name from sqlite_master where type in ('table', 'index')"))
        per_object = con.execute("select name, sum(pgsize) from dbstat group by name").fetchall()
        title_body, = con.execute(
            "select sum(length(cast(title as blob)) + length(cast(body as blob))) from articles").fetchone()
        articles, = con.execute("select count(*) from articles").fetchone()
    finally:
        con.close()
    parts = {"rows": 0, "raw pages": 0, "search index": 0}
    tables = {}
    for name, size in per_object:
        table_name = owner.get(name, name)
        parts[part_of(table_name)] += size
        tables[table_name] = tables.get(table_name, 0) + size
    return {"articles": articles, "file_bytes": path.stat().st_size, "parts": parts,
            "title_body_bytes": title_body, "tables": dict(sorted(tables.items(), key=lambda kv: -kv[1]))}


def search_latency(path: Path, reps: int) -> dict:
    """p50/p95 of ``search.search(db, q, limit=20)`` per query class, after one warm-up per
    query; wall time, and CPU time beside it (on a shared machine the wall time includes
    waiting for a core)."""
    db = open_archive(path, create=False)
    per_class = {}
    try:
        for cls, queries in QUERIES.items():
            wall, cpu = [], []
            for q in queries:
                search.search(db, q, limit=20)
                for _ in range(reps):
                    t0, c0 = time.perf_counter(), time.process_time()
                    search.search(db, q, limit=20)
                    wall.append(1000 * (time.perf_counter() - t0))
                    cpu.append(1000 * (time.process_time() - c0))
            per_class[cls] = {"p50_ms": median(wall), "p95_ms": p95(wall), "cpu_p50_ms": median(cpu),
                              "cpu_p95_ms": p95(cpu), "samples": len(wall)}
    finally:
        close_archive(db)
    return per_class


def command_seconds(args: list[str], reps: int) -> dict:
    """Median wall and CPU time of ``medarchive ARGS`` run as a user runs it (a new process each time)."""
    wall, cpu = [], []
    for _ in range(reps):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run([PY, "-m", "medarchive", *args], check=True, stdout=subprocess.DEVNULL)
        wall.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return {"wall_s": median(wall), "cpu_s": median(cpu)}


def state_load(path: Path, reps: int) -> dict:
    """What an incremental crawl reads before its first request, for a crawl of one of the 20
    sites and for a crawl of all of them (interleaved; median wall and CPU seconds, sizes), and
    one profile of the whole-archive read."""
    scopes = {"one site": {SITES[1]}, "all sites": None}
    runs = {scope: [] for scope in scopes}
    sizes = {}
    for _ in range(reps):
        for scope, sites in scopes.items():
            t0, c0 = time.perf_counter(), time.process_time()
            state = load_state(path, PORTAL_RECHECK_NEWEST, sites=sites)
            runs[scope].append((time.perf_counter() - t0, time.process_time() - c0))
            sizes[scope] = {"known": len(state.articles) + len(state.aliases), "frontier": len(state.frontier),
                            "newest": sum(map(len, state.newest.values())), "sitemap": len(state.sitemap)}
    profile = cProfile.Profile()
    profile.runcall(load_state, path, PORTAL_RECHECK_NEWEST)
    buf = io.StringIO()
    pstats.Stats(profile, stream=buf).sort_stats("cumulative").print_stats("state.py", 12)
    return {scope: {"wall_s": median([w for w, _ in r]), "cpu_s": median([c for _, c in r]), "runs": r, **sizes[scope]}
            for scope, r in runs.items()} | {"profile": buf.getvalue()}


def spider_start(path: Path, reps: int) -> dict:
    """Median time of the crawl's start as ``medarchive crawl`` runs it, up to its first request:
    the runner's ``crawl_state`` (the state read above, from a start URL), then the spider's
    own ``start()`` (it notes every sitemap URL as listed) until it yields that request."""
    import asyncio

    from scrapy.utils.reactor import install_reactor
    from scrapy.utils.test import get_crawler

    install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
    from crawler.runner import project_settings
    from crawler.start import crawl_state
    from crawler.spiders.portal import PortalSpider

    settings = project_settings({"ARCHIVE_DB_PATH": str(path), "PORTAL_MODE": "incremental"})
    start_url = _url(1)
    loop = asyncio.new_event_loop()
    state_s, start_s = [], []
    for _ in range(reps):
        t0 = time.perf_counter()
        state = crawl_state(settings, [start_url])
        t1 = time.perf_counter()
        spider = PortalSpider.from_crawler(get_crawler(PortalSpider, settings.copy_to_dict()), start_urls=[start_url], state=state)
        t2 = time.perf_counter()
        starts = spider.start()
        first = loop.run_until_complete(starts.__anext__())
        start_s.append(time.perf_counter() - t2)
        state_s.append(t1 - t0)
        loop.run_until_complete(starts.aclose())
        spider.closed("finished")
    loop.close()
    return {"crawl_state_s": median(state_s), "spider_start_s": median(start_s), "first_request": str(first),
            "conditional": b"If-Modified-Since" in first.headers or b"If-None-Match" in first.headers}


def report(path: Path, reps: int) -> dict:
    out = {"machine": machine(), "archive": str(path)}
    out["sizes"] = sizes(path)
    out["state_load"] = state_load(path, reps)
    out["spider_start"] = spider_start(path, reps)
    # once each: they read every article row, minutes at a million
    out["stats"] = command_seconds(["stats", "--db", str(path)], 1)
    out["export"] = command_seconds(["export", "--db", str(path), "--format", "jsonl"], 1)
    out["search"] = search_latency(path, reps)
    save(f"scale-report-{out['sizes']['articles']}.json", out)
    return out


def print_report(r: dict) -> None:
    s = r["sizes"]
    n = s["articles"]
    index = s["parts"]["search index"]
    print(f"{n:,} articles, file {s['file_bytes'] / 1e9:.2f} GB, {s['file_bytes'] / n:,.0f} bytes/article")
    print(table(["part", "GB", "bytes/article", "share"],
                [[part, size / 1e9, size / n, f"{100 * size / s['file_bytes']:.0f}%"] for part, size in s["parts"].items()]))
    print(f"search index / title+body text it indexes: {index / s['title_body_bytes']:.2f}x "
          f"({index / n:,.0f} vs {s['title_body_bytes'] / n:,.0f} bytes/article)")
    print(table(["table (with its indexes)", "MB"], [[t, v / 1e6] for t, v in list(s["tables"].items())[:12]]))
    st = r["state_load"]
    print("\nincremental crawl state (load_state):")
    print(table(["crawl of", "wall s", "CPU s", "known URLs", "sitemap entries", "frontier links", "newest"],
                [[scope, v["wall_s"], v["cpu_s"], v["known"], v["sitemap"], v["frontier"], v["newest"]]
                 for scope, v in st.items() if scope != "profile"]))
    print(st["profile"])
    sp = r["spider_start"]
    print(f"crawl start: crawl_state {sp['crawl_state_s']:.2f} s, then the spider's start() to its first request "
          f"{sp['spider_start_s']:.2f} s ({sp['first_request']}, conditional: {sp['conditional']})")
    for command in ("stats", "export"):
        print(f"medarchive {command}: {r[command]['wall_s']:.2f} s wall, {r[command]['cpu_s']:.2f} s CPU")
    print(table(["class", "p50 ms", "p95 ms", "CPU p50 ms", "CPU p95 ms", "runs"],
                [[cls, v["p50_ms"], v["p95_ms"], v["cpu_p50_ms"], v["cpu_p95_ms"], v["samples"]]
                 for cls, v in r["search"].items()]))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    b = commands.add_parser("build", help="write a synthetic archive of N articles")
    b.add_argument("--articles", type=int, required=True)
    b.add_argument("--out", type=Path, required=True)
    b.add_argument("--seed", type=int, default=11)
    g = commands.add_parser("grow", help="copy an archive's articles TIMES times over into a larger one")
    g.add_argument("source", type=Path)
    g.add_argument("--times", type=int, required=True)
    g.add_argument("--out", type=Path, required=True)
    rep = commands.add_parser("report", help="sizes, search latency, stats and crawl-state time of an archive")
    rep.add_argument("path", type=Path)
    rep.add_argument("--reps", type=int, default=5)
    args = parser.parse_args(argv)
    if args.command == "report":
        print_report(report(args.path, args.reps))
    elif args.command == "grow":
        info = grow(args.source, args.out, args.times)
        print(f"{info['articles']:,} articles in {info['grow_s']:.0f} s, file {info['file_bytes'] / 1e9:.2f} GB")
    else:
        info = build(args.articles, args.out, args.seed)
        print(f"{info['articles']:,} articles in {info['build_s']:.0f} s ({info['articles_per_s']:.0f}/s), "
              f"file {info['file_bytes'] / 1e9:.2f} GB ({info['file_bytes'] / info['articles']:,.0f} bytes/article)")


if __name__ == "__main__":
    main()
