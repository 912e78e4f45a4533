"""Reprints grouped into stories: near-duplicate article bodies share a ``story`` id.

Chinese health news is mostly reprinted: the same text on many portals, with a changed
headline, an added editor's note (编者按), a source line, trimmed paragraphs. Each article's
body is cut into shingles (:func:`shingles`: overlapping runs of :data:`SHINGLE_SIZE` tokens,
a token being one CJK character or one Latin word, punctuation and spacing dropped) and
summarised by datasketch's MinHash (:data:`NUM_PERM` values, kept as a BLOB in
``story_signatures``). Two articles whose estimated Jaccard similarity of shingles is at
least :data:`THRESHOLD` tell the same story.

Assignment is incremental: the signature is cut into :data:`BANDS` bands whose hashes sit in
the indexed table ``story_bands``; a new article's candidates are the articles sharing a
band hash with it (locality-sensitive hashing, found by SQL), each checked against the
full signatures. Nothing is rebuilt: an article joins the story of the articles it matches;
when it matches articles of two stories, the story formed first (the lower id) takes in the
other's articles. Stories only grow or merge as articles come: an article whose text
changes leaves its story, which keeps the others. Each story's ``origin_url`` is its earliest
article: the earliest published among those with a date, else the first fetched.

The numbers (shingle size, threshold) were chosen on the labelled pairs of
``tests/cases/reprint_pairs.jsonl``; ``bench/story_pairs.py`` reports precision and recall.
"""

import hashlib
import json
import re
import unicodedata

import numpy as np
from datasketch import MinHash

from .schema import article_columns, has_table, sortable_dates

#: Tokens per shingle: 3 CJK characters (or 3 Latin words) in a row.
SHINGLE_SIZE = 3
#: MinHash values per article.
NUM_PERM = 128
#: The signature is cut into this many bands of ``NUM_PERM // BANDS`` values; two articles
#: become candidates when one band is equal (at similarity 0.5 that happens for 99.6% of pairs).
BANDS = 42
ROWS = NUM_PERM // BANDS
#: Estimated Jaccard similarity of shingles at and above which two articles tell one story.
THRESHOLD = 0.5
#: A body with fewer shingles than this (a caption, a one-line notice) is its own story:
#: a few shared phrases would make unrelated short texts look alike.
MIN_SHINGLES = 20
#: What the stored signatures and bands were made with: other numbers need them made again.
SCHEME = f"minhash sha1 seed=1 perm={NUM_PERM} shingle={SHINGLE_SIZE} bands={BANDS}x{ROWS} min={MIN_SHINGLES}"

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]|[^\W{_CJK}_]+")
#: One MinHash reused (cleared) for every text: making its permutations costs more than a short text.
_MINHASH = MinHash(num_perm=NUM_PERM, seed=1)


def tokens(text: str) -> list[str]:
    """The tokens of ``text``: each CJK character, each run of letters or digits (case-folded,
    NFKC, so that full-width ＣＯＰＤ is COPD); punctuation and spacing are left out."""
    return _TOKEN.findall(unicodedata.normalize("NFKC", text or "").casefold())


def shingles(text: str, size: int = SHINGLE_SIZE) -> set[bytes]:
    """The overlapping runs of ``size`` tokens of ``text``, as bytes (a shorter text: its tokens, whole)."""
    words = tokens(text)
    if len(words) <= size:
        return {"\x1f".join(words).encode("utf-8")} if words else set()
    return {"\x1f".join(words[i : i + size]).encode("utf-8") for i in range(len(words) - size + 1)}


def signature(text: str, size: int = SHINGLE_SIZE) -> np.ndarray | None:
    """The MinHash values of ``text``'s shingles, or None when it has too few to compare."""
    found = shingles(text, size)
    if len(found) < MIN_SHINGLES:
        return None
    _MINHASH.clear()
    _MINHASH.update_batch(found)
    return _MINHASH.hashvalues.astype("<u4")


def similarity(first: np.ndarray, second: np.ndarray) -> float:
    """The estimated Jaccard similarity of two signatures: the share of equal MinHash values."""
    return float(np.count_nonzero(first == second)) / len(first)


def band_hashes(values: np.ndarray) -> list[int]:
    """One signed 64-bit hash per band of the signature ``values`` (SQLite's integer)."""
    raw = values.astype("<u4").tobytes()
    width = ROWS * 4
    return [
        int.from_bytes(hashlib.blake2b(raw[band * width : (band + 1) * width], digest_size=8).digest(), "little", signed=True)
        for band in range(BANDS)
    ]


def _stored_scheme(conn) -> str | None:
    row = conn.execute("select value from story_settings where name = 'scheme'").fetchone()
    return row[0] if row else None


def _forget_all(conn) -> None:
    """Drop every assignment: the stored signatures were made with other numbers."""
    for table in ("story_bands", "story_signatures", "stories"):
        conn.execute(f"delete from {table}")
    conn.execute("update articles set story = null where story is not null")
    conn.execute("insert or replace into story_settings (name, value) values ('scheme', ?)", [SCHEME])


def _ensure_scheme(conn) -> None:
    if _stored_scheme(conn) != SCHEME:
        _forget_all(conn)


def _conn(db):
    return getattr(db, "conn", db)


def assign(db, ids) -> int:
    """Give the articles ``ids`` (new or changed) their story, in id order, and keep every
    touched story's origin right; returns how many articles were assigned. Runs inside the
    caller's transaction when there is one."""
    conn = _conn(db)
    if not has_table(conn, "story_settings"):
        return 0  # an archive held before m024 (a test writing an old shape): reextract assigns them later
    _ensure_scheme(conn)
    done = 0
    for article_id in sorted(set(ids)):
        row = conn.execute("select url, body from articles where id = ?", [article_id]).fetchone()
        if row is None:
            continue
        _assign_one(conn, article_id, *row)
        done += 1
    return done


def assign_missing(db) -> int:
    """Give every article without a story its story (all of them on an archive from before
    stories, or after the numbers changed); returns how many were assigned."""
    conn = _conn(db)
    _ensure_scheme(conn)
    ids = [row[0] for row in conn.execute("select id from articles where story is null order by id")]
    return assign(conn, ids)


def forget(db, ids) -> None:
    """Take the articles ``ids`` out of their stories before they are deleted."""
    conn = _conn(db)
    if not has_table(conn, "story_settings"):
        return
    for article_id in ids:
        _leave(conn, article_id)


def _leave(conn, article_id: int) -> None:
    """Take one article out of its story and out of the candidate tables."""
    row = conn.execute("select url, story from articles where id = ?", [article_id]).fetchone()
    kept = conn.execute("select signature from story_signatures where article_id = ?", [article_id]).fetchone()
    if kept:
        for band, value in enumerate(band_hashes(np.frombuffer(kept[0], dtype="<u4"))):
            conn.execute("delete from story_bands where band = ? and hash = ? and article_id = ?", [band, value, article_id])
        conn.execute("delete from story_signatures where article_id = ?", [article_id])
    if row and row[1] is not None:
        conn.execute("update articles set story = null where id = ?", [article_id])
        (origin,) = conn.execute("select origin_url from stories where id = ?", [row[1]]).fetchone() or (None,)
        if origin == row[0]:  # another article is the origin now, or none is left
            _set_origin(conn, row[1])


def _candidates(conn, article_id: int, hashes: list[int]) -> set[int]:
    """Articles sharing at least one band hash with ``hashes``, found through the band index."""
    found = set()
    for band, value in enumerate(hashes):
        found.update(row[0] for row in conn.execute("select article_id from story_bands where band = ? and hash = ?", [band, value]))
    found.discard(article_id)
    return found


#: Candidates read in one query: far below SQLite's limits, few enough to hold their signatures.
_READ_AT_ONCE = 500


def _matching_stories(conn, values: np.ndarray, candidates: set[int]) -> set[int]:
    """The stories of the candidates whose signature is at least :data:`THRESHOLD` similar to ``values``."""
    stories, ordered = set(), sorted(candidates)
    for start in range(0, len(ordered), _READ_AT_ONCE):
        # The story from m024's index on (id, story): the row holds the body, read past to reach the story.
        rows = conn.execute(
            "select s.signature, a.story from story_signatures s join articles a indexed by idx_articles_id_story on a.id = s.article_id"
            " where s.article_id in (select value from json_each(?))",
            [json.dumps(ordered[start : start + _READ_AT_ONCE])],
        )
        stories.update(story for blob, story in rows
                       if story is not None and similarity(values, np.frombuffer(blob, dtype="<u4")) >= THRESHOLD)
    return stories


def _assign_one(conn, article_id: int, url: str, body: str) -> None:
    """Store one article's signature and bands, and put it into the story it matches (merging
    the stories it bridges) or a new one."""
    _leave(conn, article_id)
    values = signature(body)
    stories = set()
    if values is not None:
        hashes = band_hashes(values)
        stories = _matching_stories(conn, values, _candidates(conn, article_id, hashes))
        conn.execute("insert into story_signatures (article_id, signature) values (?, ?)", [article_id, values.tobytes()])
        conn.executemany(
            "insert or ignore into story_bands (band, hash, article_id) values (?, ?, ?)",
            [(band, value, article_id) for band, value in enumerate(hashes)],
        )
    if not stories:
        target = conn.execute("select coalesce(max(id), 0) + 1 from stories").fetchone()[0]
        conn.execute("insert into stories (id, origin_url) values (?, ?)", [target, url])
        conn.execute("update articles set story = ? where id = ?", [target, article_id])
        return
    target = min(stories)
    origins = [url]
    for other in sorted(stories):
        origins.append(conn.execute("select origin_url from stories where id = ?", [other]).fetchone()[0])
        if other != target:
            conn.execute("update articles set story = ? where story = ?", [target, other])
            conn.execute("delete from stories where id = ?", [other])
    conn.execute("update articles set story = ? where id = ?", [target, article_id])
    # Each story's origin is already its earliest: the merged story's is the earliest of these.
    conn.execute("update stories set origin_url = ? where id = ?", [_earliest(conn, origins), target])


#: The order of a story's articles: the earliest published among those with a date, then the first fetched.
_EARLIEST_FIRST = "order by published_at is null, published_at, first_seen, id"


def _earliest(conn, urls: list[str]) -> str:
    """The earliest of the articles ``urls``."""
    return conn.execute(
        f"select url from articles where url in (select value from json_each(?)) {_EARLIEST_FIRST} limit 1", [json.dumps(urls)]
    ).fetchone()[0]


def _set_origin(conn, story: int) -> None:
    """Point ``story`` at its earliest article, reading them all (after one left it); a story
    left without articles is removed."""
    row = conn.execute(f"select url from articles where story = ? {_EARLIEST_FIRST} limit 1", [story]).fetchone()
    if row is None:
        conn.execute("delete from stories where id = ?", [story])
    else:
        conn.execute("update stories set origin_url = ? where id = ?", [row[0], story])


#: At most this many of a story's other pages are listed on an article's page (all are counted).
SHOWN_AT_MOST = 100


def same_story(db, url: str, limit: int = SHOWN_AT_MOST) -> tuple[int, list[dict]]:
    """How many other articles tell ``url``'s story, and the first ``limit`` of them (URL, title,
    site, published, whether it is the story's origin), earliest first. An archive from before
    stories, read as it is, has none."""
    conn = _conn(db)
    if "story" not in article_columns(conn):
        return 0, []
    (story,) = conn.execute("select story from articles where url = ?", [url]).fetchone() or (None,)
    if story is None:
        return 0, []
    (count,) = conn.execute("select count(*) - 1 from articles where story = ?", [story]).fetchone()
    # An archive read as it is may be from before published_at: its expression then.
    published_at = sortable_dates(conn)["published_at"]
    rows = conn.execute(
        f"""
        select url, title, site, published, url = origin_url from (
          select a.url, a.title, a.site, a.published, s.origin_url, {published_at} as published_at, a.first_seen, a.id
          from articles a join stories s on s.id = a.story where a.story = ? and a.url != ?
        ) {_EARLIEST_FIRST} limit ?
        """,
        [story, url, limit],
    )
    return count, [{"url": row[0], "title": row[1], "site": row[2], "published": row[3], "origin": bool(row[4])} for row in rows]
