"""A local replica of the scholarly APIs ``medarchive enrich`` asks: Crossref's REST API,
NCBI's PMC ID converter and E-utilities' ``esummary``, answering with their JSON shapes.

One HTTP server on 127.0.0.1 serves the three under ``/crossref/``, ``/idconv/`` and
``/eutils/`` from a catalogue of :class:`Paper`: a DOI it does not hold is a 404 (as
Crossref's ``Resource not found.``), an identifier the converter does not know is an error
record, a PMID ``esummary`` does not know carries an ``error``. It records every request
(time, API, path and query, User-Agent), can answer 429 with ``Retry-After``, 503 or an
HTML page on demand, and announces Crossref's ``X-Rate-Limit-*`` headers. For the probes of
hostile answers, :class:`Raw` answers any request for a given DOI or path as told: any
bytes, a false ``Content-Length``, a slow drip, a redirect.

Run it by hand for a demo over an archive's own citations::

    python tests/scholarly_apis.py --archive demo.db --port 8750
"""

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

JOURNALS = ["The Lancet", "New England Journal of Medicine", "JAMA", "Nature Medicine", "BMJ", "中华医学杂志", "Cell Stem Cell"]
PUBLISHERS = {"The Lancet": "Elsevier BV", "New England Journal of Medicine": "Massachusetts Medical Society", "JAMA": "American Medical Association",
              "Nature Medicine": "Springer Science and Business Media LLC", "BMJ": "BMJ", "中华医学杂志": "中华医学会", "Cell Stem Cell": "Elsevier BV"}
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@dataclass
class Paper:
    """One work as the replica knows it; ``in_crossref`` False for a DOI only PubMed names."""

    title: str
    journal: str
    issued: tuple
    authors: list[tuple[str, str]]
    doi: str | None = None
    pmid: str | None = None
    pmcid: str | None = None
    volume: str = "12"
    issue: str = "3"
    pages: str = "101-109"
    in_crossref: bool = True
    #: Other DOIs of the same work: Crossref answers them with the work's own ``DOI``.
    alias_dois: tuple = ()

    def crossref(self) -> dict:
        return {
            "status": "ok", "message-type": "work", "message-version": "1.0.0",
            "message": {
                "DOI": self.doi, "URL": f"https://doi.org/{self.doi}", "type": "journal-article",
                "title": [self.title], "container-title": [self.journal], "short-container-title": [],
                "publisher": PUBLISHERS.get(self.journal, "Replica Press"),
                "issued": {"date-parts": [list(self.issued)]},
                "published-print": {"date-parts": [list(self.issued)]},
                "author": [{"given": given, "family": family, "sequence": "first" if i == 0 else "additional", "affiliation": []}
                           for i, (given, family) in enumerate(self.authors)],
                "volume": self.volume, "issue": self.issue, "page": self.pages,
                "is-referenced-by-count": 7, "reference-count": 30,
            },
        }

    def idconv(self, requested: str) -> dict:
        record = {"requested-id": requested, "pmid": self.pmid}
        if self.pmcid:
            record["pmcid"] = self.pmcid
        if self.doi:
            record["doi"] = self.doi
        return record

    def esummary(self) -> dict:
        year, month, day = (list(self.issued) + [1, 1])[:3]
        ids = [{"idtype": "pubmed", "idtypen": 1, "value": self.pmid}]
        if self.doi:
            ids.append({"idtype": "doi", "idtypen": 3, "value": self.doi})
        if self.pmcid:
            ids.append({"idtype": "pmc", "idtypen": 8, "value": self.pmcid})
        return {
            "uid": self.pmid, "pubdate": f"{year} {MONTHS[month - 1]} {day}", "epubdate": "", "source": self.journal[:20],
            "authors": [{"name": f"{family} {given[:1]}", "authtype": "Author", "clusterid": ""} for given, family in self.authors],
            "lastauthor": self.authors[-1][0] if self.authors else "", "title": self.title + ".",
            "volume": self.volume, "issue": self.issue, "pages": self.pages.replace("101-109", "101-9"),
            "lang": ["eng"], "issn": "", "pubtype": ["Journal Article"], "articleids": ids,
            "fulljournalname": self.journal, "sortpubdate": f"{year}/{month:02d}/{day:02d} 00:00",
        }


@dataclass
class Raw:
    """An answer sent as given, for a request whose DOI (Crossref) or API path is its key."""

    body: bytes = b""
    status: int = 200
    headers: dict = field(default_factory=dict)
    #: ``Content-Length`` announced, when not the body's length; -1 announces none.
    length: int | None = None
    #: Seconds between two bytes of the body (a slow drip); 0 sends it at once.
    drip: float = 0.0

    @classmethod
    def json(cls, payload, **kwargs) -> "Raw":
        return cls(json.dumps(payload, ensure_ascii=False).encode("utf-8"), headers={"Content-Type": "application/json"}, **kwargs)


@dataclass
class Request:
    at: float
    api: str
    path: str
    query: dict
    user_agent: str


@dataclass
class ScholarlyApis:
    """The catalogue and what the server is told to do; ``requests`` what it was asked."""

    papers: list[Paper]
    rate_limit: tuple[int, str] = (50, "1s")
    requests: list[Request] = field(default_factory=list)
    #: API name -> [(status, Retry-After)] answered to its next requests, in order.
    refusals: dict = field(default_factory=dict)
    #: API names answering 503 to everything.
    failing: set = field(default_factory=set)
    #: API names answering 200 with an HTML page instead of JSON.
    garbling: set = field(default_factory=set)
    #: DOI (lowercase) or API name -> :class:`Raw` answer to Crossref's ``works/{doi}`` or to that API.
    raw: dict = field(default_factory=dict)
    #: Called with each request as it arrives.
    on_request: object = None
    url: str = ""

    def by(self, scheme: str, identifier: str) -> Paper | None:
        wanted = identifier.lower()
        return next((p for p in self.papers if (getattr(p, scheme) or "").lower() == wanted
                     or scheme == "doi" and wanted in p.alias_dois), None)

    def refuse(self, api: str, status: int = 429, retry_after: str | None = "1", times: int = 1) -> None:
        self.refusals.setdefault(api, []).extend([(status, retry_after)] * times)

    def asked(self, api: str | None = None) -> list[Request]:
        return [r for r in self.requests if api is None or r.api == api]


def _handler(apis: ScholarlyApis):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            parts = urlsplit(self.path)
            api, _, rest = parts.path.lstrip("/").partition("/")
            query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
            apis.requests.append(Request(time.monotonic(), api, unquote(rest), query, self.headers.get("User-Agent", "")))
            if apis.on_request:
                apis.on_request(apis.requests[-1])
            raw = apis.raw.get(api) or api == "crossref" and apis.raw.get(unquote(rest).removeprefix("works/").lower())
            if raw:
                return self._raw(raw)
            if api in apis.failing:
                return self._send(503, b"Service Unavailable", "text/plain")
            if api in apis.garbling:
                return self._send(200, "<html><body>维护中 Down for maintenance</body></html>".encode(), "text/html")
            if apis.refusals.get(api):
                status, retry_after = apis.refusals[api].pop(0)
                return self._send(status, b"Too Many Requests", "text/plain", {"Retry-After": retry_after} if retry_after else {})
            answer = {"crossref": self._crossref, "idconv": self._idconv, "eutils": self._esummary}.get(api)
            if answer is None:
                return self._send(404, b"no such API", "text/plain")
            answer(unquote(rest), query)

        def _crossref(self, path, query):
            limit, interval = apis.rate_limit
            headers = {"X-Rate-Limit-Limit": str(limit), "X-Rate-Limit-Interval": interval}
            paper = apis.by("doi", path.removeprefix("works/"))
            if not path.startswith("works/") or paper is None or not paper.in_crossref:
                return self._send(404, b"Resource not found.", "text/plain", headers)
            self._json(paper.crossref(), headers)

        def _idconv(self, path, query):
            scheme = query.get("idtype", "pmcid")
            records = []
            for identifier in query.get("ids", "").split(","):
                paper = apis.by(scheme, identifier)
                if paper is None or not paper.pmcid and not paper.pmid:
                    records.append({"requested-id": identifier, scheme: identifier, "status": "error", "errmsg": "invalid article id"})
                else:
                    records.append(paper.idconv(identifier))
            self._json({"status": "ok", "responseDate": time.strftime("%Y-%m-%d %H:%M:%S"), "request": f"ids={query.get('ids')};format=json",
                        "records": records})

        def _esummary(self, path, query):
            if path != "esummary.fcgi" or query.get("db") != "pubmed":
                return self._send(400, b"bad request", "text/plain")
            result = {"uids": []}
            for pmid in query.get("id", "").split(","):
                paper = apis.by("pmid", pmid)
                result["uids"].append(pmid)
                result[pmid] = paper.esummary() if paper else {"uid": pmid, "error": "cannot get document summary"}
            self._json({"header": {"type": "esummary", "version": "0.3"}, "result": result})

        def _json(self, payload, headers=None):
            self._send(200, json.dumps(payload, ensure_ascii=False).encode("utf-8"), "application/json;charset=utf-8", headers or {})

        def _raw(self, raw: Raw):
            self.send_response(raw.status)
            if raw.length != -1:
                self.send_header("Content-Length", str(len(raw.body) if raw.length is None else raw.length))
            for name, value in raw.headers.items():
                self.send_header(name, value)
            self.end_headers()
            try:
                if not raw.drip:
                    return self.wfile.write(raw.body)
                for byte in raw.body:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(raw.drip)
            except OSError:
                pass  # the client gave up
            self.close_connection = True

        def _send(self, status, body, content_type, headers=None):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

    return Handler


class ServedApis:
    """The replica served on 127.0.0.1 in a thread; the base URLs ``enrich`` takes."""

    def __init__(self, apis: ScholarlyApis, port: int = 0):
        self.apis = apis
        self.server = ThreadingHTTPServer(("127.0.0.1", port), _handler(apis))
        self.url = apis.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def options(self) -> list[str]:
        return ["--crossref-url", f"{self.url}/crossref/", "--idconv-url", f"{self.url}/idconv/", "--eutils-url", f"{self.url}/eutils/"]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def paper_for(scheme: str, identifier: str) -> Paper | None:
    """A made-up paper for a cited identifier, the same every time; one in eight is unknown."""
    digest = hashlib.sha256(f"{scheme}:{identifier}".encode()).digest()
    if digest[0] % 8 == 0:
        return None
    journal = JOURNALS[digest[1] % len(JOURNALS)]
    paper = Paper(
        title=f"Replica study {digest.hex()[:6]} of stem cells in {['asthma', 'COPD', 'knee osteoarthritis', 'stroke'][digest[2] % 4]}",
        journal=journal, issued=(2021 + digest[3] % 5, 1 + digest[4] % 12, 1 + digest[5] % 28),
        authors=[("Wei", "Zhang"), ("Li", "Wang"), ("Anna", "Smith")][: 1 + digest[6] % 3],
    )
    setattr(paper, scheme, identifier)
    if scheme == "pmcid":
        paper.pmid = str(30000000 + int.from_bytes(digest[7:10]) % 9999999)
    return paper


def catalogue_of(archive_path) -> list[Paper]:
    """A paper for (most of) the identifiers the archive at ``archive_path`` cites."""
    import sqlite3

    conn = sqlite3.connect(archive_path)
    try:
        cited = conn.execute("select 'doi', doi from article_dois union select 'pmid', pmid from article_pmids"
                             " union select 'pmcid', pmcid from article_pmcids").fetchall()
    finally:
        conn.close()
    return [paper for paper in (paper_for(scheme, identifier) for scheme, identifier in cited) if paper]


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--archive", required=True, help="Make up a paper for most identifiers this archive cites.")
    parser.add_argument("--port", type=int, default=8750)
    arguments = parser.parse_args()
    served = ServedApis(ScholarlyApis(catalogue_of(arguments.archive)), arguments.port)
    print("medarchive enrich " + " ".join(served.options()), flush=True)
    try:
        served.thread.join()
    except KeyboardInterrupt:
        served.stop()
