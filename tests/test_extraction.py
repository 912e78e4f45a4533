"""What extraction makes of saved article pages, without Scrapy's engine."""

from pathlib import Path

import pytest
from parsel import Selector
from scrapy.http import HtmlResponse

from crawler.extraction.article import extract_article
from crawler.page import Fetched, page_to_article

PAGES = Path(__file__).parent / "pages"
WORDPRESS_URL = "https://www.hjtdsm.com/sc/zhiliao/59017.html?utm_source=wechat"
DEDECMS_URL = "http://www.cells.example/a/yixue/1234.html"


@pytest.fixture(scope="module")
def wordpress():
    html = (PAGES / "wordpress_article.html").read_text("utf-8")
    return extract_article(Selector(text=html), WORDPRESS_URL)


@pytest.fixture(scope="module")
def dedecms_response():
    # Decoded the way the crawl decodes it: Scrapy reads the charset from <meta http-equiv>.
    body = (PAGES / "dedecms_article_gbk.html").read_bytes()
    return HtmlResponse(DEDECMS_URL, body=body, headers={"Content-Type": "text/html"})


@pytest.fixture(scope="module")
def dedecms(dedecms_response):
    return extract_article(dedecms_response.selector, DEDECMS_URL)


def test_identity_is_the_canonical_link(wordpress):
    assert wordpress.url == "https://www.hjtdsm.com/sc/zhiliao/59017.html"


def test_identity_without_canonical_drops_nothing_but_tracking(dedecms):
    assert dedecms.url == DEDECMS_URL


def test_title_is_the_headline_without_site_name(wordpress, dedecms):
    assert wordpress.title == "每周一次、五周见效,首例干细胞雾化外泌体治疗哮喘/COPD临床研究获成功"
    assert dedecms.title == "王喆团队：间充质干细胞治疗膝骨关节炎三年随访结果"


def test_gbk_page_with_meta_charset_only_decodes(dedecms_response, dedecms):
    assert dedecms_response.encoding in ("gb18030", "gbk", "gb2312")
    assert "喆" in dedecms.title  # outside GB2312: proves the page was read as GBK


def test_category_and_breadcrumb(wordpress, dedecms):
    assert wordpress.category == "干细胞治疗"
    assert wordpress.breadcrumb == ["干细胞", "干细胞治疗"]
    assert dedecms.category == "医学研究"


def test_body_starts_with_the_first_paragraph(wordpress):
    assert wordpress.body.startswith("近日,发表于《SAGE Open Med Case Rep》(2026年1月27日)")


@pytest.mark.parametrize(
    "furniture",
    [
        "即时推送国内外干细胞临床医学资讯",  # header slogan
        "官方热线",
        "最新文章",
        "标签",
        "上一篇",
        "下一篇",
        "脐带干细胞静脉注射治疗脑卒中",  # neighbour title
        "Copyright",
        "参考资料",
        "Yusof B",
        "免责说明",
    ],
)
def test_body_leaves_out_site_furniture_references_and_disclaimer(wordpress, furniture):
    assert furniture not in wordpress.body


def test_body_keeps_headings_lists_and_captions(wordpress):
    lines = wordpress.body.splitlines()
    assert "那么,什么是人脐带间充质干细胞来源的外泌体(hUCMSC-Exo)疗法?" in lines
    assert "结论" in lines
    assert "图源:AI生成" in lines
    assert "表1:研究对象特征。" in lines
    assert any(line.startswith("本质:hUCMSC-Exo并非细胞") for line in lines)


def test_dedecms_body_has_paragraph_text_without_indent(dedecms):
    assert dedecms.body.splitlines()[0].startswith("近日，《中华医学杂志》")
    assert "分隔线" not in dedecms.body
    assert "推荐内容" not in dedecms.body


def test_body_html_is_sanitised_by_the_page_step():
    body = (PAGES / "wordpress_article.html").read_bytes()
    item = page_to_article(Fetched(WORDPRESS_URL, body, {"Content-Type": "text/html; charset=utf-8"}))
    assert "<script" not in item.body_html
    assert "onerror" not in item.body_html
    assert "<figcaption>图源:AI生成</figcaption>" in item.body_html
    assert 'src="https://www.hjtdsm.com/wp-content/uploads/2026/02/exo.jpg"' in item.body_html


def test_reference_section_becomes_entry_lines_and_links(wordpress):
    assert len(wordpress.reference_texts) == 2
    assert wordpress.reference_texts[0].startswith("[1]:Yusof B")
    assert wordpress.reference_hrefs == ["https://doi.org/10.1186/s13287-025-04123-9"]


def test_reference_line_broken_by_br_stays_together(dedecms):
    joined = "\n".join(dedecms.reference_texts)
    assert "DOI:\n10.3760/cma.j.cn112137-20230101-00001" in joined or "DOI: 10.3760" in joined


def test_disclaimer_is_kept_apart(wordpress, dedecms):
    assert wordpress.disclaimer.startswith("免责说明:本文仅用于传播科普知识")
    assert dedecms.disclaimer == "免责声明：本站部分内容来自网络，仅供参考，不构成诊疗建议。"
    assert "免责" not in dedecms.body


def test_page_without_own_date_has_none(wordpress):
    assert wordpress.published_raw is None


def test_visible_date_line_is_the_own_date(dedecms):
    assert dedecms.published_raw == "时间:2025-12-03 14:20"
    assert dedecms.published_source == "line"


def test_body_links_are_kept_for_identifier_extraction(wordpress):
    assert "https://pubmed.ncbi.nlm.nih.gov/41234567/" in wordpress.body_hrefs


def test_neighbours_carry_title_and_date(wordpress):
    prev, nxt = sorted(wordpress.neighbours, key=lambda link: link.rel == "next")
    assert (prev.rel, prev.url, prev.date_raw) == ("prev", "https://www.hjtdsm.com/sc/zhiliao/59010.html", "2026年2月2日")
    assert prev.title == "脐带干细胞静脉注射治疗脑卒中?Ⅰ期人体研究结果公布:临床显示安全有效"
    assert nxt.rel == "next"
    assert nxt.url.startswith("https://www.hjtdsm.com/sc/zhiliao/59023.html")
    assert nxt.title == "间充质干细胞治疗5大种类皮肤病中的应用:从作用机制到临床研究进展"
    assert nxt.date_raw == "2026年2月2日"


def test_dedecms_chain_end_is_a_link_without_url(dedecms):
    links = {link.rel: link for link in dedecms.neighbours}
    assert links["prev"].url == "http://www.cells.example/a/yixue/1233.html"
    assert links["prev"].title == "脐带血干细胞库建设进展"
    assert links["next"].url is None


@pytest.mark.parametrize(
    "url, html",
    [
        ("https://www.hjtdsm.com/", "<html><body><h1>杭吉干细胞</h1><ul><li><a href='/a/1.html'>一篇很长的文章标题在这里</a></li></ul></body></html>"),
        ("https://www.hjtdsm.com/tag/%E5%93%AE%E5%96%98/", "<html><body><h1>哮喘</h1><p>这是标签页面的介绍文字内容很长很长很长。</p></body></html>"),
        ("https://www.hjtdsm.com/sc/zhiliao/page/2/", "<html><body><h1>干细胞治疗</h1><p>这是分类页面的介绍文字内容很长很长很长。</p></body></html>"),
        ("https://www.hjtdsm.com/sc/zhiliao/99999.html", "<html><head><title>页面不存在</title></head><body><h1>404 页面不存在</h1><p>您访问的页面不存在或已被删除，请返回首页。</p></body></html>"),
    ],
    ids=["home", "tag", "pagination", "soft-404"],
)
def test_pages_that_are_not_articles_give_none(url, html):
    assert extract_article(Selector(text=html), url) is None


def test_listing_by_link_density_gives_none():
    items = "".join(f"<li><a href='/sc/zhiliao/{i}.html'>干细胞治疗新进展第{i}篇文章标题</a></li>" for i in range(20))
    html = f"<html><body><h1>干细胞治疗</h1><div class='entry-content'><ul>{items}</ul></div></body></html>"
    assert extract_article(Selector(text=html), "https://www.hjtdsm.com/sc/zhiliao/list.html") is None


def test_control_characters_in_text_and_links_do_not_stop_extraction():
    # lxml parses a vertical tab but refuses it back when furniture is cut out (found by fuzzing).
    html = (PAGES / "wordpress_article.html").read_text("utf-8").replace("传播", "传\x0b播").replace("<p>", "").replace("</p>", "")
    html = html.replace('href="https://pubmed', 'href="https://pub\x0bmed')
    page = extract_article(Selector(text=html), WORDPRESS_URL)
    assert page is not None and page.title.startswith("每周一次")


def test_a_site_rule_selecting_the_prev_next_block_also_gives_the_date_beside_the_link():
    from crawler.extraction.site_rules import SiteRule

    html = (
        "<html><head><title>干细胞治疗新进展</title></head><body><h1>干细胞治疗新进展</h1>"
        "<div class='txt'><p>" + "间充质干细胞在临床研究中显示出良好的安全性。" * 6 + "</p></div>"
        "<div class='pager'><p class='pn-prev'><img alt='上一篇'> <a href='/a/1.html'>前文</a> <em>2026年2月2日</em></p>"
        "<p class='pn-next'><img alt='下一篇'> <a href='/a/3.html'>后文</a></p></div></body></html>"
    )
    rule = SiteRule(host="site.example", prev="div.pager p.pn-prev", next="div.pager p.pn-next a")
    page = extract_article(Selector(text=html), "https://site.example/a/2.html", rule)
    assert [(link.rel, link.url, link.title, link.date_raw) for link in page.neighbours] == [
        ("prev", "https://site.example/a/1.html", "前文", "2026年2月2日"),
        ("next", "https://site.example/a/3.html", "后文", None),
    ]


def test_a_wrapper_of_the_whole_text_is_kept_whatever_its_class_says():
    html = """<html><head><title>干细胞治疗新进展_新闻</title></head><body><h1>干细胞治疗新进展</h1>
    <div class="content"><div class="article-social-wrap"><p>近日，研究人员报告了一项干细胞治疗的新进展，患者的症状明显改善。</p>
    <p>研究团队表示，下一步将扩大试验的规模，并继续观察长期的安全性。</p></div>
    <div class="share-bar"><a href="https://weibo.com/share">分享到微博</a></div></div></body></html>"""
    page = extract_article(Selector(text=html), "https://news.example.cn/a/1.html")
    assert page.body.startswith("近日，研究人员报告")
    assert "分享到微博" not in page.body


def test_section_words_hold_no_whitespace():
    """Reference and related-reading headings and disclaimer markers are looked for as plain
    words before a text node's whitespace is normalised: a word with a space inside would
    miss a heading that a line break splits."""
    from crawler.extraction.rules import DISCLAIMER_MARKERS, REFERENCE_HEADINGS, RELATED_HEADINGS
    from crawler.extraction.text import normalize_space

    words = DISCLAIMER_MARKERS + REFERENCE_HEADINGS + RELATED_HEADINGS
    assert [word for word in words if normalize_space(f"x{word}x") != f"x{word}x" or " " in word] == []


def test_keywords_are_the_pages_tags_each_once(wordpress):
    assert wordpress.keywords == ["干细胞治疗", "哮喘", "外泌体"]


def test_the_body_image_comes_with_its_figcaption_and_the_page_names_no_author(wordpress):
    assert [(image.url, image.caption) for image in wordpress.images] == [
        ("https://www.hjtdsm.com/wp-content/uploads/2026/02/exo.jpg", "图源:AI生成")]
    assert (wordpress.authors, wordpress.editor, wordpress.source, wordpress.modified_raw) == ([], None, None, None)


def test_the_source_line_of_a_dedecms_page_names_its_outlet_and_its_desk_is_no_author(dedecms):
    assert (dedecms.source, dedecms.found_by["source"]) == ("细胞资讯网", "label")
    assert dedecms.authors == []  # 作者:编辑部
