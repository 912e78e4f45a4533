"""Pins the replica portals themselves: what they serve and what they claim."""

import html
import http.client
import re
import socket
from datetime import date, datetime
from urllib.parse import urlsplit

import pytest

from replica import build_portal
from replica.server import PortUnavailable, serve_all


def fetch(site, path, method="GET", headers=None):
    """One request without following redirects: (status, headers, body)."""
    conn = http.client.HTTPConnection(urlsplit(site.url).netloc, timeout=5)
    try:
        conn.request(method, path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.headers, resp.read()
    finally:
        conn.close()


def visible_text(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


# --- site B: encoding ---------------------------------------------------------

def test_dedecms_charset_is_only_in_the_meta_tag(dedecms_site, dedecms_portal):
    status, headers, body = fetch(dedecms_site, dedecms_portal.awkward["gbk_title"])
    assert status == 200
    assert "charset" not in headers["Content-Type"]
    assert b'<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />' in body


def test_dedecms_title_needs_gbk_not_gb2312(dedecms_site, dedecms_portal):
    path = dedecms_portal.awkward["gbk_title"]
    _, _, body = fetch(dedecms_site, path)
    assert dedecms_portal.article(path).title in body.decode("gbk")
    try:
        body.decode("gb2312")
    except UnicodeDecodeError:
        pass
    else:
        raise AssertionError("the GBK-only title decoded as GB2312")


def test_dedecms_chain_ends_with_meiyoule(dedecms_portal):
    oldest = dedecms_portal.response(dedecms_portal.articles[0].path, "http://x")[2].decode("gbk")
    newest = dedecms_portal.response(dedecms_portal.articles[-1].path, "http://x")[2].decode("gbk")
    assert re.search("上一篇[:：]没有了", oldest) and re.search("下一篇[:：]没有了", newest)


# --- site A: links that need care -----------------------------------------------

def test_shortlink_redirects_to_canonical_url(wordpress_site, wordpress_portal):
    status, headers, _ = fetch(wordpress_site, wordpress_portal.awkward["shortlink"])
    source = wordpress_portal.articles.index(wordpress_portal.article(wordpress_portal.awkward["shortlink_from"]))
    assert status == 301
    assert headers["Location"] == wordpress_site.url + wordpress_portal.articles[source + 1].path


def test_deleted_article_answers_404(wordpress_site, wordpress_portal):
    status, _, _ = fetch(wordpress_site, wordpress_portal.awkward["deleted"])
    assert status == 404


def test_deleted_article_is_still_linked_by_its_neighbours(wordpress_portal):
    index = wordpress_portal.articles.index(wordpress_portal.article(wordpress_portal.awkward["deleted"]))
    older = wordpress_portal.articles[index - 1].path
    assert wordpress_portal.nav_links[older][-1].endswith(wordpress_portal.awkward["deleted"])


def test_tracking_query_serves_the_page_with_a_clean_canonical(wordpress_site, wordpress_portal):
    path = wordpress_portal.articles[1].path
    status, _, body = fetch(wordpress_site, path + "?utm_source=wechat&utm_medium=share")
    assert status == 200
    assert f'<link rel="canonical" href="{wordpress_site.url}{path}">'.encode() in body


def test_robots_txt_disallows_private(wordpress_site):
    status, _, body = fetch(wordpress_site, "/robots.txt")
    assert status == 200 and "Disallow: /private/" in body.decode().splitlines()


def test_private_page_exists_but_is_robots_disallowed(wordpress_portal):
    private = wordpress_portal.awkward["private"]
    assert private in wordpress_portal.robots_disallowed
    assert wordpress_portal.response(private, "http://x")[0] == 200


def test_soft_404_answers_200_with_not_found_text(wordpress_site):
    status, _, body = fetch(wordpress_site, "/sc/zhiliao/99999.html")
    assert status == 200 and "页面不存在" in body.decode()


def test_if_modified_since_gets_304(wordpress_site, wordpress_portal):
    path = wordpress_portal.articles[0].path
    _, headers, _ = fetch(wordpress_site, path)
    status, _, body = fetch(wordpress_site, path, headers={"If-Modified-Since": headers["Last-Modified"]})
    assert status == 304 and body == b""


def test_head_sends_headers_without_body(wordpress_site, wordpress_portal):
    status, headers, body = fetch(wordpress_site, wordpress_portal.articles[0].path, method="HEAD")
    assert status == 200 and int(headers["Content-Length"]) > 0 and body == b""


# --- truth ----------------------------------------------------------------------

def test_reachable_from_stops_at_the_deleted_article(wordpress_portal):
    paths = [a.path for a in wordpress_portal.articles]
    deleted = paths.index(wordpress_portal.awkward["deleted"])
    assert wordpress_portal.reachable_from(paths[0]) == set(paths[:deleted])
    assert wordpress_portal.reachable_from(paths[-1]) == set(paths[deleted + 1:])


def test_truth_dates_are_iso_8601(wordpress_portal, dedecms_portal):
    for article in wordpress_portal.articles + dedecms_portal.articles:
        if "T" in article.published:
            assert datetime.fromisoformat(article.published).utcoffset() is not None
        else:
            date.fromisoformat(article.published)


def test_truth_title_and_first_paragraph_are_on_the_page(wordpress_portal, dedecms_portal):
    for portal, encoding in ((wordpress_portal, "utf-8"), (dedecms_portal, "gbk")):
        for article in portal.live_articles:
            text = visible_text(portal.response(article.path, "http://x")[2].decode(encoding))
            assert article.title in text and article.first_paragraph in text, article.path


def test_build_is_deterministic():
    first, second = build_portal("dedecms", 8, seed=5), build_portal("dedecms", 8, seed=5)
    assert first.articles == second.articles
    assert all(first.response(p, "http://x") == second.response(p, "http://x") for p in first.pages)


def test_requests_are_logged_with_status(wordpress_site):
    fetch(wordpress_site, "/no-such-page.html")
    assert ("GET", "/no-such-page.html", 404) in wordpress_site.requests


def taken_port_after_a_free_one() -> socket.socket:
    """A socket listening on a port whose port before it is free."""
    while True:
        taken = socket.socket()
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        try:
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", taken.getsockname()[1] - 1))
            return taken
        except OSError:
            taken.close()


def test_serving_on_a_taken_port_names_it_and_leaves_no_site_running():
    portals = [build_portal("wordpress", 10, seed=1), build_portal("dedecms", 6, seed=2)]
    with taken_port_after_a_free_one() as taken:
        first = taken.getsockname()[1] - 1
        with pytest.raises(PortUnavailable) as raised:
            serve_all(portals, first)
    assert raised.value.port == first + 1
    with socket.socket() as again:
        again.bind(("127.0.0.1", first))  # the first site, started before the failure, was stopped


# --- the metadata pages give (issue 26) ------------------------------------------------


def page_of(portal, article, encoding) -> str:
    return html.unescape(portal.response(article.path, "http://x")[2].decode(encoding))


def test_truth_authors_editor_and_source_are_shown_on_the_page(wordpress_portal, dedecms_portal):
    for portal, encoding in ((wordpress_portal, "utf-8"), (dedecms_portal, "gbk")):
        for article in portal.live_articles:
            text = visible_text(page_of(portal, article, encoding))
            for shown in (*article.authors, article.editor, article.source):
                assert shown is None or shown in text, (article.path, shown)


def test_both_sites_have_reprints_whose_source_line_links_the_original(wordpress_portal, dedecms_portal):
    for portal, encoding in ((wordpress_portal, "utf-8"), (dedecms_portal, "gbk")):
        linked = [article for article in portal.live_articles if article.source_url]
        assert linked and any(article.source and not article.source_url for article in portal.live_articles)
        for article in linked:
            assert re.search(f"[来來]源[:：](?:</\\w+>)?<a href=['\"]{re.escape(article.source_url)}['\"][^>]*>{article.source}</a>",
                             page_of(portal, article, encoding)), article.path


def test_truth_description_is_the_pages_meta_description(wordpress_portal, dedecms_portal):
    for portal, encoding in ((wordpress_portal, "utf-8"), (dedecms_portal, "gbk")):
        for article in portal.live_articles:
            assert re.search(r'<meta name="description" content="([^"]*)"', page_of(portal, article, encoding)).group(1) == article.description


def test_truth_modified_is_the_pages_update_stamp(wordpress_portal, dedecms_portal):
    for article in wordpress_portal.live_articles:
        assert f'<meta property="article:modified_time" content="{article.modified}">' in page_of(wordpress_portal, article, "utf-8")
    stamped = [article for article in dedecms_portal.live_articles if article.modified]
    assert stamped and len(stamped) < len(dedecms_portal.live_articles)
    for article in stamped:
        shown = datetime.fromisoformat(article.modified).strftime("%Y-%m-%d %H:%M")
        assert f"更新时间:{shown}" in page_of(dedecms_portal, article, "gbk")


def test_an_anonymous_author_and_the_sites_own_work_are_no_truth(dedecms_portal):
    text = "".join(page_of(dedecms_portal, article, "gbk") for article in dedecms_portal.live_articles)
    assert "佚名" in text and "本站原创" in text
    assert not any("佚名" in article.authors or article.source == "本站原创" for article in dedecms_portal.articles)


def test_truth_images_are_the_pictures_the_pages_show_with_their_captions(wordpress_portal, dedecms_portal):
    for portal, encoding in ((wordpress_portal, "utf-8"), (dedecms_portal, "gbk")):
        assert any(article.images for article in portal.live_articles)
        for article in portal.live_articles:
            page = page_of(portal, article, encoding) + "".join(
                html.unescape(portal.response(later, "http://x")[2].decode(encoding)) for later in article.pages)
            for path, alt, caption in article.images:
                assert f'src="{path}"' in page or f'src="http://x{path}"' in page, (article.path, path)
                assert f'alt="{alt}"' in page and caption in visible_text(page), (article.path, caption)
