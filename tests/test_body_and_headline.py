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


def test_a_link_line_naming_the_site_alone_is_not_body(ads_and_promo):
    assert "www.dahe-health.cn" not in ads_and_promo.body


@pytest.mark.parametrize("kept", ["https://doi.org/10.1000/allergy.2024.17", "过敏性鼻炎防治指南", "PMID: 38012345"])
def test_a_link_line_showing_an_identifier_or_leading_to_a_file_stays(ads_and_promo, kept):
    assert kept in ads_and_promo.body


@pytest.mark.parametrize("promo", ["关注公众号", "长按识别二维码", "欢迎关注大河健康", "【点击在线咨询】"])
def test_follow_and_promotion_lines_are_not_body(ads_and_promo, promo):
    assert promo not in ads_and_promo.body


def test_a_pager_alone_on_its_line_is_not_body(ads_and_promo):
    assert "返回目录" not in ads_and_promo.body


@pytest.mark.parametrize("footer", ["Trackback", "已被阅读178次"])
def test_blog_engine_footer_lines_are_not_body(ads_and_promo, footer):
    assert footer not in ads_and_promo.body


@pytest.mark.parametrize("sentence", [
    "社会应关注我们身边的过敏患儿。", "市民可扫码预约过敏专科门诊。",
    "欢迎关注过敏门诊的市民携带既往检查结果就诊。", "下一页的表格列出了各院区过敏门诊的出诊时间。",
])
def test_a_sentence_naming_a_follow_word_stays(ads_and_promo, sentence):
    assert sentence in ads_and_promo.body


@pytest.mark.parametrize("credit", ["责任编辑", "文字：李华", "审核：赵敏"])
def test_credit_lines_at_the_end_are_not_body(ads_and_promo, credit):
    assert credit not in ads_and_promo.body


def test_a_short_article_beside_a_longer_hot_list_is_the_body():
    article = read("wordpress_short_with_hot_list.html")
    assert article.body == "自五月六日起，门诊上午提前半小时开诊。\n周末专家门诊照常开放，请提前预约。\n详情见预约平台，DOI 10.1234/abcd.5678。"


def test_a_second_article_appended_below_is_not_part_of_the_body():
    body = read("second_article_appended.html").body
    assert "饭前便后要洗手。" in body
    assert "夏季如何科学补水" not in body and "补水" not in body


def test_a_related_news_box_longer_than_the_article_is_not_part_of_the_body():
    body = read("related_box_longer.html").body
    assert body.endswith("为方便哮喘患儿规范随访，我院儿科于本周一开通儿童哮喘专病门诊，每周一、周四下午开诊。\n就诊可通过医院公众号预约。")


def test_a_one_line_news_item_after_a_longer_column_is_an_article():
    article = read("one_line_news_after_a_column.html")
    assert article.body == "自下周起门诊时间调整为八点开始。"
    assert article.found_by["body"] == "after the headline"


def test_a_page_saying_there_is_no_content_yet_is_still_a_stub():
    assert "stub" in read("stub.html")


def test_a_section_of_the_article_headed_like_a_box_word_stays():
    html = """<html><head><title>儿童哮喘的家庭护理_健康网</title></head><body><div class="article">
    <h1>儿童哮喘的家庭护理</h1><p>儿童哮喘需要长期规范管理，家长的护理十分重要。</p>
    <h3>相关知识</h3><p>哮喘是一种慢性气道炎症性疾病，常在夜间和清晨发作，运动和冷空气也可诱发。</p>
    <p>家中应避免尘螨、宠物皮屑等过敏原，保持室内通风，按医嘱使用吸入药物。</p></div></body></html>"""
    body = read_article(Selector(text=html), "http://www.health.example/a/1001.html").body
    assert "相关知识\n哮喘是一种慢性气道炎症性疾病" in body


def test_a_teaser_of_the_next_story_below_the_article_is_not_the_body():
    article = read("teaser_after_the_article.html")
    assert article.body == "市中心医院自二月二十日起开设夜间儿科门诊，接诊时间为每晚六点至十点。\n夜间门诊由儿科主治以上医师坐诊，可通过医院公众号提前预约。"


def test_a_short_article_beside_sidebar_widgets_is_not_refused_as_empty():
    article = read("wordpress_short_beside_widgets.html")
    assert article.body.startswith("自五月六日起，门诊上午提前半小时开诊。")
    assert article.body.endswith("详情见预约平台，DOI 10.1234/abcd.5678。")


def test_the_next_post_on_the_same_page_is_not_the_body():
    article = read("two_posts_on_one_page.html")
    assert article.body == "县医院与省人民医院的远程会诊中心本周投入使用，危重患者可在县里接受省级专家会诊。"


def test_when_cleaning_leaves_nothing_of_the_densest_block_the_text_after_the_headline_is_read():
    # The widget area has no class naming it: its widgets are cut only once it is taken.
    html = (PAGES / "wordpress_short_beside_widgets.html").read_text("utf-8").replace(' class="widget-area"', "")
    article = read_article(Selector(text=html), "http://www.health.example/a/1000.html")
    assert article.body.startswith("自五月六日起，门诊上午提前半小时开诊。")
    assert article.found_by["body"] == "after the headline"


def test_a_heading_opening_the_text_block_is_the_headline_when_title_names_only_the_site():
    assert read("headline_inside_text_block.html").title == "省卫生健康委召开基层医疗机构能力提升工作会"


def test_a_longer_contact_list_without_a_sentence_is_not_the_body_of_a_one_sentence_notice():
    assert read("contact_list_after_short_notice.html").body == "截止10月13日，社区义诊活动的报名已经全部完成！"


def test_a_line_in_large_type_above_the_text_is_the_headline_when_title_names_only_the_site():
    assert read("headline_in_large_type.html").title == "慈善总会向山区小学捐赠图书"


def test_a_comment_thread_longer_than_the_post_is_not_its_body():
    body = read("comments_outweigh_the_post.html").body
    assert body.startswith("承蒙朋友邀请") and "恭喜恭喜" not in body


def test_the_heading_opening_the_posts_block_outranks_a_sidebar_heading_above_it():
    assert read("heading_opening_the_post.html").title == "很高兴入住新博客"


def test_the_sites_name_leading_title_is_not_the_headline_when_the_home_link_shows_it():
    assert read("site_name_before_headline_in_title.html").title == "给医学生的几条建议"


def test_dedecms_separator_line_is_not_body():
    paragraphs = "".join(f"<p>第{n}段：间充质干细胞治疗膝骨关节炎的临床研究显示，患者疼痛评分明显下降，关节功能改善。</p>" for n in range(1, 5))
    html = (f"<html><head><title>干细胞治疗膝骨关节炎研究进展_健康网</title></head><body><div class='title'><h2>干细胞治疗膝骨关节炎研究进展</h2></div>"
            f"<div class='content'><table><tr><td>{paragraphs}</td></tr></table>"
            "<strong>------分隔线----------------------------</strong><ul></ul></div></body></html>")
    article = read_article(Selector(text=html), "http://www.health.example/a/1000.html")
    assert article.body.endswith("关节功能改善。") and "分隔线" not in article.body
