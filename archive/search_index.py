"""The search index: the contentless FTS5 table ``articles_search`` (:mod:`archive.search`
reads it) and its state, created and rebuilt by the migrations, kept in step with ``articles``
by the writer. It needs only :mod:`archive.cjkfts`, so the schema's migrations import no feature.

FTS5 on SQLite 3.40 can only remove a row from
a contentless table when given the exact text it indexed (``contentless_delete``
needs 3.43), and ``writer.write_batch`` calls :func:`index_articles` *after* it has
overwritten the article. So ``articles_search_state(id, source)`` keeps, per
article, what was indexed: the texts of every column before the bigram rewrite (the raw
lines, and the folded ones), zlib-compressed. That is what a delete replays, whatever
OpenCC version folds later; comparing it with the current
row also tells which "changed" articles need no re-indexing (a new category or
``body_html`` does not change the index). It costs a fraction of the raw text
(measured in the report) against twice the raw text for stored shadow columns,
and it stays correct whoever edits ``articles``, whenever the index is updated:
:func:`refresh_search_index` re-syncs after edits made outside the writer.
"""

import json
import sqlite3
import zlib
from contextlib import contextmanager

from . import cjkfts

SEARCH_TABLE = "articles_search"
STATE_TABLE = "articles_search_state"
COLUMNS = cjkfts.TEXT_COLUMNS + cjkfts.TRADITIONAL_COLUMNS + cjkfts.FOLDED_COLUMNS
#: SQLite's default limit on host parameters is 32766 since 3.32; stay well below.
_CHUNK = 500


def _conn(db) -> sqlite3.Connection:
    """The ``sqlite3`` connection of a ``sqlite_utils.Database`` (or the connection itself)."""
    return getattr(db, "conn", db)


@contextmanager
def _savepoint(conn: sqlite3.Connection, name: str = "articles_search"):
    """All-or-nothing, nested inside the caller's transaction when there is one."""
    conn.execute(f"SAVEPOINT {name}")
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
            conn.execute(f"RELEASE SAVEPOINT {name}")
        raise
    else:
        conn.execute(f"RELEASE SAVEPOINT {name}")


def create_search_index(db) -> None:
    """Create the (empty) search index and its state table, if they do not exist yet."""
    conn = _conn(db)
    conn.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {SEARCH_TABLE} USING fts5("
        + ", ".join(COLUMNS)
        + ", content='', prefix='1', tokenize='unicode61 remove_diacritics 2')"
    )
    conn.execute(f"CREATE TABLE IF NOT EXISTS {STATE_TABLE} (id INTEGER PRIMARY KEY, source BLOB NOT NULL)")


def _pack(values) -> bytes:
    return zlib.compress(json.dumps(values, ensure_ascii=False).encode("utf-8"), 6)


def _unpack(blob: bytes) -> list:
    return json.loads(zlib.decompress(blob).decode("utf-8"))


def _shadow(values) -> list[str]:
    return [cjkfts.index_text(value) for value in values]


def _current_sources(conn, ids: list[int]) -> dict[int, list]:
    """``id -> the text of each of`` :data:`COLUMNS` ``(before the bigram rewrite)``, as the articles are now."""
    marks = ", ".join("?" * len(ids))
    rows = conn.execute(f"SELECT id, url, title, body, disclaimer FROM articles WHERE id IN ({marks})", ids).fetchall()
    refs = {}
    for url, text in conn.execute(
        f"SELECT r.article_url, r.text FROM article_references r JOIN articles a ON a.url = r.article_url "
        f"WHERE a.id IN ({marks}) ORDER BY r.article_url, r.position",
        ids,
    ):
        refs.setdefault(url, []).append(text or "")
    return {id_: _by_column([title, body, "\n".join(refs.get(url, ())), disclaimer]) for id_, url, title, body, disclaimer in rows}


def _by_column(texts: list[str | None]) -> list[str]:
    """The texts of :data:`COLUMNS` for the title, body, references and disclaimer ``texts``."""
    splits = [cjkfts.split_by_script(text) for text in texts]
    return [split[part] for part in range(3) for split in splits]


_MARKS = ", ".join("?" * len(COLUMNS))


def _delete_rows(conn, olds: dict[int, bytes]) -> None:
    conn.executemany(
        f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}, rowid, {', '.join(COLUMNS)}) VALUES('delete', ?, {_MARKS})",
        ((id_, *_shadow(_unpack(blob))) for id_, blob in olds.items()),
    )


def _insert_rows(conn, news: dict[int, tuple[list, bytes]]) -> None:
    conn.executemany(
        f"INSERT INTO {SEARCH_TABLE}(rowid, {', '.join(COLUMNS)}) VALUES(?, {_MARKS})",
        ((id_, *_shadow(values)) for id_, (values, _) in news.items()),
    )
    conn.executemany(
        f"INSERT OR REPLACE INTO {STATE_TABLE}(id, source) VALUES(?, ?)",
        ((id_, blob) for id_, (_, blob) in news.items()),
    )


def index_articles(db, ids) -> int:
    """Bring the index in step with the articles ``ids`` as they are now: (re)index those
    whose indexed text changed, drop those no longer in ``articles``. Returns how many
    index rows were written or removed. Runs inside the caller's transaction if any."""
    conn = _conn(db)
    ids = sorted({int(id_) for id_ in ids})
    touched = 0
    with _savepoint(conn):
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            current = _current_sources(conn, chunk)
            marks = ", ".join("?" * len(chunk))
            state = dict(conn.execute(f"SELECT id, source FROM {STATE_TABLE} WHERE id IN ({marks})", chunk))
            olds, news = {}, {}
            for id_ in chunk:
                old = state.get(id_)
                if id_ not in current:
                    if old is not None:
                        olds[id_] = old
                    continue
                blob = _pack(current[id_])
                if blob == old:
                    continue
                if old is not None:
                    olds[id_] = old
                news[id_] = (current[id_], blob)
            _delete_rows(conn, olds)
            gone = [id_ for id_ in olds if id_ not in news]
            conn.executemany(f"DELETE FROM {STATE_TABLE} WHERE id = ?", ((id_,) for id_ in gone))
            _insert_rows(conn, news)
            touched += len(news) + len(gone)
    return touched


def remove_articles(db, ids) -> int:
    """Take the articles ``ids`` out of the index (whether or not they are still in ``articles``)."""
    conn = _conn(db)
    ids = sorted({int(id_) for id_ in ids})
    removed = 0
    with _savepoint(conn):
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            marks = ", ".join("?" * len(chunk))
            olds = dict(conn.execute(f"SELECT id, source FROM {STATE_TABLE} WHERE id IN ({marks})", chunk))
            _delete_rows(conn, olds)
            conn.execute(f"DELETE FROM {STATE_TABLE} WHERE id IN ({marks})", chunk)
            removed += len(olds)
    return removed


def rebuild_search_index(db, *, optimize: bool = True) -> int:
    """Empty the index and index every article again; returns how many were indexed."""
    conn = _conn(db)
    create_search_index(conn)
    with _savepoint(conn):
        conn.execute(f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}) VALUES('delete-all')")
        conn.execute(f"DELETE FROM {STATE_TABLE}")
        ids = [row[0] for row in conn.execute("SELECT id FROM articles ORDER BY id")]
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            current = _current_sources(conn, chunk)
            _insert_rows(conn, {id_: (values, _pack(values)) for id_, values in current.items()})
        if optimize:
            conn.execute(f"INSERT INTO {SEARCH_TABLE}({SEARCH_TABLE}) VALUES('optimize')")
    return len(ids)


def refresh_search_index(db) -> int:
    """Re-sync the whole index cheaply after ``articles`` was edited outside the writer
    (e.g. in the ``sqlite3`` shell): only articles whose text changed are re-indexed."""
    conn = _conn(db)
    ids = {row[0] for row in conn.execute("SELECT id FROM articles")}
    ids |= {row[0] for row in conn.execute(f"SELECT id FROM {STATE_TABLE}")}
    return index_articles(db, ids)
