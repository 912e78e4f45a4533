"""A hostile replica site: bad pages and a failing server, with the truth a robust crawl meets.

    from hostile_site import HostileSite   # tests/ is on the path of the suite
    from replica.server import serve
    site = HostileSite()
    with serve(site) as server:              # crawl server.url + site.start_path
        ...
        site.cases["gb18030"].title           # what must be stored, or why not

The site is a *spine* of well-formed articles (``/spine/1.html`` ... ``/spine/N.html``)
joined by ``下一篇`` links; each spine page's ``上一篇`` link leads to one hostile case,
so a crawl from the first spine page meets every case, and a case that fails only ends
its own dead-end branch. Case pages that are articles may link further (a loop, a
self-link, another host, ``javascript:``/``mailto:``).

Cases (``HostileSite.cases``, name -> `HostileCase`; `outcome` says what an ideal
crawl does: ``stored``, ``skipped`` (fetched, counted, not stored) or ``failed``
(counted as a fetch failure after bounded retries)):

* Bad pages: ``truncated`` HTML, ``no_body_tag``, ``head_only``, ``empty_body``,
  ``zero_bytes``, ``huge`` (11 MB with Content-Length) and ``huge_stream`` (11 MB
  without one), ``binary`` bytes served as text/html.
* Encodings: ``gbk_as_utf8`` (GBK bytes, header and meta say UTF-8: stored with the
  right text, or skipped; never stored garbled), ``big5_as_utf8`` (the same for Big5
  bytes, which GB18030 also decodes, into nonsense), ``utf8_bom`` (BOM, header says
  ISO-8859-1: the BOM wins), ``gb18030`` (𠮷, 䶮 with charset=gb18030),
  ``gb18030_as_gbk`` (the same bytes, only a ``gbk`` meta: read as its superset).
* Links: ``loop_a``/``loop_b`` (prev and next point at each other), ``self_link``,
  ``offhost`` (next leads to ``localhost`` instead of ``127.0.0.1``; prev to another
  domain), ``js_mailto`` (``javascript:`` and ``mailto:`` prev/next).
* Dates: ``date_unparseable`` (2026年13月45日), ``date_garbage_meta`` (a meta tag
  with no date in it), ``date_1900``, ``date_next_year``: ``published_raw`` kept,
  ``published`` NULL.
* ``references_500``: a reference list of 500 entries, each with a DOI.
* ``xss``: script, event handlers, ``javascript:`` URLs, iframes, SVG, CSS
  expressions, meta refresh, ``<base>``: stored with none of it in ``body_html``.
* Failing server: ``http_500`` and ``http_502`` (always), ``retry_after_503`` and
  ``too_many_429`` (once, with ``Retry-After: 1``, then the article),
  ``timeout`` (stalls ``stall_seconds`` before answering), ``reset`` (connection reset
  after a part of the body, always), ``reset_once`` (then the article),
  ``redirect_loop`` (a -> b -> a), ``redirect_endless`` (a new URL every hop),
  ``redirect_js`` (302 to ``javascript:``) and ``meta_refresh_js`` (an article whose
  ``<meta http-equiv=refresh>`` leads to ``javascript:``: the refresh is ignored).

Counters: every path counts its hits (``hits``), so a case can fail a given number of
times before succeeding; ``reset()`` clears them before a second crawl.
"""

from __future__ import annotations

import random
import socket
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from html import escape

from opencc import OpenCC

from replica.model import BASE

#: Stands for the same server under another host name (``localhost``): another site.
OTHER_HOST = "@@REPLICA-OTHER-HOST@@"
SITE_NAME = "险境医学网"
#: Bytes of the oversized pages: more than Scrapy's default DOWNLOAD_MAXSIZE (10 MB).
HUGE_SIZE = 11 * 1024 * 1024
#: Entries of the long reference list.
LONG_REFERENCE_LIST = 500
#: The endless redirect gives up (404) after this many hops, well past Scrapy's REDIRECT_MAX_TIMES (20).
MAX_ENDLESS_HOPS = 100
#: A GB18030-only character outside the BMP and one from CJK Extension A.
GB18030_ONLY = "𠮷䶮"

PARAGRAPHS = (
    "间充质干细胞治疗膝骨关节炎的临床研究显示，患者疼痛评分在六个月后明显下降。",
    "研究团队共纳入一百二十例受试者，随机分为治疗组与对照组，随访时间为十二个月。",
    "不良事件多为轻度注射部位反应，未见与治疗相关的严重不良事件。",
    "专家指出，仍需更大样本量的多中心研究来确认其长期疗效与安全性。",
)

XSS_BODY = """
<p>安全段落：本文讨论雾化吸入治疗的注意事项。</p>
<script>window.__pwned = 'script'; alert('script')</script>
<img src="x" onerror="window.__pwned = 'onerror'; alert('onerror')" alt="坏图">
<p onmouseover="window.__pwned = 'handler'" onclick="alert('click')">悬停这里</p>
<a id="evil" href="javascript:window.__pwned = 'href'">恶意链接</a>
<a href="JaVaScRiPt:alert('mixed case')">大小写混合</a>
<a href="jav&#x09;ascript:alert('tab')">带制表符</a>
<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">数据链接</a>
<a href="vbscript:msgbox(1)">VB</a>
<iframe src="javascript:alert('iframe')"></iframe>
<iframe srcdoc="&lt;script&gt;parent.__pwned='srcdoc'&lt;/script&gt;"></iframe>
<svg onload="window.__pwned = 'svg'; alert('svg')"><script>window.__pwned = 'svg-script'</script></svg>
<math><mtext><table><mglyph><style><img src=x onerror="window.__pwned = 'mxss'"></style></mglyph></table></mtext></math>
<p style="background:url(javascript:alert(1));width:expression(alert('expression'))">样式表达式</p>
<style>body { background: url("javascript:alert('style')") } p { x: expression(alert(1)) }</style>
<object data="javascript:alert('object')"></object>
<embed src="javascript:alert('embed')">
<form action="javascript:alert('form')"><input type="submit" value="提交"><button formaction="javascript:alert(1)">按钮</button></form>
<base href="javascript:alert('base')//">
<video><source onerror="window.__pwned = 'video'"></video>
<details open ontoggle="window.__pwned = 'details'"><summary>展开</summary>内容</details>
<img src="https://example.com/ok.png" alt="正常图片" onload="window.__pwned = 'onload'">
<p>结尾段落：雾化治疗后应漱口，避免口腔真菌感染。</p>
<noscript><p title="</noscript><img src=x onerror=window.__pwned='noscript'>">x</p></noscript>
"""

#: Substrings none of which may survive in stored or shown article HTML.
XSS_MARKERS = (
    "<script", "onerror", "onload", "onmouseover", "onclick", "ontoggle", "javascript:", "vbscript:", "data:text",
    "<iframe", "srcdoc", "<svg", "<math", "<object", "<embed", "<form", "<meta", "<base", "<style", "expression(",
    "style=",
)


@dataclass(frozen=True)
class HostileCase:
    """One hostile case and what an ideal crawl does with it."""

    name: str
    path: str
    outcome: str  # "stored", "skipped" (fetched, counted, not stored) or "failed" (fetch failed, counted)
    note: str
    title: str | None = None  # exact stored title, for stored articles
    published: str | None = None  # expected `published` (None: NULL)
    published_raw: str | None = None  # expected `published_raw`, when the page shows one
    reference_count: int = 0
    first_paragraph: str | None = None  # text the stored body must contain
    #: How often the path may be requested in one crawl (None: not checked).
    max_fetches: int | None = None


@dataclass
class _Static:
    status: int = 200
    body: bytes = b""
    headers: dict = field(default_factory=dict)


def _article_html(
    title: str,
    paragraphs: list[str] | tuple[str, ...],
    *,
    charset: str | None = "utf-8",
    prev: str | None = None,
    next_: str | None = None,
    date_line: str = "",
    head_extra: str = "",
    extra_body: str = "",
    canonical: str | None = None,
) -> str:
    """A plain CMS article page. ``prev``/``next_`` are ready ``<a>`` HTML, or None for 没有了."""
    meta = f'<meta charset="{charset}">\n' if charset else ""
    canonical_link = f'<link rel="canonical" href="{BASE}{canonical}">\n' if canonical else ""
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs) + extra_body
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
{meta}<title>{escape(title)} - {SITE_NAME}</title>
{canonical_link}{head_extra}</head>
<body>
<div class="breadcrumb"><a href="{BASE}/">首页</a> &gt; <a href="{BASE}/news/">医学资讯</a></div>
<article>
<h1 class="entry-title">{escape(title)}</h1>
{date_line}<div class="entry-content">
{body}
</div>
<div class="pre_next"><p>上一篇：{prev or '没有了'}</p><p>下一篇：{next_ or '没有了'}</p></div>
</article>
</body>
</html>
"""


def _link(href: str, text: str) -> str:
    return f'<a href="{escape(href)}">{escape(text)}</a>'


class HostileSite:
    """A Portal-like site for `replica.server.serve`: `response()` answers plain
    requests, `raw_handler()` the misbehaving ones."""

    style = "hostile"

    def __init__(self, *, stall_seconds: float = 3.5, today: date | None = None, seed: int = 0):
        self.stall_seconds = stall_seconds
        self.today = today or date.today()
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.hits: Counter[str] = Counter()
        self._static: dict[str, _Static] = {}
        self._dynamic: dict[str, object] = {}  # path -> callable(hit_number, base_url) -> _Static
        self._raw: dict[str, object] = {}  # path -> callable(handler, base_url, hit_number)
        self.cases: dict[str, HostileCase] = {}
        self.spine: list[tuple[str, str]] = []  # (path, title), first to last
        self._build()

    # --- truth ---------------------------------------------------------------------

    @property
    def start_path(self) -> str:
        return self.spine[0][0]

    def stored_titles(self) -> dict[str, str]:
        """Path -> title of every article an ideal crawl from `start_path` stores."""
        titles = dict(self.spine)
        titles.update({c.path: c.title for c in self.cases.values() if c.outcome == "stored"})
        return titles

    def static_body(self, path: str) -> bytes:
        """The bytes always served at ``path`` (base URL not filled in)."""
        return self._static[path].body

    def reset(self) -> None:
        with self._lock:
            self.hits.clear()

    # --- serving -------------------------------------------------------------------

    def _hit(self, path: str) -> int:
        with self._lock:
            self.hits[path] += 1
            return self.hits[path]

    def raw_handler(self, path_with_query: str):
        path = path_with_query.split("?", 1)[0]
        action = self._raw.get(path)
        if action is None:
            return None
        number = self._hit(path)
        return lambda handler, base_url: action(handler, base_url, number)

    def response(self, path_with_query: str, base_url: str, if_modified_since: str | None = None):
        """``(status, headers, body_bytes)`` for one request."""
        base_url = base_url.rstrip("/")
        path = path_with_query.split("?", 1)[0]
        number = self._hit(path)
        if path in self._dynamic:
            page = self._dynamic[path](number, base_url)
        else:
            page = self._static.get(path) or _Static(404, "<h1>404 页面不存在</h1>".encode(), {"Content-Type": "text/html; charset=utf-8"})
        other = base_url.replace("127.0.0.1", "localhost")
        body = page.body.replace(BASE.encode(), base_url.encode()).replace(OTHER_HOST.encode(), other.encode())
        headers = {k: v.replace(BASE, base_url) for k, v in page.headers.items()}
        headers.setdefault("Content-Length", str(len(body)))
        return page.status, headers, body

    # --- building ------------------------------------------------------------------

    def _case(self, case: HostileCase, page=None, *, dynamic=None, raw=None) -> None:
        self.cases[case.name] = case
        if page is not None:
            self._static[case.path] = page
        if dynamic is not None:
            self._dynamic[case.path] = dynamic
        if raw is not None:
            self._raw[case.path] = raw

    @staticmethod
    def _html(text: str, encoding: str = "utf-8", content_type: str = "text/html; charset=utf-8", status: int = 200, **headers) -> _Static:
        return _Static(status, text.encode(encoding), {"Content-Type": content_type, **headers})

    def _build(self) -> None:
        self._static["/robots.txt"] = _Static(200, b"User-agent: *\nAllow: /\n", {"Content-Type": "text/plain"})
        self._bad_pages()
        self._encodings()
        self._links()
        self._dates()
        self._references_and_xss()
        self._failing_server()
        self._build_spine()

    def _bad_pages(self) -> None:
        title = "截断页面：干细胞治疗的长期随访"
        html = _article_html(title, PARAGRAPHS, canonical="/case/truncated.html")
        cut = html.index(PARAGRAPHS[2]) + 10  # mid-paragraph, long before </html>
        self._case(
            HostileCase("truncated", "/case/truncated.html", "stored", "HTML cut off mid-paragraph", title=title, first_paragraph=PARAGRAPHS[0]),
            self._html(html[:cut]),
        )
        title = "没有正文标签的页面"
        html = (f"<html><head><meta charset='utf-8'><title>{title}</title></head>\n<h1>{title}</h1>\n"
                f"<div class='entry-content'>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</div>")
        self._case(
            HostileCase("no_body_tag", "/case/no-body-tag.html", "stored", "no <body> (nor </html>)", title=title, first_paragraph=PARAGRAPHS[0]),
            self._html(html),
        )
        self._case(
            HostileCase("head_only", "/case/head-only.html", "skipped", "a <head> and nothing else"),
            self._html("<html><head><meta charset='utf-8'><title>只有头部的页面</title></head></html>"),
        )
        self._case(
            HostileCase("empty_body", "/case/empty-body.html", "skipped", "an empty <body>"),
            self._html("<!DOCTYPE html><html><head><title>空白页面</title></head><body>\n</body></html>"),
        )
        self._case(HostileCase("zero_bytes", "/case/zero-bytes.html", "skipped", "200 text/html with no bytes at all"), self._html(""))
        huge = b"<html><body><p>" + b"x" * HUGE_SIZE + b"</p></body></html>"
        self._case(
            HostileCase("huge", "/case/huge.html", "failed", "11 MB, Content-Length given: cancelled by DOWNLOAD_MAXSIZE", max_fetches=1),
            _Static(200, huge, {"Content-Type": "text/html; charset=utf-8"}),
        )
        self._case(
            HostileCase("huge_stream", "/case/huge-stream.html", "failed", "11 MB streamed without Content-Length: cancelled by DOWNLOAD_MAXSIZE", max_fetches=1),
            raw=self._stream_huge,
        )
        noise = bytes(self._rng.getrandbits(8) for _ in range(64 * 1024))
        self._case(
            HostileCase("binary", "/case/binary.html", "skipped", "PNG bytes (NULs included) served as text/html"),
            _Static(200, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + noise, {"Content-Type": "text/html"}),
        )

    def _encodings(self) -> None:
        title = "错误声明编码的页面：肺纤维化研究"
        html = _article_html(title, PARAGRAPHS, charset="utf-8", canonical="/case/gbk-as-utf8.html")
        self._case(
            HostileCase("gbk_as_utf8", "/case/gbk-as-utf8.html", "stored_or_skipped",
                        "GBK bytes, header and meta say UTF-8: stored with the right text, or skipped and counted; never garbled",
                        title=title, first_paragraph=PARAGRAPHS[0]),
            self._html(html, "gbk"),
        )
        title = "錯誤聲明編碼的繁體頁面：肺纖維化研究"
        paragraphs = [OpenCC("s2tw").convert(paragraph) for paragraph in PARAGRAPHS]
        html = _article_html(title, paragraphs, charset="utf-8", canonical="/case/big5-as-utf8.html")
        self._case(
            HostileCase("big5_as_utf8", "/case/big5-as-utf8.html", "stored_or_skipped",
                        "Big5 bytes, header and meta say UTF-8: stored with the right text, or skipped and counted; never garbled",
                        title=title, first_paragraph=paragraphs[0]),
            # The template's Simplified characters, which Big5 lacks, as character references.
            _Static(200, html.encode("big5", errors="xmlcharrefreplace"), {"Content-Type": "text/html; charset=utf-8"}),
        )
        title = "带字节顺序标记的页面：哮喘新药"
        html = _article_html(title, PARAGRAPHS, charset=None, canonical="/case/utf8-bom.html")
        self._case(
            HostileCase("utf8_bom", "/case/utf8-bom.html", "stored", "UTF-8 with a BOM, header says ISO-8859-1: the BOM wins",
                        title=title, first_paragraph=PARAGRAPHS[0]),
            _Static(200, b"\xef\xbb\xbf" + html.encode("utf-8"), {"Content-Type": "text/html; charset=ISO-8859-1"}),
        )
        title = f"生僻字{GB18030_ONLY}：吉祥医院的干细胞门诊"
        first = f"来自{GB18030_ONLY[0]}家村的患者在本院接受了治疗，{GB18030_ONLY[1]}主任介绍了疗效。"
        paragraphs = [first, *PARAGRAPHS]
        html = _article_html(title, paragraphs, charset="gb18030", canonical="/case/gb18030.html")
        self._case(
            HostileCase("gb18030", "/case/gb18030.html", "stored", "characters only GB18030 has, charset=gb18030",
                        title=title, first_paragraph=first),
            self._html(html, "gb18030", "text/html; charset=gb18030"),
        )
        title = f"声明为GBK的GB18030页面：{GB18030_ONLY}"
        html = _article_html(title, paragraphs, charset="gbk", canonical="/case/gb18030-as-gbk.html")
        self._case(
            HostileCase("gb18030_as_gbk", "/case/gb18030-as-gbk.html", "stored", "GB18030 bytes, only a gbk meta tag: read as the superset",
                        title=title, first_paragraph=first),
            self._html(html, "gb18030", "text/html"),
        )

    def _links(self) -> None:
        a, b = "/case/loop-a.html", "/case/loop-b.html"
        ta, tb = "循环链接甲：上下篇互相指向", "循环链接乙：上下篇互相指向"
        self._case(
            HostileCase("loop_a", a, "stored", "prev and next both lead to loop_b", title=ta, max_fetches=1),
            self._html(_article_html(ta, PARAGRAPHS, prev=_link(BASE + b, tb), next_=_link(BASE + b, tb), canonical=a)),
        )
        self._case(
            HostileCase("loop_b", b, "stored", "prev and next both lead back to loop_a", title=tb, max_fetches=1),
            self._html(_article_html(tb, PARAGRAPHS, prev=_link(BASE + a, ta), next_=_link(BASE + a, ta), canonical=b)),
        )
        path, title = "/case/self-link.html", "自我链接：上一篇和下一篇都是本文"
        self._case(
            HostileCase("self_link", path, "stored", "prev and next lead to the page itself (once with a #fragment)", title=title, max_fetches=1),
            self._html(_article_html(title, PARAGRAPHS, prev=_link(BASE + path, title), next_=_link(BASE + path + "#top", title), canonical=path)),
        )
        path, title = "/case/offhost.html", "跳到别的网站的链"
        self._case(
            HostileCase("offhost", path, "stored", "next leads to localhost (another origin), prev to another domain", title=title, max_fetches=1),
            self._html(_article_html(title, PARAGRAPHS, prev=_link("http://www.example.com/a/1.html", "外站文章"),
                                     next_=_link(OTHER_HOST + "/offhost/1.html", "别处的文章"), canonical=path)),
        )
        self._static["/offhost/1.html"] = self._html(_article_html("不该被抓取的外站文章", PARAGRAPHS))
        path, title = "/case/js-mailto.html", "脚本与邮件链接的上下篇"
        self._case(
            HostileCase("js_mailto", path, "stored", "prev is javascript:, next is mailto:; neither is followed", title=title, max_fetches=1),
            self._html(_article_html(title, PARAGRAPHS, prev=_link("javascript:void(0)", "上一篇文章"),
                                     next_=_link("mailto:editor@example.com", "联系编辑"), canonical=path,
                                     extra_body='<p>更多请<a href="javascript:openWin()">点击这里</a>或<a href="mailto:a@b.c">来信</a>。</p>')),
        )

    def _dates(self) -> None:
        next_year = self.today.year + 1
        for name, title, kwargs, raw in (
            ("date_unparseable", "日期无法解析的文章", {"date_line": '<div class="date">发布时间：2026年13月45日</div>\n'}, "发布时间：2026年13月45日"),
            ("date_garbage_meta", "元数据日期是乱码的文章", {"head_extra": '<meta property="article:published_time" content="某年某月 not a date">\n'}, "某年某月 not a date"),
            ("date_1900", "日期是1900年的文章", {"head_extra": '<meta property="article:published_time" content="1900-01-01T08:00:00+08:00">\n'}, "1900-01-01T08:00:00+08:00"),
            ("date_next_year", "日期在明年的文章", {"date_line": f'<div class="date">发布时间：{next_year}年6月1日</div>\n'}, f"发布时间：{next_year}年6月1日"),
        ):
            path = f"/case/{name.replace('_', '-')}.html"
            self._case(
                HostileCase(name, path, "stored", f"date {raw!r}: kept raw, published NULL, counted", title=title, published=None, published_raw=raw),
                self._html(_article_html(title, PARAGRAPHS, canonical=path, **kwargs)),
            )

    def _references_and_xss(self) -> None:
        path, title = "/case/references-500.html", "五百条参考文献的综述"
        entries = "".join(
            f"<li>Author{k} X, Li Y. Study number {k} of stem cells. Cell Rep. 2024;{k}:1-9. doi:10.1000/hostile.{k}</li>"
            for k in range(1, LONG_REFERENCE_LIST + 1)
        )
        self._case(
            HostileCase("references_500", path, "stored", "a reference list of 500 entries", title=title, reference_count=LONG_REFERENCE_LIST),
            self._html(_article_html(title, PARAGRAPHS, canonical=path, extra_body=f"<h3>参考文献</h3><ol>{entries}</ol>")),
        )
        path, title = "/case/xss.html", "恶意脚本页面：雾化吸入的注意事项"
        self._case(
            HostileCase("xss", path, "stored", "script, handlers, javascript: URLs, iframes, SVG, CSS expressions",
                        title=title, first_paragraph="安全段落：本文讨论雾化吸入治疗的注意事项。"),
            self._html(_article_html(title, [], canonical=path, extra_body=XSS_BODY,
                                     head_extra='<script>window.__pwned = "head"</script>\n')),
        )

    def _failing_server(self) -> None:
        def always(status):
            return lambda number, base: _Static(status, f"<h1>{status} 服务器错误</h1>".encode(), {"Content-Type": "text/html; charset=utf-8"})

        self._case(HostileCase("http_500", "/case/http-500.html", "failed", "500 every time"), dynamic=always(500))
        self._case(HostileCase("http_502", "/case/http-502.html", "failed", "502 every time"), dynamic=always(502))
        for name, status in (("retry_after_503", 503), ("too_many_429", 429)):
            path = f"/case/{name.replace('_', '-')}.html"
            title = f"先回答{status}后恢复的文章"
            page = self._html(_article_html(title, PARAGRAPHS, canonical=path))

            def once(number, base, status=status, page=page):
                if number == 1:
                    return _Static(status, b"<h1>busy</h1>", {"Content-Type": "text/html", "Retry-After": "1"})
                return page

            self._case(HostileCase(name, path, "stored", f"{status} with Retry-After: 1 once, then the article", title=title), dynamic=once)
        self._case(HostileCase("timeout", "/case/timeout.html", "failed", "stalls longer than DOWNLOAD_TIMEOUT every time"), raw=self._stall)
        self._case(HostileCase("reset", "/case/reset.html", "failed", "connection reset mid-body every time"), raw=self._reset_mid_body)
        path, title = "/case/reset-once.html", "连接被重置一次后恢复的文章"
        good = _article_html(title, PARAGRAPHS, canonical=path).encode()

        def reset_once(handler, base_url, number):
            if number == 1:
                return self._reset_mid_body(handler, base_url, number)
            return _send(handler, 200, {"Content-Type": "text/html; charset=utf-8"}, good.replace(BASE.encode(), base_url.encode()))

        self._case(HostileCase("reset_once", path, "stored", "connection reset mid-body once, then the article", title=title), raw=reset_once)

        def redirect(location):
            return lambda number, base: _Static(302, b"", {"Location": BASE + location, "Content-Type": "text/html"})

        path, title = "/case/meta-refresh-js.html", "元刷新指向脚本的文章"
        self._case(
            HostileCase("meta_refresh_js", path, "stored", "<meta http-equiv=refresh> to a javascript: URL: ignored, the article stored", title=title),
            self._html(_article_html(title, PARAGRAPHS, canonical=path,
                                     head_extra='<meta http-equiv="refresh" content="0;url=javascript:alert(1)">\n')),
        )
        self._case(
            HostileCase("redirect_js", "/case/redirect-js.html", "failed", "302 to a javascript: URL"),
            _Static(302, b"", {"Location": "javascript:alert(1)", "Content-Type": "text/html"}),
        )
        self._case(HostileCase("redirect_loop", "/case/redirect-a.html", "failed", "302 to redirect-b, which 302s back"), dynamic=redirect("/case/redirect-b.html"))
        self._dynamic["/case/redirect-b.html"] = redirect("/case/redirect-a.html")

        def endless(number, base):
            if number > MAX_ENDLESS_HOPS:  # so that even a crawler without a bound ends
                return _Static(404, b"<h1>404</h1>", {"Content-Type": "text/html"})
            return _Static(302, b"", {"Location": f"{BASE}/case/redirect-endless.html?hop={number}", "Content-Type": "text/html"})

        self._case(HostileCase("redirect_endless", "/case/redirect-endless.html", "failed", "302 to a new URL every time (bounded by REDIRECT_MAX_TIMES)"), dynamic=endless)

    def _build_spine(self) -> None:
        cases = list(self.cases.values())
        # Leaves first in spine order: the slow ones early, so they overlap the rest of the crawl.
        slow = {"timeout", "huge", "huge_stream", "reset"}
        cases.sort(key=lambda c: c.name not in slow)
        paths = [f"/spine/{k}.html" for k in range(1, len(cases) + 1)]
        titles = [f"稳健文章第{k}篇：细胞治疗进展" for k in range(1, len(cases) + 1)]
        for k, (path, title, case) in enumerate(zip(paths, titles, cases)):
            next_ = _link(BASE + paths[k + 1], titles[k + 1]) if k + 1 < len(paths) else None
            prev = _link(BASE + case.path, case.title or case.name)
            html = _article_html(title, [f"第{k + 1}篇。" + PARAGRAPHS[k % len(PARAGRAPHS)], *PARAGRAPHS], prev=prev, next_=next_, canonical=path)
            self._static[path] = self._html(html)
            self.spine.append((path, title))

    # --- raw misbehaviours -----------------------------------------------------------

    def _stall(self, handler, base_url, number) -> None:
        time.sleep(self.stall_seconds)
        _send(handler, 200, {"Content-Type": "text/html; charset=utf-8"}, b"<html><body><p>too late</p></body></html>")

    def _reset_mid_body(self, handler, base_url, number) -> None:
        body = _article_html("被重置的文章", PARAGRAPHS * 20).encode()
        _send(handler, 200, {"Content-Type": "text/html; charset=utf-8", "Content-Length": str(len(body))}, body[: len(body) // 3])
        # SO_LINGER 0: close() sends RST instead of FIN.
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.connection.close()

    def _stream_huge(self, handler, base_url, number) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(b"<html><body><p>")
        chunk = b"y" * 65536
        for _ in range(HUGE_SIZE // len(chunk)):
            handler.wfile.write(chunk)
        handler.wfile.write(b"</p></body></html>")


def _send(handler, status: int, headers: dict, body: bytes) -> None:
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name, value)
    if "Content-Length" not in headers:
        handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)
    handler.wfile.flush()


def main() -> None:
    """Serve the hostile site until Ctrl-C: ``python tests/hostile_site.py``."""
    from replica.server import serve, wait_for_interrupt

    site = HostileSite()
    with serve(site, port=8740) as server:
        print(f"hostile replica at {server.url}; start from {server.url}{site.start_path}", flush=True)
        for case in site.cases.values():
            print(f"  {case.name:18} {case.outcome:18} {server.url}{case.path}")
        wait_for_interrupt()


if __name__ == "__main__":
    main()
