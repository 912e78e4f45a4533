"""The fields of a cited work read from the reference entry an article printed
(``archive.reference_parsing``): on the hand-labelled entries of tests/cases/references.jsonl
every field read is the printed one, and every printed field is read unless the case says why
not; entries whose shape leaves a field in doubt give none."""

import json
from pathlib import Path

import pytest

from archive.reference_parsing import parse_reference

CASES = [json.loads(line) for line in (Path(__file__).parent / "cases" / "references.jsonl").read_text("utf-8").splitlines() if line]


def readable(fields: dict) -> dict:
    """The parsed fields as the cases write them: each author as printed (``Foo RQ``, ``张三``)."""
    names = [name.get("literal") or f"{name['family']} {name['given']}" for name in fields.get("authors", [])]
    return fields | ({"authors": names} if names else {})


@pytest.mark.parametrize("case", CASES, ids=[case["text"][:40] for case in CASES])
def test_every_field_read_is_the_printed_one(case):
    parsed = readable(parse_reference(case["text"]))
    assert {name: value for name, value in parsed.items() if case["expected"].get(name) != value} == {}


@pytest.mark.parametrize("case", CASES, ids=[case["text"][:40] for case in CASES])
def test_every_printed_field_is_read_unless_the_case_says_why_not(case):
    parsed = readable(parse_reference(case["text"]))
    missed = sorted(name for name in case["expected"] if name not in parsed)
    assert missed == sorted(case.get("missed", {}))


def test_the_labelled_set_holds_forty_entries_of_the_replica_the_real_pages_and_the_seed():
    sources = {case["source"].split(":")[0].split(" ")[0] for case in CASES}
    assert len(CASES) >= 40
    assert {"replica/corpus.py", "tests/realpages/pages/cwced_hanspub_1.html", "../shared/seeds/000_6a370fb8f12199e5.txt"} <= sources


@pytest.mark.parametrize(
    "text",
    [
        # A journal printed with periods: where the title ends is unsure.
        "Smith J, Brown A. Stem cells in liver disease. J. Hepatol. 2020;72(3):123-130.",
        # A group author: the text before the title is no list of names.
        "WHO Expert Committee. Guidelines on stem cell therapy. Lancet. 2021;397:1-2.",
        # The title would end in capitalised words after a period: they may be part of the journal.
        "Li X, Wang Y. Outcomes of cell therapy. Am. J Transplant. 2019;19:55-60.",
        "Li X, Wang Y. Outcomes of cell therapy. Stem Cells Transl. Med. 2019;8(2):55-60.",
        "Li X, Wang Y. Outcomes of cell therapy. Proc. Natl. Acad. Sci. U.S.A. 2019;116(2):55-60.",
    ],
)
def test_an_entry_whose_title_and_journal_cannot_be_told_apart_gives_no_title(text):
    assert "title" not in parse_reference(text) and "container_title" not in parse_reference(text)


def test_text_before_a_gbt_title_that_is_no_author_list_leaves_title_and_authors_out():
    fields = parse_reference("国家卫生健康委员会. 干细胞临床研究管理办法[J]. 中国医学伦理学, 2015, 28(5): 1-3.")
    assert "title" not in fields and "authors" not in fields
    assert (fields["container_title"], fields["year"], fields["pages"]) == ("中国医学伦理学", 2015, "1-3")


def test_authors_after_et_al_and_deng_are_the_listed_ones():
    assert readable(parse_reference("Zhang W, Li X, et al. Exosomes in asthma. Thorax. 2022;77(4):301-9."))["authors"] == ["Zhang W", "Li X"]
    assert readable(parse_reference("张三, 李四, 等. 哮喘的细胞治疗[J]. 中华医学杂志, 2020, 100(5): 321-325."))["authors"] == ["张三", "李四"]


def test_an_entry_in_no_known_style_gives_nothing():
    assert parse_reference("详见国家药监局官网公告 2023 年第 5 号") == {}
    assert parse_reference("doi: 10.1177/0963689724131234") == {}


def test_full_width_punctuation_of_a_gbt_entry_is_read():
    fields = parse_reference("王五，赵六．脐带间充质干细胞治疗肝硬化[J]．中华肝脏病杂志，2021，29（3）：201-206．")
    assert readable(fields) == {"title": "脐带间充质干细胞治疗肝硬化", "authors": ["王五", "赵六"], "container_title": "中华肝脏病杂志",
                                "type": "journal-article", "year": 2021, "volume": "29", "issue": "3", "pages": "201-206"}


def test_a_text_longer_than_an_entry_is_not_read():
    entry = "张三, 李四. 哮喘的细胞治疗[J]. 中华医学杂志, 2020, 100(5): 321-325."
    assert parse_reference(entry)["title"] == "哮喘的细胞治疗"
    assert parse_reference("详" * 2000 + entry) == {}


def test_a_title_with_a_sentence_of_its_own_after_a_period_is_read_whole():
    fields = parse_reference("Li X, Wang Y. Cell therapy in COVID-19. A systematic review. Stem Cell Res Ther. 2021;12(1):55.")
    assert (fields["title"], fields["container_title"]) == ("Cell therapy in COVID-19. A systematic review", "Stem Cell Res Ther")


def test_an_abbreviated_last_page_is_written_whole():
    assert parse_reference("Smith J, Brown A. Stem cells. Lancet. 2020;395(10223):1321-5.")["pages"] == "1321-1325"
    assert parse_reference("Smith J, Brown A. Stem cells. Lancet. 2020;395:e1-e2.")["pages"] == "e1-e2"


def test_pubmeds_language_note_is_not_part_of_the_title():
    fields = parse_reference("Li X, Wang Y. [Stem cells in asthma] [Article in Chinese]. Zhonghua Yi Xue Za Zhi. 2020;100(5):321-5.")
    assert fields["title"] == "[Stem cells in asthma]"
