"""What an incremental crawl needs to know of the archive before it fetches anything."""

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class KnownArticle:
    url: str
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class CrawlState:
    """The archive as the crawl's plan sees it.

    ``known`` maps every archived URL and alias to its article; ``newest`` lists the
    newest articles of each site, newest first (the chain grows at their 下一篇 links);
    ``frontier`` holds links to pages never archived (a crawl stopped before reaching
    them, or they failed); ``sitemap`` is each page's lastmod as last seen; ``not_articles`` are pages
    fetched before and found not to be articles.
    """

    known: dict[str, KnownArticle] = field(default_factory=dict)
    newest: dict[str, list[str]] = field(default_factory=dict)
    frontier: list[tuple[str, str, str]] = field(default_factory=list)  # (to_url, from_url, rel)
    sitemap: dict[str, str | None] = field(default_factory=dict)
    not_articles: set[str] = field(default_factory=set)

    def is_known(self, url: str) -> bool:
        """True for an archived article (by canonical URL or alias)."""
        return url in self.known

    def is_settled(self, url: str) -> bool:
        """True for a URL an incremental run need not fetch to find something new."""
        return url in self.known or url in self.not_articles


def load_state(path, newest_per_site: int) -> CrawlState:
    """Read the crawl state from the archive at ``path``; an empty state if there is none yet."""
    state = CrawlState()
    if not Path(path).is_file():
        return state
    db = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
    try:
        if not db.execute("select 1 from sqlite_master where name = 'gaps'").fetchone():
            return state  # made by a release without incremental crawls: crawl it in full
        for url, etag, last_modified in db.execute("select url, etag, last_modified from articles"):
            state.known[url] = KnownArticle(url, etag, last_modified)
        for alias, url in db.execute("select alias_url, article_url from aliases"):
            state.known.setdefault(alias, state.known.get(url, KnownArticle(url)))
        rows = db.execute(
            """
            select site, url from (
                select site, url, row_number() over (
                    partition by site order by published is null, published desc, id desc) as position
                from articles)
            where position <= ? order by site, position
            """,
            [newest_per_site],
        )
        for site, url in rows:
            state.newest.setdefault(site, []).append(url)
        state.frontier = db.execute(
            """
            select distinct links.to_url, links.from_url, links.rel from links
            where links.to_url is not null
              and links.to_url not in (select url from articles)
              and links.to_url not in (select alias_url from aliases)
            """
        ).fetchall()
        state.sitemap = dict(db.execute("select url, lastmod from sitemap_entries"))
        state.not_articles = {url for (url,) in db.execute("select url from not_articles")}
    finally:
        db.close()
    return state
