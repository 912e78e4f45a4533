"""Which block is the article, its whole headline, and the furniture taken out of its text:
small pages built after real ones (``tests/pages/body/``)."""

from pathlib import Path

import pytest
from parsel import Selector

from crawler.extraction.article import read_article

PAGES = Path(__file__).parent / "pages" / "body"


def read(name: str, url: str = "http://www.health.example/a/1000.html"):
    return read_article(Selector(text=(PAGES / name).read_text("utf-8")), url)


@pytest.fixture(scope="module")
def ads_and_promo():
    return read("ads_and_promo.html", "http://www.dahe-health.cn/a/1000.html")


def test_a_headline_with_a_second_part_after_a_dash_is_kept_whole():
    assert read("headline_second_part.html").title == "三甲医院改革门诊流程——患者平均候诊时间缩短一半"


def test_the_site_name_after_the_headline_in_title_is_still_dropped():
    assert "健康时报网" not in read("headline_second_part.html").title


@pytest.mark.parametrize("ad", ["男子连喝三天酒进了ICU", "这种水果千万别空腹吃"])
def test_a_line_that_is_one_link_to_another_headline_is_not_body(ads_and_promo, ad):
    assert ad not in ads_and_promo.body
    assert not any("8812" in href or "9921" in href for href in ads_and_promo.body_hrefs)


def test_the_paragraphs_around_an_advertisement_stay(ads_and_promo):
    assert ads_and_promo.body.startswith("春季是过敏性鼻炎的高发季节")
    assert "如症状持续加重，应及时到医院就诊，在医生指导下规范用药。\n过敏并不可怕" in ads_and_promo.body


def test_a_link_inside_a_sentence_stays(ads_and_promo):
    assert "更多防治知识见过敏专题。" in ads_and_promo.body


@pytest.mark.parametrize("kept", ["https://doi.org/10.1000/allergy.2024.17", "过敏性鼻炎防治指南"])
def test_a_link_line_showing_an_identifier_or_leading_to_a_file_stays(ads_and_promo, kept):
    assert kept in ads_and_promo.body


@pytest.mark.parametrize("promo", ["关注公众号", "长按识别二维码"])
def test_follow_and_promotion_lines_are_not_body(ads_and_promo, promo):
    assert promo not in ads_and_promo.body


@pytest.mark.parametrize("credit", ["责任编辑", "文字：李华", "审核：赵敏"])
def test_credit_lines_at_the_end_are_not_body(ads_and_promo, credit):
    assert credit not in ads_and_promo.body
