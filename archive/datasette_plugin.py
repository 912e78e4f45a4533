"""Datasette 0.65 plugin: Chinese search in the table search box, SQL functions, safe article HTML.

Loaded by :mod:`archive.serve` (``pm.register``), or by any datasette in the same
environment once ``[project.entry-points.datasette] medarchive = "archive.datasette_plugin"``
is in ``pyproject.toml``. Everything is limited to databases that have our
``articles_search`` table, so other databases served alongside are untouched.

* ``prepare_connection`` registers ``cjk_match(q)``, ``cjk_index(text)``,
  ``cjk_snippet(text, q)``, ``cjk_query_error(q)``, ``doi_from_input(text)`` (a DOI as
  pasted, :func:`archive.browse.doi_from_input`), ``trial_from_input(text)`` (a trial
  number as typed, :func:`archive.browse.trial_from_input`) and ``doi_publisher(prefix)``
  (:func:`archive.stats.publisher`), and replaces datasette's
  ``escape_fts`` with :func:`lenient_box_query` (for a datasette given ``metadata.json``'s
  ``fts_table`` without our metadata hook). ``trylast``
  makes ours run after datasette's own ``datasette.sql_functions`` plugin, which
  would otherwise register ``escape_fts`` over it. Any web page can make a browser
  call these functions with any argument, so their input is bounded: a query over
  :data:`MAX_QUERY_CHARS` matches nothing, ``cjk_index`` refuses text over
  :data:`MAX_TEXT_CHARS`, ``cjk_snippet`` looks only at that many characters.
* ``filters_from_request`` answers the articles table's search box (``?_search=``) in place of
  datasette's own search (our metadata leaves out ``fts_table``): the
  :data:`archive.search.RANK_AT_MOST` most recently archived matches of title and body
  (:func:`archive.search.newest_matches`), so that the rows, count and facets of a word in
  every article read that many rows, and the page says which rows these are.
* ``render_cell`` shows ``body_html`` sanitised again by the crawler's nh3 allow-list
  (article HTML is untrusted, and a file may have been written by an older or another
  tool: no script, no event handler, no ``javascript:`` URL survives) and ``body`` with
  its line breaks, each in a scrolling box.
* ``register_routes`` serves ``/-/coverage.svg``: each site's field coverage over its
  recent runs large enough for the drift check to judge, as line charts
  (:func:`archive.coverage.coverage_svg`); the article page
  ``/-/article/<database>?url=…`` (:func:`archive.browse.article_page`); the charts page
  ``/-/charts/<database>`` (each bar or point a link to its articles) and its SVGs
  (:mod:`archive.stats`); ``/-/medarchive.css``.
* For reading: ``get_metadata`` gives every archive served the configuration of
  ``metadata.json`` (search box, sorting, canned queries), so a plain ``datasette archive.db``
  reads it like ``medarchive serve``; ``render_cell`` links titles to the article page, DOIs
  to doi.org and to the articles citing them, and shows search hits as ``<mark>``; images of
  articles become links (nothing is loaded from a portal). ``asgi_wrapper`` opens the bare
  ``articles`` table with the readable columns (:data:`READABLE_COLUMNS`) as ``?_col=``, the
  only way datasette 0.65 has to choose default columns; the others stay one click away
  ("Show all columns" keeps the ``_sort_desc`` and so is not redirected again). Our pages
  use no inline script, so the CSP of :mod:`archive.serve` needs no new hash.
"""

import contextvars
import copy
import functools
import json
import re
import sqlite3
from importlib import resources
from urllib.parse import parse_qsl, quote, urlencode

from datasette import hookimpl
from datasette.filters import FilterArguments
from datasette.facets import ColumnFacet
from markupsafe import Markup, escape

from . import browse, cjkfts, coverage, drift, search, stats, stories
from .db import readonly_uri
from .sanitize import sanitize_html
from .schema import category_group_column, has_table, sortable_dates

#: The columns the search box searches, as :func:`archive.search.search` does by default.
BOX_COLUMNS = search.SEARCHED
#: An FTS5 expression that matches nothing (an empty phrase), for queries we cannot read.
MATCH_NOTHING = '""'
_OPERATOR_CHARS = re.compile(r'["(){}^*:]')
_OPERATOR_WORDS = {"AND", "OR", "NOT", "NEAR", "-"}
#: Longest search query read; a longer one matches nothing (no one types 1,000 characters,
#: and the rewrite of a long query costs time and memory in proportion).
MAX_QUERY_CHARS = 1000
#: Longest text ``cjk_index``/``cjk_snippet`` take: far beyond any article body, while
#: indexing it costs about 0.3 s and 50 MB (30 million characters took 3 GB).
MAX_TEXT_CHARS = 1_000_000


class InputTooLong(ValueError):
    """An argument of one of our SQL functions is longer than its bound."""


def _bounded_query(query):
    """``query`` (``None`` as empty), or :class:`cjkfts.QuerySyntaxError` when it is too long to read."""
    query = query or ""
    if len(query) > MAX_QUERY_CHARS:
        raise cjkfts.QuerySyntaxError(f"the search is longer than {MAX_QUERY_CHARS} characters: shorten it")
    return query


def cjk_match(query):
    """``match_query`` for SQL: an expression matching nothing when the query cannot be read
    (so a page never fails; ``cjk_query_error(q)`` says why)."""
    try:
        return cjkfts.match_query(_bounded_query(query))
    except cjkfts.QuerySyntaxError:
        return MATCH_NOTHING


def cjk_query_error(query):
    """Why ``query`` cannot be searched, or NULL when it can."""
    try:
        cjkfts.parse_query(_bounded_query(query))
    except cjkfts.QuerySyntaxError as error:
        return str(error)
    return None


def box_query(query) -> cjkfts.Query | None:
    """The search box's query, parsed: for one it cannot read (``"哮喘``, ``哮喘 AND``) the same
    words without the syntax; None when nothing is left to look for (or it is too long)."""
    query = query or ""
    if len(query) > MAX_QUERY_CHARS:
        return None
    try:
        return cjkfts.parse_query(query)
    except cjkfts.QuerySyntaxError:
        words = [w for w in _OPERATOR_CHARS.sub(" ", query).split() if w not in _OPERATOR_WORDS]
        words = [w.lstrip("-") for w in words if w.lstrip("-")]
        try:
            return cjkfts.parse_query(" ".join(words))
        except cjkfts.QuerySyntaxError:
            return None


def lenient_box_query(query):
    """The FTS5 expression of :func:`box_query` over title and body; one matching nothing when
    nothing is left to look for: never an FTS5 error."""
    parsed = box_query(query)
    return MATCH_NOTHING if parsed is None else cjkfts.match_query(parsed, columns=BOX_COLUMNS)


@functools.lru_cache(maxsize=256)
def _pattern(query):
    return search.highlight_pattern(query)


def cjk_snippet(text, query):
    """A passage of ``text`` around the first hit of ``query``, hits in ``⟦…⟧``: marks no
    article uses, unlike ``[1]`` reference markers; ``render_cell`` shows them as ``<mark>``."""
    if text is None:
        return None
    text = text[:MAX_TEXT_CHARS]
    try:
        pattern = _pattern(_bounded_query(query))
    except cjkfts.QuerySyntaxError:
        return text[:90]
    return search.make_snippet(text, pattern, markup="marks")


def cjk_index(text):
    """:func:`cjkfts.index_text` for SQL, refusing text over :data:`MAX_TEXT_CHARS`."""
    if text is not None and len(text) > MAX_TEXT_CHARS:
        raise InputTooLong(f"cjk_index() takes at most {MAX_TEXT_CHARS} characters")
    return cjkfts.index_text(text)


#: Most results the canned search lists.
CANNED_SEARCH_LIMIT = 100


def _ranked(conn):
    """``cjk_ranked(q)`` for ``conn``: :func:`archive.search.ranking` of ``q`` as a JSON list of
    ``[id, score, ranked_by]``, best first; an empty list for a query it cannot read. The canned
    search lists these, so the browser gets the CLI's order, bound for common words included."""

    def cjk_ranked(query):
        try:
            rows, order = search.ranking(conn, _bounded_query(query), limit=CANNED_SEARCH_LIMIT)
        except cjkfts.QuerySyntaxError:
            return "[]"
        return json.dumps([[id_, score, order] for id_, score in rows])

    return cjk_ranked


def _has_search_index(conn) -> bool:
    return has_table(conn, search.SEARCH_TABLE)


@hookimpl(trylast=True)
def prepare_connection(conn, database, datasette):
    conn.create_function("cjk_match", 1, cjk_match, deterministic=True)
    conn.create_function("cjk_index", 1, cjk_index, deterministic=True)
    conn.create_function("cjk_snippet", 2, cjk_snippet, deterministic=True)
    conn.create_function("cjk_query_error", 1, cjk_query_error, deterministic=True)
    conn.create_function("doi_from_input", 1, browse.doi_from_input, deterministic=True)
    conn.create_function("trial_from_input", 1, browse.trial_from_input, deterministic=True)
    conn.create_function("doi_publisher", 1, stats.publisher, deterministic=True)
    if _has_search_index(conn):
        # Only here: another database's FTS tables keep datasette's own escaping.
        conn.create_function("escape_fts", 1, lenient_box_query, deterministic=True)
        conn.create_function("cjk_ranked", 1, _ranked(conn))


_SCROLL_BOX = '<div class="medarchive-body">{}</div>'
#: The search of the articles table page being answered, for the snippets under its titles
#: (datasette 0.65's ``render_cell`` is not given the request).
_TABLE_SEARCH = contextvars.ContextVar("medarchive_table_search", default=None)
#: The articles table as it opens: what a reader scans first (the URL comes first as the row link).
READABLE_COLUMNS = ("title", "published_day", "category", "site")
_HIT = re.compile("⟦(.*?)⟧", re.S)


@functools.lru_cache(maxsize=64)
def _archive_dates(path: str) -> dict | None:
    """:func:`archive.schema.sortable_dates` of the archive at ``path``, with its
    ``category_group`` (:func:`archive.schema.category_group_column`); None for any other file."""
    try:
        conn = sqlite3.connect(readonly_uri(path), uri=True)
    except (sqlite3.Error, OSError):
        return None
    try:
        if not _has_search_index(conn):
            return None
        return {**sortable_dates(conn), "category_group": category_group_column(conn), "metadata": has_table(conn, "article_images"),
                "kept_counts": has_table(conn, "article_months")}
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def _dates(datasette, database) -> dict | None:
    served = datasette.databases.get(database) if database else None
    return _archive_dates(served.path) if served is not None and served.path else None


def is_archive(datasette, database) -> bool:
    """True when the served database ``database`` is a medarchive archive (it has our search index)."""
    return _dates(datasette, database) is not None


def _has_date_columns(datasette, database) -> bool:
    """False for an archive from before ``published_at`` read as it is (see :func:`sortable_dates`)."""
    return _dates(datasette, database)["published_at"] == "published_at"


#: The canned queries reading the columns of m023.
METADATA_QUERIES = ("articles_from_outlet", "outlets_reprinted_most", "authors")

#: What the canned queries reading m025's kept counts run instead on an archive from before m025 read
#: as it is (``serve`` migrates nothing): the same numbers, counted from the rows.
COUNTING_QUERIES = {
    "articles_per_month": "select substr(day, 1, 7) as month, sum(articles) as articles\nfrom (select published_day as day,"
                          " count(*) as articles from articles\n  where published_day is not null group by published_day)\n"
                          "group by month order by month desc",
    "most_cited_dois": "select doi, prefix, doi_publisher(prefix) as publisher, articles\nfrom (select doi, prefix, count(*)"
                       " as articles from article_dois group by doi, prefix\n  order by articles desc, doi limit 100)\n"
                       "order by articles desc, doi",
}
#: The articles table's facets counted from m025's ``article_months``: column -> SQL giving
#: (value, count) for every article, the numbers datasette's column facet counts from the rows.
KEPT_FACETS = {
    column: f"select {column} as value, sum(articles) as count from article_months where {column} is not null group by {column}"
    for column in ("site", "category_group", "year")
}
#: A table page's rows before any filter (datasette's SQL for its facets): ``select … from articles``.
_WHOLE_TABLE = re.compile(r"select [^;]* from articles\s*", re.S)
#: datasette 0.65's column facet query: column, the rows' SQL, limit.
_FACET_SQL = re.compile(r"\s*select (\w+) as value, count\(\*\) as count from \(\s*(.*?)\s*\)\s*where \1 is not null"
                        r"\s*group by \1 order by count desc, value limit (\d+)\s*", re.S)


class _KeptCountsDatasette:
    """``datasette`` as :class:`KeptCountFacet` sees it: a facet query of :data:`KEPT_FACETS` over
    the rows ``whole`` (every article) answered from the kept counts; all else as it is."""

    def __init__(self, datasette, whole: str):
        self._datasette, self._whole = datasette, whole.strip()

    def __getattr__(self, name):
        return getattr(self._datasette, name)

    async def execute(self, database, sql, params=None, **kwargs):
        match = _FACET_SQL.fullmatch(sql)
        if match and match.group(1) in KEPT_FACETS and match.group(2) == self._whole and not params:
            sql = f"{KEPT_FACETS[match.group(1)]} order by count desc, value limit {match.group(3)}"
        return await self._datasette.execute(database, sql, params, **kwargs)


class KeptCountFacet(ColumnFacet):
    """datasette's column facet, which on an archive's ``articles`` table without a filter counts
    ``site``, ``category_group`` and ``year`` from m025's kept counts (a few thousand rows) instead
    of a pass over an index entry per article (0.17-0.35 s each at a million)."""

    def __init__(self, datasette, *args, **kwargs):
        super().__init__(datasette, *args, **kwargs)
        if (self.table == "articles" and not self.params and _WHOLE_TABLE.fullmatch(self.sql)
                and (_dates(datasette, self.database) or {}).get("kept_counts")):
            self.ds = _KeptCountsDatasette(datasette, self.sql)


@hookimpl(hookwrapper=True)
def register_facet_classes():
    """datasette's facet classes, its column facet replaced by :class:`KeptCountFacet` (which does
    what it does everywhere but on an archive's unfiltered articles table)."""
    outcome = yield
    outcome.force_result([[KeptCountFacet if facet is ColumnFacet else facet for facet in facets] for facets in outcome.get_result()])


#: ``articles`` named in a canned query's ``from`` or ``join``.
_ARTICLES_TABLE = re.compile(r"\b(from|join)\s+articles\b")


def _metadata_for(datasette, name: str) -> dict:
    """``metadata.json``'s database section for the archive ``name``: with links to its articles and charts,
    and on an archive without the date columns, canned queries that compute them."""
    metadata = copy.deepcopy(_archive_metadata())
    without_datasettes_search(metadata)
    charts = datasette.urls.path(f"/-/charts/{quote(name, safe='')}")
    metadata["description_html"] = Markup(
        '{} <a class="medarchive-articles-link" href="{}">Start with the articles</a> (search, facets, each title opens the article) · '
        '<a class="medarchive-charts-link" href="{}">Charts of the archive</a>'
    ).format(metadata.get("description", ""), datasette.urls.table(name, "articles"), charts)
    if not _dates(datasette, name)["kept_counts"]:
        for query, sql in COUNTING_QUERIES.items():
            metadata["queries"][query]["sql"] = sql
    if _dates(datasette, name)["category_group"] != "category_group":
        metadata["tables"]["articles"]["facets"][0] = "category"
    if not _dates(datasette, name)["metadata"]:
        without_metadata_columns(metadata)
    if not _has_date_columns(datasette, name):
        dates = _dates(datasette, name)
        dated = f"(select *, {dates['published_at']} as published_at, {dates['published_day']} as published_day from articles) as articles"
        metadata["tables"]["articles"]["sort_desc"] = "published"
        for query in metadata["queries"].values():
            query["sql"] = _ARTICLES_TABLE.sub(lambda match: f"{match.group(1)} {dated}", query["sql"])
    return metadata


def without_metadata_columns(section: dict) -> None:
    """Take out of ``section`` (``metadata.json``'s database section) the facet and canned queries
    reading the columns of m023: an archive from before it, read as it is, has no outlet or author."""
    section["tables"]["articles"]["facets"].remove("source")
    for query in METADATA_QUERIES:
        section["queries"].pop(query)


def article_url(datasette, database: str, url: str) -> str:
    """The archive's page of the article at ``url``."""
    return datasette.urls.path(f"/-/article/{quote(database, safe='')}?" + urlencode({"url": url}))


def citing_url(datasette, database: str, doi: str) -> str:
    """The canned query listing the archive's articles that cite ``doi``."""
    return datasette.urls.query(database, "articles_citing_doi") + "?" + urlencode({"doi": doi})


def naming_url(datasette, database: str, trial_id: str) -> str:
    """The canned query listing the archive's articles that name the trial ``trial_id``."""
    return datasette.urls.query(database, "articles_naming_trial") + "?" + urlencode({"trial": trial_id})


def hits_as_marks(snippet: str) -> Markup:
    """A ``cjk_snippet`` with its ``⟦hits⟧`` as ``<mark>``, everything else escaped."""
    out, last = [], 0
    for hit in _HIT.finditer(snippet):
        out.append(escape(snippet[last : hit.start()]))
        out.append(Markup("<mark>{}</mark>").format(hit.group(1)))
        last = hit.end()
    out.append(escape(snippet[last:]))
    return Markup("").join(out)


def readable_html(value: str) -> Markup:
    """Article HTML as shown: sanitised again, its images as links."""
    return Markup(browse.images_as_links(sanitize_html(value)))


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if not isinstance(value, str) or not value or not is_archive(datasette, database):
        return None
    if column == "doi":
        return Markup(browse.doi_links(value, citing_url(datasette, database, value)))
    if column == "trial_id" and "registry" in row.keys() and browse.trial_url(row["registry"], value):
        return Markup('<a href="{}" rel="noreferrer">{}</a>').format(browse.trial_url(row["registry"], value), value)
    if column == "title" and table in ("articles", None) and "url" in row.keys() and row["url"]:
        link = Markup('<a class="medarchive-article" href="{}">{}</a>').format(article_url(datasette, database, row["url"]), value)
        query = _TABLE_SEARCH.get() if table == "articles" else None
        return _with_snippet(datasette, database, row["url"], query, link) if query else link
    if column == "snippet" and table is None:
        return hits_as_marks(value)
    if table != "articles":
        return None
    if column == "body_html":
        return Markup(_SCROLL_BOX.format(readable_html(value)))
    if column == "body":
        return Markup(_SCROLL_BOX.format(escape(value).replace("\n", Markup("<br>"))))
    return None


async def _with_snippet(datasette, database: str, url: str, query: str, link: Markup) -> Markup:
    """``link`` (a title) with the passage of the article's body around the first hit of ``query``."""
    found = (await datasette.get_database(database).execute("select cjk_snippet(body, ?) from articles where url = ?", [query, url])).first()
    snippet = found[0] if found else None
    if not snippet:
        return link
    return link + Markup('<div class="medarchive-snippet">{}</div>').format(hits_as_marks(snippet))


def without_datasettes_search(database: dict) -> dict:
    """``database`` (a database section of metadata) with the articles table's ``fts_table`` and
    ``fts_pk`` taken out: with them datasette's own search would add a condition walking every
    match to :func:`filters_from_request`'s bounded one. Returns it, changed in place."""
    articles = database.get("tables", {}).get("articles", {})
    articles.pop("fts_table", None)
    articles.pop("fts_pk", None)
    return database


def canned_search() -> dict:
    """The canned query ``search``: :func:`archive.search.ranking`'s order through ``cjk_ranked``,
    described with the weights and bound the code uses."""
    title_weight = search.BM25_WEIGHTS[0] / search.BM25_WEIGHTS[1]
    return {
        "title": "Search articles (Chinese, Latin, DOIs)",
        "description": (
            'Words are ANDed; "quoted phrase"; a OR b; -word excludes. Best matches first by relevance '
            f"(bm25, title weighted {title_weight:g}x), as `medarchive search` ranks them; a word found in more than "
            f"{search.RANK_AT_MOST:,} articles is too common to rank: its newest matches are listed, title matches "
            "first, and ranked_by says so. A title opens the archived article, hits are highlighted. A query that "
            "cannot be read gives one row saying why. Needs the medarchive datasette plugin (installed with medarchive)."
        ),
        "sql": (
            "select * from (\n"
            "  select articles.url, articles.title, articles.published_day, articles.category, cjk_snippet(articles.body, :q) as snippet,\n"
            "    json_extract(ranked.value, '$[2]') as ranked_by\n"
            "  from json_each(cjk_ranked(:q)) as ranked join articles on articles.id = json_extract(ranked.value, '$[0]')\n"
            "  order by ranked.key\n"
            ")\n"
            "union all\n"
            "select null, '无法搜索 / cannot search: ' || cjk_query_error(:q), null, null, null, null\n"
            "where :q != '' and cjk_query_error(:q) is not null"
        ),
        "hide_sql": True,
    }


@functools.cache
def _archive_metadata() -> dict:
    """The database section of ``metadata.json``, for any archive however its file is named, with
    the canned search (:func:`canned_search`) first among its queries: made once, at start-up."""
    metadata = json.loads(resources.files("archive").joinpath("metadata.json").read_text(encoding="utf-8"))["databases"]["archive"]
    metadata["queries"] = {"search": canned_search(), **metadata.get("queries", {})}
    return metadata


@hookimpl
def get_metadata(datasette, key, database, table):
    return {"databases": {name: _metadata_for(datasette, name) for name in datasette.databases if is_archive(datasette, name)}}


@hookimpl
def extra_css_urls(datasette):
    return [datasette.urls.path("/-/medarchive.css")]


def _is_plain_search(args) -> bool:
    """Whether a table page's query ``args`` (pairs) are a ``_search`` and nothing that filters
    rows besides it: what :func:`archive.search.count_matches` counts exactly as datasette would."""
    names = {name for name, _ in args}
    return "_search" in names and all(name in _PRESENTATION_ARGS for name in names)


#: Table-page arguments that change how rows are shown, not which rows.
_PRESENTATION_ARGS = {"_search", "_col", "_nocol", "_sort", "_sort_desc", "_size", "_nocount", "_nofacet",
                      "_nosuggest", "_facet", "_labels", "_next", "_trace", "_shape", "_timelimit"}


def _shows_bounded_count(datasette) -> bool:
    """Whether ``datasette``'s pages show :func:`extra_template_vars`'s count (``medarchive serve``
    gives them the template that does); a plain ``datasette`` keeps its own count."""
    return bool((datasette.plugin_config("medarchive") or {}).get("bounded_search_count"))


def _with_bounded_count(scope, datasette) -> dict:
    """``scope`` of a plain search of an archive's ``articles`` with ``_nocount=1`` added: datasette's
    count walks every match (3.7 s at 100,000 articles for 患者); the page shows
    :func:`search_count`'s bounded one instead."""
    if scope["type"] != "http" or scope.get("method") != "GET" or not _shows_bounded_count(datasette):
        return scope
    args = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    if not _is_plain_search(args) or any(name == "_nocount" for name, _ in args):
        return scope
    for name in datasette.databases:
        if scope["path"] in (datasette.urls.table(name, "articles"), datasette.urls.table(name, "articles", format="json")) and is_archive(datasette, name):
            return {**scope, "query_string": scope["query_string"] + b"&_nocount=1"}
    return scope


#: Tables in the order a newcomer reads them on the home and database pages (and so in the
#: database page's SQL box): the articles first, then what they cite and link to; the crawler's
#: bookkeeping (runs, coverage, queues) after, by name, tables named ``_…`` last.
READING_ORDER = ("articles", "article_references", "article_dois", "article_trials", "works", "links", "aliases", "article_versions")


def reading_rank(name: str) -> tuple:
    """Sort key of a table ``name`` in :data:`READING_ORDER`."""
    return (READING_ORDER.index(name) if name in READING_ORDER else len(READING_ORDER), name.startswith("_"), name)


def tables_in_reading_order(tables: list[dict]) -> list[dict]:
    """The database page's ``tables`` (dicts with ``name`` and ``hidden``), hidden ones still last."""
    return sorted(tables, key=lambda t: (t["hidden"], reading_rank(t["name"])))


def databases_in_reading_order(datasette, databases: list[dict]) -> list[dict]:
    """The home page's ``databases``, each archive's few tables shown with ``articles`` first
    (datasette shows the five with the most rows, which need not include it)."""
    ordered = []
    for database in databases:
        tables = database["tables_and_views_truncated"]
        if is_archive(datasette, database["name"]):
            if not any(t["name"] == "articles" for t in tables):
                tables = [{"name": "articles", "private": False}, *tables[:-1]]
            tables = sorted(tables, key=lambda t: reading_rank(t["name"]))
        ordered.append({**database, "tables_and_views_truncated": tables})
    return ordered


#: Canned queries over tables a crawl alone leaves empty: what fills them, said on the query's
#: page while it lists nothing.
FILLED_BY = {
    "most_cited_journals": "Nothing yet: this lists the works medarchive enrich has resolved (Crossref, PubMed); run it on this archive.",
    "publication_lag": "Nothing yet: this needs works with a full publication date, which medarchive enrich looks up; run it on this archive.",
    "coverage_over_time": "Nothing yet: each finished medarchive crawl records its coverage.",
}


@hookimpl
def extra_template_vars(view_name, database, table, request, datasette):
    async def template_vars():
        if view_name == "index":
            return {"medarchive_databases": functools.partial(databases_in_reading_order, datasette)}
        if not database or not is_archive(datasette, database):
            return {}
        if view_name == "database":
            return {"medarchive_tables": tables_in_reading_order}
        return {"medarchive_filled_by": FILLED_BY, **await search_count()}

    async def search_count():
        query = request.args.get("_search") if request is not None else None
        if view_name != "table" or table != "articles" or not query:
            return {}
        if not _is_plain_search(parse_qsl(request.query_string, keep_blank_values=True)):
            return {}
        try:
            count = await datasette.get_database(database).execute_fn(lambda conn: search.count_matches(conn, _bounded_query(query)))
        except (cjkfts.QuerySyntaxError, search.SearchFailed):
            return {}
        return {"medarchive_search_count": f"{count} article{'' if count.exact and count.value == 1 else 's'} match"}

    return template_vars


def _box_description(query: str, count: search.Count, shown: int) -> str:
    """What the rows of a table search for ``query`` are, after datasette's "where": every match,
    or the newest :data:`archive.search.RANK_AT_MOST` of ``count``."""
    described = f'search matches "{query}"'
    if count.exact and count.value <= shown:
        return described
    return f"{described} (the {shown:,} most recently archived of {count} matching articles)"


async def _box_search(datasette, database: str, query: str) -> FilterArguments:
    """The articles table's ``?_search=``: its newest matches as the rows' condition, said in words."""
    parsed = box_query(query)
    if parsed is None:
        return FilterArguments(["0"], {}, [f'search matches "{query}"'], {"supports_search": True, "search": query})
    ids, count = await datasette.get_database(database).execute_fn(lambda conn: search.newest_matches(conn, parsed))
    return FilterArguments(
        ["id in (select value from json_each(:medarchive_search_ids))"],
        {"medarchive_search_ids": json.dumps(ids)},
        [_box_description(query, count, len(ids))],
        {"supports_search": True, "search": query},
    )


@hookimpl(trylast=True)
def filters_from_request(request, database, table, datasette):
    # trylast: our supports_search wins over datasette's own search filter, which finds no
    # fts_table in our metadata and so adds no walk over every match.
    if table != "articles" or not is_archive(datasette, database):
        return None

    async def inner():
        from datasette.utils.asgi import BadRequest

        one_column = sorted(name for name in request.args if name.startswith("_search_"))
        if one_column:
            # datasette's own search of one column, gone with fts_table: refused rather than ignored,
            # which would list every article as if it matched.
            raise BadRequest(f"{one_column[0]} is not supported: ?_search= searches titles and bodies")
        query = request.args.get("_search")
        if not query:
            return FilterArguments([], extra_context={"supports_search": True})
        return await _box_search(datasette, database, query)

    return inner


def _articles_table_of(datasette, path: str) -> str | None:
    """The archive whose ``articles`` table page (HTML) is at ``path``, or None."""
    for name in datasette.databases:
        if path == datasette.urls.table(name, "articles") and is_archive(datasette, name):
            return name
    return None


def _readable_query(datasette, name: str, args: list) -> str:
    """``args`` (pairs) with the readable columns and the newest-first order added."""
    columns, sort = READABLE_COLUMNS, "published_at"
    if not _has_date_columns(datasette, name):
        columns, sort = [c.replace("published_day", "published") for c in columns], "published"
    return urlencode([*args, *(("_col", column) for column in columns), ("_sort_desc", sort)])


async def _redirect(send, location: bytes) -> None:
    await send({"type": "http.response.start", "status": 302, "headers": [(b"location", location), (b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def readable_articles(scope, receive, send):
            name = _articles_table_of(datasette, scope["path"]) if scope["type"] == "http" and scope.get("method") == "GET" else None
            args = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True) if name else []
            scope = _with_bounded_count(scope, datasette)
            if name is None:
                return await app(scope, receive, send)
            # The bare table, or a link to a search (?_search=…): the readable columns. The search
            # box and "Show all columns" send _col or _sort_desc along, so they are not redirected.
            if {arg for arg, _ in args} <= {"_search"}:
                return await _redirect(send, f"{scope['path']}?{_readable_query(datasette, name, args)}".encode())
            token = _TABLE_SEARCH.set(dict(args).get("_search") or None)
            try:
                await app(scope, receive, send)
            finally:
                _TABLE_SEARCH.reset(token)

        return readable_articles

    return wrap


@hookimpl
def register_routes():
    return [
        (r"^/-/coverage\.svg$", coverage_chart),
        (r"^/-/medarchive\.css$", stylesheet),
        (r"^/-/article/(?P<database>[^/]+)$", article_page),
        (r"^/-/charts/(?P<database>[^/]+)$", charts_page),
        (r"^/-/charts/(?P<database>[^/]+)/(?P<chart>[a-z_]+)\.svg$", chart_svg),
    ]


async def coverage_chart(datasette):
    """The coverage chart of the first served database that measures coverage."""
    from datasette.utils.asgi import Response

    for database in datasette.databases.values():
        if await database.table_exists("run_coverage"):
            min_articles = drift.DriftConfig().min_articles
            svg = await database.execute_fn(lambda conn: coverage.coverage_svg(conn, min_articles=min_articles))
            return Response(svg, content_type="image/svg+xml; charset=utf-8")
    return Response.text("No archive with run coverage is served here.", status=404)


async def stylesheet():
    from datasette.utils.asgi import Response

    css = resources.files("archive").joinpath("templates", "medarchive.css").read_text(encoding="utf-8")
    return Response(css, content_type="text/css; charset=utf-8")


async def _archive_or_404(datasette, request):
    """The served archive the URL names, once the actor may view its articles; or None."""
    from datasette.utils.asgi import NotFound

    name = request.url_vars["database"]
    if not is_archive(datasette, name):
        raise NotFound(f"No archive named {name!r} is served here")
    await datasette.ensure_permissions(request.actor, [("view-table", (name, "articles")), ("view-database", name), "view-instance"])
    return name


async def _render(datasette, request, template: str, context: dict):
    """One of our templates (``archive/templates``), rendered in datasette's page frame."""
    from datasette.utils.asgi import Response

    source = resources.files("archive").joinpath("templates", template).read_text(encoding="utf-8")
    html = await datasette.render_template(datasette.jinja_env.from_string(source), context, request=request)
    return Response.html(html)


def _web_link(url: str | None) -> str | None:
    """``url`` when it is an http(s) address a link may lead to; None otherwise (shown as text)."""
    return url if url and url.lower().startswith(("http://", "https://")) else None


async def article_page(datasette, request):
    """One article to read: metadata, sanitised HTML, references with DOI links, neighbours."""
    from datasette.utils.asgi import NotFound

    name = await _archive_or_404(datasette, request)
    url = request.args.get("url") or ""
    article = await datasette.get_database(name).execute_fn(lambda conn: browse.article_page(conn, url))
    if article is None:
        raise NotFound(f"The archive has no article at {url!r}")
    for reference in article["references"]:
        reference["doi_html"] = Markup(browse.doi_links(reference["doi"], citing_url(datasette, name, reference["doi"]))) if reference["doi"] else None
    for trial in article["trials"]:
        trial["naming_url"] = naming_url(datasette, name, trial["trial_id"])
    for neighbour in article["neighbours"]:
        neighbour["href"] = article_url(datasette, name, neighbour["url"]) if neighbour["archived"] else _web_link(neighbour["url"])
    for image in article["images"]:
        image["href"] = _web_link(image["url"])
    articles_with = rows_link(datasette, name)
    same_count, same_story = await datasette.get_database(name).execute_fn(lambda conn: stories.same_story(conn, article["url"]))
    for other in same_story:
        other["href"] = article_url(datasette, name, other["url"])
    context = {
        "database": name,
        "article": article,
        "body_html": readable_html(article["body_html"]) if article["body_html"] else None,
        "source_url": _web_link(article["url"]),
        "outlet_url": _web_link(article["source_url"]),
        "outlet_articles_url": articles_with("articles", {"source": article["source"]}) if article["source"] else None,
        "authors": [(author, articles_with("articles", {"authors__arraycontains": author})) for author in article["authors"]],
        "versions_url": datasette.urls.table(name, "article_versions") + "?" + urlencode({"url": article["url"]}),
        "table_url": datasette.urls.table(name, "articles"),
        "same_count": same_count,
        "same_story": same_story,
    }
    return await _render(datasette, request, "medarchive_article.html", context)


def rows_link(datasette, name: str):
    """``link(table, filters)`` for :func:`archive.stats.chart_svg`: the rows of ``table`` in the
    archive ``name`` matching ``filters``; the articles with their readable columns."""

    def link(table: str, filters: dict) -> str:
        if not _has_date_columns(datasette, name):
            filters = {column.replace("published_day", "published"): value for column, value in filters.items()}
        query = _readable_query(datasette, name, list(filters.items())) if table == "articles" else urlencode(filters)
        return f"{datasette.urls.table(name, table)}?{query}"

    return link


async def charts_page(datasette, request):
    """The archive's charts, drawn by :mod:`archive.stats` into the page (an ``<img>`` would not
    follow their links to the articles behind each bar)."""
    name = await _archive_or_404(datasette, request)
    link = rows_link(datasette, name)

    def draw(conn):
        return [{"name": chart, "title": title, "svg": Markup(stats.chart_svg(conn, chart, link=link))} for chart, title in stats.CHART_TITLES.items()]

    charts = await datasette.get_database(name).execute_fn(draw)
    return await _render(datasette, request, "medarchive_charts.html", {"database": name, "charts": charts})


async def chart_svg(datasette, request):
    from datasette.utils.asgi import NotFound, Response

    name = await _archive_or_404(datasette, request)
    chart = request.url_vars["chart"]
    if chart not in stats.CHART_TITLES:
        raise NotFound(f"No chart named {chart!r}: there are {', '.join(stats.CHART_TITLES)}")
    svg = await datasette.get_database(name).execute_fn(lambda conn: stats.chart_svg(conn, chart))
    return Response(svg, content_type="image/svg+xml; charset=utf-8")
