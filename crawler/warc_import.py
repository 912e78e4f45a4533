"""Archive the article pages of WARC files (web archives made by any crawler), without fetching.

Each HTML page a ``response`` or ``resource`` record holds goes through the page step
(:mod:`crawler.page`, as ``reextract`` reads a kept page: :func:`crawler.reextract.read_page`) and is written in batches as a run of its own (mode ``import``). A
``revisit`` record is read as the earlier record it refers to, fetched again at its own date.
Records are read one at a time: memory holds a batch of articles and, for revisits, where
each earlier page was found.

A record that cannot be read (a damaged file, a record cut short) is counted and logged in one
line; what follows it in a gzip-per-record file is still read, an article is never half written.
"""

import gzip
import json
import logging
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from archive import finish_run, start_run, write_batch
from archive.selection import site_origins

from .extraction.site_rules import SiteRules
from .extraction.pagination import MAX_ARTICLE_PAGES
from .extraction.urls import clean_url, origin
from .normalise import UnreadDates
from .reextract import KeptPage, read_page

logger = logging.getLogger(__name__)

#: Media types read as pages; anything else (images, scripts, robots.txt, sitemaps) is counted and left.
HTML_TYPES = ("text/html", "application/xhtml+xml")
#: Records that hold no page: skipped without a word.
OTHER_RECORDS = {"warcinfo", "request", "metadata", "conversion", "continuation"}


class WarcError(Exception):
    """A WARC file that cannot be read at all (missing, not a WARC)."""


@dataclass
class Capture:
    """A page as one record holds it: its URL, status, response headers, bytes and date,
    and the HTTP exchange (for ``export --format warc``)."""

    url: str
    status: int
    headers: dict
    body: bytes
    fetched_at: str | None
    exchange: dict | None = None
    media_type: str | None = None
    location: tuple | None = None  # (file, offset, gzipped whole) of its record, to read it again


@dataclass
class ImportState:
    """What an import carries from record to record: the counts, where each response's payload
    was found (by digest) to resolve revisits and each page (by URL) to join articles split over
    pages, those articles' first pages, and the latest request per URL, for its headers."""

    stats: Counter = field(default_factory=Counter)
    payloads: dict = field(default_factory=dict)
    requests: dict = field(default_factory=dict)
    located: dict = field(default_factory=dict)  # URL -> where its page's record is: the later pages of split articles
    split: list = field(default_factory=list)  # page 1 of each article split over pages, read once every file is
    unread: UnreadDates = field(default_factory=UnreadDates)


def import_warcs(db, paths, *, sites=(), site_rules: SiteRules | None = None, batch_size: int = 50) -> Counter:
    """Archive the article pages of the WARC files ``paths`` as one run; only those of the hosts
    ``sites`` if any are given. Returns what happened, counted (``import/...``). Ctrl-C keeps
    the batches written and marks the run ``interrupted``."""
    rules = site_rules or SiteRules()
    origins = {name for site in sites for name in site_origins(site)}
    run = start_run(db, [], {"WARC_FILES": [str(path) for path in paths], "SITES": list(sites)}, mode="import")
    state = ImportState()
    batch, status = [], "interrupted"
    try:
        for path in paths:
            for capture in captures(path, state):
                if origins and origin(capture.url) not in origins:
                    state.stats["import/other_site"] += 1
                    continue
                batch = _add(db, batch, _article(capture, state, rules), run, state, batch_size)
        for location, urls in state.split:
            batch = _add(db, batch, _joined(location, urls, state, rules), run, state, batch_size)
        _write(db, batch, run, state.stats)
        status = "finished"
    finally:
        state.unread.report(state.stats)
        finish_run(db, run, status, {**state.stats, "response_received_count": state.stats["import/pages"]})
    return state.stats


def captures(path, state: ImportState):
    """The pages of the WARC file at ``path``, in order; damaged records counted in ``state``
    and skipped."""
    try:
        stream = open(path, "rb")
    except OSError as error:
        raise WarcError(f"cannot read {path} ({error.strerror})") from error
    with stream:
        read = yield from _pages(path, stream, state)
    if read is not None:  # gzipped whole rather than record by record: read on, decompressed
        with gzip.open(path, "rb") as stream:
            yield from _pages(path, stream, state, skip=read)


def _pages(path, stream, state: ImportState, skip: int | None = None):
    """The pages of the records in ``stream`` after the first ``skip`` (``skip`` set: ``stream``
    is a file gzipped whole, decompressed). Returns None at the end, or how many records were
    read when the file turns out to be gzipped whole."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    records = ArchiveIterator(stream)
    count = 0
    while True:
        try:
            record = next(records)
        except StopIteration:
            return None
        except ArchiveLoadFailed as error:
            if skip is None and "non-chunked gzip" in str(error):
                return count
            _unreadable(path, records, error, state, "the rest of the file is skipped")
            return None
        except (zlib.error, EOFError, ValueError, OSError) as error:
            _unreadable(path, records, error, state, "the rest of the file is skipped")
            return None
        count += 1
        if count <= (skip or 0):
            continue
        try:
            capture = _capture(path, records, record, state, whole=skip is not None)
        except (zlib.error, EOFError, ValueError, OSError) as error:  # framed, but its content is not what it says
            _unreadable(path, records, error, state, "skipped")
            continue
        if capture is not None:
            yield capture


def _unreadable(path, records, error, state: ImportState, outcome: str) -> None:
    """Count and log a record that cannot be read, and what becomes of it (``outcome``)."""
    state.stats["import/unreadable"] += 1
    why = next((line.strip() for line in str(error).splitlines() if line.strip()), type(error).__name__)
    logger.warning("%s: the record after offset %s could not be read (%s); %s", path, records.offset, shown(why), outcome)


def _capture(path, records, record, state: ImportState, whole: bool = False) -> Capture | None:
    """The page ``record`` holds, or None (counted) for a record holding none."""
    kind = record.rec_type
    headers = record.rec_headers
    url = headers.get_header("WARC-Target-URI")
    if kind == "request" and url and record.http_headers:
        request = record.http_headers  # its "protocol" is the method, its status line "/path HTTP/1.1"
        state.requests[url] = (request.protocol, request.statusline.rsplit(" ", 1)[-1], request.headers)
    if kind in OTHER_RECORDS or not url or not url.startswith(("http://", "https://")):
        return None  # no page: a crawl's log or manifest (metadata://, dns:) is not one
    if headers.get_header("WARC-Truncated"):
        state.stats["import/truncated"] += 1
        logger.warning("%s: %s was cut short when it was archived (WARC-Truncated: %s); skipped",
                       path, shown(url), shown(headers.get_header("WARC-Truncated")))
        return None
    state.stats["import/pages"] += 1
    if fetched_at(headers.get_header("WARC-Date")) is None:
        # The fetch time dates relative dates (3天前): a page without one is not read with the clock's.
        state.stats["import/no_date"] += 1
        logger.warning("%s: the record of %s has no readable WARC-Date; skipped", path, shown(url))
        return None
    if kind == "revisit":
        return _revisited(path, record, state)
    if kind not in ("response", "resource"):
        state.stats[f"import/record_{kind}"] += 1
        return None
    capture = _read(record, state)
    if capture is None:
        return None
    capture.location = (str(path), records.get_record_offset(), whole)
    state.located[clean_url(url)] = capture.location
    digest = headers.get_header("WARC-Payload-Digest")
    if digest:
        state.payloads[digest] = capture.location
    return capture


def _read(record, state: ImportState) -> Capture | None:
    """The page of a ``response`` or ``resource`` record; None (counted) when it is not a page
    the archive reads: not HTML, not 200 OK, or shorter than its record says."""
    warc = record.rec_headers
    url = warc.get_header("WARC-Target-URI")
    http = record.http_headers if record.rec_type == "response" else None
    status = int(http.get_statuscode() or 0) if http else 200
    response_headers = {name: value for name, value in http.headers} if http else {}
    media_type = ((http.get_header("Content-Type") if http else None) or warc.get_header("WARC-Identified-Payload-Type")
                  or warc.get_header("Content-Type") or "")
    if 300 <= status < 400:
        state.stats["import/redirect"] += 1
        return None
    if status != 200:
        state.stats[f"import/http_{status}"] += 1
        return None
    if media_type.split(";")[0].strip().lower() not in HTML_TYPES:
        state.stats["import/not_html"] += 1
        return None
    body = record.content_stream().read()
    if record.raw_stream.limit:
        state.stats["import/truncated"] += 1
        logger.warning("%s: its record ends %d bytes short; skipped", shown(url), record.raw_stream.limit)
        return None
    if http is None:
        response_headers = {"Content-Type": media_type}
    return Capture(url, status, response_headers, body, fetched_at(warc.get_header("WARC-Date")),
                   _exchange(record, http, state), media_type)


def _exchange(record, http, state: ImportState) -> dict | None:
    """The HTTP exchange of a ``response`` record, with the request's headers when the file holds them."""
    if http is None:
        return None
    url = record.rec_headers.get_header("WARC-Target-URI")
    method, request_protocol, request_headers = state.requests.pop(url, (None, None, []))
    return {
        "protocol": http.protocol,
        "request_protocol": request_protocol,
        "method": method,
        "request_headers": [list(pair) for pair in request_headers],
        "response_headers": [list(pair) for pair in http.headers],
        "ip": record.rec_headers.get_header("WARC-IP-Address"),
    }


def _revisited(path, record, state: ImportState) -> Capture | None:
    """A ``revisit`` record as the page it refers to (found by payload digest, earlier in these
    files), fetched again at the revisit's date; None (counted) when that page is not known."""
    digest = record.rec_headers.get_header("WARC-Payload-Digest")
    where = state.payloads.get(digest)
    if where is None:
        state.stats["import/revisit_unresolved"] += 1
        logger.warning("%s: the revisit of %s refers to a page not found before it (%s); skipped",
                       path, shown(record.rec_headers.get_header("WARC-Target-URI")), shown(digest))
        return None
    original = _read_again(where)
    if original is None:
        return None
    state.stats["import/revisits"] += 1
    # The page as first served, with the revisit's own exchange when it records one.
    exchange = _exchange(record, record.http_headers, state) if record.http_headers else None
    return Capture(record.rec_headers.get_header("WARC-Target-URI"), original.status, original.headers, original.body,
                   fetched_at(record.rec_headers.get_header("WARC-Date")), exchange, original.media_type, where)


def _read_again(location: tuple) -> Capture | None:
    """The page of the record at ``location`` (file, offset, gzipped whole), read again."""
    from warcio.archiveiterator import ArchiveIterator

    source, offset, whole = location
    with (gzip.open if whole else open)(source, "rb") as stream:
        stream.seek(offset)
        return _read(next(ArchiveIterator(stream)), ImportState())


def shown(text: str | None) -> str:
    """``text`` from a WARC file as a log line may show it: control characters (a terminal's
    escape sequences, line breaks) written as escapes, so a file cannot drive the terminal."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in str(text))


def fetched_at(warc_date: str | None) -> str | None:
    """A WARC-Date (``2025-03-01T08:00:00Z``, any precision) as the archive writes times; None if unreadable."""
    if not warc_date:
        return None
    try:
        moment = datetime.fromisoformat(warc_date.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds") if moment.tzinfo else None


def _article(capture: Capture, state: ImportState, rules: SiteRules) -> dict | None:
    """The article item (a dict) of ``capture``, read as ``reextract`` reads a kept page; None if
    it is none, or a page of an article split over pages (page 1 waits in ``state.split`` for
    the others, read by :func:`_joined` once every file is)."""
    article = _read_article(_kept(capture), capture, state.stats, rules)
    pagination = (article or {}).get("pagination")
    if pagination and min(pagination["urls"]) < pagination["current"]:
        state.stats["import/later_page"] += 1  # read with its page 1
        return None
    if pagination and len(pagination["urls"]) > 1:
        state.split.append((capture.location, pagination["urls"]))
        return None
    return article


def _joined(location: tuple, urls: dict, state: ImportState, rules: SiteRules) -> dict | None:
    """The article split over pages whose page 1 is at ``location``, joined from its pages in
    these files, as ``reextract`` joins the kept ones; a page the files lack is counted."""
    first = _read_again(location)
    if first is None:
        return None
    later = []
    for number in sorted(number for number in urls if number > 1)[: MAX_ARTICLE_PAGES - 1]:
        where = state.located.get(clean_url(urls[number]))
        capture = _read_again(where) if where else None
        if capture is None:
            state.stats["import/missing_page"] += 1
            logger.warning("%s: page %d of %s is not in the files; the article is stored without it",
                           shown(urls[number]), number, shown(first.url))
            continue
        later.append((number, capture))
    page = _kept(first)._replace(later=tuple(_kept(capture) for _, capture in later))
    article = _read_article(page, first, state.stats, rules)
    if article is not None:
        article["continued_pages"] = [
            {"number": number, "fetched_url": capture.url, "status": capture.status, "headers": capture.headers,
             "body": capture.body, "exchange": capture.exchange}
            for number, capture in later
        ]
        article["aliases"] = sorted({clean_url(capture.url) for _, capture in later} - {article["url"]})
    return article


def _kept(capture: Capture) -> KeptPage:
    """``capture`` as ``reextract`` reads a kept page that no article holds yet."""
    return KeptPage(None, capture.url, capture.status, json.dumps(capture.headers), zlib.compress(capture.body, 1),
                    capture.fetched_at)


def _read_article(page: KeptPage, capture: Capture, stats: Counter, rules: SiteRules) -> dict | None:
    article, counts = read_page(page, rules)
    stats.update({name.replace("reextract/", "import/"): count for name, count in counts.items()})
    if article is not None:
        article["exchange"] = capture.exchange
    return article


def _add(db, batch: list, item: dict | None, run, state: ImportState, batch_size: int) -> list:
    """``batch`` with ``item`` added (if any), or a new one once it was full and written."""
    if item is not None:
        state.unread.note(item["url"], item["published_raw"], item["published"])
        batch.append(item)
    if len(batch) < batch_size:
        return batch
    _write(db, batch, run, state.stats)
    return []


def _write(db, batch, run, stats) -> None:
    if not batch:
        return
    counts = write_batch(db, batch, run_id=run.id, pages=stats["import/pages"])
    run.counts.add(counts)
    for name in ("new", "updated", "unchanged"):
        stats[f"import/{name}"] += getattr(counts, name)


def warc_files(paths) -> list[Path]:
    """``paths`` checked: each an existing file; :class:`WarcError` names the first that is not."""
    files = [Path(path) for path in paths]
    for path in files:
        if not path.exists() or path.is_dir():  # a pipe is read as a file is
            raise WarcError(f"{path} is not a file; give WARC files (.warc or .warc.gz)")
    return files
