"""Authors, editor, source, modified date, description, keywords, images and language, read off a
page by the plain functions of ``crawler/extraction`` (no Scrapy): each the page's own, or absent."""

from datetime import datetime, timezone

from parsel import Selector

from crawler.extraction.article import read_article
from crawler.extraction.site_rules import SiteRule
from crawler.items import ArticleImage
from crawler.page import Fetched, page_to_article
from crawler.single_page import extract_page

URL = "http://news.example.cn/health/2025/0302/123.html"
TEXT = "<p>春季是流感高发季节，专家提醒市民注意个人防护，勤洗手、多通风，出现发热症状应及时就医。</p>" * 3


def page(info: str = "", after: str = "", head: str = "", text: str = TEXT, lang: str = "") -> str:
    """An article page: ``info`` under the headline, ``after`` under the text, ``head`` in <head>."""
    return (f"<html{lang}><head><title>春季流感防护指南_健康频道</title>{head}</head><body>"
            f"<div class='nav'><a href='/'>首页</a></div><div class='main'><h1>春季流感防护指南</h1>"
            f"<div class='meta'>{info}</div><div class='content'>{text}</div>{after}</div></body></html>")


def read(html: str, rule: SiteRule | None = None):
    article = read_article(Selector(text=html), URL, rule)
    assert not isinstance(article, str), article
    return article


# --- authors -------------------------------------------------------------------------------------


def test_a_labelled_byline_gives_each_name():
    assert read(page(info="<span>作者：宋怡 杨志华</span>")).authors == ["宋怡", "杨志华"]


def test_a_reporter_line_after_the_text_gives_its_names_without_the_outlet():
    article = read(page(after="<p>光明日报记者 王建宏 张文攀</p>"))
    assert article.authors == ["王建宏", "张文攀"]
    assert article.found_by["authors"] == "label"


def test_a_byline_in_brackets_ending_the_text_gives_its_name():
    text = TEXT + "<p>推动全市卫生工作高质量发展。（记者 胡晓蓉）</p>"
    article = read(page(text=text))
    assert article.authors == ["胡晓蓉"]
    assert article.found_by["authors"] == "brackets"


def test_a_photo_credit_in_brackets_is_no_byline():
    assert read(page(text=TEXT + "<p>孩子们在新教室里上课。（记者 郝飞 摄）</p>")).authors == []


def test_a_sentence_naming_a_reporter_is_no_byline():
    assert read(page(text="<p>记者张三说，春季流感高发，市民应注意防护。</p>" + TEXT)).authors == []


def test_the_site_name_under_the_headline_is_no_author():
    assert read(page(info="<span>深圳康贝儿童医院</span> <span>2017-12-02 15:34</span>")).authors == []


def test_an_anonymous_byline_or_the_cms_login_names_no_author():
    for line in ("作者：佚名", "作者:Admin", "作者：匿名"):
        assert read(page(info=f"<span>{line}</span>")).authors == [], line


def test_a_meta_author_is_taken_only_when_the_page_shows_that_name():
    assert read(page(head="<meta name='author' content='Discuz! Team'>")).authors == []
    assert read(page(head="<meta name='author' content='李明'>", info="<span>李明</span>")).authors == ["李明"]


def test_a_meta_author_who_is_the_editor_is_no_author():
    article = read(page(head="<meta name='author' content='李楠'>", after="<p>编辑:李楠</p>"))
    assert article.authors == []
    assert article.editor == "李楠"


# --- editor and source ---------------------------------------------------------------------------


def test_the_responsible_editor_comes_before_another_editor():
    assert read(page(after="<p>编辑：倪仕轩 责任编辑：林涛</p>")).editor == "林涛"


def test_a_source_line_names_the_outlet_and_its_link():
    article = read(page(info="来源：<a href='/epaper/node_2.htm'>新华日报</a>"))
    assert (article.source, article.source_url) == ("新华日报", "http://news.example.cn/epaper/node_2.htm")


def test_a_source_line_naming_no_outlet_gives_no_source():
    for line in ("来源：转载文章", "来源：未知", "来自: 互联网", "来源： 浏览次数：642", "来源：本站原创"):
        assert read(page(info=f"<span>{line}</span>")).source is None, line


def test_a_source_line_stops_before_the_next_label_and_the_date():
    assert read(page(after="<p>来源：巴彦淖尔日报 编辑：苏亮</p>")).source == "巴彦淖尔日报"
    assert read(page(info="<p>来源：太原晚报 2021-11-25 16:26:07</p>")).source == "太原晚报"


def test_a_newspaper_issue_line_names_the_source():
    assert read(page(after="<p>《光明日报》（ 2022年02月13日 02版）</p>")).source == "光明日报"


def test_the_site_is_no_source_unless_the_page_says_so():
    assert read(page(head="<meta property='og:site_name' content='健康网'>")).source is None


# --- modified --------------------------------------------------------------------------------------


def test_a_date_labelled_as_an_update_is_the_modified_date():
    html = page(info="<span>发布时间：2025-03-02 08:00</span> <span>更新时间：2025-03-03 10:20</span>")
    item = extract_page(html.encode(), URL).item
    assert (item.modified_raw, item.modified) == ("2025-03-03 10:20", "2025-03-03T10:20:00+08:00")


def test_a_publication_date_is_no_modified_date():
    assert read(page(info="<span>发布时间：2025-03-02 08:00</span>")).modified_raw is None


def test_the_http_last_modified_header_is_no_modified_date():
    item = page_to_article(Fetched(URL, page().encode(), {"Content-Type": "text/html; charset=utf-8", "Last-Modified": "Mon, 03 Mar 2025 10:20:00 GMT"}))
    assert item.last_modified == "Mon, 03 Mar 2025 10:20:00 GMT"
    assert (item.modified_raw, item.modified) == (None, None)


def test_a_relative_modified_date_without_a_fetch_time_stays_absent():
    item = extract_page(page(info="<span>更新时间：昨天 10:20</span>").encode(), URL).item
    assert item.modified_raw and item.modified is None


def test_a_relative_modified_date_is_read_against_the_fetch_time():
    fetched = datetime(2025, 3, 5, 4, 0, tzinfo=timezone.utc)
    item = extract_page(page(info="<span>更新时间：昨天 10:20</span>").encode(), URL, fetched_at=fetched).item
    assert item.modified == "2025-03-04T10:20:00+08:00"


def test_the_modified_meta_tag_comes_first():
    article = read(page(head="<meta property='article:modified_time' content='2022-02-06T12:48:04+00:00'>"))
    assert (article.modified_raw, article.found_by["modified"]) == ("2022-02-06T12:48:04+00:00", "meta")


# --- description and keywords ----------------------------------------------------------------------


def test_the_description_is_the_pages_own_and_never_the_text():
    assert read(page(head="<meta name='description' content='流感防护 要点'>")).description == "流感防护 要点"
    assert read(page()).description is None


def test_keywords_come_from_the_meta_tag_and_the_pages_tag_links():
    html = page(head="<meta name='keywords' content='流感,防护，春季'>", after="<a rel='tag' href='/tag/1'>疫苗</a><a rel='tag' href='/tag/2'>流感</a>")
    assert read(html).keywords == ["流感", "防护", "春季", "疫苗"]


# --- images --------------------------------------------------------------------------------------------


def test_chinese_keywords_separated_by_spaces_are_each_a_keyword():
    assert read(page(head="<meta name='keywords' content='青少年心理健康 心成长 心理技能'>")).keywords == ["青少年心理健康", "心成长", "心理技能"]


def test_a_keyword_phrase_with_spaces_between_latin_words_stays_whole():
    assert read(page(head="<meta name='keywords' content='stem cell therapy'>")).keywords == ["stem cell therapy"]


def test_images_come_in_body_order_with_absolute_urls_alt_and_captions():
    text = ("<figure><img src='/img/a.jpg' alt='门诊'><figcaption>市民在门诊排队</figcaption></figure>" + TEXT
            + "<p><img src='b.jpg'></p><p>图为医生为孩子接种疫苗。</p>")
    assert read(page(text=text)).images == [
        ArticleImage("http://news.example.cn/img/a.jpg", "门诊", "市民在门诊排队"),
        ArticleImage("http://news.example.cn/health/2025/0302/b.jpg", None, "图为医生为孩子接种疫苗。"),
    ]


def test_a_numbered_figure_or_table_line_under_an_image_is_its_caption():
    for caption in ("图2：治疗前后主要指标变化", "表1 研究对象特征。", "Figure 3. Survival"):
        text = TEXT + f"<p><img src='/img/f.png'></p><p>{caption}</p>"
        assert read(page(text=text)).images[0].caption == caption


def test_a_paragraph_after_an_image_is_no_caption():
    text = TEXT + "<p><img src='/img/f.png'></p><p>图书馆里，专家为市民讲解流感防护知识。</p>"
    assert read(page(text=text)).images[0].caption is None


def test_tracking_pixels_icons_and_logos_are_no_images_of_the_article():
    text = "<p><img src='/t.gif' width='1' height='1'><img src='/images/logo.png'><img src='/i/share_icon.png'></p>" + TEXT
    assert read(page(text=text)).images == []


def test_a_body_without_images_takes_the_declared_lead_image_but_not_a_logo():
    article = read(page(head="<meta property='og:image' content='/img/lead.jpg'>"))
    assert (article.images, article.found_by["images"]) == ([ArticleImage("http://news.example.cn/img/lead.jpg")], "meta")
    assert read(page(head="<meta property='og:image' content='/images/logo.png'>")).images == []


def test_a_lazily_loaded_image_gives_its_real_address():
    text = "<p><img src='/loading.gif' data-original='/img/real.jpg'></p>" + TEXT
    assert [image.url for image in read(page(text=text)).images] == ["http://news.example.cn/img/real.jpg"]


# --- language ------------------------------------------------------------------------------------------


def test_the_declared_language_gives_its_primary_tag():
    article = read(page(lang=" lang='zh-CN'"))
    assert (article.language, article.found_by["language"]) == ("zh", "declared")


def test_chinese_text_under_a_template_declaring_english_is_chinese():
    article = read(page(lang=" lang='en-US'"))
    assert (article.language, article.found_by["language"]) == ("zh", "script")


def test_a_latin_text_without_a_declared_language_has_none():
    text = "<p>Spring is the flu season; experts remind residents to wash their hands and see a doctor when feverish.</p>" * 3
    assert read(page(text=text)).language is None


# --- site rules ------------------------------------------------------------------------------------------


def test_a_site_rule_selects_authors_and_source_before_the_heuristics():
    rule = SiteRule(host="news.example.cn", authors="span.writer", source="span.origin")
    html = page(info="<span class='writer'>王五</span><span class='origin'><a href='http://xh.example.cn/1.html'>新华日报</a></span>"
                     "<span>作者：赵六</span>")
    article = read(html, rule)
    assert (article.authors, article.source, article.source_url) == (["王五"], "新华日报", "http://xh.example.cn/1.html")
    assert article.found_by["authors"] == article.found_by["source"] == "site rule"


def test_a_site_rule_matching_nothing_leaves_the_heuristics_value():
    rule = SiteRule(host="news.example.cn", authors="span.writer")
    assert read(page(info="<span>作者：赵六</span>"), rule).authors == ["赵六"]


def test_a_byline_keeps_the_latin_name_in_brackets_after_the_chinese_one():
    assert read(page(info="<p>作者： 周思博 (Joel Spolsky)</p><p>译： Chen Bin</p>")).authors == ["周思博 (Joel Spolsky)"]


def test_the_sources_name_linked_only_in_the_menu_gives_no_source_url():
    html = page(info="<span>来源：新华网</span>").replace("<a href='/'>首页</a>", "<a href='https://www.xinhuanet.com/'>新华网</a>")
    article = read(html)
    assert (article.source, article.source_url) == ("新华网", None)
