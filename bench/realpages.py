"""Score extraction on the real-page corpus, side by side with trafilatura + htmldate and gne.

    python bench/realpages.py                 # the per-field table, medarchive and the anchors
    python bench/realpages.py --only medarchive --failures   # what medarchive gets wrong, page by page
    python bench/realpages.py --record        # write medarchive's totals as the test's floor

The corpus is ``tests/realpages/``: real pages in their original bytes and, in ``expected.json``,
what a person reads on each (title, day, first and last body sentence, boilerplate lines that
must not be in the body, prev/next URLs). Every extractor gets the same bytes; medarchive decodes
them as the crawler does. Timings are medians of per-page CPU time over ``--repeat`` runs.
"""

import argparse
import json
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "realpages"
FLOOR = CORPUS / "scores.json"

FIELDS = (
    ("title", "title exactly right"),
    ("date", "publication date (day)"),
    ("body_first", "body: first sentence present"),
    ("body_last", "body: last sentence present"),
    ("body_clean", "body free of boilerplate lines"),
    ("body_all", "all three body checks"),
    ("neighbours", "prev/next right (pages with a chain)"),
    ("no_invented", "pages with no invented neighbour"),
    ("accepted", "real articles accepted"),
    ("no_exception", "pages extracted without an exception"),
)

_SPACE_RE = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")


def squash(text: str | None) -> str:
    """Text without any whitespace: line breaks differ between extractors, words do not."""
    return _SPACE_RE.sub("", text or "")


@dataclass
class Extracted:
    """What one extractor found on one page."""

    title: str | None = None
    day: str | None = None
    body: str | None = None
    neighbours: dict | None = None  # {"prev": url | "END" | None, ...}; None when not supported
    rejected: bool = False
    error: str | None = None
    seconds: float = 0.0


@dataclass
class Score:
    checks: dict = field(default_factory=dict)  # field -> list of (page id, ok)

    def add(self, name: str, page_id: str, ok: bool) -> None:
        self.checks.setdefault(name, []).append((page_id, ok))

    def total(self, name: str) -> tuple[int, int]:
        results = self.checks.get(name, [])
        return sum(ok for _, ok in results), len(results)


def load_corpus(corpus: Path = CORPUS) -> list[dict]:
    return json.loads((corpus / "expected.json").read_text(encoding="utf-8"))


# --- extractors ------------------------------------------------------------------------------


def run_medarchive(body: bytes, url: str) -> Extracted:
    from crawler.single_page import extract_page

    result = extract_page(body, url)
    item = result.item
    if item is None:
        return Extracted(rejected=True, neighbours={})
    neighbours = {link.rel: (link.url or "END") for link in item.neighbours}
    return Extracted(title=item.title, day=result.published_day, body=item.body, neighbours=neighbours)


def run_trafilatura(body: bytes, url: str) -> Extracted:
    import trafilatura
    from htmldate import find_date

    document = trafilatura.bare_extraction(body, url=url, with_metadata=True)
    document = document.as_dict() if document is not None else None
    day = find_date(body, url=url, original_date=True, outputformat="%Y-%m-%d")
    if not document:
        return Extracted(day=day, rejected=True)
    return Extracted(title=document.get("title"), day=day, body=document.get("text"))


def run_gne(body: bytes, url: str) -> Extracted:
    from gne import GeneralNewsExtractor

    from crawler.single_page import response_for

    result = GeneralNewsExtractor().extract(response_for(body, url).text)
    day = (result.get("publish_time") or "")[:10] or None
    return Extracted(title=result.get("title"), day=_as_day(day), body=result.get("content"))


def _as_day(value: str | None) -> str | None:
    from crawler.extraction.dates import normalize_date

    normalized = normalize_date(value) if value else None
    return normalized.iso[:10] if normalized else None


EXTRACTORS = {"medarchive": run_medarchive, "trafilatura+htmldate": run_trafilatura, "gne": run_gne}


def available_extractors(names: list[str]) -> dict:
    found = {}
    for name in names:
        try:
            if name == "trafilatura+htmldate":
                import htmldate  # noqa: F401
                import trafilatura  # noqa: F401
            elif name == "gne":
                import gne  # noqa: F401
        except ImportError:
            print(f"({name} is not installed: left out)", file=sys.stderr)
            continue
        found[name] = EXTRACTORS[name]
    return found


def extract(run, body: bytes, url: str, repeat: int = 1) -> Extracted:
    times = []
    for _ in range(repeat):
        started = time.process_time()
        try:
            result = run(body, url)
        except Exception as error:  # the scorer reports an extractor's crash, it does not stop
            result = Extracted(error=f"{type(error).__name__}: {error}")
        times.append(time.process_time() - started)
    result.seconds = statistics.median(times)
    return result


# --- scoring ---------------------------------------------------------------------------------


def score_page(expected: dict, found: Extracted, score: Score) -> None:
    page_id = expected["id"]
    score.add("no_exception", page_id, found.error is None)
    score.add("accepted", page_id, not found.rejected and found.error is None)
    score.add("title", page_id, squash(found.title) == squash(expected["title"]))
    score.add("date", page_id, found.day == expected.get("date"))
    body = squash(found.body)
    first = squash(expected["body_first"]) in body if body else False
    last = squash(expected["body_last"]) in body if body else False
    clean = bool(body) and not any(squash(line) in body for line in expected.get("boilerplate", []))
    score.add("body_first", page_id, first)
    score.add("body_last", page_id, last)
    score.add("body_clean", page_id, clean)
    score.add("body_all", page_id, first and last and clean)
    if found.neighbours is None:
        return
    shown = {rel: expected[rel] for rel in ("prev", "next") if rel in expected}
    if shown:
        score.add("neighbours", page_id, all(found.neighbours.get(rel) == url for rel, url in shown.items()))
    score.add("no_invented", page_id, all(rel in shown for rel in found.neighbours))


def score_corpus(pages: list[dict], run, corpus: Path = CORPUS, repeat: int = 1) -> tuple[Score, list[float], dict]:
    score, seconds, found_by_page = Score(), [], {}
    for expected in pages:
        body = (corpus / expected["file"]).read_bytes()
        found = extract(run, body, expected["url"], repeat)
        score_page(expected, found, score)
        seconds.append(found.seconds)
        found_by_page[expected["id"]] = found
    return score, seconds, found_by_page


def totals(score: Score) -> dict:
    return {name: list(score.total(name)) for name, _ in FIELDS if score.checks.get(name)}


def print_table(results: dict) -> None:
    names = list(results)
    print("| field | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for name, label in FIELDS:
        cells = []
        for extractor in names:
            ok, count = results[extractor][0].total(name)
            cells.append(f"{ok}/{count}" if count else "-")
        print(f"| {label} | " + " | ".join(cells) + " |")
    cells = [f"{statistics.median(results[name][1]) * 1000:.1f} ms" for name in names]
    print("| median CPU time per page | " + " | ".join(cells) + " |")
    cells = [f"{sum(results[name][1]) * 1000:.0f} ms" for name in names]
    print("| total CPU time | " + " | ".join(cells) + " |")


def print_failures(pages: list[dict], score: Score, found_by_page: dict) -> None:
    by_id = {page["id"]: page for page in pages}
    for name, label in FIELDS:
        wrong = [page_id for page_id, ok in score.checks.get(name, []) if not ok]
        if not wrong:
            continue
        print(f"\n## {label}: {len(wrong)} wrong")
        for page_id in wrong:
            expected, found = by_id[page_id], found_by_page[page_id]
            detail = {
                "title": (expected["title"], found.title),
                "date": (expected.get("date"), found.day),
                "neighbours": ({rel: expected.get(rel) for rel in ("prev", "next") if rel in expected}, found.neighbours),
                "no_invented": (None, found.neighbours),
                "no_exception": (None, found.error),
            }.get(name, ("", (found.body or "")[:60] + " ... " + (found.body or "")[-60:]))
            print(f"- {page_id}: expected {detail[0]!r} got {detail[1]!r}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", choices=list(EXTRACTORS), help="score only these extractors")
    parser.add_argument("--failures", action="store_true", help="list each wrong page per field")
    parser.add_argument("--repeat", type=int, default=1, help="runs per page for the CPU-time median")
    parser.add_argument("--record", action="store_true", help=f"write medarchive's totals to {FLOOR.relative_to(ROOT)}")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    pages = load_corpus(args.corpus)
    sites = {page["site"] for page in pages}
    print(f"{len(pages)} pages from {len(sites)} sites ({args.corpus})\n")
    results = {}
    for name, run in available_extractors(args.only or list(EXTRACTORS)).items():
        results[name] = score_corpus(pages, run, args.corpus, args.repeat)
    print_table(results)
    if args.failures:
        for name, (score, _, found) in results.items():
            print(f"\n# {name}")
            print_failures(pages, score, found)
    if args.record:
        lines = [f'  "{name}": {json.dumps(value)}' for name, value in totals(results["medarchive"][0]).items()]
        FLOOR.write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="utf-8")
        print(f"\nrecorded {FLOOR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
