"""The archive's schema: every table, index and view, and how it evolves.

The archive is one SQLite file. Each change to its shape is a named migration
in ``MIGRATIONS``, applied in order and recorded in ``_sqlite_migrations``, so
an archive made by an older release is brought up to date when it is opened.
Append new migrations; never edit one that has shipped. The migrations use only
:mod:`archive.search_index` and :mod:`archive.categories`, which import only :mod:`archive.cjkfts`
of the archive, so every module may import this one (opening a file is :mod:`archive.db`).
"""

import sqlite3
import threading

from sqlite_utils.migrations import Migrations

from . import search_index
from .categories import category_group

MIGRATIONS = Migrations("medarchive")


@MIGRATIONS()
def m001_articles(db):
    """Articles, keyed by canonical URL, with a stable integer ``id`` for the search index."""
    db["articles"].create(
        {
            "url": str,
            "id": int,
            "site": str,
            "title": str,
            "category": str,
            "breadcrumb": str,
            "published": str,
            "published_raw": str,
            "published_source": str,
            "year": int,
            "body": str,
            "body_html": str,
            "disclaimer": str,
            "fetched_url": str,
            "http_status": int,
            "encoding": str,
            "content_hash": str,
            "first_seen": str,
            "last_fetched": str,
            "last_changed": str,
        },
        pk="url",
        not_null={"id", "site", "title", "body", "first_seen", "last_fetched"},
    )
    db["articles"].create_index(["id"], unique=True)
    db["articles"].create_index(["published"])
    db["articles"].create_index(["category"])
    db["articles"].create_index(["site"])


@MIGRATIONS()
def m002_references(db):
    """Reference entries of each article, and every DOI, PMID and PMCID an article cites
    (in its text, its references or its links)."""
    db["article_references"].create(
        {"article_url": str, "position": int, "text": str, "doi": str, "pmid": str, "pmcid": str},
        pk=("article_url", "position"),
        not_null={"text"},
        foreign_keys=[("article_url", "articles", "url")],
    )
    db["article_references"].create_index(["doi"])
    db["article_references"].create_index(["pmid"])
    db["article_references"].create_index(["pmcid"])
    db["article_dois"].create(
        {"article_url": str, "doi": str, "prefix": str},
        pk=("article_url", "doi"),
        foreign_keys=[("article_url", "articles", "url")],
    )
    db["article_dois"].create_index(["doi"])
    db["article_dois"].create_index(["prefix"])
    for scheme in ("pmid", "pmcid"):
        db[f"article_{scheme}s"].create(
            {"article_url": str, scheme: str},
            pk=("article_url", scheme),
            foreign_keys=[("article_url", "articles", "url")],
        )
        db[f"article_{scheme}s"].create_index([scheme])


@MIGRATIONS()
def m003_links_and_aliases(db):
    """The prev/next links each page shows, and every URL that led to an article."""
    db["links"].create(
        {"from_url": str, "rel": str, "to_url": str, "to_title": str, "date_raw": str, "date": str},
        pk=("from_url", "rel"),
        foreign_keys=[("from_url", "articles", "url")],
    )
    db["links"].create_index(["to_url"])
    db["aliases"].create({"alias_url": str, "article_url": str}, pk="alias_url", foreign_keys=[("article_url", "articles", "url")])
    db["aliases"].create_index(["article_url"])


@MIGRATIONS()
def m004_runs(db):
    """One row per crawl run, with its counts and Scrapy's stats."""
    db["runs"].create(
        {
            "id": int,
            "started": str,
            "finished": str,
            "status": str,
            "start_urls": str,
            "pages": int,
            "articles_new": int,
            "articles_updated": int,
            "articles_unchanged": int,
            "items_dropped": int,
            "errors": int,
            "stats": str,
            "settings": str,
        },
        pk="id",
        not_null={"started", "status"},
    )


@MIGRATIONS()
def m005_search_index(db):
    """Chinese full-text search: the contentless FTS5 table ``articles_search`` and its state, filled from every article."""
    search_index.create_search_index(db)
    search_index.rebuild_search_index(db)


@MIGRATIONS()
def m006_incremental_crawls(db):
    """What incremental runs need: HTTP validators and sitemap dates per article, previous
    versions of edited articles, raw pages for re-extraction, chain gaps, and the pages
    found not to be articles (so discovery does not fetch them again)."""
    db["articles"].add_column("etag", str)
    db["articles"].add_column("last_modified", str)
    db["runs"].add_column("mode", str)
    db["runs"].add_column("gaps", int)
    db["runs"].add_column("not_modified", int)
    db["article_versions"].create(
        {
            "url": str,
            "version": int,
            "title": str,
            "category": str,
            "published": str,
            "published_raw": str,
            "body": str,
            "body_html": str,
            "disclaimer": str,
            "content_hash": str,
            "first_stored": str,
            "replaced": str,
        },
        pk=("url", "version"),
        foreign_keys=[("url", "articles", "url")],
    )
    db["pages"].create(
        {"url": str, "fetched_url": str, "status": int, "headers": str, "body": bytes, "fetched_at": str},
        pk="url",
        foreign_keys=[("url", "articles", "url")],
    )
    db["gaps"].create(
        {"from_url": str, "rel": str, "to_url": str, "status": int, "reason": str, "first_seen": str, "last_seen": str, "run_id": int},
        pk=("from_url", "rel"),
    )
    db["gaps"].create_index(["to_url"])
    db["sitemap_entries"].create({"url": str, "lastmod": str, "seen": str}, pk="url")
    db["not_articles"].create({"url": str, "reason": str, "last_seen": str}, pk="url")


@MIGRATIONS()
def m007_unextracted_pages(db):
    """Pages whose extraction failed, kept as fetched so that ``reextract`` tries them again."""
    db["unextracted_pages"].create(
        {"url": str, "fetched_url": str, "status": int, "headers": str, "body": bytes, "fetched_at": str, "reason": str},
        pk="url",
    )


@MIGRATIONS()
def m008_coverage_and_drift(db):
    """Noticing a portal's template change: which fields each run's extraction found per
    article (``run_articles``), their share per run and site (``run_coverage``), the drops
    found against the site's baseline (``drift_alerts``), and the fields a re-fetch lost
    whose last known values are kept (``field_losses``)."""
    db["run_articles"].create(
        {
            "run_id": int,
            "url": str,
            "site": str,
            "title": int,
            "own_date": int,
            "body": int,
            "disclaimer": int,
            "references": int,
            "category": int,
            "prev": int,
            "next": int,
        },
        pk=("run_id", "url"),
    )
    db["run_coverage"].create(
        {"run_id": int, "site": str, "field": str, "articles": int, "present": int, "share": float},
        pk=("run_id", "site", "field"),
    )
    db["drift_alerts"].create(
        {"run_id": int, "site": str, "field": str, "baseline": float, "value": float, "articles": int, "examples": str, "message": str},
        pk=("run_id", "site", "field"),
    )
    db["field_losses"].create(
        {"url": str, "field": str, "since_run": int, "last_run": int},
        pk=("url", "field"),
        foreign_keys=[("url", "articles", "url")],
    )
    db["field_losses"].create_index(["last_run"])


#: ``published`` as one sortable text in China time: ``YYYY-MM-DD`` for a day,
#: ``YYYY-MM-DD HH:MM:SS`` when the page gave a time (a day sorts before the times of that
#: day). SQLite's ``datetime`` reads any offset, so a time given in UTC lands on the right day.
PUBLISHED_AT_SQL = (
    "case when published is null then null when length(published) = 10 then published"
    " else coalesce(datetime(published, '+8 hours'), published) end"
)


#: An in-memory database per thread for :func:`published_at` (opening one costs 20 times the query).
_MEMORY = threading.local()


def published_at(published: str | None) -> str | None:
    """``published_at`` of an article not (yet) in an archive: the column's own SQL, run by SQLite."""
    if not hasattr(_MEMORY, "conn"):
        _MEMORY.conn = sqlite3.connect(":memory:")
    return _MEMORY.conn.execute(f"select {PUBLISHED_AT_SQL.replace('published', ':published')}", {"published": published}).fetchone()[0]


@MIGRATIONS()
def m009_sortable_dates(db):
    """``published_at`` (one comparable form for every article) and ``published_day`` (for
    grouping), computed by SQLite from ``published``: every writer, old rows included, gets
    them without a line of writer code."""
    db.execute(f"alter table articles add column published_at text generated always as ({PUBLISHED_AT_SQL}) virtual")
    db.execute("alter table articles add column published_day text generated always as (substr(published_at, 1, 10)) virtual")
    db.execute("create index if not exists idx_articles_published_at on articles (published_at)")
    db.execute("create index if not exists idx_articles_published_day on articles (published_day)")


@MIGRATIONS()
def m010_trial_registrations(db):
    """Clinical-trial registrations each article names (ClinicalTrials.gov, ChiCTR, ISRCTN,
    EudraCT/CTIS, jRCT, ANZCTR), one row per article and trial, ``trial_id`` normalised."""
    db["article_trials"].create(
        {"article_url": str, "registry": str, "trial_id": str},
        pk=("article_url", "trial_id"),
        not_null={"registry"},
        foreign_keys=[("article_url", "articles", "url")],
    )
    db["article_trials"].create_index(["trial_id"])
    db["article_trials"].create_index(["registry"])


@MIGRATIONS()
def m011_works(db):
    """The cited works themselves: ``works`` (title, journal, year, authors of a paper, filled by
    ``enrich`` from Crossref and NCBI) and ``work_lookups`` (one row per DOI, PMID or PMCID
    looked up: when, with what outcome, and when to try an unknown one again)."""
    db["works"].create(
        {
            "id": int,
            "doi": str,
            "pmid": str,
            "pmcid": str,
            "title": str,
            "container_title": str,
            "publisher": str,
            "type": str,
            "issued": str,
            "year": int,
            "authors": str,
            "volume": str,
            "issue": str,
            "pages": str,
            "source": str,
            "resolved_at": str,
        },
        pk="id",
    )
    for column in ("doi", "pmid", "pmcid"):
        db.execute(f"create unique index idx_works_{column} on works ({column}) where {column} is not null")
    db["works"].create_index(["container_title"])
    db["works"].create_index(["year"])
    db["work_lookups"].create(
        {
            "scheme": str,
            "identifier": str,
            "status": str,
            "work_id": int,
            "attempts": int,
            "last_tried": str,
            "retry_after": str,
            "message": str,
        },
        pk=("scheme", "identifier"),
        not_null={"status"},
        foreign_keys=[("work_id", "works", "id")],
    )
    db["work_lookups"].create_index(["status", "retry_after"])


@MIGRATIONS()
def m012_category_groups(db):
    """``category_group``: the category in Simplified characters (OpenCC), so that a portal's
    政策法规 and its Traditional mirror's 政策法規 count as one category; filled for every row."""
    db["articles"].add_column("category_group", str)
    categories = [category for (category,) in db.execute("select distinct category from articles where category is not null")]
    db.conn.executemany(
        "update articles set category_group = ? where category = ?", [(category_group(c), c) for c in categories]
    )
    db["articles"].create_index(["category_group"])



@MIGRATIONS()
def m013_search_index_v2(db):
    """The search index again, now with FTS5's 1-character prefix index (``prefix='1'``),
    built from every article: a 1-character query no longer merges the doclists of every
    bigram that starts with that character."""
    (shape,) = db.execute("select sql from sqlite_master where name = ?", [search_index.SEARCH_TABLE]).fetchone()
    if "prefix='1'" in shape:
        return  # made by m005 of this version just now: already this shape, already filled
    db.execute(f"drop table {search_index.SEARCH_TABLE}")
    search_index.rebuild_search_index(db)


@MIGRATIONS()
def m015_article_pages(db):
    """The later pages (2, 3 ...) of articles split over pages, kept as fetched beside page 1's
    in ``pages``, so that ``reextract`` reads each such article whole again."""
    db["article_pages"].create(
        {"url": str, "number": int, "fetched_url": str, "status": int, "headers": str, "body": bytes, "fetched_at": str},
        pk=("url", "number"),
        foreign_keys=[("url", "articles", "url")],
    )


@MIGRATIONS()
def m017_search_index_line_breaks(db):
    """The search index again, now with a token between the lines of each text
    (:data:`archive.cjkfts.LINE_BREAK`), so that a phrase no longer matches across a line or
    paragraph break; the index's rows must be rewritten whole, as a contentless index only
    forgets a row given the very text it indexed."""
    if db.execute("select 1 from articles limit 1").fetchone():
        search_index.rebuild_search_index(db)


@MIGRATIONS()
def m018_year_index(db):
    """An index on ``articles.year``: the articles table's year facet reads it instead of every
    row (467 -> 13 ms at 100,000 articles, where the rows hold the bodies)."""
    db["articles"].create_index(["year"], if_not_exists=True)


@MIGRATIONS()
def m020_page_exchanges(db):
    """What a web archive needs of each kept page beyond its bytes: the HTTP exchange as it
    went (``exchange``, JSON: protocol, request line and headers, every response header, the
    server's IP), so that ``export --format warc`` writes the page as it was served; and each
    later fetch that found the page as kept (the same bytes, or 304 Not Modified), its revisits."""
    for table in ("pages", "article_pages"):
        db[table].add_column("exchange", str)
    db["page_revisits"].create(
        {"url": str, "fetched_at": str, "status": int, "exchange": str},
        pk=("url", "fetched_at"),
        foreign_keys=[("url", "articles", "url")],
    )


@MIGRATIONS()
def m021_search_index_both_scripts(db):
    """The search index again, now with each text's lines that folding to Simplified changes
    both as written and folded (:func:`archive.cjkfts.split_by_script`), so that a Simplified
    query finds Traditional text and the reverse; a new table shape, filled from every article."""
    (shape,) = db.execute("select sql from sqlite_master where name = ?", [search_index.SEARCH_TABLE]).fetchone()
    if search_index.COLUMNS[-1] in shape:
        return  # made by m005 of this version just now: already this shape, already filled
    db.execute(f"drop table {search_index.SEARCH_TABLE}")
    search_index.rebuild_search_index(db)


@MIGRATIONS()
def m022_chart_indexes(db):
    """Indexes holding every value the charts and two canned queries count, so that they read
    an index instead of the rows (which hold the bodies): articles per day, site and category
    group; each DOI with its prefix, each prefix with its articles. Each replaces the index on
    its first column alone, which SQLite would otherwise choose and then read every row."""
    db["articles"].create_index(["published_day", "site", "category_group"], if_not_exists=True)
    db["article_dois"].create_index(["doi", "prefix"], if_not_exists=True)
    db["article_dois"].create_index(["prefix", "article_url"], if_not_exists=True)
    for index in ("idx_articles_published_day", "idx_article_dois_doi", "idx_article_dois_prefix"):
        db.execute(f"drop index if exists {index}")


#: The fields of m023 whose presence ``run_articles`` records for each article of a run.
METADATA_COVERAGE = ("authors", "editor", "source", "modified", "description", "keywords", "images", "language")


@MIGRATIONS()
def m023_article_metadata(db):
    """What the page says of an article beyond its text: ``authors`` and ``keywords`` (JSON
    lists), ``editor``, the ``source`` outlet a reprint names (and its ``source_url``), the date
    ``modified`` (and ``modified_raw``), ``description`` and ``language``; its images in body
    order (``article_images``, the first the lead image); and whether each run's extraction found
    each of them (``run_articles``). Old rows are NULL until ``reextract`` reads their kept pages."""
    for column in ("authors", "editor", "source", "source_url", "modified", "modified_raw", "description", "keywords", "language"):
        db["articles"].add_column(column, str)
    # The source facet, outlets_reprinted_most and stats count outlets and their sites from it, not the rows.
    db["articles"].create_index(["source", "site"])
    db["article_images"].create(
        {"article_url": str, "position": int, "url": str, "alt": str, "caption": str},
        pk=("article_url", "position"),
        not_null={"url"},
        foreign_keys=[("article_url", "articles", "url")],
    )
    for column in METADATA_COVERAGE:
        db["run_articles"].add_column(column, int)


@MIGRATIONS()
def m024_stories(db):
    """Reprints grouped into stories (:mod:`archive.stories`): each article's ``story``, each
    story's earliest article (``stories.origin_url``), the MinHash signature of each article's
    body and its band hashes, indexed so that a new article's candidates are found by SQL.
    Existing articles get their story from ``reextract``."""
    db.execute("alter table articles add column story integer")
    db["articles"].create_index(["story"])
    # A candidate's story read from the index, not from its row (which holds the body).
    db["articles"].create_index(["id", "story"])
    # `stats` counts the stories of each month from this index, not from the rows (which hold the bodies).
    db["articles"].create_index(["published_day", "story"])
    db["stories"].create({"id": int, "origin_url": str}, pk="id")
    db["story_signatures"].create({"article_id": int, "signature": bytes}, pk="article_id")
    db.execute(
        "create table story_bands (band integer not null, hash integer not null, article_id integer not null,"
        " primary key (band, hash, article_id)) without rowid"
    )
    db["story_settings"].create({"name": str, "value": str}, pk="name")


#: The counts kept beside the rows they count, so that the charts and canned queries read a
#: few thousand rows at any size: table -> (the rows counted, key columns as SQL over one of
#: them written ``{r}``, the source's columns whose change moves a row to another key, and
#: whether a row counts after it was inserted / after it was deleted, as SQL over ``{r}``).
#: A recount is ``select key..., count(*) from source group by key...`` (for
#: ``prefix_citations``, the distinct articles per prefix): :data:`COUNT_RECOUNTS`.
COUNT_TABLES = {
    # Articles per month (NULL: undated), site, category group and year: the month charts and
    # the articles table's facets.
    "article_months": ("articles", {"month": "substr({r}.published_day, 1, 7)", "site": "{r}.site",
                                    "category_group": "{r}.category_group", "year": "{r}.year"},
                       ("published", "site", "category_group", "year"), "1", "1"),
    # Citing articles per DOI: the most_cited_dois canned query.
    "doi_citations": ("article_dois", {"doi": "{r}.doi", "prefix": "{r}.prefix"}, ("doi", "prefix"), "1", "1"),
    # Articles citing a DOI of each prefix: an article counts once per prefix, when its first
    # DOI of that prefix comes and when its last one goes (the cited_journals chart).
    "prefix_citations": ("article_dois", {"prefix": "{r}.prefix"}, ("prefix", "article_url"),
                         "{r}.prefix is not null and (select count(*) from article_dois d"
                         " where d.prefix = {r}.prefix and d.article_url = {r}.article_url) = 1",
                         "{r}.prefix is not null and not exists (select 1 from article_dois d"
                         " where d.prefix = {r}.prefix and d.article_url = {r}.article_url)"),
}
#: What each of :data:`COUNT_TABLES` holds, counted from the rows: the migration fills the
#: tables with it, and it is what they must always equal.
COUNT_RECOUNTS = {
    "article_months": "select substr(published_day, 1, 7), site, category_group, year, count(*) from articles group by 1, 2, 3, 4",
    "doi_citations": "select doi, prefix, count(*) from article_dois group by doi, prefix",
    "prefix_citations": "select prefix, count(distinct article_url) from article_dois where prefix is not null group by prefix",
}


def _count_triggers(table: str, source: str, key: dict[str, str], moved_by, adds: str, removes: str) -> list[str]:
    """The triggers keeping ``table`` equal to its count over ``source`` (:data:`COUNT_TABLES`):
    an insert adds one to its key's row (made at need), a delete takes one away (a row at 0 is
    removed), an update that moves a row to another key does both. SQLite runs them inside every
    writer's statement, so no write path can leave the counts behind."""
    def match(r):
        return " and ".join(f"{column} is {sql.format(r=r)}" for column, sql in key.items())

    def up(r):
        counts = adds.format(r=r)
        values = ", ".join(sql.format(r=r) for sql in key.values())
        return (f"insert into {table} ({', '.join(key)}, articles) select {values}, 0"
                f" where ({counts}) and not exists (select 1 from {table} where {match(r)});"
                f" update {table} set articles = articles + 1 where {match(r)} and ({counts});")

    def down(r):
        return (f"update {table} set articles = articles - 1 where {match(r)} and ({removes.format(r=r)});"
                f" delete from {table} where {match(r)} and articles = 0;")

    moved = " or ".join(f"old.{column} is not new.{column}" for column in moved_by)
    return [
        f"create trigger {table}_insert after insert on {source} begin {up('new')} end",
        f"create trigger {table}_delete after delete on {source} begin {down('old')} end",
        f"create trigger {table}_update after update of {', '.join(moved_by)} on {source} when {moved}"
        f" begin {down('old')} {up('new')} end",
    ]


@MIGRATIONS()
def m025_kept_counts(db):
    """The counts the charts, two canned queries and the articles table's facets show, kept in
    small tables (:data:`COUNT_TABLES`) by triggers on the rows they count, so that those pages
    read a few thousand rows instead of an index entry per article or DOI (0.2-0.4 s each at a
    million)."""
    db.execute("create table article_months (month text, site text, category_group text, year integer, articles integer not null)")
    db.execute("create index idx_article_months on article_months (month, site, category_group, year)")
    db.execute("create table doi_citations (doi text, prefix text, articles integer not null)")
    db.execute("create index idx_doi_citations on doi_citations (doi, prefix)")
    db.execute("create index idx_doi_citations_articles on doi_citations (articles desc, doi)")
    db.execute("create table prefix_citations (prefix text, articles integer not null)")
    db.execute("create unique index idx_prefix_citations on prefix_citations (prefix)")
    for table, (source, key, moved_by, adds, removes) in COUNT_TABLES.items():
        db.execute(f"insert into {table} ({', '.join(key)}, articles) {COUNT_RECOUNTS[table]}")
        for trigger in _count_triggers(table, source, key, moved_by, adds, removes):
            db.execute(trigger)


def has_table(conn, name: str) -> bool:
    """Whether ``conn``'s archive has the table ``name``: an archive read as it is may be older than it."""
    return conn.execute("select 1 from sqlite_master where type = 'table' and name = ?", [name]).fetchone() is not None


def article_columns(conn) -> set[str]:
    """The columns of ``conn``'s ``articles`` table, generated ones included: an archive read as
    it is, or migrated part-way, may have fewer than this code writes."""
    return {row[1] for row in conn.execute("pragma table_xinfo(articles)")}


def category_group_column(conn) -> str:
    """The column grouping categories in ``conn``'s archive: ``category_group``, or on an archive
    from before m012 read as it is (``serve`` and read-only files migrate nothing) ``category``."""
    return "category_group" if "category_group" in article_columns(conn) else "category"


def sortable_dates(conn) -> dict[str, str]:
    """SQL for ``published_at`` and ``published_day`` in ``conn``'s archive: the columns, or on an
    archive from before m009 read as it is (``serve`` and read-only files migrate nothing) the
    expressions that compute them."""
    if "published_at" in article_columns(conn):
        return {"published_at": "published_at", "published_day": "published_day"}
    return {"published_at": f"({PUBLISHED_AT_SQL})", "published_day": f"substr(({PUBLISHED_AT_SQL}), 1, 10)"}
