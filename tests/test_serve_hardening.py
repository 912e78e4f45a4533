"""What a web page the user visits can make `medarchive serve` do, and serving archives nobody can write.

Any page can make the browser send requests to 127.0.0.1: blind ones, and, through DNS
rebinding, ones whose answers it reads. So: the cost of one query is bounded (time, memory,
the plugin's functions), a foreign ``Host`` is refused, every answer carries security headers,
no answer shows where the archive lives. And ``serve``, ``search``, ``runs`` and ``gaps`` work
on a read-only file or mount, ``serve`` creating no file next to the archive.

The servers run as users start them (``python -m medarchive serve``), in a subprocess.
"""

import asyncio
import concurrent.futures
import http.client
import json
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from archive import datasette_plugin, open_archive, serve, webguard, writer
from conftest import ServedArchive, free_loopback_port, medarchive
from test_serve import ARTICLES, WITH_ASTHMA, article, page  # noqa: F401 - fixture: a Chromium page via Playwright

ROOT = Path(__file__).resolve().parent.parent
#: The issue's probe: three of these at once ran 14 s each and took the server to 7.5 GB.
MEMORY_BOMB = "select length(replace(hex(zeroblob(249999999)),'0','00'))"


def big_steps(blob_bytes: int, steps: int) -> str:
    """A query of ``steps`` short steps, each on a value of twice ``blob_bytes``."""
    return (f"with recursive r(i, s) as (select 0, hex(zeroblob({blob_bytes})) union all "
            f"select i + 1, replace(s, '0', i % 10) from r where i < {steps}) select max(length(s)) from r")


#: Many short steps each on a 10 MB value: datasette's check every 1,000 steps came seconds late.
SLOW_BIG_STEPS = big_steps(5_000_000, 1_000_000)
#: The issue's probe of Python's side: rows of 20 MB values as JSON (before: 3 rows took
#: the server to 1.8 GB, 10 rows to 6 GB, in a body of 343 MB and 1.2 GB).
BIG_ROWS = ("with recursive r(i) as (select 1 union all select i + 1 from r where i < 3) "
            "select i, zeroblob(20000000) as b from r")
#: One row, one 20 MB value (the largest SQLite gives), which datasette's JSON makes 120 MB.
BIG_ROW = "select zeroblob(20000000) as b"
#: Generous: the server idles at ~60 MB; without the bounds the probes above reach gigabytes.
RSS_BOUND_KB = 1024 * 1024


def make_archive(directory: Path) -> Path:
    """An archive in ``directory`` with the browsing tests' articles, checkpointed: the file alone."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "archive.db"
    db = open_archive(path)
    writer.write_batch(db, ARTICLES)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return path


@pytest.fixture(scope="module")
def archive_path(tmp_path_factory):
    return make_archive(tmp_path_factory.mktemp("hardening") / "data")


@pytest.fixture(scope="module")
def server(archive_path):
    port = free_loopback_port()
    served = ServedArchive([sys.executable, "-m", "medarchive", "serve", "--db", str(archive_path), "--port", str(port),
                            "--allow-host", "archive.lan"], port, cwd=ROOT)
    yield served
    served.stop()


def request(served, path: str, headers=None):
    """``(status, headers, body)`` of a GET to ``served`` with these request headers."""
    port = int(served.url.rsplit(":", 1)[1])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read().decode("utf-8", errors="replace")
    finally:
        connection.close()


def sql_path(sql: str) -> str:
    return "/archive.json?" + urllib.parse.urlencode({"sql": sql})


def peak_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM in /proc")


def concurrent_requests(served, path: str, count: int):
    """``count`` concurrent GETs of ``path``: each one's ``(status, body)``."""
    def one(_):
        status, _, body = request(served, path)
        return status, body

    with concurrent.futures.ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


# --- what one query may cost ---------------------------------------------------------------


def test_the_issues_memory_bomb_is_refused_as_too_big_with_bounded_memory(server):
    for status, body in concurrent_requests(server, sql_path(MEMORY_BOMB), 3):
        assert status == 400 and "string or blob too big" in body  # refused by its size, not computed
    assert peak_rss_kb(server.process.pid) < RSS_BOUND_KB


@pytest.mark.parametrize("sql", [BIG_ROWS, BIG_ROW, BIG_ROW.replace("zeroblob(20000000)", "cast(zeroblob(20000000) as text)")])
def test_rows_too_big_for_memory_are_refused_with_one_clear_error(server, sql):
    status, _, body = request(server, sql_path(sql))
    assert status == 400
    assert "the rows of this query take more than 64 MB" in body and "fewer rows" in body
    assert len(body.encode()) < 64 * 1024
    assert peak_rss_kb(server.process.pid) < RSS_BOUND_KB


def test_rows_within_the_bound_are_answered_whole(server):
    status, _, body = request(server, sql_path("select length(cast(zeroblob(1000000) as blob)) as n, hex(zeroblob(1000000)) as h"))
    assert status == 200
    row = json.loads(body)["rows"][0]
    assert row[0] == 1_000_000 and len(row[1]) == 2_000_000


def test_a_query_of_many_big_steps_is_stopped_by_the_time_limit(server):
    for status, body in concurrent_requests(server, sql_path(SLOW_BIG_STEPS), 2):
        assert status == 400 and "too long" in body
    assert peak_rss_kb(server.process.pid) < RSS_BOUND_KB


def test_the_time_limit_is_checked_every_few_big_steps(archive_path):
    # Datasette asks for its time-limit check every 1,000 SQLite steps; a step on a 10 MB value
    # takes milliseconds, so the check came seconds late. Counted, not timed: the checks made in
    # 100 steps of the recursive query above (on 200 kB values), on a connection as serve opens it.
    connection = serve.ArchiveDatabase(None, path=str(archive_path)).connect()
    checks = []
    connection.set_progress_handler(lambda: checks.append(1), 1000)
    connection.execute(big_steps(100_000, 100)).fetchone()
    connection.close()
    assert len(checks) >= 25  # datasette's own 1,000 steps: 2


def test_sqlite_memory_is_capped_for_the_serving_process():
    # In a process of its own: the cap holds for the whole process. The query builds a 10 MB
    # string: fine before the cap, refused under a cap of 8 MB.
    probe = (
        "import sqlite3\n"
        "from archive.serve import limit_sqlite_heap\n"
        "sql = 'with recursive c(x) as (select 1 union all select x + 1 from c where x < 5000) "
        "select length(group_concat(hex(randomblob(1000)))) from c'\n"
        "print(sqlite3.connect(':memory:').execute(sql).fetchone()[0])\n"
        "limit_sqlite_heap(8 * 1024 * 1024)\n"
        "try:\n"
        "    sqlite3.connect(':memory:').execute(sql).fetchone()\n"
        "except MemoryError:\n"
        "    print('out of memory')\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.stdout.splitlines() == ["10004999", "out of memory"], result.stderr


def test_the_plugins_functions_refuse_huge_arguments(server):
    status, _, body = request(server, sql_path(f"select cjk_index(printf('%.*c', {datasette_plugin.MAX_TEXT_CHARS + 1}, 'x'))"))
    assert status == 400 and "raised exception" in body
    with pytest.raises(datasette_plugin.InputTooLong, match="at most"):
        datasette_plugin.cjk_index("哮" * (datasette_plugin.MAX_TEXT_CHARS + 1))
    assert datasette_plugin.cjk_index("哮喘") == "哮喘 喘"


@pytest.mark.parametrize("function", [datasette_plugin.cjk_match, datasette_plugin.lenient_box_query])
def test_an_overlong_search_matches_nothing(function):
    assert function("哮喘 " * datasette_plugin.MAX_QUERY_CHARS) == datasette_plugin.MATCH_NOTHING
    assert function("哮喘") != datasette_plugin.MATCH_NOTHING


def test_an_overlong_search_says_why():
    assert "longer than" in datasette_plugin.cjk_query_error("哮" * (datasette_plugin.MAX_QUERY_CHARS + 1))
    snippet = datasette_plugin.cjk_snippet("哮喘" * 10, "哮" * (datasette_plugin.MAX_QUERY_CHARS + 1))
    assert snippet == ("哮喘" * 10)[:90]


def test_requests_beyond_the_cap_are_refused_not_queued():
    release = asyncio.Event()

    async def slow_app(scope, receive, send):
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    app = webguard.guard(slow_app, allowed_hosts=["127.0.0.1"], content_security_policy="default-src 'self'", max_in_flight=2)

    async def one():
        sent = []

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "path": "/", "headers": [(b"host", b"127.0.0.1:8001")]}
        await app(scope, None, send)
        return sent[0]["status"]

    async def flood():
        first = [asyncio.create_task(one()) for _ in range(2)]
        await asyncio.sleep(0.05)
        third = await one()  # answered while the two are still running
        release.set()
        return third, [await task for task in first]

    assert asyncio.run(flood()) == (503, [200, 200])


def guarded_answers(app, max_response_bytes: int):
    """Each message the guard sends for one request to ``app`` bounded at ``max_response_bytes``,
    and whether the app's run ended."""
    guarded = webguard.guard(app, allowed_hosts=["127.0.0.1"], content_security_policy="default-src 'self'",
                             max_response_bytes=max_response_bytes)
    sent = []

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "path": "/", "query_string": b"", "headers": [(b"host", b"127.0.0.1:8001")]}
    asyncio.run(guarded(scope, None, send))
    return sent


def body_app(*chunks):
    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        for i, chunk in enumerate(chunks):
            await send({"type": "http.response.body", "body": chunk, "more_body": i < len(chunks) - 1})

    return app


def test_an_answer_over_the_byte_bound_is_replaced_by_one_clear_error():
    sent = guarded_answers(body_app(b"x" * 1001), 1000)
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert sent[0]["status"] == 400
    assert b"the answer would hold more than" in sent[1]["body"] and b"x" not in sent[1]["body"]


def test_an_answer_within_the_byte_bound_is_sent_as_it_is():
    sent = guarded_answers(body_app(b"x" * 600, b"y" * 400), 1000)
    assert sent[0]["status"] == 200 and b"".join(m["body"] for m in sent[1:]) == b"x" * 600 + b"y" * 400


def test_a_streamed_answer_passing_the_bound_is_cut_off_not_ended_as_if_whole():
    sent = guarded_answers(body_app(b"x" * 600, b"y" * 600, b"z"), 1000)
    assert sent[0]["status"] == 200
    # The first part went out; nothing after it, and no last message that would close it as complete.
    assert [m["body"] for m in sent[1:]] == [b"x" * 600] and sent[1]["more_body"]


# --- who may ask, and what every answer says --------------------------------------------------


@pytest.mark.parametrize("host, status", [
    ("evil.example.com", 400), ("evil.example.com:8001", 400), ("127.0.0.1.evil.example", 400), ("", 400),
    ("127.0.0.1:{port}", 200), ("localhost:{port}", 200), ("LOCALHOST", 200), ("[::1]:{port}", 200), ("archive.lan:{port}", 200),
])
def test_only_this_servers_host_names_are_answered(server, host, status):
    port = server.url.rsplit(":", 1)[1]
    got, _, body = request(server, "/archive.json?sql=select+1", headers={"Host": host.format(port=port)})
    assert got == status, body[:200]
    if status == 400:
        assert "--allow-host" in body and "select" not in body


def test_a_cross_site_subresource_runs_no_query_but_a_link_opens(server):
    blind = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"}
    assert request(server, sql_path("select count(*) from articles"), blind)[0] == 403
    followed = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}
    assert request(server, "/archive/articles?_sort=id", followed)[0] == 200
    same = {"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors"}
    assert request(server, sql_path("select count(*) from articles"), same)[0] == 200


@pytest.mark.parametrize("path", ["/archive?sql=select+count(*)+from+articles", sql_path("select 1"),
                                  "/archive/articles?_where=length(body)>0", "/archive/articles.json?_where=1"])
def test_a_cross_site_link_that_carries_sql_runs_no_query(server, path):
    followed = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}
    status, _, body = request(server, path, followed)
    assert status == 403 and "a query from another site refused" in body
    own = {"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}
    assert request(server, path, own)[0] == 200


@pytest.mark.parametrize("path, headers", [
    ("/", {}), ("/archive", {}), ("/archive/articles?_search=哮喘", {}), ("/archive/search?q=哮喘", {}),
    (sql_path("select 1"), {}), ("/-/static/app.css", {}), ("/no/such/page", {}), (sql_path("select nonsense"), {}),
    ("/", {"Host": "evil.example.com"}),
])
def test_every_answer_carries_the_security_headers(server, path, headers):
    _, got, _ = request(server, urllib.parse.quote(path, safe="/?=&_.-"), headers)
    assert got["x-frame-options"] == "DENY"
    assert got["x-content-type-options"] == "nosniff"
    assert got["referrer-policy"] == "no-referrer"
    csp = got["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]


@pytest.mark.parametrize("path", [
    "/-/databases.json", "/-/databases", "/-/versions.json", "/-/plugins.json", "/-/settings.json", "/-/metadata.json",
    "/archive", "/archive.json", "/archive/articles", "/archive.db", "/no/such/page",
    sql_path("select * from pragma_database_list"), sql_path("select file from pragma_database_list()"),
    sql_path("pragma database_list"), sql_path("attach database 'x.db' as x"), sql_path("select * from no_such_table"),
])
def test_no_answer_shows_where_the_archive_lives(server, archive_path, path):
    _, _, body = request(server, path)
    assert str(archive_path.parent) not in body and str(archive_path.parent.resolve()) not in body


# --- in the browser: the policy lets datasette's own pages work, and nothing else -------------


@pytest.fixture
def csp_violations(page):  # noqa: F811
    found = []
    page.on("console", lambda message: found.append(message.text) if "Content Security Policy" in message.text else None)
    return found


def test_datasette_pages_work_under_the_policy(server, page, csp_violations):  # noqa: F811
    page.goto(server.url + "/archive/articles")
    assert page.evaluate("window.DATASETTE_ALLOW_FACET") is True  # table.html's inline script ran
    page.fill("input#_search", "哮喘")
    page.press("input#_search", "Enter")
    page.wait_for_load_state("load")
    assert {cell.inner_text().strip() for cell in page.locator("td.col-title a.medarchive-article").all()} == WITH_ASTHMA
    page.locator("th svg.dropdown-menu-icon").first.click()  # a column menu: table.js ran
    assert page.locator(".dropdown-menu").first.is_visible()
    page.goto(server.url + "/archive")
    assert page.locator(".CodeMirror").count() == 1  # the SQL editor: inline script and CodeMirror's JS
    page.goto(server.url + "/archive/search?q=" + urllib.parse.quote("哮喘"))
    assert page.locator("td.col-snippet").count() == len(WITH_ASTHMA)
    page.goto(server.url + "/")
    assert csp_violations == []


def test_a_script_the_pages_do_not_hold_is_blocked(server, page, csp_violations):  # noqa: F811
    page.goto(server.url + "/archive/articles")
    with pytest.raises(Exception):
        page.add_script_tag(content="window.__injected = 1")
    assert page.evaluate("window.__injected") is None
    assert csp_violations


# --- archives nobody can write -----------------------------------------------------------------


def files_beside(path: Path) -> set[str]:
    return {p.name for p in path.parent.iterdir()}


def test_serving_creates_no_file_next_to_the_archive(tmp_path):
    path = make_archive(tmp_path / "data")
    before = (files_beside(path), path.read_bytes())
    port = free_loopback_port()
    served = ServedArchive([sys.executable, "-m", "medarchive", "serve", "--db", str(path), "--port", str(port)], port, cwd=ROOT)
    try:
        for page_path in ["/archive/articles?_search=%E5%93%AE%E5%96%98&_sort_desc=published_at", "/archive/search?q=%E5%93%AE", sql_path("select count(*) from articles")]:
            assert request(served, page_path)[0] == 200
    finally:
        served.stop()
    assert (files_beside(path), path.read_bytes()) == before


def test_serve_sees_a_crawl_that_starts_after_it(tmp_path):
    path = make_archive(tmp_path / "data")
    port = free_loopback_port()
    served = ServedArchive([sys.executable, "-m", "medarchive", "serve", "--db", str(path), "--port", str(port)], port, cwd=ROOT)
    count = sql_path("select count(*) as n from articles") + "&_shape=array"
    try:
        assert json.loads(request(served, count)[2]) == [{"n": len(ARTICLES)}]
        crawl = open_archive(path)  # a writer arrives, its pages in the -wal while it runs
        writer.write_batch(crawl, [article(50, "新文章", "新的正文。")])
        assert json.loads(request(served, count)[2]) == [{"n": len(ARTICLES) + 1}]
        writer.write_batch(crawl, [article(51, "又一篇", "正文。")])
        assert json.loads(request(served, count)[2]) == [{"n": len(ARTICLES) + 2}]
        crawl.close()
    finally:
        served.stop()


def read_only_mount_prefix(directory: Path) -> list[str]:
    """argv prefix running a command with ``directory`` mounted read-only over itself, in a
    private mount namespace (nothing changes outside the command); skips when impossible."""
    script = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'
    cannot_write = ["sh", "-c", '! touch "$0/probe" 2>/dev/null', str(directory)]
    if shutil.which("unshare"):
        for unshare in (["unshare", "-m"], ["unshare", "-rm"]):  # as root; else in a user namespace
            prefix = [*unshare, "sh", "-c", script, str(directory)]
            if subprocess.run([*prefix, *cannot_write], capture_output=True).returncode == 0:
                return prefix
    pytest.skip("cannot mount read-only here: needs unshare and mount namespaces (root or user namespaces)")


@pytest.fixture
def read_only_archive(tmp_path):
    """An archive whose file and directory are read-only (chmod), restored afterwards. Root
    ignores permission bits, so under root this only shows nothing breaks; the read-only
    mount below is what no one can write."""
    path = make_archive(tmp_path / "data")
    path.chmod(0o444)
    path.parent.chmod(0o555)
    yield path
    path.parent.chmod(0o755)
    path.chmod(0o644)


READ_COMMANDS = [
    (["search", "哮喘"], "支气管哮喘的干细胞治疗"),
    (["runs"], "raw pages kept"),
    (["gaps"], "No gaps"),
]


@pytest.mark.parametrize("command, expected", READ_COMMANDS)
def test_read_commands_work_on_a_read_only_file(read_only_archive, command, expected):
    before = (files_beside(read_only_archive), read_only_archive.read_bytes())
    result = medarchive(*command, "--db", str(read_only_archive), timeout=60)
    assert result.returncode == 0, result.stderr
    assert expected in result.stdout and "Traceback" not in result.stderr
    assert (files_beside(read_only_archive), read_only_archive.read_bytes()) == before


@pytest.mark.parametrize("command, expected", READ_COMMANDS)
def test_read_commands_work_on_a_read_only_mount(tmp_path, command, expected):
    path = make_archive(tmp_path / "data")
    prefix = read_only_mount_prefix(path.parent)
    before = (files_beside(path), path.read_bytes())
    result = subprocess.run([*prefix, sys.executable, "-m", "medarchive", *command, "--db", str(path)], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert expected in result.stdout and "Traceback" not in result.stderr
    assert (files_beside(path), path.read_bytes()) == before


def test_serve_works_on_a_read_only_mount(tmp_path):
    path = make_archive(tmp_path / "data")
    prefix = read_only_mount_prefix(path.parent)
    port = free_loopback_port()
    served = ServedArchive([*prefix, sys.executable, "-m", "medarchive", "serve", "--db", str(path), "--port", str(port)], port, cwd=ROOT)
    try:
        status, _, body = request(served, sql_path("select count(*) as n from articles") + "&_shape=array")
        assert status == 200 and json.loads(body) == [{"n": len(ARTICLES)}]
        assert request(served, "/archive/articles?_search=%E5%93%AE%E5%96%98&_sort_desc=published_at")[0] == 200
    finally:
        served.stop()
    assert files_beside(path) == {"archive.db"}


def test_serve_on_ipv6_loopback(archive_path):
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
            port = probe.getsockname()[1]
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")
    process = subprocess.Popen([sys.executable, "-m", "medarchive", "serve", "--db", str(archive_path), "--host", "[::1]", "--port", str(port)],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                connection = http.client.HTTPConnection("::1", port, timeout=2)
                connection.request("GET", "/archive.json?sql=select+1")
                response = connection.getresponse()
                assert response.status == 200
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, process.stdout.read() if process.poll() is not None else "timeout"
                time.sleep(0.2)
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0]
    assert f"http://[::1]:{port}/" in output and "Traceback" not in output


def test_the_read_only_helpers_choose_immutable_only_while_the_file_alone_holds_everything(tmp_path):
    from archive.db import readonly_uri

    path = make_archive(tmp_path / "data")
    assert readonly_uri(path).endswith("&immutable=1")
    writing = sqlite3.connect(path)
    writing.execute("insert into aliases values ('https://x.example/1', ?)", [ARTICLES[0]["url"]])
    writing.commit()  # committed into the -wal, not yet checkpointed
    assert readonly_uri(path).endswith("?mode=ro")
    writing.close()  # the last connection checkpoints and removes the -wal
    assert readonly_uri(path).endswith("&immutable=1")


def test_a_refused_query_prints_no_traceback_to_the_terminal(archive_path, tmp_path):
    """datasette prints a traceback with every local for each error once ``rich`` is installed
    (the test extra brings it): some 90 KB a refused query, which also filled an unread pipe and
    stopped the server."""
    log = tmp_path / "serve.log"
    port = free_loopback_port()
    with open(log, "wb") as output:
        process = subprocess.Popen([sys.executable, "-m", "medarchive", "serve", "--db", str(archive_path), "--port", str(port)],
                                   cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)
        try:
            served = type("Served", (), {"url": f"http://127.0.0.1:{port}"})
            for _ in range(150):
                try:
                    urllib.request.urlopen(served.url + "/-/versions.json", timeout=1).read()
                    break
                except OSError:
                    time.sleep(0.2)
            status, _, body = request(served, sql_path(big_steps(200_000, 1_000_000)))
            assert status == 400 and "too long" in body
        finally:
            process.terminate()
            process.wait(timeout=10)
    printed = log.read_text(errors="replace")
    assert "Traceback" not in printed and len(printed) < 2000, printed[:500]
