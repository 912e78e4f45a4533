"""Issue 15, part 4: archives of 100,000 and 1,000,000 articles, and what they cost.

    .venv/bin/python bench/scale.py build --articles 100000 --out bench/out/scale-100000.db
    .venv/bin/python bench/scale.py report bench/out/scale-100000.db [--reps 5]

``build`` synthesises N articles and writes them through the archive's own writer
(`archive.writer.write_batch`, batches of 500, search index included), so the file is the
one a crawl of N pages would leave. Each article is a real extracted replica page (the
write bench's article dicts: references, DOIs, disclaimer, neighbour links, headers) with
its title, body and date replaced by the search bench's topic-coherent text of ~2,000
characters; its kept raw page is that replica page with the new body in place, so the
compressed `pages` rows are as large as a crawl's. Articles are spread over 20 sites,
each a prev/next chain, dated over 2,000 days.

``report`` prints the file's size per article split by dbstat (rows, raw pages, search
index), the index against the title+body text it indexes, search p50/p95 for the search
bench's query classes, the time of `medarchive stats` (and `export`, where the command
exists), and the time to load an incremental crawl's state (`archive.state.load_state`).
"""

from __future__ import annotations

import argparse
import html
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import OUT, machine, save  # noqa: E402
from search_bench import generate_rows  # noqa: E402
from write_bench import make_articles  # noqa: E402

from archive.schema import close_archive, open_archive  # noqa: E402
from archive.writer import write_batch  # noqa: E402

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
            write_batch(db, batch)
            done += len(batch)
            batch = []
            if time.perf_counter() - last > 60:
                last = time.perf_counter()
                print(f"  {done:,} articles, {done / (last - t0):.0f}/s", flush=True)
    if batch:
        write_batch(db, batch)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    seconds = time.perf_counter() - t0
    close_archive(db)
    info = {"articles": n, "build_s": seconds, "articles_per_s": n / seconds, "text_chars": chars,
            "file_bytes": out.stat().st_size, "machine": machine()}
    save(f"scale-build-{n}.json", info)
    return info


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    b = commands.add_parser("build", help="write a synthetic archive of N articles")
    b.add_argument("--articles", type=int, required=True)
    b.add_argument("--out", type=Path, required=True)
    b.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    if args.command == "build":
        info = build(args.articles, args.out, args.seed)
        print(f"{info['articles']:,} articles in {info['build_s']:.0f} s ({info['articles_per_s']:.0f}/s), "
              f"file {info['file_bytes'] / 1e9:.2f} GB ({info['file_bytes'] / info['articles']:,.0f} bytes/article)")


if __name__ == "__main__":
    main()
