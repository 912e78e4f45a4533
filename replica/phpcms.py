"""Site D: a hospital news site on PHPCMS v9 with pseudo-static URLs.

UTF-8; articles at ``/show-{catid}-{id}-1.html``; each category's listing at
``/list-{catid}-1.html``, ``/list-{catid}-2.html`` with PHPCMS' ``#pages`` pager (page
numbers, ``上一页``/``下一页``); root-relative links; a robots.txt naming no sitemap and
no sitemap. Each category has its own 上一篇/下一篇 chain; one article of the first
category is deleted (404) with two newer ones behind it. The menu links both listings.
"""

from __future__ import annotations

import random
from html import escape

from .corpus import Article
from .dedecms import _content
from .chains import chain_block, dated_truth
from .model import Page, Site

SITE_NAME = "市第一人民医院"
PER_PAGE = 5
#: catid -> category name.
CATEGORIES = {6: "医院动态", 7: "健康科普"}
BEHIND_DELETED = 2
ROBOTS = "User-agent: *\nDisallow: /caches\nDisallow: /phpcms\nDisallow: /install\nDisallow: /phpsso_server\nDisallow: /api\n"


def _shell(title: str, main: str) -> str:
    menu = "".join(f'<li><a href="/list-{catid}-1.html">{name}</a></li>' for catid, name in CATEGORIES.items())
    return f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8" />
<title>{escape(title)}</title>
<meta name="generator" content="PHPCMS v9" />
</head>
<body>
<div class="header"><div class="logo"><a href="/">{SITE_NAME}</a></div>
<div class="nav"><ul><li><a href="/">网站首页</a></li>{menu}<li><a href="/index.php?m=guestbook">在线留言</a></li></ul></div></div>
<div class="main">
{main}
</div>
<div class="footer"><p>Copyright &copy; 2025 {SITE_NAME} Powered by PHPCMS</p></div>
</body>
</html>
"""


def _pager(catid: int, number: int, total: int, count: int) -> str:
    """PHPCMS' ``#pages`` block: the article count, previous, page numbers, next."""
    name = [f"/list-{catid}-{k}.html" for k in range(1, total + 1)]
    parts = [f'<a class="a1">{count}条</a>', f'<a href="{name[max(number - 2, 0)]}" class="a1">上一页</a>']
    parts += [f"<span>{k}</span>" if k == number else f'<a href="{name[k - 1]}">{k}</a>' for k in range(1, total + 1)]
    parts.append(f'<a href="{name[min(number, total - 1)]}" class="a1">下一页</a>')
    return '<div id="pages" class="text-c">' + " ".join(parts) + "</div>"


def build(articles: list[Article], rng: random.Random) -> Site:
    n = len(articles)
    if n < 12:
        raise ValueError("the PHPCMS replica needs at least 12 articles")
    first = 100 + rng.randint(0, 30)
    ids = [first + 2 * k for k in range(n)]  # the other ids are pages and downloads
    cats = [7 if i % 3 == 2 else 6 for i in range(n)]
    paths = [f"/show-{cat}-{ids[i]}-1.html" for i, cat in enumerate(cats)]
    chains = {cat: [i for i in range(n) if cats[i] == cat] for cat in CATEGORIES}
    deleted = chains[6][-1 - BEHIND_DELETED]
    pages, nav_links, truth = {}, {}, []
    for cat, chain in chains.items():
        for position, i in enumerate(chain):
            a = articles[i]
            truth.append(dated_truth(a, paths[i], CATEGORIES[cat], i == deleted))
            if i == deleted:
                continue
            links, items = chain_block(chain, position, articles, paths, str)
            nav_links[paths[i]] = links
            main = f"""<div class="crumbs"><a href="/">首页</a><span> &gt; </span><a href="/list-{cat}-1.html">{CATEGORIES[cat]}</a> &gt; 正文</div>
<div id="Article">
<h1>{escape(a.title)}<br /><span>{a.published:%Y-%m-%d %H:%M:%S}&nbsp;&nbsp;&nbsp;来源：本站&nbsp;&nbsp;&nbsp;评论：<a href="#comment">0</a> 点击：</span></h1>
<div class="content">
{chr(10).join(_content(a, rng, ""))}
</div>
<div class="pre_next">{items}</div>
</div>"""
            pages[paths[i]] = Page(body=_shell(f"{a.title} - {CATEGORIES[cat]} - {SITE_NAME}", main))
        pages.update(_listings(cat, [i for i in reversed(chain) if i != deleted], articles, paths))
    newest = [i for i in reversed(range(n)) if i != deleted]
    rows = "".join(f'<li><span class="rt">{articles[i].published:%Y-%m-%d}</span><a href="{paths[i]}">{escape(articles[i].title)}</a></li>'
                   for i in newest[:6])
    pages["/"] = pages["/index.html"] = Page(body=_shell(SITE_NAME, f'<div class="box"><h5>最新动态</h5><ul class="list">{rows}</ul></div>'))
    pages["/robots.txt"] = Page(body=ROBOTS, content_type="text/plain")
    not_found = Page(status=404, body=_shell("提示信息", "<div class='showMsg'><h5>提示信息</h5><p>数据不存在！</p></div>"))
    awkward = {"deleted": paths[deleted], "behind_deleted": paths[chains[6][-BEHIND_DELETED]], "listing": "/list-6-1.html"}
    return Site(pages, truth, nav_links, not_found, ("/caches", "/phpcms", "/install", "/phpsso_server", "/api"), awkward)


def _listings(catid: int, newest_first: list[int], articles: list[Article], paths: list[str]) -> dict[str, Page]:
    """The category's listing pages, newest first."""
    chunks = [newest_first[k:k + PER_PAGE] for k in range(0, len(newest_first), PER_PAGE)] or [[]]
    pages = {}
    for number, chunk in enumerate(chunks, 1):
        rows = "\n".join(f'<li><span class="rt">{articles[i].published:%Y-%m-%d}</span>'
                         f'<a href="{paths[i]}" target="_blank">{escape(articles[i].title)}</a></li>' for i in chunk)
        main = (f'<div class="crumbs"><a href="/">首页</a><span> &gt; </span>{CATEGORIES[catid]}</div>'
                f'<div class="col-left"><ul class="list lh24 f14">\n{rows}\n</ul>'
                f"{_pager(catid, number, len(chunks), len(newest_first))}</div>")
        pages[f"/list-{catid}-{number}.html"] = Page(body=_shell(f"{CATEGORIES[catid]} - {SITE_NAME}", main))
    return pages
