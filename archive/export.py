"""Articles out of the archive in the formats analysts open: CSV, JSON Lines and Parquet.

Rows are read with one cursor, in ``id`` order, and written as they come (Parquet in row groups
of :data:`ROW_GROUP` articles), so memory stays the same whatever the archive's size
(``bench/export_bench.py`` measures it). The single SELECT reads one snapshot of the archive:
a crawl writing meanwhile changes nothing in the file being written.

What an article cites (DOIs, PubMed and PMC ids, trial registrations) goes with it as lists:
JSON lists in JSON Lines and Parquet, ``;``-joined in CSV (no identifier contains a ``;``).
"""

import csv
import io
import json
from contextlib import contextmanager

from . import cjkfts
from .files import CannotWrite
from .schema import published_at
from .search import SEARCH_TABLE
from .selection import Selection, dated

FORMATS = ("csv", "jsonl", "parquet")
#: The article's own columns, in the order written; ``body_html`` follows ``body`` when asked for.
ARTICLE_COLUMNS = (
    "url", "id", "site", "title", "category", "published", "published_at", "published_raw", "published_source",
    "body", "disclaimer", "first_seen", "last_changed", "story",
)
#: What an article cites, each a list: the column written, and the table and column it comes from.
CITED = {
    "dois": ("article_dois", "doi"),
    "pmids": ("article_pmids", "pmid"),
    "pmcids": ("article_pmcids", "pmcid"),
    "trials": ("article_trials", "trial_id"),
}
#: Articles per Parquet row group: about 10 MB of text at the portal's ~2,000 characters each.
ROW_GROUP = 2000
#: What Excel needs to read a CSV file as UTF-8 rather than the system's code page (GBK in China).
BOM = "\ufeff"
#: First characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class ExportError(CannotWrite):
    """The export cannot be written as asked (Parquet without pyarrow; the file's own
    failures are :class:`archive.files.CannotWrite`)."""


def columns(with_html: bool = False) -> list[str]:
    """The columns of an export, in order."""
    own = list(ARTICLE_COLUMNS)
    if with_html:
        own.insert(own.index("body") + 1, "body_html")
    return own + list(CITED)


def article_rows(db, selection: Selection = Selection(), query: str | None = None, with_html: bool = False):
    """Each selected article as a dict of :func:`columns`, in ``id`` order, read as it is yielded.

    :param query: only articles matching it, as ``medarchive search`` reads it (every match, unranked).
    :raises QuerySyntaxError: when ``query`` cannot be understood.
    """
    conn = getattr(db, "conn", db)
    own = [_own_column(conn, name) for name in columns(with_html) if name not in CITED]
    cited = [f"(select json_group_array({column}) from (select {column} from {table} where article_url = a.url order by {column})) as {name}"
             for name, (table, column) in CITED.items()]
    where, params = selected(conn, selection, query)
    sql = f"select {', '.join(own + cited)} from articles a" + (f" where {' and '.join(where)}" if where else "") + " order by a.id"
    names = columns(with_html)
    for row in conn.execute(sql, params):
        article = dict(zip(names, row))
        for name in CITED:
            article[name] = json.loads(article[name])
        yield article


def _own_column(conn, name: str) -> str:
    """The SQL reading the article column ``name``; on an archive from before it, read as it is,
    what stands for it: the expression of ``published_at``, no ``story``."""
    if name == "published_at":
        return f"{dated(conn, name, 'a')} as {name}"
    if name == "story" and "story" not in {row[1] for row in conn.execute("pragma table_info(articles)")}:
        return "null as story"
    return f"a.{name}"


def selected(conn, selection: Selection, query: str | None) -> tuple[list[str], list]:
    """SQL conditions (and their parameters) on the ``articles`` table named ``a`` picking the
    articles of ``selection`` that match ``query``, as every export format picks them."""
    where, params = selection.where(conn, "a")
    if query is not None:
        where.append(f"a.id in (select rowid from {SEARCH_TABLE} where {SEARCH_TABLE} match ?)")
        params.append(cjkfts.match_query(query, columns=("title", "body")))
    return where, params


#: What only the archive knows of an article: its row id, when it first saw and last changed it, its story.
ARCHIVE_ONLY = ("id", "first_seen", "last_changed", "story")


def article_record(article) -> dict:
    """An article not read from an archive (``article`` maps the writer's fields: an ``ArticleItem``'s
    ``vars``) in the form of :func:`article_rows`: the same columns and value forms, lists sorted
    as the archive sorts them. :data:`ARCHIVE_ONLY` columns are None, and so is a date the
    page does not give itself (the archive takes one from the neighbours once a run is over)."""
    record = {name: None if name in ARCHIVE_ONLY else article.get(name) for name in columns() if name not in CITED}
    if not article.get("published_raw"):
        record.update(published=None, published_source=None)
    record["published_at"] = published_at(record["published"])
    for name in ("dois", "pmids", "pmcids"):
        record[name] = sorted(set(article.get(name) or ()))
    record["trials"] = sorted({trial["trial_id"] for trial in article.get("trials") or ()})
    return record


def spreadsheet_text(value):
    """``value`` as a cell a spreadsheet shows rather than runs: text starting like a formula
    (``=HYPERLINK(...)``, ``+SUM(1,1)``) gets a leading ``'``, as OWASP advises."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def write_csv(rows, names: list[str], stream, *, bom: bool = False, raw: bool = False) -> int:
    """``rows`` (dicts) as CSV with a header into the text ``stream``; lists ``;``-joined, and
    cells a spreadsheet would run as formulas made text unless ``raw``. Returns the rows written."""
    if bom:
        stream.write(BOM)
    writer = csv.writer(stream)
    writer.writerow(names)
    cell = (lambda value: value) if raw else spreadsheet_text
    count = 0
    for row in rows:
        writer.writerow([cell(";".join(value) if isinstance(value, list) else value) for value in (row[name] for name in names)])
        count += 1
    return count


def write_jsonl(rows, stream) -> int:
    """``rows`` as JSON Lines into the text ``stream``, Chinese as it is. Returns the rows written."""
    count = 0
    for row in rows:
        stream.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count


def parquet_schema(names: list[str]):
    import pyarrow as pa

    types = {"id": pa.int64(), "story": pa.int64(), **{name: pa.list_(pa.string()) for name in CITED}}
    return pa.schema([(name, types.get(name, pa.string())) for name in names])


def write_parquet(rows, names: list[str], binary) -> int:
    """``rows`` as Parquet (zstd) into the ``binary`` file, :data:`ROW_GROUP` rows at a time. Returns the rows written."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = parquet_schema(names)
    count, batch = 0, []
    with pq.ParquetWriter(binary, schema, compression="zstd") as writer:
        for row in rows:
            batch.append(row)
            if len(batch) == ROW_GROUP:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                count, batch = count + len(batch), []
        if batch or not count:  # an empty export is still a file with the columns
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            count += len(batch)
    return count


def require_pyarrow() -> None:
    """:class:`ExportError` saying what to install when Parquet cannot be written here."""
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise ExportError("Parquet needs pyarrow: pip install 'medarchive[parquet]'") from None


def export(db, fmt: str, binary, *, selection: Selection = Selection(), query: str | None = None,
           with_html: bool = False, bom: bool = False, raw: bool = False) -> int:
    """Write the selected articles as ``fmt`` (one of :data:`FORMATS`) into the ``binary`` file;
    returns how many were written. ``raw``: CSV cells as stored, formulas included."""
    names = columns(with_html)
    rows = article_rows(db, selection, query, with_html)
    if fmt == "parquet":
        require_pyarrow()
        return write_parquet(rows, names, binary)
    with utf8_text(binary) as text:
        return write_csv(rows, names, text, bom=bom, raw=raw) if fmt == "csv" else write_jsonl(rows, text)


@contextmanager
def utf8_text(binary):
    """The ``binary`` file as UTF-8 text, whatever the locale; flushed, and left open for its owner."""
    text = io.TextIOWrapper(binary, encoding="utf-8", newline="")
    try:
        yield text
        text.flush()
    finally:
        text.detach()
