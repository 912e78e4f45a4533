"""Datasette 0.65 plugin: Chinese search in the table search box, SQL functions, safe article HTML.

Loaded by :mod:`archive.serve` (``pm.register``), or by any datasette in the same
environment once ``[project.entry-points.datasette] medarchive = "archive.datasette_plugin"``
is in ``pyproject.toml``. Everything is limited to databases that have our
``articles_search`` table, so other databases served alongside are untouched.

* ``prepare_connection`` registers ``cjk_match(q)``, ``cjk_index(text)``,
  ``cjk_snippet(text, q)`` and ``cjk_query_error(q)``, and replaces datasette's
  ``escape_fts``: datasette's search box runs
  ``id in (select rowid from articles_search where articles_search match escape_fts(:search))``
  (``fts_table``/``fts_pk`` come from ``metadata.json``), so the box now gets the
  same rewrite as :func:`archive.search.search`, over title and body. ``trylast``
  makes ours run after datasette's own ``datasette.sql_functions`` plugin, which
  would otherwise register ``escape_fts`` over it. Any web page can make a browser
  call these functions with any argument, so their input is bounded: a query over
  :data:`MAX_QUERY_CHARS` matches nothing, ``cjk_index`` refuses text over
  :data:`MAX_TEXT_CHARS`, ``cjk_snippet`` looks only at that many characters.
* ``render_cell`` shows ``body_html`` sanitised again by the crawler's nh3 allow-list
  (article HTML is untrusted, and a file may have been written by an older or another
  tool: no script, no event handler, no ``javascript:`` URL survives) and ``body`` with
  its line breaks, each in a scrolling box.
* ``register_routes`` serves ``/-/coverage.svg``: each site's field coverage over its
  recent runs, as line charts (:func:`archive.coverage.coverage_svg`).
"""

import functools
import re

from datasette import hookimpl
from markupsafe import Markup, escape

from .sanitize import sanitize_html

from . import cjkfts, coverage, search

#: The columns the search box searches, as :func:`archive.search.search` does by default.
BOX_COLUMNS = ("title", "body")
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


def lenient_box_query(query):
    """The search box's expression: our rewrite over title and body; for a query it cannot
    read (``"哮喘``, ``哮喘 AND``) the same words without the syntax, never an FTS5 error."""
    query = query or ""
    if len(query) > MAX_QUERY_CHARS:
        return MATCH_NOTHING
    try:
        return cjkfts.match_query(query, columns=BOX_COLUMNS)
    except cjkfts.QuerySyntaxError:
        words = [w for w in _OPERATOR_CHARS.sub(" ", query or "").split() if w not in _OPERATOR_WORDS]
        words = [w.lstrip("-") for w in words if w.lstrip("-")]
        try:
            return cjkfts.match_query(" ".join(words), columns=BOX_COLUMNS)
        except cjkfts.QuerySyntaxError:
            return MATCH_NOTHING


@functools.lru_cache(maxsize=256)
def _pattern(query):
    return search.highlight_pattern(query)


def cjk_snippet(text, query):
    """A passage of ``text`` around the first hit of ``query``, hits in ``[…]``."""
    if text is None:
        return None
    text = text[:MAX_TEXT_CHARS]
    try:
        pattern = _pattern(_bounded_query(query))
    except cjkfts.QuerySyntaxError:
        return text[:90]
    return search.make_snippet(text, pattern)


def cjk_index(text):
    """:func:`cjkfts.index_text` for SQL, refusing text over :data:`MAX_TEXT_CHARS`."""
    if text is not None and len(text) > MAX_TEXT_CHARS:
        raise InputTooLong(f"cjk_index() takes at most {MAX_TEXT_CHARS} characters")
    return cjkfts.index_text(text)


def _has_search_index(conn) -> bool:
    return conn.execute("select 1 from sqlite_master where type = 'table' and name = ?", [search.SEARCH_TABLE]).fetchone() is not None


@hookimpl(trylast=True)
def prepare_connection(conn, database, datasette):
    conn.create_function("cjk_match", 1, cjk_match, deterministic=True)
    conn.create_function("cjk_index", 1, cjk_index, deterministic=True)
    conn.create_function("cjk_snippet", 2, cjk_snippet, deterministic=True)
    conn.create_function("cjk_query_error", 1, cjk_query_error, deterministic=True)
    if _has_search_index(conn):
        # Only here: another database's FTS tables keep datasette's own escaping.
        conn.create_function("escape_fts", 1, lenient_box_query, deterministic=True)


_SCROLL_BOX = '<div class="medarchive-body" style="max-height:24em;overflow:auto;min-width:24em">{}</div>'


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if table != "articles" or not isinstance(value, str):
        return None
    if column == "body_html":
        return Markup(_SCROLL_BOX.format(sanitize_html(value)))
    if column == "body":
        return Markup(_SCROLL_BOX.format(escape(value).replace("\n", Markup("<br>"))))
    return None



@hookimpl
def register_routes():
    return [(r"^/-/coverage\.svg$", coverage_chart)]


async def coverage_chart(datasette):
    """The coverage chart of the first served database that measures coverage."""
    from datasette.utils.asgi import Response

    for database in datasette.databases.values():
        if await database.table_exists("run_coverage"):
            svg = await database.execute_fn(coverage.coverage_svg)
            return Response(svg, content_type="image/svg+xml; charset=utf-8")
    return Response.text("No archive with run coverage is served here.", status=404)
