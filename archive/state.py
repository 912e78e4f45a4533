"""What an incremental crawl needs to know of the archive before it fetches anything.

Read once, before the first request, so it has to stay fast at a million articles
(bench/scale.py measures it): every query here reads an index, never the article rows
themselves, whose bodies and kept pages make a full scan read the whole file.
"""

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

    ``articles`` holds every archived article's URL and ``aliases`` every other URL that
    led to one (alias -> article URL); ``newest`` lists the newest articles of each site,
    newest first (the chain grows at their 下一篇 links); ``validators`` are the ETag and
    Last-Modified of the articles a run asks again (the newest and the start URLs);
    ``frontier`` holds links to pages never archived (a crawl stopped before reaching
    them, or they failed); ``sitemap`` is each page's lastmod as last seen; ``not_articles``
    are pages fetched before and found not to be articles.
    """

    articles: set[str] = field(default_factory=set)
    aliases: dict[str, str] = field(default_factory=dict)
    newest: dict[str, list[str]] = field(default_factory=dict)
    validators: dict[str, KnownArticle] = field(default_factory=dict)
    frontier: list[tuple[str, str, str]] = field(default_factory=list)  # (to_url, from_url, rel)
    sitemap: dict[str, str | None] = field(default_factory=dict)
    not_articles: set[str] = field(default_factory=set)

    def is_known(self, url: str) -> bool:
        """True for an archived article (by canonical URL or alias)."""
        return url in self.articles or url in self.aliases

    def is_settled(self, url: str) -> bool:
        """True for a URL an incremental run need not fetch to find something new."""
        return self.is_known(url) or url in self.not_articles

    def article(self, url: str) -> KnownArticle:
        """The archived article at ``url`` (a canonical URL or an alias), with its
        validators when the run asked for them."""
        article_url = self.aliases.get(url, url)
        return self.validators.get(article_url) or KnownArticle(article_url)


def load_state(path, newest_per_site: int, recheck=(), sites=None) -> CrawlState:
    """Read the crawl state from the archive at ``path``; an empty state if there is none yet.
    ``recheck`` are URLs (start URLs) whose validators the run needs besides the newest articles'.
    With ``sites`` (origins, ``https://host[:port]``) only what lies on those sites is read, under
    either scheme (a site that moved to https keeps its archived http URLs): a crawl never
    follows a link off its sites, so the rest of a many-portal archive is of no use to it."""
    state = CrawlState()
    if not Path(path).is_file():
        return state
    db = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
    try:
        if not db.execute("select 1 from sqlite_master where name = 'gaps'").fetchone():
            return state  # made by a release without incremental crawls: crawl it in full
        on_sites = _on_sites(sites)

        def rows_on_sites(sql, column):
            where, params = on_sites(column)
            return db.execute(f"{sql} where {where}", params)

        # SQLite reads this from the index on url (covering), not from the rows
        state.articles = {url for (url,) in rows_on_sites("select url from articles", "url")}
        state.aliases = dict(rows_on_sites("select alias_url, article_url from aliases", "alias_url"))
        state.newest = _newest(db, newest_per_site, sites)
        wanted = {state.aliases.get(url, url) for url in recheck} | {url for newest in state.newest.values() for url in newest}
        state.validators = _validators(db, wanted & state.articles)
        state.frontier = _frontier(db, on_sites("links.to_url"))
        state.sitemap = dict(rows_on_sites("select url, lastmod from sitemap_entries", "url"))
        state.not_articles = {url for (url,) in rows_on_sites("select url from not_articles", "url")}
    finally:
        db.close()
    return state


def _on_sites(sites):
    """A function giving, for a URL column, the condition (SQL, parameters) that it lies on one
    of ``sites``: one range of the column's index per site and scheme; any URL without sites."""
    prefixes = sorted({f"{scheme}://{site.split('://', 1)[-1]}/" for site in sites for scheme in ("http", "https")}) if sites else []

    def on_sites(column: str) -> tuple[str, list[str]]:
        if not prefixes:
            return "1", []
        # every URL that starts with "https://host/" sorts before "https://host0"
        ranges = " or ".join(f"({column} >= ? and {column} < ?)" for _ in prefixes)
        return f"({ranges})", [bound for prefix in prefixes for bound in (prefix, prefix[:-1] + "0")]

    return on_sites


def _sites(db) -> list[str]:
    """Every site, one index seek per site rather than a pass over all articles."""
    return [site for (site,) in db.execute(
        """
        with recursive sites(site) as (
            select min(site) from articles
            union all
            select (select min(site) from articles where site > sites.site) from sites where sites.site is not null)
        select site from sites where site is not null
        """
    )]


def _newest(db, per_site: int, sites=None) -> dict[str, list[str]]:
    """The ``per_site`` newest articles of each site (dated ones by date, then undated ones
    by id, newest first). Walks the date index from the newest down and stops once every
    site has its share, so the cost follows how far back the least active site's newest
    articles lie, not the size of the archive."""
    newest = {site: [] for site in _sites(db) if not sites or site in sites}
    if per_site <= 0 or not newest:
        return {}
    short = set(newest)
    for site, url in db.execute("select site, url from articles where published is not null order by published desc, id desc"):
        if site in short:
            newest[site].append(url)
            if len(newest[site]) == per_site:
                short.discard(site)
                if not short:
                    break
    for site in short:
        newest[site] += [url for (url,) in db.execute(
            "select url from articles where site = ? and published is null order by id desc limit ?",
            [site, per_site - len(newest[site])])]
    return {site: urls for site, urls in newest.items() if urls}


def _validators(db, urls) -> dict[str, KnownArticle]:
    rows = (db.execute("select url, etag, last_modified from articles where url = ?", [url]).fetchone() for url in sorted(urls))
    return {row[0]: KnownArticle(*row) for row in rows}


def _frontier(db, on_sites: tuple[str, list[str]]) -> list[tuple[str, str, str]]:
    """Links to pages neither archived nor known as aliases: their targets from the index on
    ``links.to_url``, each looked up in the URL indexes (in SQLite: half the CPU of doing it
    in Python), then the links to the few unknown ones."""
    where, params = on_sites
    missing = db.execute(
        f"""
        select distinct to_url from links
        where {where} and to_url not in (select url from articles) and to_url not in (select alias_url from aliases)
        """,
        params,
    ).fetchall()
    return [row for (url,) in missing for row in db.execute(
        "select to_url, from_url, rel from links where to_url = ? order by from_url, rel", [url])]
