"""Extraction on real pages saved by others (``tests/realpages/``), without starting Scrapy.

The per-field totals may not fall below those recorded in ``tests/realpages/scores.json``
(``python bench/realpages.py --record`` writes them after an improvement).
"""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import realpages  # noqa: E402

from crawler.single_page import extract_page  # noqa: E402

PAGES = realpages.load_corpus()


@pytest.fixture(scope="module")
def scored():
    return realpages.score_corpus(PAGES, realpages.run_medarchive)[0]


@pytest.mark.parametrize("expected", PAGES, ids=[page["id"] for page in PAGES])
def test_every_real_page_extracts_without_an_exception(expected):
    body = (realpages.CORPUS / expected["file"]).read_bytes()
    extract_page(body, expected["url"])


def test_corpus_files_are_the_bytes_recorded():
    import hashlib

    for expected in PAGES:
        data = (realpages.CORPUS / expected["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == expected["sha256"], expected["file"]


@pytest.mark.parametrize("field", list(json.loads(realpages.FLOOR.read_text(encoding="utf-8"))))
def test_field_totals_do_not_fall_below_the_recorded_floor(scored, field):
    floor, _ = json.loads(realpages.FLOOR.read_text(encoding="utf-8"))[field]
    right, count = scored.total(field)
    wrong = [page_id for page_id, ok in scored.checks[field] if not ok]
    assert right >= floor, f"{field}: {right}/{count}, recorded {floor}; wrong on {wrong}"
