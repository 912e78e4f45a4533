"""Extraction on real pages saved by others (``tests/realpages/``), without starting Scrapy.

Every page's every field is pinned in ``tests/realpages/scores.json``: a value right there must
stay right, and no page may gain a wrong value (a title, day or neighbour that is not the page's,
a boilerplate line in the body). Improvements pass and are reported as a warning; after one,
``python bench/realpages.py --record`` writes the new outcomes.
"""

import json
import sys
import warnings
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import realpages  # noqa: E402

from crawler.single_page import extract_page  # noqa: E402

PAGES = realpages.load_corpus()
RERECORD = "re-record with: python bench/realpages.py --record"


def recorded() -> dict:
    return json.loads(realpages.FLOOR.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def outcomes():
    """{page id: {field: outcome}} now; improvements on the record are reported, not failed."""
    now = realpages.score_corpus(PAGES, realpages.run_medarchive)[0].by_page()
    pinned = recorded()
    better = [
        f"{page_id} {field}: {before} -> {now[page_id].get(field)}"
        for page_id, fields in pinned.items()
        for field, before in fields.items()
        if before != realpages.RIGHT and now.get(page_id, {}).get(field) == realpages.RIGHT
    ]
    if better:
        warnings.warn(f"{len(better)} real-page values now right ({'; '.join(better)}); {RERECORD}", stacklevel=1)
    return now


@pytest.mark.parametrize("expected", PAGES, ids=[page["id"] for page in PAGES])
def test_every_real_page_extracts_without_an_exception(expected):
    body = (realpages.CORPUS / expected["file"]).read_bytes()
    extract_page(body, expected["url"])


def test_corpus_files_are_the_bytes_recorded():
    import hashlib

    for expected in PAGES:
        data = (realpages.CORPUS / expected["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == expected["sha256"], expected["file"]


def test_every_page_of_the_corpus_has_a_record():
    assert sorted(recorded()) == sorted(page["id"] for page in PAGES), RERECORD


def test_no_value_right_on_record_is_lost(outcomes):
    lost = [
        f"{page_id} {field}: now {outcomes.get(page_id, {}).get(field)}"
        for page_id, fields in recorded().items()
        for field, before in fields.items()
        if before == realpages.RIGHT and outcomes.get(page_id, {}).get(field) != realpages.RIGHT
    ]
    assert not lost, f"{len(lost)} values right on record are no longer right: {lost}"


def test_no_page_gains_a_wrong_value(outcomes):
    pinned = recorded()
    gained = [
        f"{page_id} {field}: was {pinned.get(page_id, {}).get(field)}"
        for page_id, fields in outcomes.items()
        for field, outcome in fields.items()
        if outcome == realpages.WRONG and pinned.get(page_id, {}).get(field) != realpages.WRONG
    ]
    assert not gained, f"{len(gained)} new wrong values (see bench/realpages.py --failures): {gained}"


def outcomes_of(found: realpages.Extracted, clock_days=frozenset()) -> dict:
    """The scorer's outcomes for ``found`` on a page showing a title, a day and a next link."""
    expected = {"id": "p", "title": "标题", "date": "2020-05-01", "body_first": "甲。", "body_last": "乙。", "next": "http://x.cn/2.html"}
    score = realpages.Score()
    realpages.score_page(expected, found, score, set(clock_days))
    return score.by_page()["p"]


def test_scorer_counts_a_title_that_differs_as_wrong_and_no_title_as_missing():
    assert outcomes_of(realpages.Extracted(title="标题——副题"))["title"] == realpages.WRONG
    assert outcomes_of(realpages.Extracted(title=None))["title"] == realpages.MISSING


def test_scorer_counts_a_neighbour_the_page_does_not_link_as_wrong():
    found = realpages.Extracted(neighbours={"next": "http://x.cn/3.html"})
    assert outcomes_of(found)["neighbours"] == realpages.WRONG


def test_scorer_counts_a_neighbour_date_on_the_run_day_as_wrong():
    found = realpages.Extracted(neighbours={"next": "http://x.cn/2.html"}, neighbour_days=["2026-01-02"])
    assert outcomes_of(found, {"2026-01-02"})["neighbour_dates"] == realpages.WRONG
    assert outcomes_of(found, {"2026-01-03"})["neighbour_dates"] == realpages.RIGHT


def metadata_outcomes(found: dict, **labels) -> dict:
    shown = {"authors": [], "source": None, "source_url": None, "editor": None, "modified": None, **labels}
    return realpages.metadata_outcomes(shown, found)


def test_scorer_counts_an_author_given_on_a_page_showing_none_as_wrong():
    assert metadata_outcomes({"authors": ["网易"]}) == {"authors_none": realpages.WRONG}
    assert metadata_outcomes({"authors": []}) == {"authors_none": realpages.RIGHT}


def test_scorer_counts_a_source_outlet_by_its_name_without_brackets():
    assert metadata_outcomes({"source": "《光明日报》"}, source="光明日报") == {"source_shown": realpages.RIGHT}
    assert metadata_outcomes({"source": "光明网"}, source="光明日报") == {"source_shown": realpages.WRONG}
    assert metadata_outcomes({"source": None}, source="光明日报") == {"source_shown": realpages.MISSING}


def test_scorer_leaves_out_the_fields_an_extractor_does_not_give():
    assert metadata_outcomes({"authors": ["张三"]}, authors=["张三"], source="新华网") == {"authors_shown": realpages.RIGHT}
