"""Articles out of the archive in the formats analysts open: CSV, JSON Lines and Parquet.

Rows are read with one cursor, in ``id`` order, and written as they come (Parquet in row groups
of :data:`ROW_GROUP` articles), so memory stays the same whatever the archive's size
(``bench/export_bench.py`` measures it). The single SELECT reads one snapshot of the archive:
a crawl writing meanwhile changes nothing in the file being written.

What an article cites (DOIs, PubMed and PMC ids, trial registrations) goes with it as lists:
JSON lists in JSON Lines and Parquet, ``;``-joined in CSV (no identifier contains a ``;``).
Its authors, keywords and images (``url``, ``alt``, ``caption``, in body order) are lists too;
their free text may hold a ``;``, so CSV writes each as JSON text.
"""

import csv
import io
import json
from contextlib import contextmanager
from dataclasses import asdict, is_dataclass

from .files import CannotWrite
from .schema import article_columns, has_table, published_at
from .search import Query, matching_rowids
from .selection import Selection, dated

FORMATS = ("csv", "jsonl", "parquet")
#: The article's own columns, in the order written; ``body_html`` follows ``body`` when asked for.
ARTICLE_COLUMNS = (
    "url", "id", "site", "title", "category", "published", "published_at", "published_raw", "published_source",
    "body", "disclaimer", "authors", "editor", "source", "source_url", "modified", "modified_raw", "description",
    "keywords", "language", "first_seen", "last_changed", "story",
)
#: Columns holding lists of free text, stored as JSON text (m023) ...
TEXT_LISTS = ("authors", "keywords")
#: ... and the other columns of m023, NULL rather than empty.
METADATA_TEXT = ("editor", "source", "source_url", "modified", "modified_raw", "description", "language")
#: The article's images, a list of objects in body order, as the column ``images`` after :data:`CITED`.
IMAGE_FIELDS = ("url", "alt", "caption")
#: The lists whose free text may hold a ``;``: JSON text in CSV.
JSON_IN_CSV = (*TEXT_LISTS, "images")
_IMAGES_SQL = (
    "(select json_group_array(json_object('url', url, 'alt', alt, 'caption', caption))"
    " from (select url, alt, caption from article_images where article_url = a.url order by position)) as images"
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


#: The format a file name's suffix names (``.warc.gz`` as a whole): what ``medarchive export -o FILE``
#: writes without ``--format``.
SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet", ".warc": "warc", ".warc.gz": "warc",
            ".wacz": "wacz"}


def format_of_name(name: str) -> str | None:
    """The format the suffix of the file ``name`` names, if any."""
    return next((fmt for suffix, fmt in SUFFIXES.items() if name.lower().endswith(suffix)), None)


def columns(with_html: bool = False) -> list[str]:
    """The columns of an export, in order."""
    own = list(ARTICLE_COLUMNS)
    if with_html:
        own.insert(own.index("body") + 1, "body_html")
    return own + list(CITED) + ["images"]


def article_rows(db, selection: Selection = Selection(), query: Query | str | None = None, with_html: bool = False):
    """Each selected article as a dict of :func:`columns`, in ``id`` order, read as it is yielded.

    :param query: only articles matching it, as ``medarchive search`` reads it (every match, unranked).
    :raises QuerySyntaxError: when ``query`` cannot be understood.
    """
    conn = getattr(db, "conn", db)
    stored = article_columns(conn)
    own = [_own_column(conn, name, stored) for name in columns(with_html) if name not in CITED and name != "images"]
    cited = [f"(select json_group_array({column}) from (select {column} from {table} where article_url = a.url order by {column})) as {name}"
             for name, (table, column) in CITED.items()]
    # An archive from before m023 read as it is (a read-only file migrates nothing) has no images.
    cited.append(_IMAGES_SQL if has_table(conn, "article_images") else "'[]' as images")
    where, params = selected(conn, selection, query)
    sql = f"select {', '.join(own + cited)} from articles a" + (f" where {' and '.join(where)}" if where else "") + " order by a.id"
    names = columns(with_html)
    for row in conn.execute(sql, params):
        article = dict(zip(names, row))
        for name in (*CITED, "images"):
            article[name] = json.loads(article[name])
        for name in TEXT_LISTS:
            article[name] = json.loads(article[name]) if article[name] else []
        yield article


def _own_column(conn, name: str, stored: set[str]) -> str:
    """The SQL selecting the article's column ``name``: NULL for one its archive does not have yet
    (an archive from before m023 or m024, read as it is)."""
    if name == "published_at":
        return f"{dated(conn, name, 'a')} as {name}"
    return f"a.{name}" if name in stored else f"null as {name}"


def selected(conn, selection: Selection, query: Query | str | None) -> tuple[list[str], list]:
    """SQL conditions (and their parameters) on the ``articles`` table named ``a`` picking the
    articles of ``selection`` that match ``query``, as every export format picks them."""
    where, params = selection.where(conn, "a")
    if query is not None:
        matching, matched = matching_rowids(query)
        where.append(f"a.id in ({matching})")
        params.extend(matched)
    return where, params


#: What only the archive knows of an article: its row id, when it first saw and last changed it, its story.
ARCHIVE_ONLY = ("id", "first_seen", "last_changed", "story")


def article_record(article) -> dict:
    """An article not read from an archive (``article`` maps the writer's fields: an ``ArticleItem``'s
    ``vars``) in the form of :func:`article_rows`: the same columns and value forms, lists sorted
    as the archive sorts them. :data:`ARCHIVE_ONLY` columns are None, and so is a date the
    page does not give itself (the archive takes one from the neighbours once a run is over)."""
    record = {name: None if name in ARCHIVE_ONLY else article.get(name) for name in columns() if name not in CITED and name != "images"}
    record.update({name: article.get(name) or None for name in METADATA_TEXT})
    record.update({name: list(article.get(name) or ()) for name in TEXT_LISTS})
    if not article.get("published_raw"):
        record.update(published=None, published_source=None)
    record["published_at"] = published_at(record["published"])
    for name in ("dois", "pmids", "pmcids"):
        record[name] = sorted(set(article.get(name) or ()))
    record["trials"] = sorted({trial["trial_id"] for trial in article.get("trials") or ()})
    record["images"] = [_image(image) for image in article.get("images") or ()]
    return record


def _image(image) -> dict:
    """An image (an ``ArticleImage`` or its dict) as :func:`article_rows` gives it: empty text as None."""
    fields = asdict(image) if is_dataclass(image) else image
    return {name: fields.get(name) or None for name in IMAGE_FIELDS}


def spreadsheet_text(value):
    """``value`` as a cell a spreadsheet shows rather than runs: text starting like a formula
    (``=HYPERLINK(...)``, ``+SUM(1,1)``) gets a leading ``'``, as OWASP advises."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def write_csv(rows, names: list[str], stream, *, bom: bool = False, raw: bool = False) -> int:
    """``rows`` (dicts) as CSV with a header into the text ``stream``; lists of identifiers
    ``;``-joined, of free text (:data:`TEXT_LISTS`, images) as JSON text, and cells a
    spreadsheet would run as formulas made text unless ``raw``. Returns the rows written."""
    if bom:
        stream.write(BOM)
    writer = csv.writer(stream)
    writer.writerow(names)
    cell = (lambda value: value) if raw else spreadsheet_text
    count = 0
    for row in rows:
        writer.writerow([cell(csv_value(name, row[name])) for name in names])
        count += 1
    return count


def csv_value(name: str, value):
    """A value as its CSV cell holds it, before formula escaping."""
    if not isinstance(value, list):
        return value
    if name in JSON_IN_CSV:
        return json.dumps(value, ensure_ascii=False) if value else None
    return ";".join(value)


def write_jsonl(rows, stream) -> int:
    """``rows`` as JSON Lines into the text ``stream``, Chinese as it is. Returns the rows written."""
    count = 0
    for row in rows:
        stream.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count


def parquet_schema(names: list[str]):
    import pyarrow as pa

    types = {"id": pa.int64(), "story": pa.int64(), **{name: pa.list_(pa.string()) for name in (*CITED, *TEXT_LISTS)},
             "images": pa.list_(pa.struct([(name, pa.string()) for name in IMAGE_FIELDS]))}
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


def export(db, fmt: str, binary, *, selection: Selection = Selection(), query: Query | str | None = None,
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
