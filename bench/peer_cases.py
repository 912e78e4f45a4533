"""Score date and identifier extraction on the cases taken from other projects' test suites.

    .venv/bin/python bench/peer_cases.py [--before DIR] [--peers]

Reads ``tests/cases/dates.jsonl`` and ``tests/cases/identifiers.jsonl`` and prints, per source
project, how many in-scope cases each extractor gets correct, wrong (a value that is not the
expected one, or any value where none is expected) and missed (nothing where a value is expected);
then the same for the out-of-scope date cases, where nothing is as good as the peer's answer.

* ``after``: this checkout's ``crawler/extraction/{dates,references}.py``;
* ``before`` (with ``--before DIR``): the same two files under another checkout, for example
  ``git -C /work/main archive HEAD crawler/extraction | tar -x -C /tmp/main``;
* ``--peers``: ``dateparser.parse(text, languages=['zh'])`` with the case's ``now`` as
  ``RELATIVE_BASE`` and ``PREFER_DATES_FROM='past'``, and idutils (``is_doi``/``normalize_doi``,
  ``is_pmid``, ``is_pmcid``; in running text, the first whitespace-separated token it accepts).
  idutils is not a dependency of medarchive: ``pip install idutils`` into the venv to run this.

A date is correct when its day is the expected day and, when both sides give a time of day, the
same time (a midnight from a peer that always returns a time counts as "no time").
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def load_cases(name: str) -> list[dict]:
    with open(CASES / name, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def load_module(checkout: Path, name: str):
    """One extraction module from a checkout, under its own name so two versions can coexist."""
    path = checkout / "crawler" / "extraction" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"{name}_{abs(hash(str(checkout)))}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- dates -------------------------------------------------------------------------------


def medarchive_date(module):
    def read(text: str, now: datetime) -> str | None:
        found = module.normalize_date(text, now=now)
        return found.iso if found else None

    return read


def dateparser_date():
    import dateparser

    def read(text: str, now: datetime) -> str | None:
        base = now.replace(tzinfo=None)
        settings = {"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past"}
        found = dateparser.parse(text, languages=["zh"], settings=settings)
        if found is None:
            return None
        if found.time() == datetime.min.time():
            return found.date().isoformat()
        return found.replace(tzinfo=None).isoformat(timespec="seconds")

    return read


def same_date(got: str, expected: str) -> bool:
    """The same day and, when both give one, the same time, to the expected value's precision
    (a peer may answer with a month, "2012-12", or an hour, "2013-02-12T02")."""
    day = min(10, len(expected))
    if got[:day] != expected[:day]:
        return False
    if len(got) == 10 or len(expected) <= 10:
        return True
    clock = len(expected.removesuffix("+08:00"))
    return got[11:clock] == expected[11:clock]


def score_dates(cases: list[dict], read) -> Counter:
    counts = Counter()
    for case in cases:
        got = read(case["text"], datetime.fromisoformat(case["now"]).astimezone(SHANGHAI))
        source = case["source"].split("@")[0]
        counts[source, verdict(got, case["expected"], same_date)] += 1
    return counts


# --- identifiers --------------------------------------------------------------------------


def medarchive_ids(module):
    finders = {"pmid": module.find_pmids, "pmcid": module.find_pmcids}

    def read(case: dict) -> str | None:
        text = case["text"]
        if case["kind"] != "doi":
            return next(iter(finders[case["kind"]](text)), None)
        if case["mode"] == "one":
            return module.normalize_doi(text)
        found = module.dois_in_urls([text]) if case["mode"] == "link" else module.find_dois(text)
        return next(iter(found), None)

    return read


def idutils_ids():
    import idutils

    checks = {
        "doi": (idutils.is_doi, idutils.normalize_doi),
        "pmid": (idutils.is_pmid, idutils.normalize_pmid),
        "pmcid": (idutils.is_pmcid, lambda value: value),
    }

    def read(case: dict) -> str | None:
        accepts, normalize = checks[case["kind"]]
        tokens = case["text"].split() if case["mode"] == "text" else [case["text"]]
        for token in tokens:
            try:
                if accepts(token):
                    return normalize(token)
            except Exception:  # idutils raises on some inputs it does not accept
                continue
        return None

    return read


def same_id(got: str, expected: str) -> bool:
    return got.lower() == expected.lower()


def score_ids(cases: list[dict], read) -> Counter:
    counts = Counter()
    for case in cases:
        counts[case["source"].split("@")[0], verdict(read(case), case["expected"], same_id)] += 1
    return counts


# --- report -------------------------------------------------------------------------------


def verdict(got, expected, same) -> str:
    if expected is None:
        return "correct" if got is None else "wrong"
    if got is None:
        return "missed"
    return "correct" if same(got, expected) else "wrong"


def print_table(title: str, cases: list[dict], columns: dict[str, Counter], heading: str = "correct / wrong / missed of the in-scope cases") -> None:
    sources = sorted({case["source"].split("@")[0] for case in cases}, key=str.lower)
    print(f"\n{title}: {heading}\n")
    print("| source | cases | " + " | ".join(columns) + " |")
    print("|---|---:|" + "---:|" * len(columns))
    for source in [*sources, "all"]:
        picked = sources if source == "all" else [source]
        total = sum(1 for case in cases if case["source"].split("@")[0] in picked)
        cells = []
        for counts in columns.values():
            numbers = [sum(counts[name, kind] for name in picked) for kind in ("correct", "wrong", "missed")]
            cells.append(" / ".join(map(str, numbers)))
        label = f"**{source}**" if source == "all" else source
        print(f"| {label} | {total} | " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", type=Path, help="another checkout to score as 'before'")
    parser.add_argument("--peers", action="store_true", help="also score dateparser and idutils")
    args = parser.parse_args()

    all_dates = load_cases("dates.jsonl")
    date_cases = [case for case in all_dates if case.get("scope") != "out"]
    id_cases = [case for case in load_cases("identifiers.jsonl") if case.get("scope") != "out"]
    checkouts = {"before": args.before, "after": ROOT} if args.before else {"after": ROOT}

    out_cases = [case for case in all_dates if case.get("scope") == "out"]
    date_columns, id_columns, out_columns = {}, {}, {}
    for label, checkout in checkouts.items():
        date_columns[f"medarchive {label}"] = score_dates(date_cases, medarchive_date(load_module(checkout, "dates")))
        out_columns[f"medarchive {label}"] = score_dates(out_cases, medarchive_date(load_module(checkout, "dates")))
        id_columns[f"medarchive {label}"] = score_ids(id_cases, medarchive_ids(load_module(checkout, "references")))
    if args.peers:
        date_columns["dateparser (zh)"] = score_dates(date_cases, dateparser_date())
        id_columns["idutils"] = score_ids(id_cases, idutils_ids())

    out_of_scope = Counter(case["why"] for case in out_cases)
    print_table("Dates", date_cases, date_columns)
    print_table("Identifiers", id_cases, id_columns)
    print_table("Dates out of scope", out_cases, out_columns, "the peer's answer / another date (wrong) / nothing")
    print(f"\nOut of scope: {sum(out_of_scope.values())} date cases, where nothing is as good as the peer's answer\n")
    print("| why | cases |\n|---|---:|")
    for why, count in out_of_scope.most_common():
        print(f"| {why} | {count} |")


if __name__ == "__main__":
    sys.exit(main())
