"""Score extraction on the real-page corpus, side by side with trafilatura + htmldate, gne and news-please.

    python bench/realpages.py                 # the per-field table, medarchive and the anchors
    python bench/realpages.py --only medarchive --failures   # what medarchive gets wrong, page by page
    python bench/realpages.py --part targeted # only the pages of one part of the corpus
    python bench/realpages.py --record        # pin medarchive's outcome per page and field

Each field of each page is right (the page's value), wrong (a value that is not the page's:
another title or day, a neighbour the page does not link, a boilerplate line in the body, a
neighbour's date that is the day of the run) or missing (nothing given, a sentence not found).

The corpus is ``tests/realpages/``: real pages in their original bytes and, in ``expected.json``,
what a person reads on each (title, day, first and last body sentence, boilerplate lines that
must not be in the body, prev/next URLs) and, for the pages ``metadata.json`` labels, the byline,
source outlet, editor and modified day the page shows (``[]``/null where it shows none: a value
given there is wrong). Every extractor gets the same bytes; medarchive decodes
them as the crawler does. Timings are medians of per-page CPU time over ``--repeat`` runs.
"""

import argparse
import json
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "realpages"
FLOOR = CORPUS / "scores.json"
SHANGHAI = timezone(timedelta(hours=8))

FIELDS = (
    ("title", "title exactly right"),
    ("date", "publication date (day)"),
    ("body_first", "body: first sentence present"),
    ("body_last", "body: last sentence present"),
    ("body_clean", "body free of boilerplate lines"),
    ("body_all", "all three body checks"),
    ("neighbours", "prev/next right (pages with a chain)"),
    ("no_invented", "pages with no invented neighbour"),
    ("neighbour_dates", "neighbour dates not the run's day"),
    ("accepted", "real articles accepted"),
    ("no_exception", "pages extracted without an exception"),
    ("authors_shown", "authors (labelled pages showing a byline)"),
    ("authors_none", "no author invented (labelled pages showing none)"),
    ("source_shown", "source outlet (labelled pages naming one)"),
    ("source_none", "no source invented (labelled pages naming none)"),
    ("source_url", "source's link (labelled pages where it links)"),
    ("editor", "editor (labelled pages)"),
    ("modified", "modified day (labelled pages)"),
)
#: The labelled metadata fields, scored only on the pages ``metadata.json`` labels.
METADATA = "metadata.json"
METADATA_FIELDS = ("authors", "source", "source_url", "editor", "modified")

#: What a field can be on one page: the page's value, another value, or nothing.
RIGHT, WRONG, MISSING = "right", "wrong", "missing"

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
    neighbour_days: list = field(default_factory=list)  # the days given to neighbour links
    rejected: bool = False
    metadata: dict = field(default_factory=dict)  # of METADATA_FIELDS, those the extractor gives
    error: str | None = None
    seconds: float = 0.0


@dataclass
class Score:
    checks: dict = field(default_factory=dict)  # field -> list of (page id, RIGHT | WRONG | MISSING)

    def add(self, name: str, page_id: str, outcome: str) -> None:
        self.checks.setdefault(name, []).append((page_id, outcome))

    def count(self, name: str, outcome: str) -> int:
        return sum(found == outcome for _, found in self.checks.get(name, []))

    def total(self, name: str) -> tuple[int, int]:
        """(pages right, pages scored) for one field."""
        return self.count(name, RIGHT), len(self.checks.get(name, []))

    def by_page(self) -> dict:
        """{page id: {field: outcome}}, the record the test pins."""
        pages: dict = {}
        for name, results in self.checks.items():
            for page_id, outcome in results:
                pages.setdefault(page_id, {})[name] = outcome
        return pages


def load_corpus(corpus: Path = CORPUS) -> list[dict]:
    """The corpus's pages, each labelled page's metadata under ``metadata``."""
    pages = json.loads((corpus / "expected.json").read_text(encoding="utf-8"))
    labelled = corpus / METADATA
    labels = {entry["id"]: entry for entry in json.loads(labelled.read_text(encoding="utf-8"))} if labelled.exists() else {}
    for page in pages:
        if page["id"] in labels:
            page["metadata"] = labels[page["id"]]
    return pages


# --- extractors ------------------------------------------------------------------------------


def run_medarchive(body: bytes, url: str, now: datetime | None) -> Extracted:
    from crawler.single_page import extract_page

    result = extract_page(body, url, fetched_at=now)
    item = result.item
    if item is None:
        return Extracted(rejected=True, neighbours={})
    neighbours = {link.rel: (link.url or "END") for link in item.neighbours}
    days = [link.date[:10] for link in item.neighbours if link.date]
    metadata = {"authors": item.authors, "source": item.source, "source_url": item.source_url, "editor": item.editor,
                "modified": item.modified[:10] if item.modified else None}
    return Extracted(title=item.title, day=result.published_day, body=item.body, neighbours=neighbours, neighbour_days=days,
                     metadata=metadata)


def run_trafilatura(body: bytes, url: str, now: datetime | None) -> Extracted:
    import trafilatura
    from htmldate import find_date

    document = trafilatura.bare_extraction(body, url=url, with_metadata=True)
    document = document.as_dict() if document is not None else None
    day = find_date(body, url=url, original_date=True, outputformat="%Y-%m-%d")
    if not document:
        return Extracted(day=day, rejected=True)
    # trafilatura's "sitename" is the nearest it has to a source outlet: scored as one.
    metadata = {"authors": [name.strip() for name in (document.get("author") or "").split(";") if name.strip()],
                "source": document.get("sitename") or None}
    return Extracted(title=document.get("title"), day=day, body=document.get("text"), metadata=metadata)


def run_gne(body: bytes, url: str, now: datetime | None) -> Extracted:
    from gne import GeneralNewsExtractor

    from crawler.single_page import response_for

    result = GeneralNewsExtractor().extract(response_for(body, url).text)
    day = (result.get("publish_time") or "")[:10] or None
    author = (result.get("author") or "").strip()
    return Extracted(title=result.get("title"), day=_as_day(day), body=result.get("content"), metadata={"authors": [author] if author else []})


def run_news_please(body: bytes, url: str, now: datetime | None) -> Extracted:
    from newsplease import NewsPlease

    from crawler.single_page import response_for

    article = NewsPlease.from_html(response_for(body, url).text, url=url, fetch_images=False)
    day = article.date_publish.date().isoformat() if article.date_publish else None
    modified = article.date_modify.date().isoformat() if article.date_modify else None
    return Extracted(title=article.title, day=day, body=article.maintext, metadata={"authors": list(article.authors or []), "modified": modified})


def _as_day(value: str | None) -> str | None:
    from crawler.extraction.dates import normalize_date

    normalized = normalize_date(value) if value else None
    return normalized.iso[:10] if normalized else None


EXTRACTORS = {"medarchive": run_medarchive, "trafilatura+htmldate": run_trafilatura, "gne": run_gne, "news-please": run_news_please}


def available_extractors(names: list[str]) -> dict:
    found = {}
    for name in names:
        try:
            if name == "trafilatura+htmldate":
                import htmldate  # noqa: F401
                import trafilatura  # noqa: F401
            elif name == "gne":
                import gne  # noqa: F401
            elif name == "news-please":
                import newsplease  # noqa: F401
        except ImportError:
            print(f"({name} is not installed: left out)", file=sys.stderr)
            continue
        found[name] = EXTRACTORS[name]
    return found


def extract(run, body: bytes, url: str, now: datetime | None, repeat: int = 1) -> Extracted:
    times = []
    for _ in range(repeat):
        started = time.process_time()
        try:
            result = run(body, url, now)
        except Exception as error:  # the scorer reports an extractor's crash, it does not stop
            result = Extracted(error=f"{type(error).__name__}: {error}")
        times.append(time.process_time() - started)
    result.seconds = statistics.median(times)
    return result


# --- scoring ---------------------------------------------------------------------------------


def fetch_time(expected: dict) -> datetime | None:
    """When the page was fetched: its ``fetched_at`` where the source gives it, else unknown (a
    relative date on an undated save must then come out absent)."""
    return datetime.fromisoformat(expected["fetched_at"]) if expected.get("fetched_at") else None


def run_days(clock: datetime) -> set[str]:
    """The run's day in UTC and in China: a date resolved against the clock is one of them."""
    return {clock.astimezone(zone).date().isoformat() for zone in (timezone.utc, SHANGHAI)}


def value_outcome(found: str | None, expected: str | None) -> str:
    """RIGHT when the value is the page's (both absent counts), MISSING when none is given
    for a value the page shows, WRONG when a value is given that is not the page's."""
    if found == expected:
        return RIGHT
    return MISSING if found is None else WRONG


def body_outcomes(expected: dict, body: str | None) -> dict:
    """The body checks: a sentence not in the body is MISSING; a boilerplate line in it is WRONG."""
    body = squash(body)
    if not body:
        return {name: MISSING for name in ("body_first", "body_last", "body_clean", "body_all")}
    outcomes = {
        "body_first": RIGHT if squash(expected["body_first"]) in body else MISSING,
        "body_last": RIGHT if squash(expected["body_last"]) in body else MISSING,
        "body_clean": WRONG if any(squash(line) in body for line in expected.get("boilerplate", [])) else RIGHT,
    }
    outcomes["body_all"] = WRONG if WRONG in outcomes.values() else MISSING if MISSING in outcomes.values() else RIGHT
    return outcomes


def as_outlet_name(text: str | None) -> str | None:
    """An outlet's name compared without spaces and 《》."""
    return squash(text).strip("《》") or None


def metadata_outcomes(labels: dict, found: dict) -> dict:
    """The outcomes of the metadata fields the extractor gives (``found``) on a labelled page.
    Where the page shows no byline or names no source, any value given is WRONG."""
    outcomes = {}
    if "authors" in found:
        names, shown = [squash(name) for name in found["authors"]], [squash(name) for name in labels["authors"]]
        if shown:
            outcomes["authors_shown"] = RIGHT if names == shown else MISSING if not names else WRONG
        else:
            outcomes["authors_none"] = WRONG if names else RIGHT
    if "source" in found:
        source = as_outlet_name(found["source"])
        if labels["source"]:
            outcomes["source_shown"] = value_outcome(source, as_outlet_name(labels["source"]))
        else:
            outcomes["source_none"] = WRONG if source else RIGHT
    if "source_url" in found and labels.get("source_url"):
        outcomes["source_url"] = value_outcome(found["source_url"], labels["source_url"])
    if "editor" in found:
        outcomes["editor"] = value_outcome(squash(found["editor"]) or None, squash(labels["editor"]) or None)
    if "modified" in found:
        outcomes["modified"] = value_outcome(found["modified"], labels["modified"])
    return outcomes


def neighbours_outcome(shown: dict, found: dict) -> str:
    """WRONG when a link given is not the page's, MISSING when one the page shows is not given."""
    outcomes = [value_outcome(found.get(rel), url) for rel, url in shown.items()]
    return WRONG if WRONG in outcomes else MISSING if MISSING in outcomes else RIGHT


def score_page(expected: dict, found: Extracted, score: Score, clock_days: set = frozenset()) -> None:
    """Add one page's outcomes to ``score``. ``clock_days`` is the run's day when the page
    was read against the clock (no ``fetched_at``): no date of it may be that day."""
    page_id = expected["id"]
    score.add("no_exception", page_id, RIGHT if found.error is None else MISSING)
    score.add("accepted", page_id, RIGHT if not found.rejected and found.error is None else MISSING)
    title = squash(found.title) or None
    score.add("title", page_id, value_outcome(title, squash(expected["title"])))
    score.add("date", page_id, value_outcome(found.day, expected.get("date")))
    for name, outcome in body_outcomes(expected, found.body).items():
        score.add(name, page_id, outcome)
    if "metadata" in expected:
        for name, outcome in metadata_outcomes(expected["metadata"], found.metadata).items():
            score.add(name, page_id, outcome)
    if found.neighbours is None:
        return
    shown = {rel: expected[rel] for rel in ("prev", "next") if rel in expected}
    if shown:
        score.add("neighbours", page_id, neighbours_outcome(shown, found.neighbours))
    score.add("no_invented", page_id, RIGHT if all(rel in shown for rel in found.neighbours) else WRONG)
    if found.neighbour_days:
        score.add("neighbour_dates", page_id, WRONG if clock_days.intersection(found.neighbour_days) else RIGHT)


def score_corpus(pages: list[dict], run, corpus: Path = CORPUS, repeat: int = 1) -> tuple[Score, list[float], dict]:
    score, seconds, found_by_page = Score(), [], {}
    clock = datetime.now(timezone.utc)
    for expected in pages:
        body = (corpus / expected["file"]).read_bytes()
        now = fetch_time(expected)
        found = extract(run, body, expected["url"], now, repeat)
        score_page(expected, found, score, set() if expected.get("fetched_at") else run_days(clock))
        seconds.append(found.seconds)
        found_by_page[expected["id"]] = found
    return score, seconds, found_by_page


def record(score: Score) -> str:
    """The per-page record as JSON text, one line per page, fields in table order."""
    order = [name for name, _ in FIELDS]
    lines = []
    for page_id, outcomes in score.by_page().items():
        fields = {name: outcomes[name] for name in order if name in outcomes}
        lines.append(f"  {json.dumps(page_id)}: {json.dumps(fields, ensure_ascii=False)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def print_table(results: dict) -> None:
    """One row per field; right, wrong and missing side by side for each extractor."""
    names = list(results)
    print("| field | " + " | ".join(f"{name} right | wrong | missing" for name in names) + " |")
    print("|---|" + "---|---|---|" * len(names))
    for name, label in FIELDS:
        cells = []
        for extractor in names:
            score = results[extractor][0]
            right, count = score.total(name)
            cells += [f"{right}/{count}", str(score.count(name, WRONG)), str(score.count(name, MISSING))] if count else ["-"] * 3
        print(f"| {label} | " + " | ".join(cells) + " |")
    cells = [f"{statistics.median(results[name][1]) * 1000:.1f} ms | |" for name in names]
    print("| median CPU time per page | " + " | ".join(cells) + " |")


def failure_detail(name: str, expected: dict, found: Extracted) -> tuple:
    """(what the page shows, what was found) for one field, as printed by ``--failures``."""
    body = found.body or ""
    return {
        "title": (expected["title"], found.title),
        "date": (expected.get("date"), found.day),
        "neighbours": ({rel: expected.get(rel) for rel in ("prev", "next") if rel in expected}, found.neighbours),
        "no_invented": (None, found.neighbours),
        "neighbour_dates": (None, found.neighbour_days),
        "no_exception": (None, found.error),
        "body_first": (expected["body_first"], body[:60]),
        "body_last": (expected["body_last"], body[-60:]),
        "body_clean": ([line for line in expected.get("boilerplate", []) if squash(line) in squash(body)], "in the body"),
    }.get(name) or _metadata_detail(name, expected, found) or ("", body[:60] + " ... " + body[-60:])


def _metadata_detail(name: str, expected: dict, found: Extracted) -> tuple | None:
    key = name.removesuffix("_shown").removesuffix("_none")
    if key in METADATA_FIELDS and "metadata" in expected:
        return expected["metadata"].get(key), found.metadata.get(key)
    return None


def print_failures(pages: list[dict], score: Score, found_by_page: dict) -> None:
    by_id = {page["id"]: page for page in pages}
    for name, label in FIELDS:
        for outcome in (WRONG, MISSING):
            failed = [page_id for page_id, found in score.checks.get(name, []) if found == outcome]
            if not failed:
                continue
            print(f"\n## {label}: {len(failed)} {outcome}")
            for page_id in failed:
                shown, got = failure_detail(name, by_id[page_id], found_by_page[page_id])
                print(f"- {page_id}: expected {shown!r} got {got!r}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", choices=list(EXTRACTORS), help="score only these extractors")
    parser.add_argument("--part", action="append", help="score only the pages of this part of the corpus (dev, cwced, mirrors, targeted)")
    parser.add_argument("--failures", action="store_true", help="list each wrong and each missing value, page by page")
    parser.add_argument("--repeat", type=int, default=1, help="runs per page for the CPU-time median")
    parser.add_argument("--record", action="store_true", help=f"write medarchive's outcome per page and field to {FLOOR.relative_to(ROOT)}")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args(argv)
    if args.record and (args.part or args.corpus != CORPUS):
        parser.error("--record needs the whole corpus: leave out --part and --corpus")
    sys.path.insert(0, str(ROOT))
    pages = [page for page in load_corpus(args.corpus) if not args.part or page.get("part") in args.part]
    sites = {page["site"] for page in pages}
    print(f"{len(pages)} pages from {len(sites)} sites ({args.corpus})\n")
    results = {}
    extractors = available_extractors(["medarchive"] if args.record else args.only or list(EXTRACTORS))
    for name, run in extractors.items():
        results[name] = score_corpus(pages, run, args.corpus, args.repeat)
    print_table(results)
    if args.failures:
        for name, (score, _, found) in results.items():
            print(f"\n# {name}")
            print_failures(pages, score, found)
    if args.record:
        FLOOR.write_text(record(results["medarchive"][0]), encoding="utf-8")
        print(f"\nrecorded {FLOOR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
