"""Section 2: extraction and pipelines per page, in isolation (no network, no Scrapy engine).

    /tmp/venv/bin/python bench/extract_bench.py [--quick] [--articles 100] [--passes 5]
    /tmp/venv/bin/python bench/extract_bench.py --ratio [--corpus replica|real|both] [--repeats 7]

``--ratio``: per page, the CPU time of ``read_article`` plus the normalising chain
(the page step's ``completed`` + ``crawler.normalise.STEPS``) over the CPU time of parsing the same page, on the
replica's ~200 live pages and on the real-page corpus (``tests/realpages/``, 89 pages). Parse is
timed two ways: the crawl's (``HtmlResponse(...).selector``: charset, decode, lxml) and lxml alone
(``Selector(text=)`` on the decoded text). Each repetition parses and extracts every page back to
back (interleaved, so load on the machine hits both alike); a page's figure is the median over
``--repeats`` (the resolved-link cache is emptied before each, so no page gains from its own
earlier run); the table gives the median and p90 over pages of extract/parse, and the profile of
the extraction over all pages goes to ``out/extract-ratio-profile-<corpus>.txt``.

On the live article pages of a WordPress and a DedeCMS replica (`--articles` each, ~200 pages):
  * parse: `HtmlResponse(...).selector` (decode + lxml parse, as in the crawl), and
    `parsel.Selector(text=html)` on already-decoded text;
  * `extract_article(selector, url)` as a whole, and broken into its steps (same calls, same order,
    timed one by one; the result is checked against `extract_article`): detect (listing / soft 404),
    title, body container (+ link density), body cleaning (deepcopy, furniture, references and
    disclaimer cut, `block_lines`, boilerplate lines), sanitize (absolutize + tostring + nh3),
    own date, breadcrumb + category, canonical URL, neighbours, body hrefs;
  * pipelines: dates (`normalize_date` on the own date and every neighbour date), references
    (`parse_references`, `find_dois`, `dois_in_urls`, PMIDs, PMCIDs), disclaimer split;
    and `find_dois` alone on body + reference text.
Each stage is timed over every page, `--passes` times; the table shows the median over passes of
the mean ms per page. Then dates: `normalize_date` vs `dateparser.parse(s, languages=['zh'])` on
the common forms (µs per call), and a cProfile of extract_article over all pages.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import OUT, machine, median, save, table  # noqa: E402

from datetime import datetime, timezone  # noqa: E402

from lxml import etree  # noqa: E402
from parsel import Selector  # noqa: E402
from scrapy.http import HtmlResponse  # noqa: E402

from archive.sanitize import sanitize_html  # noqa: E402
from crawler.extraction import article as A  # noqa: E402
from crawler.extraction.dates import normalize_date  # noqa: E402
from crawler.extraction.navigation import find_neighbours  # noqa: E402
from crawler.extraction.references import dois_in_urls, find_dois, find_pmcids, find_pmids, parse_references  # noqa: E402
from crawler.extraction.urls import _absolute_url, absolute_url, canonical_url, looks_like_listing  # noqa: E402
from crawler.normalise import counter_into, normalise, split_disclaimer  # noqa: E402
from crawler.single_page import response_for  # noqa: E402
from crawler.page import Fetched, completed, sanitized  # noqa: E402
from replica import build_portal  # noqa: E402

BASE = "http://127.0.0.1:8000"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)

#: The date forms the README lists, plus prefixed / neighbour-label variants.
COMMON_FORMS = [
    "2026年2月2日", "2026年1月5日 星期一", "2025-12-03 14:20", "2025-12-03 14:20:05", "2025/11/25", "2025.11.20",
    "２０２６年２月２日", "二〇二六年二月二日", "2026年2月2日 下午3:05", "2025-12-03T14:20:00+08:00",
    "发布时间:2026年1月5日 星期一", "时间:2025-12-03 14:20", "发布日期:2025/11/25", "« 上一篇 2026年2月2日",
    "3天前", "昨天 14:30", "刚刚",
]


def load_pages(n: int, seed: int) -> list[dict]:
    pages = []
    for style in ("wordpress", "dedecms"):
        portal = build_portal(style, n, seed=seed)
        for art in portal.live_articles:
            status, headers, body = portal.response(art.path, BASE)
            if status != 200:
                continue
            pages.append({"style": style, "url": BASE + art.path, "body": body, "headers": headers,
                          "encoding": portal.page(art.path).encoding})
    return pages


def load_real_pages() -> list[dict]:
    import realpages

    return [{"style": "real", "url": page["url"], "body": (realpages.CORPUS / page["file"]).read_bytes(), "headers": {}}
            for page in realpages.load_corpus()]


def parse_and_extract(page: dict) -> tuple[float, float, float]:
    """CPU seconds of: the crawl's parse, lxml alone on the decoded text, extraction + normalising."""
    clock = time.process_time
    s = clock()
    response = response_for(page["body"], page["url"], page["headers"].get("Content-Type"))
    selector = response.selector
    crawl_parse = clock() - s
    text = response.text
    s = clock()
    Selector(text=text)
    lxml_parse = clock() - s
    _absolute_url.cache_clear()  # no page gains from an earlier run of itself
    s = clock()
    found = A.read_article(selector, page["url"])
    if not isinstance(found, A.NotAnArticle):
        fetched = Fetched(page["url"], page["body"], page["headers"], 200, NOW.isoformat())
        normalise(completed(sanitized(found), response, fetched), counter_into({}))
    return crawl_parse, lxml_parse, clock() - s


def percentile(values, share: float):
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


def profile_extraction(parsed: list, name: str, passes: int = 1) -> str:
    """cProfile of ``extract_article`` over ``(selector, url)`` pairs, ``passes`` times: the top
    functions by own time, then by cumulative time, written to ``out/<name>`` and returned."""
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(passes):
        for selector, url in parsed:
            A.extract_article(selector, url)
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(30)
    buf.write("\n\n=== by cumulative ===\n")
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(45)
    (OUT / name).write_text(buf.getvalue())
    return buf.getvalue()


def ratio_run(name: str, pages: list[dict], repeats: int) -> dict:
    parse_and_extract(pages[0])  # imports, compiled selectors
    times = [[] for _ in pages]
    for _ in range(repeats):
        for index, page in enumerate(pages):
            times[index].append(parse_and_extract(page))
    per_page = [[median([run[k] for run in runs]) for k in range(3)] for runs in times]
    crawl_ratio = [work / max(crawl, 1e-9) for crawl, _, work in per_page]
    lxml_ratio = [work / max(lxml, 1e-9) for _, lxml, work in per_page]

    parsed = [(response_for(p["body"], p["url"], p["headers"].get("Content-Type")).selector, p["url"]) for p in pages]
    profile_extraction(parsed, f"extract-ratio-profile-{name}.txt")
    return {
        "pages": len(pages), "repeats": repeats,
        "parse_crawl_ms": 1000 * median([p[0] for p in per_page]),
        "parse_lxml_ms": 1000 * median([p[1] for p in per_page]),
        "extract_ms": 1000 * median([p[2] for p in per_page]),
        "extract_ms_total": 1000 * sum(p[2] for p in per_page),
        "ratio_crawl_parse": {"median": median(crawl_ratio), "p90": percentile(crawl_ratio, 0.9)},
        "ratio_lxml_parse": {"median": median(lxml_ratio), "p90": percentile(lxml_ratio, 0.9)},
    }


def ratio_main(args) -> None:
    corpora = {"replica": lambda: load_pages(args.articles, args.seed), "real": load_real_pages}
    names = list(corpora) if args.corpus == "both" else [args.corpus]
    result = {"machine": machine()}
    rows = []
    for name in names:
        pages = corpora[name]()
        found = result[name] = ratio_run(name, pages, args.repeats)
        rows.append([name, found["pages"], found["parse_crawl_ms"], found["parse_lxml_ms"], found["extract_ms"],
                     found["ratio_crawl_parse"]["median"], found["ratio_crawl_parse"]["p90"],
                     found["ratio_lxml_parse"]["median"], found["ratio_lxml_parse"]["p90"]])
    save("extract-ratio.json", result)
    print(f"Per page, CPU ms (median over pages of each page's median of {args.repeats} interleaved runs)")
    print(table(["corpus", "pages", "parse (crawl)", "parse (lxml)", "extract+normalise",
                 "x crawl parse: median", "p90", "x lxml parse: median", "p90"], rows))


def staged_extract(sel, url, t: dict):
    """read_article's steps, timed one by one into ``t`` (seconds)."""
    clock = time.perf_counter
    root = sel.root
    s = clock()
    skip = looks_like_listing(url) or A._is_soft_404(root)
    t["detect"] += clock() - s
    if skip:
        return None
    s = clock()
    stats = A.score_blocks(root)
    names = A.page_names(root)
    t["container"] += clock() - s
    s = clock()
    headline = A.confirmed_title(root)
    t["title"] += clock() - s
    s = clock()
    container, _ = A._body_container(root, stats, names, headline.element if headline else None)
    bad = container is None or stats[container].link_density > A.MAX_LINK_DENSITY
    t["container"] += clock() - s
    if bad:
        return None
    s = clock()
    title = headline or A.find_title(root, container)
    t["title"] += clock() - s
    if title is None:
        return None
    s = clock()
    body_root, body, reference_texts, reference_hrefs, disclaimer = A._cleaned(root, container, title, None, stats, names, None, url)
    t["body cleaning"] += clock() - s
    if A._too_short(body, title):
        return None
    s = clock()
    A._absolutize(body_root, url)
    body_html = sanitize_html(etree.tostring(body_root, encoding="unicode", method="html"))
    t["sanitize (tostring+nh3)"] += clock() - s
    s = clock()
    published_raw, published_source = A.find_published(root, title.element, stats)
    t["own date"] += clock() - s
    s = clock()
    breadcrumb = A.extract_breadcrumb(root, title.text, names)
    category = A.extract_category(root, breadcrumb, names)
    t["breadcrumb+category"] += clock() - s
    s = clock()
    canonical = canonical_url(root, url)
    t["canonical url"] += clock() - s
    s = clock()
    neighbours = find_neighbours(root, url)
    t["neighbours"] += clock() - s
    s = clock()
    hrefs = [href for href in (absolute_url(a.get("href"), url) for a in body_root.iter("a")) if href]
    t["body hrefs"] += clock() - s
    return A.ArticleItem(url=canonical, title=title.text, body=body, body_html=body_html, category=category,
                         breadcrumb=breadcrumb, published_raw=published_raw, published_source=published_source,
                         disclaimer=disclaimer, reference_texts=reference_texts, reference_hrefs=reference_hrefs,
                         body_hrefs=hrefs, neighbours=neighbours)


STEPS = ["detect", "container", "title", "body cleaning", "sanitize (tostring+nh3)", "own date", "breadcrumb+category",
         "canonical url", "neighbours", "body hrefs"]


def one_pass(pages) -> dict:
    clock = time.perf_counter
    t = {k: 0.0 for k in ["parse (HtmlResponse.selector)", "parse (Selector(text=))", "extract_article (whole)", *STEPS,
                          "pipeline: dates", "pipeline: references", "pipeline: disclaimer", "find_dois (body+refs)"]}
    mismatches = 0
    for p in pages:
        s = clock()
        resp = HtmlResponse(p["url"], body=p["body"], headers=p["headers"])
        sel = resp.selector
        t["parse (HtmlResponse.selector)"] += clock() - s
        text = resp.text
        s = clock()
        Selector(text=text)
        t["parse (Selector(text=))"] += clock() - s
        s = clock()
        page = A.extract_article(sel, p["url"])
        t["extract_article (whole)"] += clock() - s
        staged = staged_extract(sel, p["url"], t)
        if page is None or staged is None or (staged.body, staged.title, staged.url) != (page.body, page.title, page.url):
            mismatches += 1
        if page is None:
            continue
        # pipelines, as crawler/pipelines/{dates,references,disclaimer}.py do them
        s = clock()
        if page.published_raw:
            normalize_date(page.published_raw, now=NOW)
        for link in page.neighbours:
            if link.date_raw:
                normalize_date(link.date_raw, now=NOW)
        t["pipeline: dates"] += clock() - s
        s = clock()
        parse_references(page.reference_texts, page.reference_hrefs)
        ref_text = "\n".join([page.body, *page.reference_texts])
        urls = [*page.reference_hrefs, *page.body_hrefs]
        list(dict.fromkeys([*find_dois(ref_text), *dois_in_urls(urls)]))
        find_pmids(ref_text), find_pmids("\n".join(urls)), find_pmcids(ref_text), find_pmcids("\n".join(urls))
        t["pipeline: references"] += clock() - s
        s = clock()
        split_disclaimer(page.body)
        t["pipeline: disclaimer"] += clock() - s
        s = clock()
        find_dois(ref_text)
        t["find_dois (body+refs)"] += clock() - s
    ms = {k: 1000 * v / len(pages) for k, v in t.items()}
    ms["_mismatches"] = mismatches
    return ms


def bench_dates(raws: list[str], reps: int) -> list[dict]:
    import dateparser

    rows = []
    for raw in raws:
        nd = normalize_date(raw, now=NOW)
        dp = dateparser.parse(raw, languages=["zh"])  # warm-up (loads locale data once)
        best_fast, best_dp = [], []
        for _ in range(3):
            s = time.perf_counter()
            for _ in range(reps):
                normalize_date(raw, now=NOW)
            best_fast.append((time.perf_counter() - s) / reps * 1e6)
            s = time.perf_counter()
            for _ in range(max(1, reps // 10)):
                dateparser.parse(raw, languages=["zh"])
            best_dp.append((time.perf_counter() - s) / max(1, reps // 10) * 1e6)
        rows.append({"raw": raw, "normalize_date_us": median(best_fast), "dateparser_us": median(best_dp),
                     "method": nd.method if nd else None, "iso": nd.iso if nd else None,
                     "dateparser_result": dp.isoformat() if dp else None})
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="30 articles per style, 2 passes")
    parser.add_argument("--articles", type=int, default=100)
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--ratio", action="store_true", help="per page: extraction + normalising over parse")
    parser.add_argument("--corpus", choices=("replica", "real", "both"), default="both", help="with --ratio")
    parser.add_argument("--repeats", type=int, default=7, help="with --ratio: interleaved runs per page")
    args = parser.parse_args(argv)
    if args.ratio:
        return ratio_main(args)
    if args.quick:
        args.articles, args.passes = 30, 2
    info = machine()
    pages = load_pages(args.articles, args.seed)
    print(f"{len(pages)} pages ({sum(p['style'] == 'wordpress' for p in pages)} wordpress, "
          f"{sum(p['style'] == 'dedecms' for p in pages)} dedecms), "
          f"mean {sum(len(p['body']) for p in pages) / len(pages) / 1024:.1f} KiB", flush=True)

    one_pass(pages)  # warm-up
    passes = [one_pass(pages) for _ in range(args.passes)]
    stages = [k for k in passes[0] if not k.startswith("_")]
    per_stage = {k: median([p[k] for p in passes]) for k in stages}
    per_style = {}
    for style in ("wordpress", "dedecms"):
        sub = [p for p in pages if p["style"] == style]
        runs = [one_pass(sub) for _ in range(max(1, args.passes // 2))]
        per_style[style] = {k: median([r[k] for r in runs]) for k in stages}

    # dates: strings seen on the pages + the common forms
    seen = set()
    for p in pages:
        page = A.extract_article(HtmlResponse(p["url"], body=p["body"], headers=p["headers"]).selector, p["url"])
        if page is None:
            continue
        if page.published_raw:
            seen.add(page.published_raw)
        seen.update(link.date_raw for link in page.neighbours if link.date_raw)
    page_methods = {}
    for raw in seen:
        nd = normalize_date(raw, now=NOW)
        key = nd.method if nd else "unparsed"
        page_methods[key] = page_methods.get(key, 0) + 1
    dates = bench_dates(COMMON_FORMS, 200 if args.quick else 1000)

    # profile
    sels = [(HtmlResponse(p["url"], body=p["body"], headers=p["headers"]).selector, p["url"]) for p in pages]
    profile = profile_extraction(sels, "extract-profile.txt", passes=2)

    result = {"machine": info, "pages": len(pages), "passes": args.passes, "ms_per_page": per_stage,
              "ms_per_page_by_style": per_style, "mismatches_staged_vs_whole": passes[0]["_mismatches"],
              "date_strings_on_pages": len(seen), "date_methods_on_pages": page_methods, "dates": dates}
    save("extract-quick.json" if args.quick else "extract.json", result)

    whole = per_stage["extract_article (whole)"]
    total = per_stage["parse (HtmlResponse.selector)"] + whole + sum(per_stage[k] for k in stages if k.startswith("pipeline"))
    rows = []
    for k in stages:
        share = f"{100 * per_stage[k] / total:.0f}%" if k not in STEPS and not k.startswith(("parse (Selector", "find_dois")) else \
            (f"({100 * per_stage[k] / whole:.0f}% of extract)" if k in STEPS else "")
        rows.append([k, per_stage[k], per_style["wordpress"][k], per_style["dedecms"][k], share])
    rows.append(["total per page (parse + extract + pipelines)", total, "", "", "100%"])
    print(f"\nPer-page cost, {len(pages)} pages, median of {args.passes} passes (staged/whole mismatches: "
          f"{passes[0]['_mismatches']})")
    print(table(["stage", "ms/page (all)", "wordpress", "dedecms", "share"], rows))
    print(f"\nDate strings on these pages: {len(seen)} distinct; by method: {page_methods}")
    drows = [[d["raw"], d["method"], d["normalize_date_us"], d["dateparser_us"], f"{d['dateparser_us'] / d['normalize_date_us']:.0f}x",
              d["iso"], d["dateparser_result"]] for d in dates]
    print(table(["string", "fast path", "normalize_date µs", "dateparser.parse µs", "ratio", "normalize_date", "dateparser"], drows))
    print(f"\nmedian over forms: normalize_date {median([d['normalize_date_us'] for d in dates]):.1f} µs, "
          f"dateparser.parse {median([d['dateparser_us'] for d in dates]):.0f} µs")
    print("\nTop of the extract_article profile (tottime):")
    print("\n".join(profile.splitlines()[:40]))


if __name__ == "__main__":
    main()
