"""Site B: a DedeCMS portal served as GBK bytes.

The charset is declared only in ``<meta http-equiv="Content-Type" ...
charset=gb2312>`` although the bytes are GBK (a superset): one title carries
characters outside GB2312 (喆, 堃), so a crawler that trusts the label
literally, or guesses UTF-8, garbles it. Dates are shown in many forms, the
chain ends with ``没有了`` at both ends, some pages lack rel=canonical and a
few pages are converted to Traditional characters.
"""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta
from html import escape

from . import vocab
from .corpus import Article, Deck, carry_press_release, reprint_index, text_of
from .model import BASE, Page, Site, TruthArticle

SITE_NAME = "细胞资讯网"
PER_PAGE = 10
CAT_TYPEID = {"yixue": 1, "ganxibao": 2, "zhengce": 3}
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ROBOTS = "User-agent: *\nDisallow: /plus/\nDisallow: /dede/\nDisallow: /include/\nDisallow: /member/\n"


def _date_line(form: str, a: Article, rng: random.Random, trad: bool) -> tuple[str, str]:
    """The visible date text for one form, and the truth it stands for."""
    t, day = a.published, a.published.date()
    iso_day = day.isoformat()
    label = "發佈時間：" if trad else None
    if form == "minutes":
        return f"<small>时间:</small>{t:%Y-%m-%d %H:%M}", t.isoformat()
    if form == "seconds":
        t = t.replace(second=rng.randint(1, 59))
        return f"{label or '时间:'}{t:%Y-%m-%d %H:%M:%S}", t.isoformat()
    if form == "dash":
        return f"{label or '发布日期:'}{iso_day}", iso_day
    if form == "cjk":
        return f"{label or '发布时间：'}{day.year}年{day.month}月{day.day}日", iso_day
    if form == "slash":
        return f"{label or '日期:'}{day:%Y/%m/%d}", iso_day
    if form == "dot":
        return f"{label or '时间:'}{day:%Y.%m.%d}", iso_day
    if form == "fullwidth":
        return f"{label or '发布时间：'}{day.year}年{day.month}月{day.day}日".translate(FULLWIDTH), iso_day
    # "updated": an update stamp later than publication sits beside it.
    later = t + timedelta(days=rng.randint(3, 30), hours=2)
    return f"{label or '发布日期:'}{iso_day} &nbsp;更新时间:{later:%Y-%m-%d %H:%M}", iso_day


def _modified(date_html: str, a: Article) -> str | None:
    """The truth of the ``更新时间`` stamp ``date_html`` shows, if any (to the minute, China time)."""
    shown = re.search(r"更新时间:(\d{4}-\d\d-\d\d \d\d:\d\d)", date_html)
    return datetime.strptime(shown.group(1), "%Y-%m-%d %H:%M").replace(tzinfo=a.published.tzinfo).isoformat() if shown else None


def _source_html(source: str, aid: int) -> tuple[str, str | None]:
    """The 来源 as the info line shows it (a link to the original when the outlet has one), and that URL."""
    link = vocab.SOURCE_LINKS.get(source)
    url = link.format(aid) if link else None
    return (f"<a href='{url}' target='_blank'>{source}</a>" if url else source), url


DATE_FORMS = ("minutes", "seconds", "dash", "cjk", "slash", "dot", "fullwidth", "updated")


def _content(a: Article, rng: random.Random, indent: str) -> list[str]:
    """The article's blocks as HTML: one per body block of ``a.blocks``, then its references
    and disclaimer."""
    out = []
    for block in a.blocks:
        if block[0] == "p":
            out.append(f"<p>{indent}{block[1]}</p>")
        elif block[0] == "h":  # editors bold a paragraph rather than use headings
            out.append(f"<p><strong>{escape(block[2])}</strong></p>" if rng.random() < 0.6
                       else f"<h3>{escape(block[2])}</h3>")
        elif block[0] == "ul":
            out.append("".join(f"<p>{indent}●{item}</p>" for item in block[1]) if rng.random() < 0.5
                       else "<ul>" + "".join(f"<li>{item}</li>" for item in block[1]) + "</ul>")
        else:
            out.append(f'<p style="text-align: center;"><img alt="{escape(block[2])}" src="{block[1]}" /></p>'
                       f'<p style="text-align: center;">{escape(block[2])}</p>')
    if a.references:
        out.append(f"<p><strong>{a.reference_heading}</strong></p>" if rng.random() < 0.5
                   else f"<p>{a.reference_heading}</p>")
        style = rng.choice(("brackets", "dotted", "one_paragraph"))
        if style == "one_paragraph":  # all entries in one <p>, split by <br />
            out.append("<p>" + "<br />\n".join(f"[{k}] {r.html}" for k, r in enumerate(a.references, 1)) + "</p>")
        else:
            out.extend(f"<p>[{k}] {r.html}</p>" if style == "brackets" else f"<p>{k}. {r.html}</p>"
                       for k, r in enumerate(a.references, 1))
    if a.disclaimer:
        out.append(f'<p style="color:#999999;">{a.disclaimer}</p>')
    return out


def _split(a: Article, blocks: list[str], pages: int) -> tuple[list[list[str]], list[str]]:
    """The blocks shared out over ``pages`` pages as DedeCMS' ``#p#`` page breaks do, and the
    opening paragraph of each page after the first: references and disclaimer end the last page."""
    body = len(a.blocks)
    starts = [k for k in range(1, body) if a.blocks[k][0] == "p"]
    cuts = [starts[len(starts) * part // pages] for part in range(1, pages)] if len(starts) >= pages else []
    bounds = [0, *cuts, body]
    parts = [blocks[start:end] for start, end in zip(bounds, bounds[1:])]
    parts[-1] = parts[-1] + blocks[body:]
    return parts, [text_of(a.blocks[cut][1]) for cut in cuts]


def _pager(path: str, number: int, total: int, style: str) -> str:
    """DedeCMS' article pager (``dede_pages``), or the terse ``上一页 1/2 下一页`` of other templates."""
    stem = path.rsplit("/", 1)[1].removesuffix(".html")
    name = {k: f"{stem}.html" if k == 1 else f"{stem}_{k}.html" for k in range(1, total + 1)}
    prev = f"<a href='{name[number - 1]}'>上一页</a>" if number > 1 else "<a href='#'>上一页</a>"
    after = f"<a href='{name[number + 1]}'>下一页</a>" if number < total else "<a href='#'>下一页</a>"
    if style == "terse":
        return f'<div class="fenye">{prev} {number}/{total} {after}</div>'
    pages = "".join(f"<li class=\"thisclass\"><a href='#'>{k}</a></li>" if k == number else f"<li><a href='{name[k]}'>{k}</a></li>"
                    for k in name)
    return (f"<div class=\"dede_pages\"><ul class=\"pagelist\"><li><a>共{total}页: </a></li><li>{prev}</li>{pages}"
            f"<li>{after}</li></ul></div>")


def page_path(path: str, number: int) -> str:
    """The path of page ``number`` of the article at ``path`` (``1276.html`` -> ``1276_2.html``)."""
    return path if number == 1 else path.removesuffix(".html") + f"_{number}.html"


def _shell(title: str, head_extra: str, main: str, trad: bool = False) -> str:
    home = "主頁" if trad else "主页"
    nav = " | ".join(f"<a href='/a/{cat}/'>{label}</a>" for cat, label in vocab.DEDE_CATEGORIES.items())
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />
<title>{escape(title)}</title>
{head_extra}<link href="/templets/default/style/dedecms.css" rel="stylesheet" media="screen" type="text/css" />
</head>
<body>
<div class="header"><div class="top w960 center"><div class="title"><h1><a href="/">{SITE_NAME}</a></h1></div></div>
<div class="module blue mT10 wrapper w963"><div id="navMenu"><a href='/'>{home}</a> | {nav}</div></div></div>
<div class="w960 center clear mt1">
{main}
</div>
<div class="footer w960 center mt1 clear"><p>Copyright &copy; 2002-2025 {SITE_NAME} 版权所有 Power by DedeCms</p></div>
</body>
</html>
"""


def _gbk(body: str, status: int = 200) -> Page:
    # No charset in the header: DedeCMS static HTML served by a bare web server.
    return Page(status=status, body=body, content_type="text/html", encoding="gbk")


def build(articles: list[Article], rng: random.Random) -> Site:
    n = len(articles)
    if n < 6:
        raise ValueError("the DedeCMS replica needs at least 6 articles")
    ids, cats, next_id = [], [], 1200 + rng.randint(0, 50)
    for a in articles:
        ids.append(next_id)
        next_id += rng.randint(1, 9)
        cats.append("zhengce" if a.topic == "policy" else rng.choice(("yixue", "ganxibao")))
    paths = [f"/a/{c}/{i}.html" for c, i in zip(cats, ids)]
    gbk_title, no_canonical = 3, {1, n - 2}
    trad = set(rng.sample([i for i in range(n) if i != gbk_title], 2))
    reprinted = reprint_index(articles, {gbk_title, *no_canonical, *trad, n // 3, n - 2})
    carry_press_release(articles, reprinted, reprint=True)
    # 喆 and 堃 are GBK-only: they prove the page is decoded as GBK, not GB2312.
    articles[gbk_title].title = "王喆、李堃团队：" + re.sub(r"^\w+团队[:：]", "", articles[gbk_title].title)
    # Two articles split over pages, each with its own pager style.
    split = {n // 3: (3, "dede"), n - 2: (2, "terse")}
    forms = Deck(rng, DATE_FORMS)
    disclaimers = Deck(rng, vocab.DEDE_DISCLAIMERS)
    for i, a in enumerate(articles):
        a.disclaimer = disclaimers.draw()
        if i in trad:  # before rendering, so neighbours show the converted title too
            a.to_traditional()
    pages, nav_links, truth = {}, {}, []
    for i, a in enumerate(articles):
        t = i in trad
        category = vocab.DEDE_CATEGORIES[cats[i]]
        category = category.translate(vocab.S2T) if t else category
        date_html, published = _date_line(forms.draw(), a, rng, t)
        links = []
        items = []
        for j, label in ((i - 1, "上一篇"), (i + 1, "下一篇")):
            colon = "：" if (t or rng.random() < 0.5) else ":"
            if 0 <= j < n:
                links.append(paths[j])
                items.append(f"<li>{label}{colon}<a href='{paths[j]}'>{escape(articles[j].title)}</a> </li>")
            else:
                items.append(f"<li>{label}{colon}{'沒有了' if t else '没有了'} </li>")
        nav_links[paths[i]] = links
        head = "" if i in no_canonical else f'<link rel="canonical" href="{BASE}{paths[i]}" />\n'
        head += f'<meta name="keywords" content="{",".join(sorted(a.keywords()))}" />\n'
        description = a.first_paragraph()[:100]
        head += f'<meta name="description" content="{escape(description)}" />\n'
        source = rng.choice(vocab.SOURCES)
        source_html, source_url = _source_html(source, ids[i])
        author = rng.choice(vocab.AUTHORS)
        editor = vocab.EDITORS[i % len(vocab.EDITORS)] if i % 2 else None
        info = (f'<div class="info">{date_html} <small>{"來源" if t else "来源"}:</small>{source_html} '
                f'<small>作者:</small>{author} <small>{"點擊" if t else "点击"}:</small>'
                f'<script src="/plus/count.php?view=yes&aid={ids[i]}&mid=1" type=\'text/javascript\' '
                f'language="javascript"></script>次</div>')
        place = "當前位置" if t else "当前位置"
        home = "主頁" if t else "主页"
        indent = "　　" if rng.random() < 0.6 else ""
        total, pager_style = split.get(i, (1, ""))
        parts, openings = _split(a, _content(a, rng, indent), total)
        for number, part in enumerate(parts, 1):
            pager = "\n" + _pager(paths[i], number, len(parts), pager_style) if len(parts) > 1 else ""
            own = page_path(paths[i], number)
            page_head = head if number == 1 or not head else head.replace(paths[i], own)
            main = f"""<div class="pleft">
<div class="place"><strong>{place}:</strong> <a href='/'>{home}</a> &gt; <a href='/a/{cats[i]}/'>{category}</a> &gt; </div>
<div class="viewbox">
<div class="title"><h2>{escape(a.title)}</h2></div>
{info}
<div class="content"><table width='100%'><tr><td>
{chr(10).join(part)}
</td></tr></table>{pager}</div>
{f'<div class="editor">（{"責任編輯" if t else "责任编辑"}：{editor}）</div>' if editor else ""}
<div class="boxoff"><strong>------分隔线----------------------------</strong></div>
<div class="handle"><div class="context"><ul>
{"".join(items)}
</ul></div></div>
</div></div>"""
            pages[own] = _gbk(_shell(f"{a.title}_{category}_{SITE_NAME}", page_head, main, t))
        truth.append(TruthArticle(
            path=paths[i], title=a.title, category=category, published=published, has_own_date=True,
            first_paragraph=a.first_paragraph(), disclaimer=a.disclaimer, dois=frozenset(a.dois),
            pmids=frozenset(a.pmids), pmcids=frozenset(a.pmcids), reference_count=len(a.references),
            keywords=a.keywords(), traditional=t, trials=frozenset(a.trials),
            authors=() if author in vocab.NOT_AN_AUTHOR else (author,), editor=editor,
            source=None if source in vocab.NOT_AN_OUTLET else source, source_url=source_url,
            modified=_modified(date_html, a), description=description, images=a.images(),
            pages=tuple(page_path(paths[i], number) for number in range(2, len(parts) + 1)), page_openings=tuple(openings)))

    def listing(title: str, items: list[int]) -> str:
        rows = "\n".join(f"<li><a href='{paths[i]}' class='title'>{escape(articles[i].title)}</a>"
                         f"<span class='date'>{articles[i].published:%Y-%m-%d}</span></li>" for i in items)
        return _shell(f"{title}_{SITE_NAME}", "", f'<div class="pleft"><div class="listbox"><ul class="e2">\n{rows}\n'
                                                    "</ul></div></div>")

    newest = list(range(n - 1, -1, -1))
    pages["/"] = _gbk(listing(SITE_NAME, newest[:PER_PAGE]))
    for cat, label in vocab.DEDE_CATEGORIES.items():
        items = [i for i in newest if cats[i] == cat]
        chunks = [items[k:k + PER_PAGE] for k in range(0, len(items), PER_PAGE)] or [[]]
        for k, chunk in enumerate(chunks, 1):
            page = _gbk(listing(label, chunk))
            pages[f"/a/{cat}/list_{CAT_TYPEID[cat]}_{k}.html"] = page
            if k == 1:
                pages[f"/a/{cat}/"] = page
    pages["/robots.txt"] = Page(body=ROBOTS, content_type="text/plain")
    not_found = _gbk(_shell("404", "", "<div class='pleft'><h2>404 Not Found</h2><p>您访问的页面不存在!</p></div>"), 404)
    awkward = {"gbk_title": paths[gbk_title], "split_in_three": paths[n // 3], "split_in_two": paths[n - 2], "newest_chain_end": paths[-1], "oldest_chain_end": paths[0]}
    if reprinted is not None:
        awkward["reprint"] = paths[reprinted]
    awkward.update({f"no_canonical_{k}": paths[i] for k, i in enumerate(sorted(no_canonical))})
    awkward.update({f"traditional_{k}": paths[i] for k, i in enumerate(sorted(trad))})
    return Site(pages, truth, nav_links, not_found, ("/plus/", "/dede/", "/include/", "/member/"), awkward)
