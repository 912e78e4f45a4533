"""Valid HTML that is slow to read: article-like paragraphs, each wrapped in ``depth`` nested
``<div>``s, repeated to a given size. ``depth=1`` gives a flat page of the same text.

Used by ``tests/test_slow_pages.py`` and ``bench/slow_pages.py``.
"""

import time

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
    """A replica portal that also serves one ``page`` at ``path``, noting when each answer
    was given (``answered``: monotonic time, path), to see what the crawl fetched meanwhile."""

    def __init__(self, portal, path: str, page: bytes):
        self.portal, self.style, self.path, self.page = portal, portal.style, path, page
        self.answered: list[tuple[float, str]] = []

    def response(self, path, base_url, if_modified_since=None):
        self.answered.append((time.monotonic(), path))
        if path == self.path:
            return 200, {"Content-Type": "text/html; charset=utf-8", "Content-Length": str(len(self.page))}, self.page
        return self.portal.response(path, base_url, if_modified_since)
