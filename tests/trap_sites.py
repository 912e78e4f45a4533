"""Sites that set traps for a crawler, served by `replica.server.serve` like a
replica portal (`response()` answers each request):

* `EndlessChainSite`: a prev/next chain that never ends, ``/a/N.html`` linking to
  ``/a/N+1.html`` for every N, as a generated or booby-trapped site does. Its sitemap
  names only the three articles of a short, ordinary chain (``/news/1.html`` ... ``/news/3.html``).
* `GzipBombSite`: an article whose next page is a few KB of gzip that inflate past
  ``DOWNLOAD_MAXSIZE``.
* `SlowPageSite`: an article whose next page takes ``stall_seconds`` to answer; the
  server logs that request as it arrives, so a test knows a page is in flight.
"""

import gzip
import time
from html import escape

LISTED = ("/news/1.html", "/news/2.html", "/news/3.html")


def article_html(title: str, base: str, prev: str | None, next_: str | None) -> str:
    def link(path):
        return f'<a href="{base}{path}">{escape(path)}</a>' if path else "没有了"

    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(title)}</title></head>
<body><article>
<h1 class="entry-title">{escape(title)}</h1>
<div class="entry-content">
<p>间充质干细胞治疗膝骨关节炎的临床研究显示，患者疼痛评分在六个月后明显下降。</p>
<p>研究团队共纳入一百二十例受试者，随机分为治疗组与对照组，随访时间为十二个月。</p>
</div>
<div class="pre_next"><p>上一篇：{link(prev)}</p><p>下一篇：{link(next_)}</p></div>
</article></body></html>"""


class EndlessChainSite:
    style = "endless"

    def response(self, path_with_query: str, base_url: str, if_modified_since: str | None = None):
        base = base_url.rstrip("/")
        path = path_with_query.split("?", 1)[0]
        if path == "/robots.txt":
            return self._answer(f"User-agent: *\nAllow: /\nSitemap: {base}/sitemap.xml\n", "text/plain")
        if path == "/sitemap.xml":
            urls = "".join(f"<url><loc>{base}{listed}</loc></url>" for listed in LISTED)
            return self._answer(f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>', "application/xml")
        if path in LISTED:
            i = LISTED.index(path)
            prev = LISTED[i - 1] if i > 0 else None
            next_ = LISTED[i + 1] if i + 1 < len(LISTED) else None
            return self._answer(article_html(f"资讯第{i + 1}篇", base, prev, next_))
        if path.startswith("/a/") and path.endswith(".html") and path[3:-5].isdigit():
            n = int(path[3:-5])
            return self._answer(article_html(f"生成文章第{n}篇", base, f"/a/{n - 1}.html" if n > 1 else None, f"/a/{n + 1}.html"))
        return 404, {"Content-Type": "text/html; charset=utf-8"}, "<h1>404 页面不存在</h1>".encode()

    @staticmethod
    def _answer(text: str, content_type: str = "text/html"):
        return 200, {"Content-Type": f"{content_type}; charset=utf-8"}, text.encode()


#: Bytes the bomb inflates to: more than DOWNLOAD_MAXSIZE (10 MB).
BOMB_SIZE = 12 * 1024 * 1024


class GzipBombSite:
    style = "gzip-bomb"

    def __init__(self):
        self.bomb = gzip.compress(b"<html>" + b" " * BOMB_SIZE, compresslevel=9)

    def response(self, path_with_query: str, base_url: str, if_modified_since: str | None = None):
        base = base_url.rstrip("/")
        path = path_with_query.split("?", 1)[0]
        if path == "/start.html":
            return 200, {"Content-Type": "text/html; charset=utf-8"}, article_html("起点文章", base, None, "/bomb.html").encode()
        if path == "/bomb.html":
            return 200, {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"}, self.bomb
        return 404, {"Content-Type": "text/html; charset=utf-8"}, "<h1>404 页面不存在</h1>".encode()


class SlowPageSite:
    style = "slow-page"

    def __init__(self, stall_seconds: float = 10.0):
        self.stall_seconds = stall_seconds

    def response(self, path_with_query: str, base_url: str, if_modified_since: str | None = None):
        if path_with_query.split("?", 1)[0] == "/start.html":
            return 200, {"Content-Type": "text/html; charset=utf-8"}, article_html("起点文章", base_url.rstrip("/"), None, "/slow.html").encode()
        return 404, {"Content-Type": "text/html; charset=utf-8"}, "<h1>404 页面不存在</h1>".encode()

    def raw_handler(self, path: str):
        return self._answer_slowly if path.split("?", 1)[0] == "/slow.html" else None

    def _answer_slowly(self, handler, base_url: str) -> None:
        time.sleep(self.stall_seconds)
        body = article_html("慢文章", base_url.rstrip("/"), "/start.html", None).encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
