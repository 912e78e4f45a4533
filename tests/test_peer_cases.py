"""Dates and identifiers from other projects' own test suites (tests/cases/*.jsonl).

Each line names its source as repo@commit:path:line. Cases the archive does not read by design
(ranges, durations, holidays, lunar dates, future forms, times of day alone, weekdays without a
date, ...) are kept in the files with ``"scope": "out"`` and a reason, and are not run here;
tests/cases/README.md describes the fields.
"""

import json
from datetime import datetime
from pathlib import Path

import pytest

from crawler.extraction.dates import normalize_date
from crawler.extraction.references import dois_in_urls, find_dois, find_pmcids, find_pmids, normalize_doi

CASES = Path(__file__).parent / "cases"

#: In-scope forms still missed (nothing returned, never a wrong value), and why they stay so.
KNOWN_MISSES = {
    "一月二十三": "month and day without 日: too loose for page text (一月二十三个)",
    "1月3": "month and day without 日: too loose for page text (1月3次)",
    "四月十三": "month and day without 日: too loose for page text",
    "2010 01 29五点": "spaced digits are left to dateparser, which reads 2010 01 29 but not with 五点 after it",
    "星期日, 二月 14日 2010, 下午 3:25:50": "English word order (month day, year); dateparser cannot read it either",
}
# 今日, 昨日 and 前日 run into prose in these chat sentences; they are read only as a stamp
# (alone, or before punctuation or a time), because 今日头条 and 前日本首相 are not dates.
KNOWN_MISSES.update(
    dict.fromkeys(
        ["昨日我不在家。", "我昨日要打游戏", "雞今日全部都係雞", "雞前日全部都係雞", "雞今日朝早全部都係雞"],
        "今日/昨日/前日 followed by prose",
    )
)


def in_scope(name):
    lines = (CASES / name).read_text(encoding="utf-8").splitlines()
    cases = [json.loads(line) for line in lines if line.strip()]
    return [
        pytest.param(case, id=f"{case['source'].split('/')[0]}-{case['text'][:30]}")
        for case in cases
        if case.get("scope") != "out"
    ]


def test_every_case_names_its_source_and_every_skip_its_reason():
    for name in ("dates.jsonl", "identifiers.jsonl"):
        for line in (CASES / name).read_text(encoding="utf-8").splitlines():
            case = json.loads(line)
            repo, _, place = case["source"].partition("@")
            assert repo.count("/") == 1 and place.count(":") == 2, case
            assert case.get("scope", "in") in ("in", "out") and (case.get("scope") != "out" or case["why"]), case


def test_every_known_miss_is_an_in_scope_case():
    texts = {case.values[0]["text"] for case in in_scope("dates.jsonl")}
    assert set(KNOWN_MISSES) <= texts


@pytest.mark.parametrize("case", in_scope("dates.jsonl"))
def test_date_case(case):
    found = normalize_date(case["text"], now=datetime.fromisoformat(case["now"]))
    expected = case["expected"]
    if case["text"] in KNOWN_MISSES:
        assert found is None, KNOWN_MISSES[case["text"]]
        return
    if expected is None:
        assert found is None
        return
    assert found is not None
    # A peer may answer at a coarser precision (a month, "2012-12"; an hour, "2013-02-12T02"):
    # the day is compared to its precision, and a time only when both sides give one.
    day = min(10, len(expected))
    assert found.iso[:day] == expected[:day]
    if found.has_time and len(expected) > 10:
        clock = len(expected.removesuffix("+08:00"))
        assert found.iso[11:clock] == expected[11:clock]


def _identifier(case):
    text = case["text"]
    if case["kind"] == "pmid":
        return next(iter(find_pmids(text)), None)
    if case["kind"] == "pmcid":
        return next(iter(find_pmcids(text)), None)
    if case["mode"] == "one":
        return normalize_doi(text)
    return next(iter(dois_in_urls([text]) if case["mode"] == "link" else find_dois(text)), None)


@pytest.mark.parametrize("case", in_scope("identifiers.jsonl"))
def test_identifier_case(case):
    expected = case["expected"]
    assert _identifier(case) == (expected.lower() if expected and case["kind"] == "doi" else expected)
