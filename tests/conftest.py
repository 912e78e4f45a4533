"""Shared fixtures: replica portals (ground truth) and servers running them.

Built once per session: the portals are deterministic, and the servers only
serve, so tests that crawl should read `site.requests` relative to their own
start (or call `site.clear_requests()` first).
"""

import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time

import pytest

from replica import build_portal, serve


@pytest.fixture(scope="session")
def wordpress_portal():
    """Site A (WordPress, UTF-8): 24 articles, one of them deleted mid-chain."""
    return build_portal("wordpress", n=24, seed=1)


@pytest.fixture(scope="session")
def dedecms_portal():
    """Site B (DedeCMS, GBK bytes): 12 articles."""
    return build_portal("dedecms", n=12, seed=2)


@pytest.fixture(scope="session")
def wordpress_site(wordpress_portal):
    """A running server for `wordpress_portal`; `.url` is its base URL."""
    with serve(wordpress_portal) as site:
        yield site


@pytest.fixture(scope="session")
def dedecms_site(dedecms_portal):
    """A running server for `dedecms_portal`; `.url` is its base URL."""
    with serve(dedecms_portal) as site:
        yield site


#: Crawl options for a replica on loopback: no politeness delay needed.
FAST = ["--delay", "0", "--concurrency", "8", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "RETRY_TIMES=0"]


#: Commands run in the test's own process: they only read or copy the archive, or one page.
#: The others get a process of their own, as a user's: a crawl runs Twisted's reactor, which
#: starts once per process; ingest takes SIGTERM; serve would block the test if it served.
IN_PROCESS = {"--help", "backup", "cite", "extract", "gaps", "runs", "search"}


def medarchive(*args, timeout=180):
    """Run the ``medarchive`` command as a user would; the result as ``subprocess.run`` gives it."""
    if args and args[0] in IN_PROCESS:
        return medarchive_in_process(*args)
    return subprocess.run(
        [sys.executable, "-m", "medarchive", *args], capture_output=True, text=True, encoding="utf-8", timeout=timeout
    )


def medarchive_in_process(*args):
    """``medarchive ARGS`` through click's test runner; an exception the command let escape
    shows in stderr as the traceback a user would see."""
    import traceback

    from click.testing import CliRunner

    from medarchive.cli import cli

    result = CliRunner().invoke(cli, list(args), prog_name="medarchive")
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "Traceback (most recent call last):\n" + "".join(traceback.format_exception(result.exception))
    return subprocess.CompletedProcess(["medarchive", *args], result.exit_code, result.stdout, stderr)


def middle_article(portal):
    """A live article from the middle of the chain: a crawl from it must walk both ways."""
    live = portal.live_articles
    return live[len(live) // 2]


class StderrWatch:
    """Reads a running process's stderr in a thread, noting ``counter()`` the moment a line
    holding ``words`` arrives (``.count``, None until then): what a server had been asked when the
    process said something, counted from its own word rather than from a clock."""

    def __init__(self, process, words: str, counter):
        self.lines, self.count = [], None

        def read():
            for line in process.stderr:
                if self.count is None and words in line:
                    self.count = counter()
                self.lines.append(line)

        self._thread = threading.Thread(target=read, daemon=True)
        self._thread.start()

    def text(self) -> str:
        """All of stderr, once the process has closed it."""
        self._thread.join(timeout=60)
        return "".join(self.lines)


class HeldPages:
    """A portal whose pages at ``paths`` (by default its articles) are answered only once
    ``release`` is set; ``held`` counts the requests for them waiting meanwhile. Other pages
    are answered at once. Serve it to catch a crawl in the middle of its run."""

    def __init__(self, portal, paths=None):
        self.portal, self.style = portal, portal.style
        self.paths = set(paths) if paths is not None else {article.path for article in portal.articles}
        self.release = threading.Event()
        self.held = 0
        self._lock = threading.Lock()

    def response(self, path, base_url, if_modified_since=None):
        if path in self.paths and not self.release.is_set():
            with self._lock:
                self.held += 1
            self.release.wait(120)
        return self.portal.response(path, base_url, if_modified_since)


class Crawl:
    """One finished crawl: the process result, the archive and the portal it came from."""

    def __init__(self, portal, site, db_path, start_path, *options):
        self.portal, self.site, self.db_path, self.start_path = portal, site, db_path, start_path
        site.clear_requests()
        self.process = medarchive("crawl", site.url + start_path, "--db", str(db_path), *FAST, *options)
        self.requests = site.requested_paths()

    def rows(self, sql, params=()):
        with sqlite3.connect(self.db_path) as db:
            return db.execute(sql, params).fetchall()

    def stored(self) -> dict:
        columns = "url, title, category, published, published_raw, published_source, body, disclaimer"
        return {row[0]: dict(zip(columns.split(", "), row)) for row in self.rows(f"select {columns} from articles")}

    def expected(self) -> dict:
        """Every live article: the chain, the sitemap and the listings together reach them all."""
        return {self.site.url + article.path: article for article in self.portal.live_articles}

    def identifiers(self, table, column) -> dict:
        found = {}
        for url, value in self.rows(f"select article_url, {column} from {table}"):
            found.setdefault(url, set()).add(value)
        return found


@pytest.fixture(scope="session")
def wordpress_crawl(wordpress_portal, wordpress_site, tmp_path_factory):
    return Crawl(wordpress_portal, wordpress_site, tmp_path_factory.mktemp("wp") / "archive.db", middle_article(wordpress_portal).path)


@pytest.fixture(scope="session")
def dedecms_crawl(dedecms_portal, dedecms_site, tmp_path_factory):
    return Crawl(dedecms_portal, dedecms_site, tmp_path_factory.mktemp("dede") / "archive.db", middle_article(dedecms_portal).path)


# --- the hostile site (tests/hostile_site.py) ----------------------------------------------

#: Crawl options for the hostile site: FAST, plus one retry and a short time-out so that the
#: stalling page fails in seconds. Later ``-s`` options win, so RETRY_TIMES is 1.
HOSTILE = [*FAST, "-s", "RETRY_TIMES=1", "-s", "DOWNLOAD_TIMEOUT=2"]


class HostileCrawl:
    """One crawl of a `HostileSite` from its first spine page, as a real ``medarchive`` process."""

    def __init__(self, site, server, db_path):
        self.site, self.server, self.db_path = site, server, db_path
        site.reset()
        server.clear_requests()
        self.process = medarchive("crawl", server.url + site.start_path, "--db", str(db_path), *HOSTILE, timeout=120)
        self.requests = server.requests

    def url(self, path: str) -> str:
        return self.server.url + path

    def fetches(self, path: str) -> int:
        """How often ``path`` (any query) was requested."""
        return sum(1 for _, requested, _ in self.requests if requested.split("?", 1)[0] == path)

    def rows(self, sql, params=()):
        with sqlite3.connect(self.db_path) as db:
            return db.execute(sql, params).fetchall()

    def stored(self) -> dict:
        columns = "url, title, published, published_raw, body, body_html"
        return {row[0]: dict(zip(columns.split(", "), row)) for row in self.rows(f"select {columns} from articles")}

    def stats(self) -> dict:
        import json

        (stats,) = self.rows("select stats from runs order by id desc limit 1")[0]
        return json.loads(stats)


@pytest.fixture(scope="session")
def hostile_site():
    from hostile_site import HostileSite

    site = HostileSite()
    with serve(site) as server:
        yield site, server


@pytest.fixture(scope="session")
def hostile_crawl(hostile_site, tmp_path_factory):
    site, server = hostile_site
    return HostileCrawl(site, server, tmp_path_factory.mktemp("hostile") / "archive.db")


# --- a datasette server in a subprocess -----------------------------------------------------


def free_loopback_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServedArchive:
    """``argv`` (a command serving an archive on 127.0.0.1:``port``) running until ``stop()``."""

    def __init__(self, argv, port, cwd=None, timeout=30):
        import time
        import urllib.request

        import tempfile

        self.url = f"http://127.0.0.1:{port}"
        # A file, not a pipe: a pipe nobody reads stops the server once 64 KB are printed.
        self.output = tempfile.TemporaryFile()
        self.process = subprocess.Popen(argv, cwd=cwd, stdout=self.output, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(self.url + "/-/versions.json", timeout=1).read()
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.process.kill()
                    self.output.seek(0)
                    raise RuntimeError(f"datasette did not start: {self.output.read().decode(errors='replace')}")
                time.sleep(0.2)

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.output.close()


@pytest.fixture(scope="module")
def two_sites(wordpress_crawl, dedecms_portal, dedecms_site, tmp_path_factory):
    """Both replica sites crawled into one archive (some of their articles name a trial registration)."""
    path = tmp_path_factory.mktemp("two-sites") / "archive.db"
    shutil.copy(wordpress_crawl.db_path, path)
    crawl = subprocess.run(
        [sys.executable, "-m", "medarchive", "crawl", dedecms_site.url + middle_article(dedecms_portal).path, "--db", str(path), *FAST],
        capture_output=True, text=True, timeout=180,
    )
    assert crawl.returncode == 0, crawl.stderr
    return {"db": path, "wordpress": wordpress_crawl.site.url, "dedecms": dedecms_site.url}


def written_archive(directory, articles):
    """An archive at ``directory``/archive.db holding ``articles`` (writer item dicts), closed."""
    from archive import open_archive, writer

    path = directory / "archive.db"
    db = open_archive(path)
    writer.write_batch(db, articles)
    db.close()
    return path


def undo_kept_counts(conn):
    """Make the archive of ``conn`` as the release before migration m025 left it: without the
    kept counts and their triggers (which name the columns older releases lack)."""
    from archive.schema import COUNT_TABLES

    for table in COUNT_TABLES:
        for trigger in ("insert", "delete", "update"):
            conn.execute(f"drop trigger {table}_{trigger}")
        conn.execute(f"drop table {table}")
    conn.execute("delete from _sqlite_migrations where name = 'm025_kept_counts'")


@pytest.fixture(scope="module")
def before_m025(wordpress_crawl, tmp_path_factory):
    """The replica crawl's archive as the release before m025 left it, read as it is (serving
    and reading migrate nothing): the charts and canned queries count the rows."""
    path = shutil.copy(wordpress_crawl.db_path, tmp_path_factory.mktemp("before_m025") / "archive.db")
    with sqlite3.connect(path) as conn:
        undo_kept_counts(conn)
    conn.close()
    return path


def undo_sortable_dates(path):
    """Make the archive at ``path`` as the release before migration m009 left it (and so
    before m022's and m024's indexes on ``published_day`` and m025's kept counts)."""
    with sqlite3.connect(path) as db:
        undo_kept_counts(db)
        for sql in ("drop index idx_articles_published_day_site_category_group", "drop index if exists idx_articles_published_day_story",
                    "delete from _sqlite_migrations where name = 'm022_chart_indexes'",
                    "drop index idx_articles_published_at", "drop index if exists idx_articles_published_day",
                    "alter table articles drop column published_day", "alter table articles drop column published_at",
                    "delete from _sqlite_migrations where name = 'm009_sortable_dates'"):
            db.execute(sql)
    db.close()


# --- Debian's Chromium, driven by Playwright (no browser download) ------------------------

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser():
    import os

    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is absent: install Debian's chromium (apt-get install chromium) to run the browser tests")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield browser
        browser.close()


# --- a real redis-server ----------------------------------------------------------------------

needs_redis = pytest.mark.skipif(not shutil.which("redis-server"), reason="needs Debian's redis-server (installed by .ci/run)")


@pytest.fixture
def redis_url():
    """A real redis-server on a free loopback port, without persistence, stopped afterwards."""
    port = free_loopback_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as client:
            if client.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(timeout=10)


def statements_run(conn, draw) -> list[str]:
    """The SQL statements ``draw(conn)`` runs on the sqlite3 connection ``conn``."""
    run = []
    conn.set_trace_callback(run.append)
    try:
        draw(conn)
    finally:
        conn.set_trace_callback(None)
    return run
