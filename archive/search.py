"""The archive's Chinese full-text search: a contentless FTS5 index kept in step with ``articles``.

``articles_search`` has ``rowid = articles.id`` and indexes the shadow text of
:func:`archive.cjkfts.index_text` (bigrams plus tail for CJK runs) of the title, body,
reference texts and disclaimer, each in three columns (:func:`archive.cjkfts.split_by_script`):
the lines folding to Simplified leaves as they are (``title``...), those it changes as
written (``title_traditional``...) and folded (``title_folded``...), so that a query finds
either script, or with ``exact_script`` only the text as written. It is *contentless* (``content=''``): the shadow text is about twice the
size of the raw text and is never stored. ``prefix='1'`` adds FTS5's index of 1-character
prefixes, so a 1-character query (``"药" *``) reads one doclist, newest first, and can stop
early, instead of merging the doclists of every bigram starting with that character in full.

The index is kept in step with ``articles`` by :mod:`archive.search_index`.

Nothing here needs a custom tokenizer or SQL function, so the plain ``sqlite3``
shell and datasette without our plugin open the file and can even search it
(write the rewritten MATCH expression by hand).
"""

import html
import re
import sqlite3
import unicodedata
from dataclasses import dataclass

from . import cjkfts
from .cjkfts import Query, QuerySyntaxError, as_query, parse_query
from .search_index import COLUMNS, SEARCH_TABLE
from .selection import Selection, dated

__all__ = [
    "Query",
    "parse_query",
    "QuerySyntaxError",
    "SearchFailed",
    "match_clause",
    "matching_rowids",
    "search",
    "rank",
    "ranking",
    "ORDERS",
    "count_matches",
    "newest_matches",
    "Count",
    "COUNT_AT_MOST",
    "make_snippet",
]

#: bm25 weights per text (title, body, refs, disclaimer): a hit in the title counts ten times
#: one in the body, in whichever of its three columns.
BM25_WEIGHTS = (10.0, 1.0, 0.5, 0.5)
_COLUMN_WEIGHTS = BM25_WEIGHTS * (len(COLUMNS) // len(BM25_WEIGHTS))
#: Above this many matches of a phrase, bm25 (which counts them all first) is not used: the
#: query is answered from its newest matches this many (bench/RESULTS.md, "Search at scale").
RANK_AT_MOST = 2000
#: Counting stops after this many matches: past it a count says "more than 10,000" (a count
#: costs a walk over every match, linear in them: 55 ms for a word in 92,292 articles).
COUNT_AT_MOST = 10_000

#: How :func:`rank` ordered its answer, as ``ranked_by`` of each result says: ``"bm25"``
#: (relevance over every match), ``"newest"`` (a term too common to rank: its newest matches,
#: title matches first) or ``"date"`` (newest first, as asked).
ORDERS = ("bm25", "newest", "date")


@dataclass(frozen=True)
class Count:
    """How many articles match: ``value`` when ``exact``, otherwise at least ``value`` (the count
    stopped after :data:`COUNT_AT_MOST` matches)."""

    value: int
    exact: bool = True

    def __str__(self) -> str:
        if self.exact:
            return f"{self.value:,}"
        if self.value > COUNT_AT_MOST:
            return f"more than {COUNT_AT_MOST:,}"
        return f"at least {self.value:,}" if self.value else "an uncounted number of"


class SearchFailed(RuntimeError):
    """The archive could not be searched (locked by a writer past the busy timeout, a damaged
    index): the query itself was fine."""


def _conn(db) -> sqlite3.Connection:
    """The ``sqlite3`` connection of a ``sqlite_utils.Database`` (or the connection itself)."""
    return getattr(db, "conn", db)


# --- searching -----------------------------------------------------------------------


def search(db, query: Query | str, *, markup: str = "text", **criteria) -> list[dict]:
    """Articles matching ``query``, best first: :func:`rank`'s choice (``criteria`` are its
    keyword parameters: ``limit``, ``selection``, ``sort``...), read from ``articles``.

    Each result is a dict with ``url``, ``title``, ``published``, ``category``,
    ``snippet`` (a passage of the body around the first hit, hits highlighted) and
    ``score`` (bm25 with the title weighted 10x, sign flipped: higher is better; for a
    query with a very common term, 10 for a title match and 1 for a body match; None by date)
    and ``ranked_by``, which of :data:`ORDERS` ordered them.

    :param markup: ``"text"`` highlights as ``[哮喘]``; ``"html"`` escapes the snippet and
        uses ``<mark>哮喘</mark>``.
    :raises QuerySyntaxError: when the query cannot be understood.
    :raises SearchFailed: when the archive cannot be searched (locked, a damaged index).
    """
    if markup not in ("text", "html"):
        raise ValueError(f"markup must be 'text' or 'html', not {markup!r}")
    conn = _conn(db)
    query = as_query(query)
    ranked, order = ranking(conn, query, **criteria)
    if not ranked:
        return []
    marks = ", ".join("?" * len(ranked))
    rows = {
        row[0]: row[1:]
        for row in conn.execute(f"SELECT id, url, title, published, category, body FROM articles WHERE id IN ({marks})", [r[0] for r in ranked])
    }
    pattern = highlight_pattern(query)
    results = []
    for id_, score in ranked:
        if id_ not in rows:
            continue  # deleted outside the writer, not yet taken out of the index (refresh_search_index)
        url, title, published, category_, body = rows[id_]
        results.append(
            {
                "url": url,
                "title": title,
                "published": published,
                "category": category_,
                "snippet": make_snippet(body or "", pattern, markup=markup),
                "score": score,
                "ranked_by": order,
            }
        )
    return results


def ranking(
    db,
    query: Query | str,
    *,
    limit: int = 20,
    selection: Selection = Selection(),
    sort: str = "rank",
    include_references: bool = False,
    include_disclaimer: bool = False,
    exact_script: bool = False,
) -> tuple[list[tuple[int, float | None]], str]:
    """``(articles.id, score)`` of the best ``limit`` matches of ``query``, best first: what
    :func:`search` shows, before it reads the articles and makes snippets; and which of
    :data:`ORDERS` ordered them.

    Ranked by bm25, a title match weighted 10x; but a query with a term found in more than
    ``RANK_AT_MOST`` articles is answered from its ``RANK_AT_MOST`` most recently archived
    matches, those with the terms in the title first, each part newest first (score 10 for a
    title match, 1 for a body match).

    :param query: the user's query, parsed (:func:`archive.cjkfts.parse_query`) or as typed;
        see :mod:`archive.cjkfts` for the language.
    :param selection: only the articles it selects (dates, site, category).
    :param sort: ``"rank"`` (best first) or ``"date"`` (newest first, among every match; ``score`` is then None).
    :param include_references: also match reference-list texts (off: a cited paper's
        title is not what the article is about).
    :param include_disclaimer: also match the site's boilerplate disclaimer.
    :param exact_script: search as typed: ``干细胞`` no longer also finds ``幹細胞``, nor the reverse.
    :raises QuerySyntaxError: when the query cannot be understood.
    :raises SearchFailed: when the archive cannot be searched (locked, a damaged index).
    """
    if sort not in ("rank", "date"):
        raise ValueError(f"sort must be 'rank' or 'date', not {sort!r}")
    conn = _conn(db)
    query = as_query(query)
    columns = _columns(include_references, include_disclaimer)
    expression = cjkfts.match_query(query, columns=columns, exact_script=exact_script)
    clauses, params = selection.where(conn, "a")
    filters = "".join(f" AND {clause}" for clause in clauses)
    try:
        if sort == "date":
            # Newest first among every match, unscored: bm25 of even the rows shown costs FTS5 a
            # pass over every match (it counts each term's documents), for a common term 2-7x
            # the sort itself on 20,000 articles.
            matched, matched_params = match_clause(expression)
            return conn.execute(
                f"SELECT a.id, NULL FROM {SEARCH_TABLE} JOIN articles a ON a.id = {SEARCH_TABLE}.rowid "
                f"WHERE {matched}{filters} ORDER BY {dated(conn, 'published_at', 'a')} DESC, a.id DESC LIMIT ?",
                [*matched_params, *params, int(limit)],
            ).fetchall(), "date"
        # bm25 first counts every match of each phrase (a whole-archive walk per query: 186 ms for
        # 间充质 at 100,000 articles, growing with the archive), so it only ranks rarer phrases.
        newest = conn.execute(*_nth_newest(expression, RANK_AT_MOST - 1, 2)).fetchall()
        # Counted in the columns searched: a word common only in reference lists or disclaimers
        # (术 in 学术) is still ranked by bm25, which counts its matches in those columns only.
        phrases = cjkfts.phrase_queries(query, columns=columns, exact_script=exact_script)
        if len(newest) == 2 or any(_found_in_more_than(conn, phrase, RANK_AT_MOST) for phrase in phrases):
            floor = newest[0][0] if len(newest) == 2 else 0
            title_expression = cjkfts.match_query(query, columns=columns, exact_script=exact_script, found_in=("title",))
            return _newest_title_first(conn, expression, title_expression, floor, filters, params, int(limit)), "newest"
        return _by_bm25(conn, expression, filters, params, int(limit)), "bm25"
    except sqlite3.DatabaseError as error:
        # Our expressions are always valid FTS5, so this is the archive, never the query.
        raise SearchFailed(f"cannot search the archive now ({error})") from error


def rank(db, query: Query | str, **criteria) -> list[tuple[int, float | None]]:
    """``(articles.id, score)`` of :func:`ranking`, without saying how they were ordered."""
    return ranking(db, query, **criteria)[0]


def count_matches(
    db, query: Query | str, *, selection: Selection = Selection(), include_references: bool = False,
    include_disclaimer: bool = False, exact_script: bool = False,
) -> Count:
    """How many articles match ``query`` (and ``selection``): all of them, not only those
    :func:`search` returns, up to :data:`COUNT_AT_MOST`; past it a lower bound, so that a count
    costs the same at a million articles as at ten thousand. With a ``selection``, the newest
    ``COUNT_AT_MOST`` matches are the ones checked against it. Same parameters and errors as
    :func:`search`."""
    conn = _conn(db)
    newest, expression = matching_rowids(
        query, columns=_columns(include_references, include_disclaimer), exact_script=exact_script, newest=COUNT_AT_MOST + 1
    )
    where, params = selection.where(conn, "a")
    try:
        if not where:
            # The index alone counts: a join costs ten times more for a term in every article.
            matches = conn.execute(f"SELECT count(*) FROM ({newest})", expression).fetchone()[0]
            return Count(matches, exact=matches <= COUNT_AT_MOST)
        filters = " AND ".join(where)
        matches, selected = conn.execute(
            f"WITH m AS ({newest}) SELECT (SELECT count(*) FROM m), "
            f"(SELECT count(*) FROM m JOIN articles a ON a.id = m.rowid WHERE {filters})",
            [*expression, *params],
        ).fetchone()
        # Past the bound, ``selected`` of the newest matches are selected; older ones may be too.
        return Count(selected, exact=matches <= COUNT_AT_MOST)
    except sqlite3.DatabaseError as error:
        raise SearchFailed(f"cannot search the archive now ({error})") from error


def newest_matches(db, query: Query | str, *, at_most: int | None = None) -> tuple[list[int], Count]:
    """``(ids, count)``: the ``articles.id`` of the ``at_most`` (:data:`RANK_AT_MOST`) most recently archived articles
    matching ``query`` in title or body, newest first, and how many match in all
    (:func:`count_matches`). What datasette's search box lists: its rows, count and facets then
    read at most ``at_most`` articles, however common the word (a walk over every match of 患者
    took past datasette's 3 s limit at a million articles).

    :raises QuerySyntaxError: when the query cannot be understood.
    :raises SearchFailed: when the archive cannot be searched (locked, a damaged index).
    """
    conn = _conn(db)
    query = as_query(query)
    at_most = RANK_AT_MOST if at_most is None else at_most
    sql, params = matching_rowids(query, newest=at_most + 1)
    try:
        ids = [id_ for (id_,) in conn.execute(sql, params)]
    except sqlite3.DatabaseError as error:
        raise SearchFailed(f"cannot search the archive now ({error})") from error
    if len(ids) <= at_most:
        return ids, Count(len(ids))
    return ids[:at_most], count_matches(conn, query)


def _columns(include_references: bool, include_disclaimer: bool) -> tuple[str, ...] | None:
    """The FTS columns searched: title and body, and those asked for (None: all of them)."""
    columns = ["title", "body"] + (["refs"] if include_references else []) + (["disclaimer"] if include_disclaimer else [])
    return None if len(columns) == len(COLUMNS) else tuple(columns)


#: The texts a search looks in unless asked for more: what ``search``, ``export``, ``cite`` and
#: datasette's search box read.
SEARCHED = ("title", "body")


def match_clause(expression: str, *, from_rowid: int | None = None) -> tuple[str, list]:
    """``(condition, params)``: the SQL condition that a row of the index matches the FTS5
    ``expression`` (:func:`archive.cjkfts.match_query`), from rowid ``from_rowid`` on when given.
    The one place that writes an FTS ``MATCH``: every search, count, export, citation file and
    datasette's search box reaches the index through it."""
    if from_rowid is None:
        return f"{SEARCH_TABLE} MATCH ?", [expression]
    return f"{SEARCH_TABLE} MATCH ? AND {SEARCH_TABLE}.rowid >= ?", [expression, int(from_rowid)]


def matching_rowids(
    query: Query | str, *, columns: tuple[str, ...] | None = SEARCHED, exact_script: bool = False, newest: int | None = None
) -> tuple[str, list]:
    """``(sql, params)``: a SELECT of the rowids (``articles.id``) of the articles matching ``query``
    in the texts ``columns`` (None: every text), newest first and at most ``newest`` of them when
    given (walking the newest matches stops there; every match costs a walk over them all).

    :raises QuerySyntaxError: when the query cannot be understood.
    """
    condition, params = match_clause(cjkfts.match_query(as_query(query), columns=columns, exact_script=exact_script))
    sql = f"SELECT rowid FROM {SEARCH_TABLE} WHERE {condition}"
    return (sql, params) if newest is None else (f"{sql} ORDER BY rowid DESC LIMIT {int(newest)}", params)


def _nth_newest(expression: str, offset: int, limit: int = 1) -> tuple[str, list]:
    """``(sql, params)`` of the rowids of ``expression``'s matches from the ``offset``-th newest on."""
    condition, params = match_clause(expression)
    return f"SELECT rowid FROM {SEARCH_TABLE} WHERE {condition} ORDER BY rowid DESC LIMIT ? OFFSET ?", [*params, limit, offset]


def _found_in_more_than(conn, phrase: str, count: int) -> bool:
    """Whether ``phrase`` is in more than ``count`` articles: a walk over its ``count`` newest
    matches, which stops there, unlike a ``count(*)``."""
    return conn.execute(*_nth_newest(phrase, count)).fetchone() is not None


def _matches(filters) -> str:
    """The FROM clause: the index alone, or joined to ``articles`` when ``filters`` need its columns
    (a join costs a row lookup per match: 2.5 -> 32 ms for 2,872 matches)."""
    return f"{SEARCH_TABLE} JOIN articles a ON a.id = {SEARCH_TABLE}.rowid" if filters else SEARCH_TABLE


def _by_bm25(conn, expression: str, filters: str, params: list, limit: int) -> list[tuple[int, float]]:
    """``(id, score)`` of the best ``limit`` matches by bm25, title weighted 10x."""
    weights = ", ".join(str(w) for w in _COLUMN_WEIGHTS)
    condition, matched = match_clause(expression)
    rows = conn.execute(
        f"SELECT {SEARCH_TABLE}.rowid, bm25({SEARCH_TABLE}, {weights}) AS rank FROM {_matches(filters)} "
        f"WHERE {condition}{filters} ORDER BY rank LIMIT ?",
        [*matched, *params, limit],
    )
    return [(id_, round(-rank, 4)) for id_, rank in rows]


def _newest_title_first(conn, expression: str, title_expression: str, floor: int, filters: str, params: list, limit: int) -> list[tuple[int, float]]:
    """``(id, score)`` of ``limit`` of the matches from rowid ``floor`` on: those found in the
    title first, then the others, each newest first; the score is the column's bm25 weight."""
    def window(expression: str) -> tuple[str, list]:
        condition, matched = match_clause(expression, from_rowid=floor)
        return f"SELECT {SEARCH_TABLE}.rowid FROM {_matches(filters)} WHERE {condition}{filters}", [*matched, *params]

    # Title matches are walked upwards from the floor, where the index ends the walk: FTS5 checks
    # a rowid bound only on matching rows, so a newest-first walk with few title matches went on
    # searching below the floor (4.4 -> 16 ms from 100,000 to 300,000 articles; now 1.2 -> 1.4 ms).
    titles, titles_params = window(title_expression)
    titled = [id_ for (id_,) in conn.execute(f"{titles} ORDER BY {SEARCH_TABLE}.rowid", titles_params)][::-1][:limit]
    ranked = [(id_, BM25_WEIGHTS[0]) for id_ in titled]
    if len(ranked) < limit:
        seen = set(titled)
        newest, newest_params = window(expression)
        others = conn.execute(f"{newest} ORDER BY {SEARCH_TABLE}.rowid DESC LIMIT ?", [*newest_params, limit + len(titled)])
        ranked += [(id_, BM25_WEIGHTS[1]) for (id_,) in others if id_ not in seen][: limit - len(ranked)]
    return ranked


def highlight_pattern(query: Query | str) -> re.Pattern:
    """A regex finding, in raw text, what ``query`` looks for (case-insensitive for Latin)."""
    latin = rf"[^\W_{cjkfts.CJK_RANGES}]"  # a letter or digit that unicode61 joins into one token
    parts = []
    for piece, kind in cjkfts.highlight_pieces(query):
        escaped = re.escape(piece)
        if kind == "cjk":
            parts.append(escaped)
        elif kind == "prefix":
            parts.append(rf"(?<!{latin}){escaped}{latin}*")
        else:
            parts.append(rf"(?<!{latin}){escaped}(?!{latin})")
    return re.compile("|".join(parts), re.IGNORECASE)


def _readable_hits(text: str, pattern: re.Pattern) -> tuple[str, str]:
    """``(shown, read)``: the text to show and, character for character, the text in which
    ``pattern`` finds the hits; the text itself when it has a hit, otherwise its NFKC form
    (full-width ``ＣＯＰＤ`` is indexed as ``COPD``), or that form folded to Simplified when
    folding keeps its length (a Simplified query's hits in Traditional text)."""
    if pattern.search(text):
        return text, text
    normalized = unicodedata.normalize("NFKC", text)
    if pattern.search(normalized):
        return normalized, normalized
    folded = cjkfts.to_simplified(normalized)
    if len(folded) == len(normalized) and pattern.search(folded):
        return normalized, folded
    return text, text


#: How a snippet marks its hits, by ``markup``: ``[…]`` in a terminal, ``<mark>`` in HTML, and
#: ``⟦…⟧`` for datasette's plugin, which shows them as ``<mark>`` and where ``[…]`` would
#: be taken for the ``[1]`` reference markers of the text.
HIGHLIGHTS = {"text": ("[", "]"), "html": ("<mark>", "</mark>"), "marks": ("⟦", "⟧")}


def make_snippet(text: str, pattern: re.Pattern, *, width: int = 90, markup: str = "text") -> str:
    """A passage of ``text`` of about ``width`` characters around the first hit of ``pattern``,
    every hit in it highlighted as :data:`HIGHLIGHTS` says for ``markup`` (for ``"html"`` the rest escaped)."""
    text, read = _readable_hits(text, pattern)
    hit = pattern.search(read)
    start = 0 if hit is None else max(0, hit.start() - width // 3)
    end = min(len(text), start + width)
    window = text[start:end]
    out, last = [], 0
    escape = html.escape if markup == "html" else (lambda s: s)
    opening, closing = HIGHLIGHTS[markup]
    for match in pattern.finditer(read[start:end]):
        out.append(escape(window[last : match.start()]))
        out.append(opening + escape(window[match.start() : match.end()]) + closing)
        last = match.end()
    out.append(escape(window[last:]))
    snippet = re.sub(r"\s+", " ", "".join(out)).strip()
    return ("…" if start > 0 else "") + snippet + ("…" if end < len(text) else "")
