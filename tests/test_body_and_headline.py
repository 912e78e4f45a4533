"""Which block is the article, its whole headline, and the furniture taken out of its text:
small pages built after real ones (``tests/pages/body/``)."""

from pathlib import Path

import pytest
from parsel import Selector

from crawler.extraction.article import read_article

PAGES = Path(__file__).parent / "pages" / "body"


def read(name: str, url: str = "http://www.health.example/a/1000.html"):
    return read_article(Selector(text=(PAGES / name).read_text("utf-8")), url)


def test_a_headline_with_a_second_part_after_a_dash_is_kept_whole():
    assert read("headline_second_part.html").title == "三甲医院改革门诊流程——患者平均候诊时间缩短一半"


def test_the_site_name_after_the_headline_in_title_is_still_dropped():
    assert "健康时报网" not in read("headline_second_part.html").title
