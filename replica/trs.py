"""Site C: a provincial health commission on a TRS-style government CMS.

As most Chinese government health sites: GB2312-labelled pages (GBK bytes) sent as
``text/html`` without a charset, no robots.txt, no sitemap; articles at
``/xwzx/wsjsyw/202503/t20250312_4821937.shtml``; each section's listing at
``index.shtml``, ``index_1.shtml``, ``index_2.shtml``; links relative (``./``, ``../``).
Each section has its own 上一篇/下一篇 chain. One article of the first section is
deleted (404) with three newer ones behind it; the second section is linked only from
the home page's blocks (its newest articles and a ``更多>>`` link). The first section's
pager is plain links, the second's is written by TRS' ``createPageHTML`` script.
"""

from __future__ import annotations

import random
from html import escape

from . import vocab
from .corpus import Article
from .dedecms import _content
from .chains import chain_block, dated_truth
from .model import Page, Site

SITE_NAME = "省卫生健康委员会"
PER_PAGE = 6
#: Section folder -> (name, pager form). Both sit under ``/xwzx/`` (新闻中心).
SECTIONS = {"wsjsyw": ("卫生健康要闻", "links"), "jcdt": ("基层动态", "script")}
#: The top menu: folder -> label. Only ``/xwzx/`` lists anything.
MENU = {"xwzx": "新闻中心", "zwgk": "政务公开", "bsfw": "办事服务", "hdjl": "互动交流", "ztzl": "专题专栏"}
#: Newer articles of the first section behind its deleted one.
BEHIND_DELETED = 3


def _gbk(body: str, status: int = 200) -> Page:
    return Page(status=status, body=body, content_type="text/html", encoding="gbk")


def _shell(title: str, up: str, main: str, menu: bool = True) -> str:
    """A page of the site; ``up`` leads from the page's folder to the root (``../../../``)."""
    items = "".join(f'<li><a href="{up}{folder}/">{label}</a></li>' for folder, label in MENU.items()) if menu else ""
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />
<title>{escape(title)}</title>
<script type="text/javascript" src="{up}images/jquery.js"></script>
</head>
<body>
<div class="top"><img src="{up}images/logo.png" alt="{SITE_NAME}" /></div>
<div class="nav"><ul><li><a href="{up}">首页</a></li>{items}</ul></div>
<div class="main">
{main}
</div>
<div class="foot"><p><a href="{up}wzdt/">网站地图</a> | <a href="{up}lxwm/">联系我们</a></p>
<p>主办：{SITE_NAME} 版权所有 备案号：某ICP备00000000号</p></div>
</body>
</html>
"""


def _relative(from_dir: str, to_path: str) -> str:
    """``to_path`` written relative to the folder ``from_dir`` as TRS writes it (``./x``, ``../202503/x``)."""
    if to_path.startswith(from_dir):
        return "./" + to_path[len(from_dir):]
    parent = from_dir.rstrip("/").rsplit("/", 1)[0] + "/"
    return "../" + to_path[len(parent):]


def _pager(section: str, number: int, total: int) -> str:
    """The listing's pager: page 1 is ``index.shtml``, page k+1 ``index_k.shtml``."""
    name = ["index.shtml", *(f"index_{k}.shtml" for k in range(1, total))]
    if SECTIONS[section][1] == "script":
        return (f'<div class="page"><script type="text/javascript">createPageHTML({total}, {number - 1}, "index", "shtml");'
                "</script></div>")
    parts = [f"共{total}页", f'<a href="{name[0]}">首页</a>']
    if number > 1:
        parts.append(f'<a href="{name[number - 2]}">上一页</a>')
    if number < total:
        parts.append(f'<a href="{name[number]}">下一页</a>')
    parts.append(f'<a href="{name[-1]}">尾页</a>')
    return '<div class="page">' + " ".join(parts) + "</div>"


def build(articles: list[Article], rng: random.Random) -> Site:
    n = len(articles)
    if n < 12:
        raise ValueError("the TRS replica needs at least 12 articles")
    ids = []
    next_id = 4821000 + rng.randint(0, 500)
    for _ in articles:
        ids.append(next_id)
        next_id += rng.randint(3, 40)
    # The second section takes every third article: both sections span the whole period.
    sections = ["jcdt" if i % 3 == 1 else "wsjsyw" for i in range(n)]
    paths = [f"/xwzx/{sec}/{a.published:%Y%m}/t{a.published:%Y%m%d}_{ids[i]}.shtml"
             for i, (sec, a) in enumerate(zip(sections, articles))]
    chains = {sec: [i for i in range(n) if sections[i] == sec] for sec in SECTIONS}
    deleted = chains["wsjsyw"][-1 - BEHIND_DELETED]
    pages, nav_links, truth = {}, {}, []
    for sec, chain in chains.items():
        label = SECTIONS[sec][0]
        for position, i in enumerate(chain):
            a = articles[i]
            # The 来源 line names the site itself, as government sites do: its own outlet, not a reprint's.
            truth.append(dated_truth(a, paths[i], label, i == deleted, source=SITE_NAME))
            if i == deleted:
                continue
            folder = paths[i].rsplit("/", 1)[0] + "/"
            links, items = chain_block(chain, position, articles, paths, lambda target: _relative(folder, target))
            nav_links[paths[i]] = links
            main = f"""<div class="position">当前位置：<a href="../../../">首页</a> &gt; <a href="../../">新闻中心</a> &gt; <a href="../">{label}</a></div>
<div class="article">
<div class="title"><h1>{escape(a.title)}</h1></div>
<div class="info">发布时间：{a.published:%Y-%m-%d} &nbsp; 来源：{SITE_NAME} &nbsp; 【字体：<a href="javascript:void(0)">大</a> <a href="javascript:void(0)">中</a> <a href="javascript:void(0)">小</a>】</div>
<div class="content"><div class="TRS_Editor">
{chr(10).join(_content(a, rng, ""))}
</div></div>
<div class="fy">{items}</div>
<div class="close"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
</div>"""
            pages[paths[i]] = _gbk(_shell(f"{a.title}_{label}_{SITE_NAME}", "../../../", main))
        pages.update(_listings(sec, [i for i in reversed(chain) if i != deleted], articles, paths))
    home = _home(chains, deleted, articles, paths)
    pages["/"] = pages["/index.shtml"] = home
    pages["/xwzx/"] = pages["/xwzx/index.shtml"] = _channel(chains["wsjsyw"], deleted, articles, paths)
    for folder, label in list(MENU.items())[1:]:
        pages[f"/{folder}/"] = _gbk(_shell(f"{label}_{SITE_NAME}", "../", f'<div class="position">当前位置：<a href="../">首页</a> &gt; {label}</div>'
                                                                          "<p>本栏目正在建设中。</p>"))
    not_found = _gbk(_shell("404", "/", "<h2>404 Not Found</h2><p>您访问的页面不存在！</p>", menu=False), 404)
    awkward = {"deleted": paths[deleted], "behind_deleted": paths[chains["wsjsyw"][-BEHIND_DELETED]], "home_only_section": "/xwzx/jcdt/", "script_pager": "/xwzx/jcdt/index.shtml",
               "link_pager": "/xwzx/wsjsyw/index.shtml"}
    return Site(pages, truth, nav_links, not_found, (), awkward)


def _listings(section: str, newest_first: list[int], articles: list[Article], paths: list[str]) -> dict[str, Page]:
    """The section's listing pages, newest first."""
    label = SECTIONS[section][0]
    folder = f"/xwzx/{section}/"
    chunks = [newest_first[k:k + PER_PAGE] for k in range(0, len(newest_first), PER_PAGE)] or [[]]
    pages = {}
    for number, chunk in enumerate(chunks, 1):
        rows = "\n".join(f'<li><a href="{_relative(folder, paths[i])}" target="_blank" title="{escape(articles[i].title)}">'
                         f"{escape(articles[i].title)}</a><span>{articles[i].published:%Y-%m-%d}</span></li>" for i in chunk)
        main = (f'<div class="position">当前位置：<a href="../../">首页</a> &gt; <a href="../">新闻中心</a> &gt; {label}</div>'
                f'<div class="list"><h2>{label}</h2><ul>\n{rows}\n</ul>{_pager(section, number, len(chunks))}</div>')
        page = _gbk(_shell(f"{label}_{SITE_NAME}", "../../", main))
        if number == 1:
            pages[folder] = page
        pages[folder + ("index.shtml" if number == 1 else f"index_{number - 1}.shtml")] = page
    return pages


def _block(section: str, newest: list[int], articles: list[Article], paths: list[str], up: str) -> str:
    """A home-page block: the section's newest articles and its ``更多>>`` link."""
    rows = "".join(f'<li><a href="{up}{paths[i][1:]}" target="_blank">{escape(articles[i].title)}</a>'
                   f"<span>{articles[i].published:%m-%d}</span></li>" for i in newest[:5])
    return (f'<div class="block"><div class="hd"><h3>{SECTIONS[section][0]}</h3>'
            f'<a class="more" href="{up}xwzx/{section}/">更多&gt;&gt;</a></div><ul>{rows}</ul></div>')


def _home(chains: dict, deleted: int, articles: list[Article], paths: list[str]) -> Page:
    blocks = "\n".join(_block(sec, [i for i in reversed(chain) if i != deleted], articles, paths, "./")
                       for sec, chain in chains.items())
    notice = "".join(f"<li>{escape(text)}</li>" for text in vocab.SOURCES[:2])
    return _gbk(_shell(SITE_NAME, "./", f'{blocks}\n<div class="notice"><h3>通知公告</h3><ul>{notice}</ul></div>'))


def _channel(chain: list[int], deleted: int, articles: list[Article], paths: list[str]) -> Page:
    """新闻中心: the first section's block only."""
    block = _block("wsjsyw", [i for i in reversed(chain) if i != deleted], articles, paths, "../")
    return _gbk(_shell(f"新闻中心_{SITE_NAME}", "../", f'<div class="position">当前位置：<a href="../">首页</a> &gt; 新闻中心</div>{block}'))
