"""Per-site rules (``--site-rules``): selectors that override the heuristics for one host."""

import re

import pytest
from click.testing import CliRunner
from parsel import Selector

from medarchive.cli import cli
from crawler.extraction.article import extract_article
from crawler.extraction.site_rules import SiteRulesError, _format_re, load_site_rules, parse_with_format

URL = "https://news.example.cn/a/2025/0302/77.html"

#: A page the heuristics read one way and its site's rules another: the headline sits in an
#: unmarked <div>, the date is written day first, two blocks of prose compete, the article's
#: neighbours are links without labels.
PAGE = """<html><head><title>示例新闻网</title></head><body>
<div class="hd">干细胞疗法治疗膝骨关节炎获批临床试验</div>
<em class="zz">03-02-2025</em>
<div id="lead"><p>编者按：这是一段很长的编者按，它有许多逗号，许多句号。它讲述了这个栏目的来历，和它的编辑们。
编辑们每周都会挑选最重要的新闻，并且为读者写下这样的说明，说明为什么这些新闻值得一读。</p>
<p>栏目的编辑还希望读者来信，告诉他们哪些新闻最有用，哪些新闻需要更多的背景。</p></div>
<div id="txt"><p>近日，一项干细胞疗法获准开展临床试验，用于治疗膝骨关节炎。</p>
<div class="ad">广告：点击领取体检套餐</div>
<p>研究团队表示，试验将在三家医院开展。</p></div>
<div class="pn"><a class="p" href="/a/2025/0301/76.html">前文</a> <a class="n" href="/a/2025/0303/78.html">后文</a></div>
</body></html>"""

RULES = """
[sites."news.example.cn"]
title = "div.hd"
date = "em.zz"
date_format = "%d-%m-%Y"
body = "#txt"
drop = [".ad"]
prev = ".pn a.p"
next = ".pn a.n"
"""


@pytest.fixture
def rules(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text(RULES, encoding="utf-8")
    return load_site_rules(path)


def extract(url=URL, rule=None, html=PAGE):
    return extract_article(Selector(text=html), url, rule)


def test_without_rules_the_heuristics_read_the_page_their_own_way():
    page = extract()
    assert page.title != "干细胞疗法治疗膝骨关节炎获批临床试验" or "编者按" in page.body
    assert page.published_raw is None


def test_the_title_rule_picks_the_headline(rules):
    page = extract(rule=rules.for_url(URL))
    assert page.title == "干细胞疗法治疗膝骨关节炎获批临床试验"
    assert page.found_by["title"] == "site rule"


def test_the_date_rule_reads_the_site_own_format(rules):
    page = extract(rule=rules.for_url(URL))
    assert page.published_raw == "2025-02-03"
    assert page.published_source == "site rule"


def test_the_body_rule_picks_the_block_and_drop_removes_furniture(rules):
    page = extract(rule=rules.for_url(URL))
    assert page.body.startswith("近日，一项干细胞疗法")
    assert "编者按" not in page.body
    assert "广告" not in page.body


def test_prev_and_next_rules_find_unlabelled_neighbours(rules):
    page = extract(rule=rules.for_url(URL))
    assert [(link.rel, link.url) for link in page.neighbours] == [
        ("prev", "https://news.example.cn/a/2025/0301/76.html"),
        ("next", "https://news.example.cn/a/2025/0303/78.html"),
    ]


def test_a_selector_that_matches_nothing_falls_back_to_the_heuristics(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text('[sites."news.example.cn"]\ntitle = "h1.missing"\nbody = "#missing"\n', encoding="utf-8")
    assert extract(rule=load_site_rules(path).for_url(URL)) == extract()


def test_rules_apply_to_their_host_only(rules, tmp_path):
    assert rules.for_url("https://other.example.cn/a/1.html") is None
    path = tmp_path / "wild.toml"
    path.write_text('[sites."*.example.cn"]\ntitle = "div.hd"\n', encoding="utf-8")
    wild = load_site_rules(path)
    assert wild.for_url("https://news.example.cn/x.html").title == "div.hd"
    assert wild.for_url("https://example.org/x.html") is None


@pytest.mark.parametrize(
    "text, message",
    [
        ("[sites.\"a.cn\"\ntitle=", "not valid TOML"),
        ('[sites."a.cn"]\nheadline = "h1"\n', "unknown key 'headline'"),
        ('[sites."a.cn"]\ntitle = "h1[["\n', "is not a CSS selector"),
        ('title = "h1"\n', '[sites."HOST"]'),
        ('[sites."a.cn"]\ntitle = 3\n', "must be a CSS selector string"),
        ('[sites."a.cn"]\ndrop = [1, 2]\n', "drop must be a CSS selector string or a list of them"),
        ('[sites."a.cn"]\ndate_format = 5\n', "date_format must be a strptime format string"),
        ('[sites."a.cn"]\ndate_format = "%q%q%q%q%q%q%q%q%q%q%q%q%q%q%q%q!"\n', "%q is not a directive medarchive reads"),
        ('[sites."a.cn"]\ndate_format = "%H:%M"\n', "date_format names no year (%Y or %y)"),
        ('[sites."a.cn"]\ndate_format = "%Y-%m-%d %Y"\n', "date_format names %Y twice"),
        ('[sites."a.cn"]\ndate_format = "%Y-%m-%d %I:%M"\n', "a 12-hour %I without %p"),
        ('[sites."a.cn"]\ndate_format = "%Y-%m-%d' + " " * 60 + '"\n', "longer than 64 characters"),
    ],
)
def test_a_bad_rules_file_is_refused_with_the_reason(tmp_path, text, message):
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SiteRulesError, match=None) as error:
        load_site_rules(path)
    assert message in str(error.value)


def test_a_missing_rules_file_is_refused():
    with pytest.raises(SiteRulesError, match="cannot read site rules"):
        load_site_rules("/no/such/rules.toml")


def test_crawl_refuses_a_bad_rules_file_before_fetching(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text('[sites."a.cn"]\nheadline = "h1"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["crawl", "http://127.0.0.1:9/a/1.html", "--db", str(tmp_path / "a.db"), "--site-rules", str(path)])
    assert result.exit_code == 1
    assert "unknown key 'headline'" in result.output
    assert not (tmp_path / "a.db").exists()


def test_extract_reads_the_rules_file(tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text(RULES, encoding="utf-8")
    page = tmp_path / "77.html"
    page.write_text(PAGE, encoding="utf-8")
    result = CliRunner().invoke(cli, ["extract", str(page), "--url", URL, "--site-rules", str(rules), "--json"])
    assert result.exit_code == 0, result.output
    assert '"published": "2025-02-03"' in result.output


@pytest.mark.parametrize(
    "text, date_format, expected",
    [
        ("发布时间：2025年3月2日 来源：新华网", "%Y年%m月%d日", "2025-03-02"),
        ("posted @ 2019-03-05 10:22 阅读(12)", "%Y-%m-%d %H:%M", "2019-03-05T10:22:00"),
        ("03-02-2025", "%d-%m-%Y", "2025-02-03"),
        ("no date here", "%Y-%m-%d", None),
        ("2025-13-45", "%Y-%m-%d", None),
    ],
)
def test_a_date_format_reads_the_date_inside_a_line(text, date_format, expected):
    assert parse_with_format(text, date_format) == expected


def test_a_date_format_is_searched_with_bounded_repetitions_only():
    pattern = _format_re("%Y年%m月%d日 %B %b %I:%M:%S %p %y %%").pattern
    assert not re.search(r"(?<!\\)[+*]|\{\d+,\}", pattern), pattern


def test_a_rules_file_gives_a_selector_for_each_metadata_field(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text('[sites."news.example.cn"]\nauthors = "span.writer"\nsource = "span.origin"\nmodified = "em.up"\n'
                    'images = "#txt img"\nlanguage = "html"\n', encoding="utf-8")
    rule = load_site_rules(path).for_url(URL)
    assert (rule.authors, rule.source, rule.modified, rule.images, rule.language) == ("span.writer", "span.origin", "em.up", "#txt img", "html")


def test_the_modified_rule_reads_the_date_the_site_shows(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text('[sites."news.example.cn"]\nbody = "#txt"\nmodified = "span.up"\n', encoding="utf-8")
    html = PAGE.replace("<em class=\"zz\">", "<span class=\"up\">修订于 2025-03-04 09:30</span><em class=\"zz\">")
    page = extract(rule=load_site_rules(path).for_url(URL), html=html)
    assert (page.modified_raw, page.found_by["modified"]) == ("2025-03-04 09:30", "site rule")
