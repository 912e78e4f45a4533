"""Valid HTML that is slow to read: article-like paragraphs, each wrapped in ``depth`` nested
``<div>``s, repeated to a given size. ``depth=1`` gives a flat page of the same text.

Used by ``tests/test_slow_pages.py`` and ``bench/slow_pages.py``.
"""


PARAGRAPH = "<p>" + "心血管疾病的研究进展，患者在治疗后恢复良好。" * 3 + "</p>"


def nested_page(depth: int, size: int) -> bytes:
    """A UTF-8 page of about ``size`` bytes whose paragraphs sit ``depth`` ``<div>``s deep."""
    chunk = "<div>" * depth + PARAGRAPH + "</div>" * depth
    repeats = max(1, size // len(chunk.encode()))
    return (
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>层层嵌套的页面</title></head>"
        f"<body><h1>层层嵌套的页面</h1>{chunk * repeats}</body></html>"
    ).encode()


class WithDeepPage:
    """A replica portal that also serves one ``page`` at ``path``. ``answered``: the paths
    answered, in order; ``sent``: how many of them had been answered when the last byte of
    ``page`` was handed over, to count what the crawl fetched while it read the page."""

    def __init__(self, portal, path: str, page: bytes):
        self.portal, self.style, self.path, self.page = portal, portal.style, path, page
        self.answered: list[str] = []
        self.sent: int | None = None

    def response(self, path, base_url, if_modified_since=None):
        self.answered.append(path)
        return self.portal.response(path, base_url, if_modified_since)

    def raw_handler(self, path):
        return self._send_page if path == self.path else None

    def _send_page(self, handler, base_url) -> None:
        self.answered.append(self.path)
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(self.page)))
        handler.end_headers()
        handler.wfile.write(self.page)
        self.sent = len(self.answered)
