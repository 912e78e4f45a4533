"""Property-based tests: random and mutated HTML into every extraction function.

No exception escapes, and what comes out keeps its promises (sanitised HTML carries no
script, dates are ISO 8601, URLs are http(s) without fragments).
"""

import re
from datetime import datetime, timezone
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from parsel import Selector

from crawler.extraction.article import extract_article, extract_own_date, extract_title, find_body_container
from crawler.extraction.dates import find_date_text, normalize_date
from crawler.extraction.navigation import find_neighbours
from crawler.extraction.references import dois_in_urls, find_dois, find_pmcids, find_pmids, normalize_doi, parse_references, split_reference_entries
from archive.sanitize import sanitize_html
from crawler.extraction.text import better_encoding, block_lines, looks_garbled
from crawler.extraction.urls import absolute_url, canonical_url, clean_url, looks_like_listing, origin
from crawler.page import sanitized

PAGES = {path.name: path.read_bytes() for path in sorted((Path(__file__).parent / "pages").glob("*.html"))}
BASE = "http://127.0.0.1:8731/sc/zhiliao/59017.html"
NOW = datetime(2026, 2, 10, 4, 0, tzinfo=timezone.utc)
#: An attribute that runs script: an event handler, or a javascript: URL (entities and case aside).
RUNNABLE_ATTRIBUTE = re.compile(r"<[^>]*(\son[a-z]+\s*=|\s(href|src|action|formaction|xlink:href|data|srcdoc|style)\s*=\s*[\"']?\s*(javascript|vbscript|data):)", re.I)
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2})?$")
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# --- strategies ------------------------------------------------------------------------------

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
WORDS = st.sampled_from([
    "上一篇", "下一篇", "没有了", "上篇", "下篇", "发布时间：", "时间:", "2026年2月2日", "2025-12-03 14:20", "二〇二六年二月二日",
    "3天前", "昨天 14:30", "刚刚", "参考文献", "免责声明：", "doi:10.1177/0963689724131234", "PMID: 12345678", "PMC1234567",
    "[1]", "【2】", "1.", "«", "»", "：", "\u3000", "\ufeff", "\ufffd", "\x00", "&nbsp;", "&#x3c;script&#x3e;", "<!--", "-->", "<![CDATA[",
    "𠮷", "䶮", "哮喘", "javascript:alert(1)", "1900-01-01", "9999-12-31", "2026年13月45日", "0000-00-00T99:99",
])
TEXT = st.lists(st.one_of(WORDS, st.text(CJK, max_size=12), st.text(max_size=12)), max_size=8).map("".join)
TAGS = st.sampled_from([
    "div", "p", "span", "a", "h1", "h2", "h3", "article", "section", "ul", "ol", "li", "br", "table", "tr", "td", "strong",
    "script", "style", "iframe", "svg", "math", "img", "time", "meta", "link", "title", "head", "body", "html", "noscript",
    "template", "nav", "footer", "form", "object", "textarea", "select", "option", "frameset", "base",
])
ATTRIBUTES = st.tuples(
    st.sampled_from(["class", "id", "href", "src", "rel", "property", "name", "content", "datetime", "itemprop", "onerror",
                     "onload", "style", "type", "http-equiv", "title", "srcdoc", "xlink:href", "formaction"]),
    st.one_of(
        st.sampled_from(["entry-content", "post-navigation", "nav-previous", "nav-next", "breadcrumb", "canonical", "prev",
                         "next", "article:published_time", "datePublished", "javascript:alert(1)", "//evil.example/x",
                         "/a/1.html", "http://[::1", "http://%zz", "mailto:a@b", "#top", "application/ld+json", "refresh",
                         "0;url=javascript:alert(1)", "expression(alert(1))", "category tag"]),
        TEXT,
    ),
)


@st.composite
def elements(draw, depth=0):
    tag = draw(TAGS)
    attrs = "".join(f' {name}="{value.replace(chr(34), "&quot;")}"' for name, value in draw(st.lists(ATTRIBUTES, max_size=3)))
    if depth >= 3:
        children = draw(st.lists(TEXT, max_size=2))
    else:
        children = draw(st.lists(st.one_of(TEXT, elements(depth + 1)), max_size=4))
    closing = draw(st.sampled_from([f"</{tag}>", "", f"</{tag}", "</div>"]))
    return f"<{tag}{attrs}>" + "".join(children) + closing


HTML = st.lists(elements(), min_size=0, max_size=6).map(lambda parts: "<!DOCTYPE html><html>" + "".join(parts))


@st.composite
def mutated_page(draw):
    """A saved real page, truncated, with bytes flipped or spans deleted, decoded leniently."""
    name = draw(st.sampled_from(sorted(PAGES)))
    data = bytearray(PAGES[name])
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["flip", "delete", "truncate", "duplicate"]))
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[at] ^= draw(st.integers(1, 255))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 2000))]
        elif kind == "truncate":
            del data[at:]
        else:
            data[at:at] = data[at : at + draw(st.integers(1, 500))]
    encoding = "gb18030" if "gbk" in name else "utf-8"
    text = bytes(data).decode(encoding, errors="replace")
    if draw(st.booleans()):  # delete a random tag name's every occurrence (<body>, <head>, </div> ...)
        tag = draw(st.sampled_from(["body", "head", "html", "div", "p", "a", "title", "h1", "ol", "li"]))
        text = re.sub(rf"</?{tag}\b[^>]*>", "", text)
    return text


ANY_HTML = st.one_of(HTML, mutated_page(), st.text(max_size=300))


# --- the properties ---------------------------------------------------------------------------


def check_article(html: str) -> None:
    root = Selector(text=html).root if html.strip() else Selector(text="<html></html>").root
    page = extract_article(Selector(text=html or " "), BASE)
    find_neighbours(root, BASE)
    extract_own_date(root)
    extract_title(root)
    find_body_container(root)
    canonical_url(root, BASE)
    block_lines(root)
    if page is None:
        return
    assert page.title and page.body
    stored = sanitized(page).body_html  # what the page step stores of the body's HTML
    assert "<script" not in stored.lower() and not RUNNABLE_ATTRIBUTE.search(stored)
    assert not looks_garbled(page.body)
    assert page.url.startswith(("http://", "https://")) and "#" not in page.url
    for link in page.neighbours:
        assert link.rel in ("prev", "next")
        assert link.url is None or link.url.startswith(("http://", "https://"))
    for href in page.body_hrefs + page.reference_hrefs:
        assert href.startswith(("http://", "https://"))
    parse_references(page.reference_texts, page.reference_hrefs)
    if page.published_raw:
        check_date(page.published_raw)


def check_date(text: str) -> None:
    found = find_date_text(text)
    assert found is None or found in text
    for raw in (text, found):
        result = normalize_date(raw, now=NOW)
        if result is not None:
            assert ISO.match(result.iso), result
            assert "1990-01-01" <= result.iso[:10] <= "2026-02-11"


@FUZZ
@given(ANY_HTML)
def test_extraction_never_raises(html):
    check_article(html)


@FUZZ
@given(mutated_page())
def test_mutated_real_pages_never_raise(html):
    check_article(html)


@FUZZ
@given(st.one_of(TEXT, st.text(max_size=80)))
def test_dates_never_raise_and_are_iso_in_range(text):
    check_date(text)


@FUZZ
@given(st.one_of(TEXT, st.text(max_size=200)), st.lists(st.one_of(TEXT, st.text(max_size=60)), max_size=6))
def test_reference_parsing_never_raises(text, lines):
    for doi in find_dois(text) + dois_in_urls([text, *lines]):
        assert doi == doi.lower() and doi.startswith("10.")
    normalize_doi(text)
    find_pmids(text)
    assert all(p.startswith("PMC") for p in find_pmcids(text))
    entries = split_reference_entries(lines)
    records = parse_references(lines, [text])
    assert len(records) == len(entries)
    assert [r["position"] for r in records] == list(range(1, len(records) + 1))


@FUZZ
@given(ANY_HTML)
def test_sanitised_html_carries_nothing_that_runs(html):
    clean = sanitize_html(html).lower()
    for marker in ("<script", "<iframe", "<svg", "<math", "<style", "<object", "<embed", "<form", "<base", "<meta"):
        assert marker not in clean, clean
    assert not RUNNABLE_ATTRIBUTE.search(clean), clean
    assert sanitize_html(clean) == clean or sanitize_html(sanitize_html(clean)) == sanitize_html(clean)


@FUZZ
@given(st.one_of(st.text(max_size=80), st.sampled_from(["http://[::1", "http://%zz/", "HTTP://EXAMPLE.COM/a?utm_source=x#f", "//x/y",
                                                     "javascript:alert(1)", " mailto:a@b ", "http://a/b?spm=1&id=2", "http://:80/",
                                                     "http://a:99999/", "http://a:port/", "[", "http://]/"])))
def test_urls_never_raise(href):
    """What a page links to is untrusted: a followable URL or None, never an exception; and
    what ``absolute_url`` returns, ``clean_url``/``origin``/``looks_like_listing`` can read."""
    url = absolute_url(href, BASE)
    assert url is None or url.startswith(("http://", "https://"))
    if url is not None:
        assert clean_url(url).startswith(("http://", "https://"))
        origin(url)
        looks_like_listing(url)


@FUZZ
@given(st.binary(max_size=400), st.sampled_from(["utf-8", "gbk", "gb18030", "iso-8859-1", "ascii", "bogus-charset", None]))
def test_better_encoding_never_raises(body, declared):
    encoding = better_encoding(body, declared)
    if encoding is not None:
        body.decode(encoding)
