"""``crawl`` used as a new user would, wrongly: each case ends with one clear line and the
documented exit status, no traceback, and no file that is not medarchive's archive changed."""

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import FAST, HeldPages, StderrWatch, free_loopback_port, medarchive, middle_article
from replica import build_portal, serve
from trap_sites import GzipBombSite, SlowPageSite

REPO = Path(__file__).parent.parent


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def last_run(db_path) -> tuple[str, dict]:
    with sqlite3.connect(db_path) as db:
        status, stats = db.execute("select status, stats from runs order by id desc").fetchone()
    return status, json.loads(stats or "{}")


def assert_one_clear_line(result, words: str):
    assert "Traceback" not in result.stderr
    assert "linked from None" not in result.stderr
    assert [line for line in result.stderr.splitlines() if words in line], result.stderr


# --- sites that cannot be reached ----------------------------------------------------------


def test_a_refused_connection_is_one_line_and_status_3(tmp_path):
    url = f"http://127.0.0.1:{free_loopback_port()}/a.html"
    result = medarchive("crawl", url, "--db", str(tmp_path / "a.db"), *FAST)
    assert result.returncode == 3
    assert_one_clear_line(result, "No article was reached (connection refused)")


def test_an_unknown_host_is_one_line_and_not_retried(tmp_path):
    result = medarchive("crawl", "http://medarchive-test.invalid/a.html", "--db", str(tmp_path / "a.db"), "--delay", "0", "-s", "AUTOTHROTTLE_ENABLED=False")
    assert result.returncode == 3
    assert_one_clear_line(result, "No article was reached (host name not found)")
    _, stats = last_run(tmp_path / "a.db")
    assert stats["portal/failed/CannotResolveHostError"] == 1
    assert not [key for key in stats if key.startswith("retry/")]


def test_scrapy_crawl_that_reaches_nothing_exits_3(tmp_path):
    url = f"http://127.0.0.1:{free_loopback_port()}/a.html"
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "portal", "-a", f"start_urls={url}", "-s", "RETRY_TIMES=0", "-s", "LOG_LEVEL=WARNING"],
        cwd=REPO, env={**os.environ, "MEDARCHIVE_DB": str(tmp_path / "a.db")}, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr


# --- files that are not medarchive's to write ---------------------------------------------


def test_a_log_file_in_a_missing_directory_is_a_usage_error(tmp_path):
    result = medarchive("crawl", "http://127.0.0.1:9/a.html", "--db", str(tmp_path / "a.db"), "--log-file", str(tmp_path / "missing" / "x.log"))
    assert result.returncode == 2
    assert_one_clear_line(result, "does not exist")
    assert not (tmp_path / "a.db").exists()


@pytest.fixture
def read_only_archive(tmp_path):
    """An archive the crawl cannot write: chmod 444, or immutable when running as root
    (root writes through file modes)."""
    from archive import open_archive

    path = tmp_path / "archive.db"
    open_archive(path).close()
    if os.geteuid() == 0:
        if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
            pytest.skip("running as root on a filesystem without chattr +i")
        yield path
        subprocess.run(["chattr", "-i", str(path)])
    else:
        path.chmod(0o444)
        yield path


def test_a_read_only_archive_is_one_line_and_left_alone(read_only_archive):
    before = digest(read_only_archive)
    result = medarchive("crawl", "http://127.0.0.1:9/a.html", "--db", str(read_only_archive), *FAST)
    assert result.returncode == 1
    assert_one_clear_line(result, "is read-only")
    assert "stopped early" not in result.stderr
    assert digest(read_only_archive) == before


def another_applications_database(path: Path) -> Path:
    with sqlite3.connect(path) as db:
        db.execute("create table patients (id integer primary key, name text)")
        db.execute("insert into patients (name) values ('张三')")
    db.close()
    return path


@pytest.mark.parametrize("command", [["crawl", "http://127.0.0.1:9/a.html", *FAST], ["search", "哮喘"], ["runs"]])
def test_another_applications_sqlite_file_is_refused_untouched(tmp_path, command):
    foreign = another_applications_database(tmp_path / "clinic.db")
    before = digest(foreign)
    result = medarchive(*command, "--db", str(foreign))
    assert result.returncode == 1
    assert_one_clear_line(result, "is not a medarchive archive")
    assert digest(foreign) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clinic.db"]  # no -wal, -shm or .lock
    with sqlite3.connect(f"file:{foreign}?mode=ro", uri=True) as db:
        assert db.execute("pragma journal_mode").fetchone()[0] == "delete"
        assert [name for (name,) in db.execute("select name from sqlite_master where type = 'table'")] == ["patients"]


def test_an_empty_file_becomes_an_archive(tmp_path):
    empty = tmp_path / "new.db"
    empty.touch()
    result = medarchive("crawl", "http://127.0.0.1:9/a.html", "--db", str(empty), *FAST)
    assert result.returncode == 3
    with sqlite3.connect(empty) as db:
        assert {"articles", "runs", "_sqlite_migrations"} <= {name for (name,) in db.execute("select name from sqlite_master")}


# --- a page that inflates past DOWNLOAD_MAXSIZE ---------------------------------------------


def test_a_gzip_bomb_is_skipped_as_too_large_not_a_gap(tmp_path):
    with serve(GzipBombSite()) as site:
        result = medarchive("crawl", site.url + "/start.html", "--db", str(tmp_path / "a.db"), "--chain-only", *FAST)
    assert result.returncode == 0, result.stderr
    assert "skipped/too_large 1" in result.stdout
    _, stats = last_run(tmp_path / "a.db")
    assert not [key for key in stats if key.startswith("portal/failed/")]
    with sqlite3.connect(tmp_path / "a.db") as db:
        assert db.execute("select count(*) from gaps").fetchone()[0] == 0


# --- Ctrl-C -------------------------------------------------------------------------------


#: What the crawl says the moment the first Ctrl-C reaches it.
STOPPING = "stopping: finishing pages in flight, Ctrl-C again to abort"


class InterruptedCrawl:
    """A ``medarchive crawl`` of a 300-article replica with the default politeness, sent
    SIGINT once it has fetched ``after`` pages. ``fetched_after``: the pages the replica was
    asked for after the crawl said it was stopping (counted from its own word, not from the
    signal, which a busy machine may deliver late)."""

    def __init__(self, db_path, *, after: int):
        portal = build_portal("wordpress", n=300, seed=1)
        with serve(portal) as site:
            process = subprocess.Popen(
                [sys.executable, "-m", "medarchive", "crawl", site.url + middle_article(portal).path, "--db", str(db_path)],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )
            stopping = StderrWatch(process, STOPPING, lambda: len(site.requests))
            deadline = time.monotonic() + 30
            while len(site.requests) < after and time.monotonic() < deadline:
                time.sleep(0.05)
            process.send_signal(signal.SIGINT)
            self.stdout = process.stdout.read()
            self.returncode = process.wait(timeout=60)
            self.stderr = stopping.text()
            assert stopping.count is not None, self.stderr
            self.fetched_after = len(site.requests) - stopping.count


def test_ctrl_c_stops_fetching_all_but_the_pages_in_flight(tmp_path):
    crawl = InterruptedCrawl(tmp_path / "a.db", after=4)
    assert crawl.returncode == 1
    # Only the pages in transfer (two per site) finish; the queued ones are left for the next run.
    assert crawl.fetched_after <= 2
    status, stats = last_run(tmp_path / "a.db")
    assert status == "shutdown"
    assert stats["portal/interrupted/not_fetched"] > 0, stats


def test_ctrl_c_while_robots_txt_is_awaited_fetches_none_of_the_pages_waiting_for_it(tmp_path):
    portal = HeldPages(build_portal("wordpress", n=30, seed=1), paths={"/robots.txt"})
    with serve(portal) as site:
        process = subprocess.Popen(
            [sys.executable, "-m", "medarchive", "crawl", site.url + middle_article(portal.portal).path, "--db", str(tmp_path / "a.db")],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        stopping = StderrWatch(process, STOPPING, lambda: len(site.requests))
        try:
            deadline = time.monotonic() + 60
            while not portal.held and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.02)
            # The start page and the discovery requests wait in the downloader for robots.txt.
            process.send_signal(signal.SIGINT)
            while stopping.count is None and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.02)
        finally:
            portal.release.set()
        process.stdout.read()
        assert process.wait(timeout=60) == 1
        assert stopping.count is not None, stopping.text()
        fetched_after = [path for _, path, _ in site.requests[stopping.count:]]
    assert fetched_after == ["/robots.txt"]  # the one held back: in transfer when Ctrl-C came


def test_a_second_ctrl_c_aborts_and_closes_the_run(tmp_path):
    with serve(SlowPageSite(stall_seconds=20)) as site:
        process = subprocess.Popen(
            [sys.executable, "-m", "medarchive", "crawl", site.url + "/start.html", "--db", str(tmp_path / "a.db"), "--chain-only", *FAST],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        deadline = time.monotonic() + 30
        while "/slow.html" not in site.requested_paths() and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)  # the slow page is in flight: the crawl waits for it
        # The second once the first has been taken: two signals pending at once are one.
        said = []
        for line in process.stderr:
            said.append(line)
            if STOPPING in line:
                break
        process.send_signal(signal.SIGINT)
        stderr = "".join(said) + process.stderr.read()
        process.wait(timeout=15)
    assert process.returncode == 1
    assert "stopped early (aborted)" in stderr
    assert "not started" not in stderr
    assert last_run(tmp_path / "a.db")[0] == "aborted"
