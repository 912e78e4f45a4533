"""`build_portal()`: a rendered replica site plus its ground truth.

A `Portal` answers `response(path, base_url)` with ``(status, headers,
body_bytes)``, knows which article paths exist (`articles`, truth records in
chain order, oldest first) and can say what a crawler following only the
prev/next links could reach (`reachable_from`).
"""

from __future__ import annotations

import random
from datetime import date, timezone
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import parse_qs, unquote, urlsplit

from . import dedecms, phpcms, trs, wordpress
from .corpus import generate_articles
from .model import BASE, Page, Site, TruthArticle

STYLES = {"wordpress": (wordpress.build, date(2025, 12, 20), 1), "dedecms": (dedecms.build, date(2025, 10, 20), 2),
          "trs": (trs.build, date(2025, 1, 6), 3), "phpcms": (phpcms.build, date(2025, 4, 1), 4)}


class Portal:
    """One replica site: pages to serve and the truth an ideal crawl stores."""

    def __init__(self, style: str, seed: int, site: Site):
        self.style, self.seed = style, seed
        self.pages = site.pages
        self.articles: list[TruthArticle] = site.articles
        self.nav_links = site.nav_links
        self.not_found = site.not_found
        self.disallow_prefixes = site.disallow_prefixes
        #: Case name -> path where the case can be seen (e.g. "deleted", "shortlink").
        self.awkward = site.awkward
        self._by_path = {a.path: a for a in self.articles}
        #: Served paths a robots.txt-respecting crawler must never request.
        self.robots_disallowed: set[str] = {p for p in self.pages if self.is_disallowed(p)}

    # --- truth ---------------------------------------------------------------

    @property
    def live_articles(self) -> list[TruthArticle]:
        """Articles an ideal crawler stores (deleted ones excluded)."""
        return [a for a in self.articles if not a.deleted]

    def article(self, path: str) -> TruthArticle | None:
        return self._by_path.get(path)

    def is_disallowed(self, path: str) -> bool:
        return any(path.startswith(prefix) for prefix in self.disallow_prefixes)

    def resolve(self, href: str) -> str:
        """The path (no query) an href ends on after redirects, as served."""
        path = self._local(href)
        for _ in range(5):
            page = self.page(path)
            if page is None or page.status not in (301, 302) or not page.location:
                break
            path = self._local(page.location)
        return unquote(urlsplit(path).path)

    def reachable_from(self, path: str) -> set[str]:
        """Canonical article paths reachable from `path` by prev/next links
        alone, never entering deleted or robots-disallowed articles."""
        def usable(p: str) -> bool:
            a = self._by_path.get(p)
            return a is not None and not a.deleted and not self.is_disallowed(p)

        start = self.resolve(path)
        if not usable(start):
            return set()
        seen, todo = {start}, [start]
        while todo:
            for href in self.nav_links.get(todo.pop(), ()):
                target = self.resolve(href)
                if target not in seen and usable(target):
                    seen.add(target)
                    todo.append(target)
        return seen

    # --- serving -------------------------------------------------------------

    def page(self, path_with_query: str) -> Page | None:
        """The page served at a path; queries are ignored except WordPress's ``/?p=ID``."""
        parts = urlsplit(path_with_query)
        path = unquote(parts.path) or "/"
        if path == "/" and "p" in parse_qs(parts.query):
            return self.pages.get(f"/?p={parse_qs(parts.query)['p'][0]}")
        return self.pages.get(path)

    def response(self, path_with_query: str, base_url: str, if_modified_since: str | None = None):
        """``(status, headers, body_bytes)`` for one GET; HEAD drops the body."""
        base_url = base_url.rstrip("/")
        page = self.page(path_with_query) or self.not_found
        headers = {"Content-Type": page.content_type}
        if page.location:
            headers["Location"] = page.location.replace(BASE, base_url)
        if page.last_modified is not None:
            stamp = page.last_modified.astimezone(timezone.utc).replace(microsecond=0)
            headers["Last-Modified"] = format_datetime(stamp, usegmt=True)
            if page.status == 200 and _not_modified(if_modified_since, stamp):
                return 304, {"Last-Modified": headers["Last-Modified"]}, b""
        body = page.body.replace(BASE, base_url).encode(page.encoding)
        headers["Content-Length"] = str(len(body))
        return page.status, headers, body

    def _local(self, href: str) -> str:
        if href.startswith(BASE):
            return href[len(BASE):] or "/"
        parts = urlsplit(href)
        return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _not_modified(header: str | None, stamp) -> bool:
    if not header:
        return False
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return False  # unparsable dates are ignored, as RFC 9110 asks
    if since.tzinfo is None:
        since = since.replace(tzinfo=timezone.utc)
    return stamp <= since


def build_portal(style: str, n: int, seed: int = 0, *, unpublished: int = 0, edited: tuple[int, ...] = (),
                 theme: str = "classic") -> Portal:
    """Render a `style` (a key of ``STYLES``: "wordpress", "dedecms", "trs", "phpcms") site of `n` articles.

    Same arguments, same bytes: everything is drawn from one seeded RNG. The WordPress
    site can also be shown as it was before its `unpublished` newest articles were
    posted, after the articles at the indices `edited` were corrected, or in another
    `theme` (``wordpress.THEMES``: "redesign" is the same site after a template change).
    """
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}; choose from {sorted(STYLES)}")
    build, start, salt = STYLES[style]
    rng = random.Random(seed * 10 + salt)
    articles = generate_articles(rng, n, start)
    if unpublished or edited or theme != "classic":
        if style != "wordpress":
            raise ValueError("only the wordpress replica can show a site before or after a change")
        if theme not in wordpress.THEMES:
            raise ValueError(f"unknown theme {theme!r}; choose from {list(wordpress.THEMES)}")
        return Portal(style, seed, build(articles, rng, unpublished=unpublished, edited=tuple(edited), theme=theme))
    return Portal(style, seed, build(articles, rng))
