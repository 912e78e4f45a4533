"""`medarchive serve` is safe to open: hostile article HTML runs nothing in the browser, the
archive is read-only, search input never reaches SQL as syntax, and the server stays on
loopback unless told otherwise.

The archive is the hostile replica crawl (conftest ``hostile_crawl``) plus one article
written straight through ``archive.writer`` with *unsanitised* HTML, as an older version or
another tool might have stored it: the page must be safe even then.
"""

import concurrent.futures
import hashlib
import json
import shutil
import sqlite3
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from datasette.utils import tilde_encode

from archive import open_archive, serve, writer
from conftest import ServedArchive, free_loopback_port, medarchive
from hostile_site import XSS_BODY, XSS_MARKERS
from test_serve import page  # noqa: F401 - fixture: a page of Debian's Chromium via Playwright

ROOT = Path(__file__).resolve().parent.parent
RAW_URL = "https://evil.example/raw/1.html"
RAW_HTML = XSS_BODY + '<p><a href="javascript:window.__pwned=\'raw\'" id="rawlink">原始链接</a></p>'


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    for part in (path, Path(f"{path}-wal")):
        if part.exists():
            digest.update(part.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def archive_path(hostile_crawl, tmp_path_factory):
    """A copy of the hostile crawl's archive with one raw, unsanitised article added."""
    path = tmp_path_factory.mktemp("serve-security") / "archive.db"
    with sqlite3.connect(hostile_crawl.db_path) as source, sqlite3.connect(path) as target:
        source.backup(target)
    db = open_archive(path)
    writer.write_batch(db, [{
        "url": RAW_URL, "site": "https://evil.example", "title": "未清洗的恶意文章", "body": "雾化吸入。恶意文章正文。",
        "body_html": RAW_HTML, "category": "呼吸", "published": "2025-01-01", "published_raw": "2025-01-01",
        "disclaimer": None, "references": [], "dois": [], "neighbours": [], "aliases": [],
    }])
    db.close()
    return path


@pytest.fixture(scope="module")
def server(archive_path):
    """``medarchive serve`` as a user runs it: default host, a free port."""
    port = free_loopback_port()
    served = ServedArchive([sys.executable, "-m", "medarchive", "serve", "--db", str(archive_path), "--port", str(port)], port, cwd=ROOT)
    yield served.url
    served.stop()


def hostile_article_urls(hostile_crawl):
    return [hostile_crawl.url("/case/xss.html"), RAW_URL]


def get(url: str):
    """``(status, body)`` of a GET, errors included."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", errors="replace")


# --- in the browser -------------------------------------------------------------------------


def assert_nothing_ran(page):
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None
    assert page.dialogs == []


@pytest.mark.parametrize("which", ["crawled", "raw"])
def test_a_hostile_article_page_runs_no_script(server, page, hostile_crawl, which):  # noqa: F811
    url = dict(zip(["crawled", "raw"], hostile_article_urls(hostile_crawl)))[which]
    page.goto(f"{server}/archive/articles/{tilde_encode(url)}")
    cell = page.locator("td.col-body_html").first
    assert "安全段落" in cell.inner_text() and "结尾段落" in cell.inner_text()  # shown, readably
    html = cell.inner_html().lower()
    assert [marker for marker in XSS_MARKERS if marker in html and marker != "style="] == []
    assert page.locator("td.col-body_html iframe, td.col-body_html svg, td.col-body_html object, td.col-body_html embed, td.col-body_html form").count() == 0
    page.hover("text=悬停这里")
    for selector in ("#evil", "#rawlink", "text=恶意链接", "text=大小写混合"):
        if page.locator(selector).count():
            page.locator(selector).first.click(no_wait_after=True)
            page.wait_for_timeout(100)
            if not page.url.startswith(server):
                page.go_back()
    assert_nothing_ran(page)


@pytest.mark.parametrize("path", ["/archive/articles", "/archive/articles?_search=雾化", "/archive/articles?_search=恶意&_col=body_html",
                                  "/archive/search?q=雾化", "/archive/links", "/archive"])
def test_listing_pages_with_hostile_rows_run_no_script(server, page, path):  # noqa: F811
    page.goto(server + path)
    assert page.locator("body").inner_text()
    assert_nothing_ran(page)


# --- read-only ------------------------------------------------------------------------------


WRITES = [
    "delete from articles",
    "update articles set title = 'x'",
    "drop table articles",
    "insert into aliases values ('a', 'b')",
    "select 1; delete from articles",
    "with x as (select 1) delete from articles",
    "pragma writable_schema = 1",
    "attach database '/tmp/medarchive-attack.db' as attack",
    "vacuum",
    "select * from articles where 1 = 1; drop table articles",
]


@pytest.mark.parametrize("sql", WRITES)
def test_the_sql_endpoint_refuses_writes(server, archive_path, sql):
    before = file_digest(archive_path)
    status, body = get(f"{server}/archive.json?sql={urllib.parse.quote(sql)}")
    assert status >= 400 or json.loads(body).get("ok") is False, body[:300]
    assert file_digest(archive_path) == before
    assert not Path("/tmp/medarchive-attack.db").exists()
    status, body = get(f"{server}/archive.json?sql=select+count(*)+as+n+from+articles&_shape=array")
    assert status == 200 and json.loads(body)[0]["n"] > 0


def test_no_canned_query_writes_and_post_changes_nothing(server, archive_path):
    metadata = json.loads((ROOT / "archive" / "metadata.json").read_text(encoding="utf-8"))
    queries = metadata["databases"]["archive"]["queries"]
    assert not [name for name, query in queries.items() if isinstance(query, dict) and query.get("write")]
    before = file_digest(archive_path)
    request = urllib.request.Request(f"{server}/archive/search", data=b"q=1", method="POST")
    try:
        urllib.request.urlopen(request, timeout=10)
    except urllib.error.HTTPError:
        pass
    assert file_digest(archive_path) == before


def test_the_datasette_instance_cannot_write_at_all(archive_path, tmp_path):
    import asyncio

    copy = tmp_path / "archive.db"
    shutil.copy(archive_path, copy)
    datasette = serve.make_datasette(copy)

    async def attempt():
        await datasette.databases["archive"].execute_write("delete from articles")

    # A thread of its own: Playwright's sync API keeps an event loop running in this one.
    with concurrent.futures.ThreadPoolExecutor(1) as pool, pytest.raises(PermissionError, match="read-only"):
        pool.submit(asyncio.run, attempt()).result()
    with sqlite3.connect(copy) as db:
        assert db.execute("select count(*) from articles").fetchone()[0] > 0


def test_serving_leaves_the_archive_file_untouched(server, archive_path, page):  # noqa: F811
    before = file_digest(archive_path)
    for path in ["/archive/articles?_search=干细胞", "/archive/search?q=哮喘", "/archive/article_references?_facet=doi"]:
        assert get(server + urllib.parse.quote(path, safe="/?=&_"))[0] == 200, path
    get(server + "/archive.db")  # datasette offers no download of a mutable file: 403
    assert file_digest(archive_path) == before


# --- search input ---------------------------------------------------------------------------


INJECTIONS = ["'", '"', "') or 1=1 --", "哮喘') union select sql from sqlite_master --", "\"; drop table articles; --",
              "* OR *", "NEAR(a b)", "title:雾化", "^雾化", "{title}: x", "a\x00b", "雾化 AND", "(((", "-", "\\", "%", "_"]


@pytest.mark.parametrize("query", INJECTIONS)
def test_search_input_is_never_sql_or_fts_syntax(server, query):
    quoted = urllib.parse.quote(query)
    status, body = get(f"{server}/archive/articles.json?_shape=array&_col=title&_search={quoted}")
    assert status == 200, body[:300]
    assert isinstance(json.loads(body), list)
    status, body = get(f"{server}/archive/search.json?_shape=array&q={quoted}")
    assert status == 200, body[:300]
    status, body = get(f"{server}/archive.json?sql=select+count(*)+as+n+from+articles&_shape=array")
    assert json.loads(body)[0]["n"] > 0


# --- where it listens -----------------------------------------------------------------------


def listening_addresses(port: int) -> set[str]:
    """Local addresses of the TCP sockets listening on ``port`` (Linux /proc)."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            address, port_hex = fields[1].split(":")
            if int(port_hex, 16) == port and fields[3] == "0A":  # LISTEN
                found.add(address)
    return found


def test_serve_listens_on_loopback_only_by_default(server):
    port = int(server.rsplit(":", 1)[1])
    addresses = listening_addresses(port)
    if not Path("/proc/net/tcp").exists():
        pytest.skip("no /proc/net/tcp")
    assert addresses == {"0100007F"}  # 127.0.0.1, little-endian hex


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "10.0.0.1", "example.com"])
def test_serve_refuses_a_public_host_without_public(archive_path, host):
    result = medarchive("serve", "--db", str(archive_path), "--host", host, "--port", "1", timeout=30)
    assert result.returncode == 2
    assert "--public" in result.stderr and repr(host) in result.stderr
    assert "Traceback" not in result.stderr


def test_archive_serve_module_refuses_too(archive_path):
    import subprocess

    result = subprocess.run(serve.serve_argv(archive_path, host="0.0.0.0", port=1), capture_output=True, text=True, timeout=30, cwd=ROOT)
    assert result.returncode == 2 and "--public" in result.stderr
    assert serve.serve_argv("a.db", host="0.0.0.0", public=True)[-1] == "--public"


@pytest.mark.parametrize("host, loopback", [("127.0.0.1", True), ("127.8.9.10", True), ("::1", True), ("[::1]", True),
                                            ("localhost", True), ("LOCALHOST", True), ("0.0.0.0", False), ("::", False),
                                            ("", False), ("192.168.1.20", False), ("2001:db8::1", False)])
def test_is_loopback(host, loopback):
    assert serve.is_loopback(host) is loopback


def test_check_host_passes_loopback_and_public_on_request():
    serve.check_host("127.0.0.1")
    serve.check_host("0.0.0.0", public=True)
    with pytest.raises(serve.PublicBindRefused, match="--public"):
        serve.check_host("0.0.0.0")


def test_serve_refuses_a_missing_or_broken_file_without_creating_it(tmp_path):
    missing = tmp_path / "missing.db"
    result = medarchive("serve", "--db", str(missing), "--port", "1", timeout=30)
    assert result.returncode == 1 and "no archive" in result.stderr and not missing.exists()
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not sqlite at all" * 10)
    result = medarchive("serve", "--db", str(junk), "--port", "1", timeout=30)
    assert result.returncode == 1 and "not a usable SQLite archive" in result.stderr
    assert junk.read_bytes() == b"not sqlite at all" * 10
