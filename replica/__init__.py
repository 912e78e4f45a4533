"""Local replicas of the portals we crawl, with ground truth, for tests.

    from replica import build_portal, serve
    portal = build_portal("wordpress", n=24, seed=1)
    with serve(portal) as site:          # site.url == "http://127.0.0.1:PORT"
        ...crawl site.url...
        assert {a.path for a in portal.live_articles} == stored_paths
        assert not site.requested_paths() & portal.robots_disallowed

Modules: `corpus` (seeded article generator), `vocab` (word tables),
`wordpress` (site A), `dedecms` (site B), `trs` (site C), `phpcms` (site D),
`chains` (pieces of the sites whose sections each have a chain), `model` (Page/TruthArticle/Site),
`portal` (`build_portal`, `Portal`), `server` (`serve`, `serve_all`, `ReplicaServer`, CLI:
``python -m replica.server --style dedecms --articles 12``).

Ground truth (`portal.articles`, oldest first, one `TruthArticle` each):
`path` canonical path; `title` exact visible title; `category` label as shown
in the breadcrumb; `published` ISO 8601 (``2026-02-02`` when only a date is
known, ``2025-12-03T14:20:00+08:00`` when a time is carried anywhere for that
article: meta, ``<time datetime>`` or a visible time); `has_own_date`;
`first_paragraph` visible text of the first body ``<p>``, ``str.strip()``-ed
(so DedeCMS's leading ``　　`` indent is not part of it, a ``<sup>[1]</sup>``
is); `disclaimer` exact text incl. label, or None; `dois` lower-cased, from
text *and* hrefs (doi.org links, journal article URLs); `pmids` incl. PubMed
hrefs; `pmcids`; `reference_count`; `deleted`; `keywords` (which of
`corpus.MARKER_WORDS` the text contains); `traditional`; what the page says of
itself: `authors` (WordPress: the byline's user; DedeCMS: the ``作者:`` of the
info line, none for ``佚名``, the login ``admin`` and the desk ``编辑部``), `editor` (DedeCMS: a ``（责任编辑：王芳）`` line
after the content, on every other article), `source` (the outlet of a ``来源``
line: every third WordPress post is a reprint naming 新华网, 健康时报 or 人民网;
DedeCMS names one on each page: 新华网 as WordPress does, the site itself (细胞资讯网), none for
``本站原创``), `source_url` (when that
line links the original), `modified` (WordPress ``article:modified_time``,
DedeCMS's ``更新时间:`` stamp), `description` (the meta description) and `images` (each body
picture's path, alt text and caption, on whichever page of the article it stands).
`portal.awkward` maps each case below to the path that shows it.

Site A, WordPress (UTF-8, absolute links, like www.hjtdsm.com):
 1. Deleted article mid-chain (``awkward["deleted"]``): neighbours link to it
    and show its title/date; it and its ``/?p=ID`` answer 404. A crawl that
    follows only prev/next from one side cannot pass it: see
    `portal.reachable_from(path)`. Its truth record has ``deleted=True``.
 2. Shortlink (``awkward["shortlink_from"]``): that page's next link is
    ``/?p=ID``, which 301-redirects to the canonical URL. Every article page
    also carries ``<link rel="shortlink">``.
 3. Tracking duplicate (``awkward["tracking_query_from"]``): its prev link
    carries ``?utm_source=wechat&utm_medium=share``; the server ignores the
    query and the page's rel=canonical has none.
 4. robots.txt ``Disallow: /private/``; ``awkward["private_link_from"]``
    links in its body to ``awkward["private"]``, which answers 200 but must
    never be requested (`portal.robots_disallowed`).
 5. Non-articles that link to articles: home ``/``, category listings
    ``/sc/zhiliao/`` (+ ``page/N/``), ``/sc/yizhi/``, ``/sc/mscs/``,
    ``/zixun/zhengce/``, tag pages ``/tag/%E5%93%AE%E5%96%98/`` (links are
    percent-encoded), ``/sitemap.xml`` (whose ``lastmod`` is the *modified*
    date, not the publication date), sidebar 最新文章 and tag cloud. The sidebar's
    热门文章 box of excerpts is longer than a short article's text.
 6. Soft 404: ``/sc/zhiliao/99999.html`` is linked from ``/sc/zhiliao/`` and
    answers 200 with a ``404 页面不存在`` page.
 7. Dates: most articles show no date of their own; their date is only the
    ``« 上一篇 2026年2月2日`` / ``下一篇 » ...`` text beside links to them on
    neighbours' pages (and listings). Four show one: ``article:published_time``
    meta, ``<time datetime>``, or a visible ``发布时间:2026年1月5日 星期一``
    (``awkward["own_date_*"]``). ``Last-Modified`` is the modified time;
    ``If-Modified-Since`` gets 304.
 8. The reference list is either ``<p>[1]:...</p>`` paragraphs or an
    ``<ol>``; the disclaimer label is sometimes in ``<strong>``.

Site B, DedeCMS (GBK bytes, charset only in a gb2312 meta tag):
 1. Charset: header ``Content-Type: text/html`` without charset; meta says
    gb2312; ``awkward["gbk_title"]`` has 喆/堃, which GB2312 lacks.
 2. Chain ends: ``上一篇:没有了`` on the oldest, ``下一篇:没有了`` on the
    newest; links are root-relative; colons ASCII or full-width.
 3. Dates in ``<div class="info">`` in 8 forms: ``2025-12-03 14:20``, with
    seconds, ``2025-11-20``, ``2025年11月25日``, ``2025/11/25``,
    ``2025.11.20``, full-width ``２０２５年１１月２日``, and publication beside
    a later ``更新时间`` (truth is the publication date).
 4. No rel=canonical on ``awkward["no_canonical_*"]``.
 5. Traditional pages ``awkward["traditional_*"]``: partly converted text
    (as crude converters do), ``沒有了``, ``免責聲明：``, ``發佈時間：``,
    ``當前位置``; the truth holds the converted strings.
 6. Headings as bold paragraphs, lists as ``●`` paragraphs, references either
    one ``<p>`` each (``[1]`` or ``1.``) or all in one ``<p>`` split by ``<br />``.

Site C, TRS-style government health site (``build_portal("trs", ...)``; GBK bytes
labelled gb2312, ``text/html`` without charset, no robots.txt, no sitemap): articles
``/xwzx/<section>/YYYYMM/tYYYYMMDD_ID.shtml`` with relative links, one chain per section,
listings ``index.shtml``/``index_N.shtml`` (one pager of links, one written by
``createPageHTML``), ``awkward["deleted"]`` with three newer articles behind it
(``awkward["behind_deleted"]``), the second section linked only from the home page; each
article's ``来源：`` line names the site itself (its truth `source`).

Site D, PHPCMS hospital site (``build_portal("phpcms", ...)``, UTF-8): articles
``/show-CAT-ID-1.html``, listings ``/list-CAT-N.html`` with the ``#pages`` pager, one
chain per category, ``awkward["deleted"]`` with two newer articles behind it.

Corpus (all sites): DOIs written as ``doi: X.``, ``DOI：X``, only in a
``https://doi.org/X`` href, ``DOI:<br>X``, glued ``文献标志码:ADOI:X``, in a
journal URL ``.../article/doi/X?viewType=HTML``, ``(DOI X)``; DOIs with
parentheses ``10.1016/S0140-6736(25)01234-5`` and upper case; body numbers
like ``1.0×10^6/kg`` and ``10.5×10^6/kg`` that are not DOIs; about a quarter
of the articles have no references. Short articles (``corpus.short_indices``: the
chain's two ends and one past its middle): a one-line 快讯, or a one-paragraph
notice citing a DOI, without references.
"""

from .model import TruthArticle
from .portal import Portal, build_portal


def __getattr__(name):
    # Imported lazily so `python -m replica.server` does not find the
    # module already loaded by the package (runpy warns about that).
    if name in ("serve", "ReplicaServer"):
        from . import server

        return getattr(server, name)
    raise AttributeError(name)


__all__ = ["Portal", "ReplicaServer", "TruthArticle", "build_portal", "serve"]
