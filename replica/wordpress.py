"""Site A: a WordPress portal in the style of www.hjtdsm.com (UTF-8).

`build(articles, rng)` renders every page and returns a `model.Site` carrying
the ground truth and the awkward cases listed in the package docstring.
"""

from __future__ import annotations

import random
from datetime import timedelta
from html import escape
from urllib.parse import quote

from . import vocab
from .corpus import MARKER_WORDS, Article, Deck, carry_press_release, reprint_index, short_indices
from .model import BASE, WEEKDAYS, Page, Site, TruthArticle, cn_date

SITE_NAME = "杭吉干细胞"
SOFT_404_PATH = "/sc/zhiliao/99999.html"
#: The correction an edited article gains.
EDIT_NOTE = "更正:本文第二段中的随访时间已根据原文更正。"
PER_PAGE = 10
#: Templates the site can be shown in: its usual theme, and a redesign that moves the date
#: line into an unlabelled span under the article, renames the body wrapper and shows
#: 上一篇/下一篇 as icons.
THEMES = ("classic", "redesign")

HEADER = f"""<header id="masthead" class="site-header">
<div class="top-bar"><div class="container"><p class="slogan">即时推送国内外干细胞临床医学资讯,为细胞治疗普惠大众而努力!</p>
<ul class="contact"><li><span class="label">公司地址</span><br>中国,浙江,杭州</li>
<li><span class="label">联系我们</span><br>官方热线400-622-0089/Telegram:+86-139-6700-7000</li></ul></div></div>
<div class="site-branding"><a href="{BASE}/" rel="home"><img src="{BASE}/wp-content/uploads/logo.png" alt="{SITE_NAME}"></a></div>
<nav id="site-navigation" class="main-navigation"><ul id="primary-menu" class="menu">
<li class="menu-item"><a href="{BASE}/">首页</a></li>
""" + "".join(f'<li class="menu-item"><a href="{BASE}/{sec}/{cat}/">{label}</a></li>\n'
              for cat, (sec, label) in vocab.WP_CATEGORIES.items()) + "</ul></nav>\n</header>"

FOOTER = f"""<footer id="colophon" class="site-footer"><div class="site-info">
Copyright © 2026 {SITE_NAME} 版权所有 | <a href="https://beian.miit.gov.cn/" rel="nofollow">浙ICP备20000000号-1</a>
</div></footer>
<script src="{BASE}/wp-includes/js/jquery/jquery.min.js?ver=3.7.1" id="jquery-core-js"></script>"""


def _page(title: str, head_extra: str, body_class: str, main: str, sidebar: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} - {SITE_NAME}</title>
{head_extra}<link rel="stylesheet" id="hjt-style-css" href="{BASE}/wp-content/themes/hjt/style.css?ver=6.4.2" media="all">
</head>
<body class="{body_class}">
{HEADER}
<div id="content" class="site-content"><div class="container">
{main}
{sidebar}
</div></div>
{FOOTER}
</body>
</html>
"""


class _Renderer:
    def __init__(self, articles: list[Article], rng: random.Random, theme: str = "classic"):
        self.rng = rng
        self.theme = theme
        self.articles = articles
        self.ids: list[int] = []
        self.paths: list[str] = []
        self.categories: list[str] = []
        next_id = 59000 + rng.randint(0, 20)
        for a in articles:
            self.ids.append(next_id)
            next_id += rng.randint(5, max(6, 1380 // max(len(articles), 1)))
            cat = "zhengce" if a.topic == "policy" else rng.choice(("zhiliao", "zhiliao", "yizhi", "mscs"))
            self.categories.append(cat)
            self.paths.append(f"/{vocab.WP_CATEGORIES[cat][0]}/{cat}/{self.ids[-1]}.html")
        self.modified = [a.published + timedelta(days=rng.randint(0, 20), hours=rng.randint(0, 5))
                         for a in articles]

    # --- pieces -----------------------------------------------------------

    def breadcrumb(self, cat: str, tail: str = "正文") -> str:
        sec, label = vocab.WP_CATEGORIES[cat]
        sec_label = "干细胞" if sec == "sc" else "资讯"
        return (f'<div class="breadcrumbs">当前位置：<a href="{BASE}/">首页</a> &gt; '
                f'<a href="{BASE}/{sec}/">{sec_label}</a> &gt; '
                f'<a href="{BASE}/{sec}/{cat}/" rel="category tag">{label}</a> &gt; {tail}</div>')

    def sidebar(self, live: list[int]) -> str:
        recent = "".join(f'<li><a href="{BASE}{self.paths[i]}">{escape(self.articles[i].title)}</a></li>'
                         for i in reversed(live[-5:]))
        tags = "".join(f'<a href="{BASE}/tag/{quote(w)}/" class="tag-cloud-link">{w}</a> '
                       for w in self.tags())
        # Longer than a short article: its excerpts read as prose, as a theme's 热门文章 box does.
        hot = "".join(f'<li><a href="{BASE}{self.paths[i]}">{escape(self.articles[i].title)}</a>'
                      f"<p>{escape(self.articles[i].first_paragraph()[:80])}…</p></li>" for i in live[:6])
        return (f'<aside id="secondary" class="widget-area sidebar">\n<section class="widget widget_recent_entries">'
                f'<h2 class="widget-title">最新文章</h2><ul>{recent}</ul></section>\n'
                f'<section class="widget widget_hot_entries"><h2 class="widget-title">热门文章</h2><ul>{hot}</ul></section>\n'
                f'<section class="widget widget_tag_cloud"><h2 class="widget-title">标签</h2>'
                f'<div class="tagcloud">{tags}</div></section>\n</aside>')

    def tags(self) -> list[str]:
        return [w for w in MARKER_WORDS if any(w in a.keywords() for a in self.articles)]

    def body(self, a: Article, ref_style: str, strong_label: bool) -> str:
        out = []
        for block in a.blocks:
            kind = block[0]
            if kind == "p":
                out.append(f"<p>{block[1]}</p>")
            elif kind == "h":
                out.append(f'<h{block[1]} class="wp-block-heading">{escape(block[2])}</h{block[1]}>')
            elif kind == "ul":
                out.append('<ul class="wp-block-list">' + "".join(f"<li>{i}</li>" for i in block[1]) + "</ul>")
            else:
                out.append(f'<figure class="wp-block-image size-large"><img decoding="async" src="{BASE}{block[1]}"'
                           f' alt="{escape(block[2])}"><figcaption class="wp-element-caption">'
                           f"{escape(block[2])}</figcaption></figure>")
        if a.references:
            heading = a.reference_heading
            out.append(f"<h3>{heading}</h3>" if ref_style == "ol" else f"<p><strong>{heading}</strong></p>")
            if ref_style == "ol":
                out.append('<ol class="references">' + "".join(f"<li>{r.html}</li>" for r in a.references) + "</ol>")
            else:
                out.extend(f"<p>[{k}]:{r.html}</p>" for k, r in enumerate(a.references, 1))
        if a.disclaimer:
            label, _, rest = a.disclaimer.partition(a.disclaimer[4])  # label is 4 chars + colon
            out.append(f"<p><strong>{label}{a.disclaimer[4]}</strong>{rest}</p>" if strong_label
                       else f"<p>{a.disclaimer}</p>")
        return "\n".join(out)

    def reprinted_from(self, i: int) -> tuple[str, str | None] | None:
        """The outlet (and the original's URL) a reprinted post names: every third post."""
        if i % 3 != 1:
            return None
        name, link = vocab.WP_REPRINTED_FROM[i // 3 % len(vocab.WP_REPRINTED_FROM)]
        return name, link.format(self.ids[i]) if link else None

    def description(self, i: int) -> str:
        """The post's meta description, as an SEO plugin writes it: the start of its text."""
        return self.articles[i].first_paragraph()[:80]

    def byline(self, i: int) -> str:
        """The author's link under the headline, and the 来源 of a reprint."""
        name, slug = vocab.WP_AUTHOR
        html = (f'<div class="entry-byline"><span class="byline">作者：<span class="author vcard">'
                f'<a class="url fn n" href="{BASE}/author/{slug}/">{name}</a></span></span>')
        reprint = self.reprinted_from(i)
        if reprint:
            outlet, link = reprint
            shown = f'<a href="{escape(link)}" target="_blank" rel="nofollow">{outlet}</a>' if link else outlet
            html += f' <span class="source">来源：{shown}</span>'
        return html + "</div>"

    def nav(self, i: int, href_of) -> tuple[str, list[str]]:
        parts, hrefs = [], []
        for j, css, rel in ((i - 1, "nav-previous", "prev"), (i + 1, "nav-next", "next")):
            if not 0 <= j < self.published_count:
                continue  # WordPress just omits the side with no neighbour
            href = href_of(i, j)
            hrefs.append(href)
            when = cn_date(self.articles[j].published)
            if self.theme == "redesign":
                icon = "上一篇" if rel == "prev" else "下一篇"
                parts.append(f'<p class="pn-{rel}"><img src="{BASE}/img/{rel}.png" alt="{icon}"> <a href="{escape(href)}">'
                             f'{escape(self.articles[j].title)}</a> <em>{when}</em></p>')
                continue
            meta = f"« 上一篇 {when}" if rel == "prev" else f"下一篇 » {when}"
            parts.append(f'<div class="{css}"><a href="{escape(href)}" rel="{rel}"><span class="post-title">'
                         f'{escape(self.articles[j].title)}</span><span class="meta-nav">{meta}</span></a></div>')
        if self.theme == "redesign":
            return '<div class="art-pager">' + "\n".join(parts) + "</div>", hrefs
        html = ('<nav class="navigation post-navigation" aria-label="文章">\n<h2 class="screen-reader-text">文章导航</h2>\n'
                '<div class="nav-links">' + "\n".join(parts) + "</div>\n</nav>")
        return html, hrefs

    def article_page(self, i: int, own_date: str | None, nav_html: str, live: list[int], deck: Deck) -> str:
        a, pid = self.articles[i], self.ids[i]
        stamp = a.published.isoformat()
        head = f'<link rel="canonical" href="{BASE}{self.paths[i]}">\n<link rel="shortlink" href="{BASE}/?p={pid}">\n'
        head += f'<meta property="og:title" content="{escape(a.title)}">\n<meta property="og:type" content="article">\n'
        head += f'<meta name="description" content="{escape(self.description(i))}">\n'
        head += f'<meta property="article:modified_time" content="{self.modified[i].isoformat()}">\n'
        meta_line, footer_date = "", ""
        if own_date and self.theme == "redesign":
            # Below the article, far from the headline, with no label and no date class.
            footer_date = f"<span>{cn_date(a.published)}</span> "
        elif own_date == "meta":
            head += f'<meta property="article:published_time" content="{stamp}">\n'
        elif own_date == "time":
            meta_line = (f'<div class="entry-meta"><span class="posted-on"><time class="entry-date published" '
                         f'datetime="{stamp}">{cn_date(a.published)}</time></span></div>')
        elif own_date == "visible":
            meta_line = (f'<div class="post-info"><span>发布时间:{cn_date(a.published)} '
                         f'{WEEKDAYS[a.published.weekday()]}</span></div>')
        tags = " ".join(f'<a href="{BASE}/tag/{quote(w)}/" rel="tag">{w}</a>' for w in sorted(a.keywords()))
        main = f"""<div id="primary" class="content-area">{self.breadcrumb(self.categories[i])}
<main id="main" class="site-main">
<article id="post-{pid}" class="post-{pid} post type-post status-publish format-standard hentry category-{self.categories[i]}">
<header class="entry-header"><h1 class="entry-title">{escape(a.title)}</h1>{meta_line}{self.byline(i)}</header>
<div class="{'art-txt' if self.theme == 'redesign' else 'entry-content'}">
{self.body(a, deck.draw(), self.rng.random() < 0.5)}
</div>
<footer class="entry-footer">{footer_date}<span class="tags-links">标签：{tags}</span></footer>
</article>
{nav_html}
</main></div>"""
        return _page(a.title, head, f"post-template-default single single-post postid-{pid}", main, self.sidebar(live))

    def listing(self, heading: str, crumb: str, items: list[int], base_path: str, extra_first: str = "") -> dict:
        pages = {}
        chunks = [items[k:k + PER_PAGE] for k in range(0, len(items), PER_PAGE)] or [[]]
        for n, chunk in enumerate(chunks, 1):
            entries = [extra_first] if (n == 1 and extra_first) else []
            for i in chunk:
                a = self.articles[i]
                entries.append(f'<article class="post excerpt"><h2 class="entry-title"><a href="{BASE}{self.paths[i]}" '
                               f'rel="bookmark">{escape(a.title)}</a></h2><div class="entry-meta"><span class="date">'
                               f'{cn_date(a.published)}</span></div><div class="entry-summary"><p>'
                               f"{escape(a.first_paragraph()[:60])}…</p></div></article>")
            pager = " ".join(f'<span class="page-numbers current">{k}</span>' if k == n else
                             f'<a class="page-numbers" href="{BASE}{quote(base_path)}{"" if k == 1 else f"page/{k}/"}">{k}</a>'
                             for k in range(1, len(chunks) + 1))
            if n < len(chunks):
                pager += f' <a class="next page-numbers" href="{BASE}{quote(base_path)}page/{n + 1}/">下一页 »</a>'
            main = (f'<div id="primary" class="content-area">{crumb}<main id="main" class="site-main">'
                    f'<header class="page-header"><h1 class="page-title">{heading}</h1></header>\n'
                    + "\n".join(entries) + f'\n<nav class="navigation pagination"><div class="nav-links">{pager}'
                    f"</div></nav></main></div>")
            path = base_path if n == 1 else f"{base_path}page/{n}/"
            pages[path] = Page(body=_page(heading, "", "archive category", main, self.sidebar(self.live)),
                               last_modified=max((self.modified[i] for i in chunk), default=None))
        return pages


def build(articles: list[Article], rng: random.Random, unpublished: int = 0, edited: tuple[int, ...] = (),
          theme: str = "classic") -> Site:
    """Render the site. ``unpublished`` newest articles are not on the site yet (the same
    site before they were posted); each article index in ``edited`` carries a correction
    and a later modification time (the same site after an edit). Both leave every other
    byte of every other article as it is, so a test can show a site before and after.
    ``theme`` "redesign" shows the same articles in a changed template (``THEMES``)."""
    n = len(articles)
    if n < 10 + unpublished:
        raise ValueError("the WordPress replica needs at least 10 published articles to place every awkward case")
    r = _Renderer(articles, rng, theme)
    r.published_count = n - unpublished
    deleted, shortlink_from, utm_from, private_in = n // 2, 2, n - 5, 1
    r.live = live = [i for i in range(r.published_count) if i != deleted]
    for i in edited:
        articles[i].blocks.append(("p", EDIT_NOTE))
        r.modified[i] = articles[-1].published + timedelta(days=1)
    own_forms = Deck(rng, ("meta", "time", "visible"))
    reprinted = reprint_index(articles, {deleted, shortlink_from, shortlink_from + 1, utm_from, utm_from - 1, private_in, *edited})
    carry_press_release(articles, reprinted, reprint=False)
    candidates = [i for i in range(n) if i not in (deleted, shortlink_from + 1, utm_from - 1)]
    own = {i: own_forms.draw() for i in rng.sample(candidates, 4)}
    for a in articles:
        a.disclaimer = None if rng.random() < 0.08 else vocab.WP_DISCLAIMERS[rng.random() < 0.25]
        if a.index in short_indices(n):
            a.disclaimer = None  # a 快讯 goes out as it is, without the site's long disclaimer
    private_path = f"/private/{r.ids[private_in] + 3}.html"
    articles[private_in].blocks.insert(2, ("p", f'内部培训资料可参阅<a href="{BASE}{private_path}">《细胞制剂质量检测内部手册》</a>。'))

    def href_of(i: int, j: int) -> str:
        if i == shortlink_from and j == i + 1:
            return f"{BASE}/?p={r.ids[j]}"
        if i == utm_from and j == i - 1:
            return f"{BASE}{r.paths[j]}?utm_source=wechat&utm_medium=share"
        return f"{BASE}{r.paths[j]}"

    pages: dict[str, Page] = {}
    nav_links: dict[str, list[str]] = {}
    truth: list[TruthArticle] = []
    ref_styles = Deck(rng, ("p", "p", "ol"))
    for i, a in enumerate(articles):
        if i >= r.published_count:
            # Rendered all the same, so that the random draws match the later site's.
            r.article_page(i, own.get(i), "", live, ref_styles)
            continue
        form = own.get(i)
        published = a.published.isoformat() if form in ("meta", "time") else a.published.date().isoformat()
        truth.append(TruthArticle(
            path=r.paths[i], title=a.title, category=vocab.WP_CATEGORIES[r.categories[i]][1], published=published,
            has_own_date=form is not None, first_paragraph=a.first_paragraph(), disclaimer=a.disclaimer,
            dois=frozenset(a.dois), pmids=frozenset(a.pmids), pmcids=frozenset(a.pmcids),
            reference_count=len(a.references), deleted=i == deleted, keywords=a.keywords(), trials=frozenset(a.trials),
            authors=(vocab.WP_AUTHOR[0],), source=(r.reprinted_from(i) or (None, None))[0],
            source_url=(r.reprinted_from(i) or (None, None))[1], modified=r.modified[i].isoformat(), description=r.description(i),
            images=a.images()))
        if i == deleted:
            continue  # no page, no shortlink: both answer 404
        nav_html, nav_links[r.paths[i]] = r.nav(i, href_of)
        pages[r.paths[i]] = Page(body=r.article_page(i, form, nav_html, live, ref_styles),
                                 last_modified=r.modified[i])
        pages[f"/?p={r.ids[i]}"] = Page(status=301, location=f"{BASE}{r.paths[i]}", body="")

    newest_first = list(reversed(live))
    soft_entry = (f'<article class="post excerpt"><h2 class="entry-title"><a href="{BASE}{SOFT_404_PATH}">'
                  f"干细胞治疗渐冻症(ALS)最新临床进展汇总</a></h2></article>")
    for cat, (sec, label) in vocab.WP_CATEGORIES.items():
        items = [i for i in newest_first if r.categories[i] == cat]
        pages.update(r.listing(f"分类：{label}", r.breadcrumb(cat, label), items, f"/{sec}/{cat}/",
                               soft_entry if cat == "zhiliao" else ""))
    home = r.listing("最新资讯", "", newest_first[:PER_PAGE], "/")
    pages["/"] = home["/"]
    for word in r.tags():
        items = [i for i in newest_first if word in articles[i].keywords()]
        pages.update(r.listing(f"标签：{word}", "", items, f"/tag/{word}/"))
    pages[SOFT_404_PATH] = Page(body=_page("页面不存在", "", "error404", '<main id="main" class="site-main"><section '
                                           'class="error-404 not-found"><h1 class="page-title">404 页面不存在</h1>'
                                           "<p>抱歉,您访问的页面不存在或已被删除。</p></section></main>", ""))
    pages[private_path] = Page(body=_page("细胞制剂质量检测内部手册", "", "private", '<main id="main"><article>'
                                          '<h1 class="entry-title">细胞制剂质量检测内部手册</h1><div class="entry-content">'
                                          "<p>本页面仅供内部员工查阅,请勿转载。</p></div></article></main>", ""))
    pages["/robots.txt"] = Page(body=f"User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n"
                                     f"Disallow: /private/\n\nSitemap: {BASE}/sitemap.xml\n",
                                content_type="text/plain; charset=utf-8")
    # lastmod is the MODIFIED date, deliberately not the publication date.
    urls = [f"<url><loc>{BASE}/</loc></url>"] + [
        f"<url><loc>{BASE}{r.paths[i]}</loc><lastmod>{r.modified[i].date().isoformat()}</lastmod></url>"
        for i in newest_first]
    pages["/sitemap.xml"] = Page(body='<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/'
                                      'schemas/sitemap/0.9">\n' + "\n".join(urls) + "\n</urlset>\n",
                                 content_type="application/xml; charset=UTF-8")
    not_found = Page(status=404, body=_page("未找到页面", "", "error404", '<main id="main"><section class="error-404">'
                                            '<h1 class="page-title">抱歉,页面未找到</h1></section></main>', ""))
    awkward = {
        "deleted": r.paths[deleted],
        "shortlink_from": r.paths[shortlink_from], "shortlink": f"/?p={r.ids[shortlink_from + 1]}",
        "tracking_query_from": r.paths[utm_from], "private_link_from": r.paths[private_in],
        "private": private_path, "soft_404": SOFT_404_PATH, "soft_404_from": "/sc/zhiliao/",
        "tag": f"/tag/{quote('哮喘')}/",
    }
    awkward.update({f"own_date_{form}": r.paths[i] for i, form in own.items()})
    if reprinted is not None:
        awkward["press_release"] = r.paths[reprinted]
    return Site(pages, truth, nav_links, not_found, ("/wp-admin/", "/private/"), awkward)
