"""Finding 上一篇/下一篇 across the conventions of Chinese CMSes."""

import pytest
from parsel import Selector

from crawler.extraction.navigation import find_neighbours

BASE = "https://news.example.cn/a/100.html"


def neighbours(body: str, head: str = "") -> dict:
    html = f"<html><head>{head}</head><body><div class='content'><p>正文内容。</p></div>{body}</body></html>"
    return {link.rel: link for link in find_neighbours(Selector(text=html).root, BASE)}


@pytest.mark.parametrize(
    "body",
    [
        # DedeCMS
        "<ul><li>上一篇：<a href='/a/99.html'>旧文章</a></li><li>下一篇：<a href='/a/101.html'>新文章</a></li></ul>",
        # half-width colons, label inside the link
        "<p><a href='/a/99.html'>上一篇:旧文章</a></p><p><a href='/a/101.html'>下一篇:新文章</a></p>",
        # guillemets after the title, WordPress-theme style
        "<div><a href='/a/99.html'><span>旧文章</span><span>« 上一篇</span></a></div>"
        "<div><a href='/a/101.html'><span>新文章</span><span>下一篇 »</span></a></div>",
        # Traditional characters
        "<p>上一篇：<a href='/a/99.html'>旧文章</a></p><p>下一篇：<a href='/a/101.html'>新文章</a></p>",
        # label in its own element, link in a sibling
        "<div class='pn'><span class='label'>【上一篇】</span><a href='/a/99.html'>旧文章</a></div>"
        "<div class='pn'><span class='label'>【下一篇】</span><a href='/a/101.html'>新文章</a></div>",
        # both labels in one paragraph
        "<p>上一篇：<a href='/a/99.html'>旧文章</a>　下一篇：<a href='/a/101.html'>新文章</a></p>",
        # 前一篇/后一篇 as some themes word it
        "<div>前一篇：<a href='/a/99.html'>旧文章</a></div><div>后一篇：<a href='/a/101.html'>新文章</a></div>",
    ],
    ids=["dedecms", "label-in-link", "wordpress-guillemets", "traditional", "label-sibling", "one-paragraph", "other-wording"],
)
def test_labels_find_both_neighbours_with_titles(body):
    found = neighbours(body)
    assert found["prev"].url == "https://news.example.cn/a/99.html"
    assert found["next"].url == "https://news.example.cn/a/101.html"
    assert found["prev"].title == "旧文章"
    assert found["next"].title == "新文章"


def test_rel_prev_next_links_without_labels():
    found = neighbours("<a rel='prev' href='/a/99.html'>‹</a><a rel='next' href='/a/101.html'>›</a>")
    assert (found["prev"].url, found["next"].url) == ("https://news.example.cn/a/99.html", "https://news.example.cn/a/101.html")


def test_rel_in_head_link_elements():
    found = neighbours("", head="<link rel='prev' href='/a/99.html'><link rel='next' href='/a/101.html'>")
    assert found["next"].url == "https://news.example.cn/a/101.html"


def test_wordpress_post_navigation_without_labels():
    body = (
        "<nav class='navigation post-navigation'><div class='nav-links'>"
        "<div class='nav-previous'><a href='/a/99.html'>旧文章</a></div>"
        "<div class='nav-next'><a href='/a/101.html'>新文章</a></div></div></nav>"
    )
    found = neighbours(body)
    assert (found["prev"].url, found["prev"].title) == ("https://news.example.cn/a/99.html", "旧文章")
    assert (found["next"].url, found["next"].title) == ("https://news.example.cn/a/101.html", "新文章")


@pytest.mark.parametrize("marker", ["没有了", "沒有了", "没有了！", "无", "已经是最后一篇"])
def test_chain_end_gives_link_without_url(marker):
    found = neighbours(f"<ul><li>上一篇：<a href='/a/99.html'>旧文章</a></li><li>下一篇：{marker}</li></ul>")
    assert found["next"].url is None
    assert found["prev"].url == "https://news.example.cn/a/99.html"


@pytest.mark.parametrize("back", ["返回列表", "返回栏目"])
def test_a_link_back_to_the_listing_in_place_of_the_next_article_ends_the_chain(back):
    found = neighbours(f"<p>上一篇：<a href='/a/99.html'>旧文章</a><br>下一篇：<a href='index13.html'>{back}</a></p>")
    assert found["next"].url is None


def test_date_beside_the_link_belongs_to_the_neighbour():
    body = (
        "<div class='nav-previous'><a href='/a/99.html'><span>旧文章</span><span>« 上一篇 2026年2月2日</span></a></div>"
        "<div class='nav-next'><a href='/a/101.html'><span>新文章</span><span>下一篇 » 2026年2月3日</span></a></div>"
    )
    found = neighbours(body)
    assert found["prev"].date_raw == "2026年2月2日"
    assert found["next"].date_raw == "2026年2月3日"


def test_page_without_navigation_has_no_neighbours():
    assert neighbours("<p>相关阅读：<a href='/a/5.html'>另一篇</a></p>") == {}


def test_label_in_prose_is_not_navigation():
    body = "<p>正如我们在上一篇文章中讨论过的那样，<a href='/a/3.html'>干细胞疗法</a>的研究进展迅速，本文继续介绍其临床应用与安全性。</p>"
    assert neighbours(body) == {}


def test_javascript_link_is_no_neighbour():
    found = neighbours("<p>上一篇：<a href='javascript:void(0)'>没有了</a></p>")
    assert found["prev"].url is None


def test_a_shortlink_neighbour_on_the_home_path_is_kept():
    html = '<html><body><p>上一篇：<a href="/?p=59107">干细胞新闻</a></p><p>下一篇：<a href="/sc/">返回栏目</a></p></body></html>'
    links = {link.rel: link.url for link in find_neighbours(Selector(text=html).root, "https://www.hjtdsm.com/sc/zhiliao/59017.html")}
    assert links["prev"] == "https://www.hjtdsm.com/?p=59107"
