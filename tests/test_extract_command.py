"""``medarchive extract``: what one page would give, without an archive."""

import json
from pathlib import Path

from click.testing import CliRunner

from medarchive.cli import cli
from conftest import middle_article

REALPAGES = Path(__file__).parent / "realpages"
GBK_PAGE = REALPAGES / "pages" / "cwced_163biz_1.html"  # GB2312 bytes, an old portal page


def run(*args):
    return CliRunner().invoke(cli, ["extract", *args], catch_exceptions=False)


def test_a_replica_article_by_url_gives_the_stored_fields_as_json(wordpress_portal, wordpress_site):
    article = middle_article(wordpress_portal)
    result = run(wordpress_site.url + article.path, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["title"] == article.title
    # Without an archive there is no neighbour to lend a date: only the page's own counts.
    assert report["published"] == (article.published if article.has_own_date else None)
    assert report["body"].startswith(article.first_paragraph[:20])
    assert set(report["dois"]) == set(article.dois)
    assert {link["rel"] for link in report["neighbours"]} <= {"prev", "next"}
    assert set(report) >= {"title", "published", "published_raw", "published_source", "category", "body",
                           "disclaimer", "dois", "pmids", "pmcids", "neighbours", "found_by", "authors", "editor",
                           "source", "source_url", "modified", "modified_raw", "description", "keywords", "images", "language"}


def test_a_saved_gbk_file_is_decoded_as_the_crawler_would():
    result = run(str(GBK_PAGE), "--url", "http://biz.163.com/41210/2/16V6IKFS00020QC3.html", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["title"] == '简单道理捅破"飞人"神话 耐克鞋的气垫"伤机"'
    assert report["published"].startswith("2004-12-10")
    assert report["encoding"] in ("gb18030", "gbk", "gb2312")


def test_the_json_report_gives_the_source_outlet_and_the_rule_that_found_it():
    report = json.loads(run(str(GBK_PAGE), "--url", "http://biz.163.com/41210/2/16V6IKFS00020QC3.html", "--json").output)
    assert (report["source"], report["found_by"]["source"]) == ("网易商业报道", "label")
    assert report["authors"] == [] and report["language"] == "zh"


def test_the_text_report_shows_the_source_line():
    result = run(str(GBK_PAGE))
    assert "source      网易商业报道 " in result.output and "  [label]" in result.output


def test_the_text_report_shows_the_pages_description_and_keywords():
    page = REALPAGES / "pages" / "mh_peoplehealth_1.html"
    output = run(str(page), "--url", "http://health.people.com.cn/n1/2024/0517/c14739-40237861.html").output
    assert "description 本报讯（记者叶婉）近日，“心成长”青少年心理健康服务项目" in output
    assert "keywords    青少年心理健康、心成长、心理技能" in output


def test_the_text_report_names_the_rule_behind_each_field():
    result = run(str(GBK_PAGE))
    assert result.exit_code == 0, result.output
    assert "title       简单道理捅破" in result.output
    assert "[near-title]" in result.output or "[line]" in result.output


def test_a_listing_is_not_an_article_and_says_why(wordpress_site):
    result = run(wordpress_site.url + "/", "--json")
    assert result.exit_code == 3
    report = json.loads(result.output)
    assert report["article"] is False
    assert "listing" in report["reason"]


def test_a_missing_file_is_a_one_line_error():
    result = run("no/such/page.html")
    assert result.exit_code == 1
    assert "neither an http(s) URL nor a file" in result.output
    assert "Traceback" not in result.output


def test_an_unreachable_url_is_a_one_line_error():
    result = run("http://127.0.0.1:9/a/1.html")
    assert result.exit_code == 1
    assert "cannot fetch" in result.output


def test_a_file_larger_than_the_crawls_page_limit_is_refused_in_one_line(tmp_path):
    from crawler.settings import DOWNLOAD_MAXSIZE

    page = tmp_path / "huge.html"
    with open(page, "wb") as handle:
        handle.truncate(DOWNLOAD_MAXSIZE + 1)  # sparse: no disk taken
    result = CliRunner().invoke(cli, ["extract", str(page)])
    assert result.exit_code == 1
    assert result.output == f"Error: {page} is larger than 10 MB (DOWNLOAD_MAXSIZE): a crawl skips such a page unread\n"


def test_a_page_nesting_its_text_5000_elements_deep_is_read(tmp_path):
    paragraph = "<p>" + "干细胞治疗的随机对照试验显示疗效良好，安全性可接受。" * 4 + "</p>"
    page = tmp_path / "deep.html"
    page.write_text("<html><head><meta charset='utf-8'><title>深层嵌套</title></head><body><h1>深层嵌套</h1>"
                    f"{paragraph * 10}{'<div>' * 5000}最深处的一句话。{'</div>' * 5000}</body></html>", encoding="utf-8")
    result = run(str(page), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["title"] == "深层嵌套" and report["body"].startswith("干细胞治疗的随机对照试验")


#: A page whose title and text carry what a terminal acts on: an OSC sequence retitling the
#: window (ESC ] 0 ; ... BEL), a screen clear, C1 CSI, a right-to-left override.
TERMINAL_TRAPS = ("\x1b]0;PWNED\x07", "\x1b[2J", "\x9b31m", "\u202e")


def test_the_text_report_prints_no_character_a_terminal_acts_on(tmp_path):
    paragraph = "<p>" + "干细胞治疗的随机对照试验显示疗效良好，安全性可接受。" * 8 + "</p>"
    page = tmp_path / "page.html"
    page.write_text(f"""<html><head><meta charset="utf-8"><title>哮喘{TERMINAL_TRAPS[0]}新进展</title></head><body>
<h1>哮喘{TERMINAL_TRAPS[0]}新进展 {TERMINAL_TRAPS[3]}gnp.exe</h1><div class="info">2025-03-01</div>
<div class="content">{paragraph * 3}<p>第二段{TERMINAL_TRAPS[1]}清屏{TERMINAL_TRAPS[2]}红色</p>{paragraph * 2}</div></body></html>""", encoding="utf-8")
    result = run(str(page))
    assert result.exit_code == 0, result.output
    assert "title       哮喘]0;PWNED新进展 gnp.exe" in result.output
    assert not any(trap in result.output for trap in TERMINAL_TRAPS)


def _saved_page_with_a_relative_date(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><title>干细胞治疗心衰获新进展</title></head><body><div class='article'>"
        "<h1>干细胞治疗心衰获新进展</h1><div class='info'><p>发布时间：昨天 10:20</p></div><div class='content'>"
        "<p>研究人员在一项多中心临床试验中发现，间充质干细胞治疗可以改善慢性心力衰竭患者的心功能，并且没有观察到严重不良事件。</p>"
        "<p>专家表示，这项研究为细胞治疗的临床转化提供了新的证据，但仍需要更大规模的随机对照试验加以验证。</p>"
        "</div></div></body></html>", encoding="utf-8")
    return path


def test_a_saved_files_relative_date_is_read_against_fetched_at(tmp_path):
    result = run(str(_saved_page_with_a_relative_date(tmp_path)), "--fetched-at", "2019-09-06T12:00:00+08:00", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["published"], report["published_source"]) == ("2019-09-05T10:20:00+08:00", "relative")


def test_without_fetched_at_a_saved_files_relative_date_is_left_absent(tmp_path):
    result = run(str(_saved_page_with_a_relative_date(tmp_path)), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["published_raw"], report["published"]) == ("发布时间：昨天 10:20", None)


def test_a_fetched_at_that_is_not_a_time_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(cli, ["extract", str(_saved_page_with_a_relative_date(tmp_path)), "--fetched-at", "yesterday"])
    assert result.exit_code == 2
    assert "is not an ISO 8601 time" in result.output and "Traceback" not in result.output
