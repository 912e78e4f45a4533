"""Dates and identifiers from other projects' own test suites (tests/cases/*.jsonl).

Each line names its source as repo@commit:path:line. Every case runs. Cases the archive does not
read by design (ranges, durations, holidays, lunar dates, future forms, times of day alone,
weekdays without a date, ...) are marked ``"scope": "out"`` with a reason: for them the archive
must give the peer's answer or nothing, never another date. tests/cases/README.md describes the fields.
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
# A month and day alone take their year from the page (its URL, its other dates, its fetch
# time: crawler.normalise), never from the text's reference time, which the peers also read
# forward (三月一号 in February is next month to them): the text alone gives nothing.
KNOWN_MISSES.update(
    dict.fromkeys(
        ["1月19日", "1月19号", "10月12号，星期一", "五月三十日", "五月三十一日", "2月29日", "1月19号下午5:00",
         "周日, 二月十号", "星期天, 二月十号", "礼拜天, 二月十号", "週日, 二月十號", "星期天, 二月十號",
         "禮拜天, 二月十號", "禮拜日, 二月十號", "6月1日周六早上10点钟", "4月26日20时1刻",
         "创业板指9月9日早盘低开1.57%", "创业板指九月九日早盘低开百分之一点五七"],
        "a month and day without a year: the year comes from the page, not the text",
    )
)
# 之前 also reads as "earlier than" (JioNLP: 两天之前 is any time before two days ago).
KNOWN_MISSES.update(
    dict.fromkeys(
        ["兩秒之前", "兩分鐘之前", "兩小時之前", "兩個鐘之前", "兩天之前", "兩日之前", "兩個月之前", "兩年之前"],
        "N units 之前: also 'earlier than', so no one day",
    )
)
# Weeks, months and years ago name no day: 兩星期前 is a calendar week to duckling, 三年前 a year to JioNLP.
KNOWN_MISSES.update(
    dict.fromkeys(
        ["兩個月前", "兩年前", "1年，1月，1周，1天，1小时，1分钟前", "3周前", "2 年前", "12 個月前"],
        "weeks, months or years ago: the day would be a guess",
    )
)
# 今日, 昨日 and 前日 run into prose in these chat sentences; they are read only as a stamp
# (alone, or before punctuation or a time), because 今日头条 and 前日本首相 are not dates.
KNOWN_MISSES.update(
    dict.fromkeys(
        ["昨日我不在家。", "我昨日要打游戏", "雞今日全部都係雞", "雞前日全部都係雞", "雞今日朝早全部都係雞"],
        "今日/昨日/前日 followed by prose",
    )
)


def cases(name, scope):
    """The cases of ``name`` in ``scope`` ("in" or "out"), as pytest parameters."""
    lines = (CASES / name).read_text(encoding="utf-8").splitlines()
    return [
        pytest.param(case, id=f"{case['source'].split('/')[0]}-{case['text'][:30]}")
        for case in map(json.loads, filter(str.strip, lines))
        if case.get("scope", "in") == scope
    ]


def in_scope(name):
    return cases(name, "in")


def same_date(found, expected: str) -> bool:
    """Whether ``found`` is the peer's ``expected`` answer. A peer may answer at a coarser
    precision (a month, "2012-12"; an hour, "2013-02-12T02"): the day is compared to its
    precision, and a time only when both sides give one."""
    day = min(10, len(expected))
    if found.iso[:day] != expected[:day]:
        return False
    if found.has_time and len(expected) > 10:
        clock = len(expected.removesuffix("+08:00"))
        return found.iso[11:clock] == expected[11:clock]
    return True


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
    assert found is not None and same_date(found, expected)


@pytest.mark.parametrize("case", cases("dates.jsonl", "out"))
def test_out_of_scope_date_case_gives_the_peers_answer_or_nothing(case):
    found = normalize_date(case["text"], now=datetime.fromisoformat(case["now"]))
    assert found is None or (case["expected"] is not None and same_date(found, case["expected"])), found


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
