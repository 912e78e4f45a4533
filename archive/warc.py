"""The archive's kept pages as a web archive (WARC/1.1, ISO 28500), for pywb, ReplayWeb.page and
every tool that reads what the Internet Archive writes.

Each selected article's pages (page 1 and the later pages of one split over pages) become a
``response`` record holding the status line, headers and bytes the portal served, preceded by
the ``request`` record that fetched them; each later fetch that found page 1 the same (or was
answered 304 Not Modified) a ``revisit`` record after it; one ``warcinfo`` record names the
archive and its crawls. Rows are read with one cursor and written as they come, so memory stays the same
whatever the archive's size.

Pages are kept decoded (Scrapy undoes gzip and chunking before the archive sees them): the
records say so with no ``Content-Encoding`` or ``Transfer-Encoding`` and the decoded length in
``Content-Length``. Pages kept before the archive stored the whole exchange (migration m020)
carry only the headers the archive kept then; their records say so in
:data:`PARTIAL_HEADER`.
"""

import contextlib
import io
import json
import shutil
import tempfile
import zlib
from collections import OrderedDict
from http import HTTPStatus
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlsplit

from .export import ExportError, selected
from .schema import has_table
from .selection import Selection

#: A record of a page kept before the whole HTTP exchange was: its headers are only
#: Content-Type, Last-Modified and ETag, its request only the method and host.
PARTIAL_HEADER = "WARC-Medarchive-Exchange"
#: Headers about the bytes in transit, which no longer describe the kept (decoded) bytes.
TRANSPORT_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}


def has_column(conn, table: str, name: str) -> bool:
    """Whether ``conn``'s ``table`` has the column ``name``."""
    return any(row[1] == name for row in conn.execute(f"pragma table_info({table})"))


def warc_date(iso: str) -> str:
    """An ISO 8601 UTC time as stored (``2025-03-01T08:00:00+00:00``) as WARC writes it (``...Z``)."""
    return iso.replace("+00:00", "Z") if iso.endswith("+00:00") else iso


def kept_pages(db, selection: Selection = Selection(), query: str | None = None):
    """The selected articles' kept pages in article ``id`` order, each article's page 1 first and
    its later pages after it, as dicts; read as they are yielded."""
    conn = getattr(db, "conn", db)
    where, params = selected(conn, selection, query)
    condition = f" where {' and '.join(where)}" if where else ""
    # An archive read as it is (read-only) may be older than m020, or m015.
    exchange = "p.exchange" if has_column(conn, "pages", "exchange") else "null"
    columns = f"a.id, p.url, p.fetched_url, p.status, p.headers, p.body, p.fetched_at, {exchange}, a.title"
    sql = f"select {columns}, 1 from pages p join articles a on a.url = p.url{condition}"
    if has_table(conn, "article_pages"):
        sql += f" union all select {columns}, p.number from article_pages p join articles a on a.url = p.url{condition}"
        params = params * 2
    sql += " order by 1, 10"
    names = ("id", "url", "fetched_url", "status", "headers", "body", "fetched_at", "exchange", "title", "number")
    for row in conn.execute(sql, params):
        page = dict(zip(names, row))
        page["body"] = zlib.decompress(page["body"])
        page["exchange"] = json.loads(page["exchange"]) if page["exchange"] else None
        yield page


def write_warc(db, binary, *, selection: Selection = Selection(), query: str | None = None,
               filename: str = "medarchive.warc.gz", gzip: bool = True, pages_list=None) -> int:
    """Write the selected articles' kept pages into the ``binary`` file as WARC/1.1 (each record
    gzipped on its own with ``gzip``, as web archives keep them); returns the pages written.
    ``pages_list``: a text file that gets each article's page 1 as a WACZ ``pages.jsonl`` entry."""
    from warcio.warcwriter import WARCWriter

    writer = WARCWriter(binary, gzip=gzip, warc_version="1.1")
    writer.write_record(writer.create_warcinfo_record(filename, warcinfo(db)))
    count = 0
    for page in kept_pages(db, selection, query):
        response = response_record(writer, page)
        writer.write_record(request_record(writer, page, response.rec_headers.get_header("WARC-Record-ID")))
        writer.write_record(response)
        if page["number"] == 1:
            for revisit in revisits(db, page["url"]):
                writer.write_record(revisit_record(writer, page, response, revisit))
        if pages_list is not None and page["number"] == 1:
            entry = {"url": page["fetched_url"], "ts": warc_date(page["fetched_at"]), "title": page["title"]}
            pages_list.write(json.dumps(entry, ensure_ascii=False) + "\n")
        count += 1
    return count


def write_web_archive(db, fmt: str, binary, **options) -> int:
    """``fmt`` ``warc`` or ``wacz`` into ``binary``, called as :func:`archive.export.export` is; the pages written."""
    return (write_warc if fmt == "warc" else write_wacz)(db, binary, **options)


def write_wacz(db, binary, *, selection: Selection = Selection(), query: str | None = None, filename: str = "medarchive.wacz") -> int:
    """Write the selected articles' kept pages into the ``binary`` file as a WACZ (a zip of the
    WARC, its index and the list of article pages, for ReplayWeb.page); returns the pages written.
    The WARC is made in a temporary directory first (the ``wacz`` package packs files)."""
    try:
        from wacz.main import main as wacz_main
    except ImportError:
        raise ExportError("WACZ needs the wacz package: pip install 'medarchive[wacz]'") from None
    with tempfile.TemporaryDirectory(prefix="medarchive-wacz-") as work:
        warc, pages, packed = Path(work, "data.warc.gz"), Path(work, "pages.jsonl"), Path(work, "packed.wacz")
        with open(warc, "wb") as stream, open(pages, "w", encoding="utf-8") as listed:
            listed.write(json.dumps({"format": "json-pages-1.0", "id": "pages", "title": "Articles"}) + "\n")
            count = write_warc(db, stream, selection=selection, query=query, filename=warc.name, pages_list=listed)
        # The package reports its progress on stdout, which may be the export's own output.
        with contextlib.redirect_stdout(io.StringIO()) as said:
            status = wacz_main(["create", "-o", str(packed), "-p", str(pages), "--title", filename, str(warc)])
        if status or not packed.is_file():
            raise ExportError(f"the wacz package could not pack the WARC: {said.getvalue().strip()[-200:]}")
        with open(packed, "rb") as stream:
            shutil.copyfileobj(stream, binary)
    return count


def warcinfo(db) -> OrderedDict:
    """The ``warcinfo`` fields: what made the file, and the crawls its pages come from."""
    conn = getattr(db, "conn", db)
    runs = conn.execute("select id, started, finished, status, start_urls from runs order by id").fetchall()
    partial = not has_column(conn, "pages", "exchange") or conn.execute(
        "select exists (select 1 from pages where exchange is null)").fetchone()[0]
    notes = ["Page bytes as the crawler kept them: decoded (no Content-Encoding, no chunking), Content-Length their length."]
    if partial:
        notes.append(f"Records marked {PARTIAL_HEADER}: partial come from pages kept before the whole HTTP exchange was:"
                     " their headers are only Content-Type, Last-Modified and ETag, their request only method and Host.")
    return OrderedDict(
        software=f"medarchive/{version('medarchive')} warcio/{version('warcio')}",
        format="WARC File Format 1.1",
        conformsTo="https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        isPartOf="medarchive crawls: " + "; ".join(
            f"run {run_id} {started} to {finished or '?'} ({status}) from {', '.join(json.loads(urls or '[]')) or 'the archive'}"
            for run_id, started, finished, status, urls in runs),
        description=" ".join(notes),
    )


def response_record(writer, page: dict):
    """The ``response`` record of a kept page: status line, headers and bytes as served."""
    from warcio.statusandheaders import StatusAndHeaders

    exchange = page["exchange"]
    status = page["status"] or 200
    if exchange:
        headers = [(name, value) for name, value in exchange["response_headers"] if name.lower() not in TRANSPORT_HEADERS]
    else:
        headers = list(json.loads(page["headers"] or "{}").items())
    headers.append(("Content-Length", str(len(page["body"]))))
    protocol = (exchange or {}).get("protocol") or "HTTP/1.1"
    http_headers = StatusAndHeaders(f"{status} {_phrase(status)}", headers, protocol=protocol)
    warc_headers = {"WARC-Date": warc_date(page["fetched_at"])}
    if exchange and exchange.get("ip"):
        warc_headers["WARC-IP-Address"] = exchange["ip"]
    if not exchange:
        warc_headers[PARTIAL_HEADER] = "partial"
    return writer.create_warc_record(page["fetched_url"], "response", payload=io.BytesIO(page["body"]),
                                     length=len(page["body"]), http_headers=http_headers, warc_headers_dict=warc_headers)


def revisits(db, url: str) -> list[dict]:
    """The later fetches that found the kept page of ``url`` as kept (an archive before m020 has none)."""
    conn = getattr(db, "conn", db)
    if not has_table(conn, "page_revisits"):
        return []
    rows = conn.execute("select fetched_at, status, exchange from page_revisits where url = ? order by fetched_at", [url])
    return [{"fetched_at": at, "status": status, "exchange": json.loads(exchange) if exchange else None} for at, status, exchange in rows]


def revisit_record(writer, page: dict, response, revisit: dict):
    """A ``revisit`` record (identical payload) of ``response``: the page fetched again at
    ``revisit``'s time and found the same, or answered 304 Not Modified."""
    from warcio.statusandheaders import StatusAndHeaders

    exchange = revisit["exchange"] or {}
    status = revisit["status"] or 200
    headers = [(name, value) for name, value in exchange.get("response_headers") or () if name.lower() not in TRANSPORT_HEADERS]
    http_headers = StatusAndHeaders(f"{status} {_phrase(status)}", headers, protocol=exchange.get("protocol") or "HTTP/1.1")
    warc_headers = {"WARC-Date": warc_date(revisit["fetched_at"]), "WARC-Refers-To": response.rec_headers.get_header("WARC-Record-ID")}
    if exchange.get("ip"):
        warc_headers["WARC-IP-Address"] = exchange["ip"]
    if not revisit["exchange"]:
        warc_headers[PARTIAL_HEADER] = "partial"
    return writer.create_revisit_record(page["fetched_url"], response.rec_headers.get_header("WARC-Payload-Digest"), page["fetched_url"],
                                        warc_date(page["fetched_at"]), http_headers=http_headers, warc_headers_dict=warc_headers)


def request_record(writer, page: dict, response_id: str):
    """The ``request`` record that fetched a kept page, tied to its response."""
    from warcio.statusandheaders import StatusAndHeaders

    exchange = page["exchange"] or {}
    parts = urlsplit(page["fetched_url"])
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = [("Host", parts.netloc), *((name, value) for name, value in exchange.get("request_headers") or () if name.lower() != "host")]
    http_headers = StatusAndHeaders(f"{exchange.get('method') or 'GET'} {target} {exchange.get('request_protocol') or 'HTTP/1.1'}",
                                    headers, is_http_request=True)
    warc_headers = {"WARC-Date": warc_date(page["fetched_at"]), "WARC-Concurrent-To": response_id}
    if not page["exchange"]:
        warc_headers[PARTIAL_HEADER] = "partial"
    return writer.create_warc_record(page["fetched_url"], "request", payload=io.BytesIO(b""), length=0,
                                     http_headers=http_headers, warc_headers_dict=warc_headers)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:  # a status of the server's own: no standard phrase
        return "Unknown"
