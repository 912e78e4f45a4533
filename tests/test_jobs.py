"""`reextract --jobs N`: pages read by N worker processes, one writer, the same archive as one job;
a page over the time bound skipped and counted; Ctrl-C stops everything, workers included."""

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archive import close_archive, open_archive
from archive.writer import write_batch
from crawler.jobs import Lost, Workers
from crawler.reextract import reextract
from replica.deep import nested_page

from conftest import medarchive

#: About 4 MB of paragraphs 100 <div>s deep: seconds to read (tests/test_slow_pages.py).
DEEP_PAGE = nested_page(depth=100, size=4_000_000)


def every_row(db_path) -> dict:
    with sqlite3.connect(db_path) as db:
        tables = [name for (name,) in db.execute("select name from sqlite_master where type = 'table' order by name")]
        return {table: sorted(map(repr, db.execute(f"select * from [{table}]"))) for table in tables}


def garbled_copy(source, path) -> Path:
    """A copy of the archive ``source`` whose every third article reads as an older, worse
    extraction stored it, and with one kept page that no extraction had read yet."""
    shutil.copy(source, path)
    with sqlite3.connect(path) as db:
        db.execute("update articles set title = 'garbled', content_hash = 'old' where id % 3 = 0")
    keep_unread(path, "http://127.0.0.1/a/nested.html", nested_page(depth=3, size=2_000))
    return path


def keep_unread(db_path, url, body) -> None:
    """Keep ``body`` in the archive as a page whose extraction failed in the crawl."""
    db = open_archive(db_path)
    page = {"fetched_url": url, "status": 200, "headers": {}, "body": body}
    write_batch(db, [], not_articles=[(url, "extraction_error", page)])
    close_archive(db)


def test_two_jobs_leave_the_archive_row_for_row_as_one_job(wordpress_crawl, tmp_path):
    # One copy, then copied again: the unread page's time of keeping is the same in both.
    garbled = garbled_copy(wordpress_crawl.db_path, tmp_path / "garbled.db")
    archives = {jobs: shutil.copy(garbled, tmp_path / f"jobs-{jobs}.db") for jobs in (1, 2)}
    before = every_row(archives[1])
    outputs = {jobs: medarchive("reextract", "--db", str(path), "--jobs", str(jobs)) for jobs, path in archives.items()}
    for result in outputs.values():
        assert result.returncode == 0, result.stderr
    assert outputs[1].stdout == outputs[2].stdout
    updated = len(wordpress_crawl.rows("select id from articles where id % 3 = 0"))
    assert outputs[2].stdout.startswith(f"{updated} updated, ")
    assert "1 new" in outputs[2].stdout
    after = every_row(archives[2])
    assert after != before
    assert after == every_row(archives[1])
    # The kept pages were not rewritten: only the unread one joined them.
    assert set(before["pages"]) < set(after["pages"]) and len(after["pages"]) == len(before["pages"]) + 1


def test_jobs_beyond_the_cores_are_capped_at_the_cores(wordpress_crawl, tmp_path):
    cores = len(os.sched_getaffinity(0))
    result = medarchive("reextract", "--db", str(shutil.copy(wordpress_crawl.db_path, tmp_path / "a.db")), "--jobs", str(cores + 38))
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[0] == f"--jobs {cores + 38} is more than the {cores} cores here: using {cores}"


def test_a_page_over_the_time_bound_is_skipped_counted_and_kept(wordpress_crawl, tmp_path, caplog):
    db_path = tmp_path / "archive.db"
    shutil.copy(wordpress_crawl.db_path, db_path)
    deep = "http://127.0.0.1/deep/nested.html"
    keep_unread(db_path, deep, DEEP_PAGE)
    articles = len(wordpress_crawl.rows("select url from articles"))
    db = open_archive(db_path)
    try:
        stats = reextract(db, jobs=2, max_seconds=1)
        unread = db.execute("select url from unextracted_pages").fetchall()
    finally:
        close_archive(db)
    assert stats["reextract/slow_extraction"] == 1
    assert stats["reextract/unchanged"] == articles and stats["reextract/new"] == 0
    assert unread == [(deep,)]
    assert f"Skipped {deep}: its extraction took longer than 1 s (PORTAL_MAX_EXTRACT_SECONDS)" in caplog.text


def process_group(group: int) -> list[int]:
    """The processes still in ``group`` (zombies of this test's own children aside)."""
    members = []
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            members.append(int(entry.name))
    return members


def test_ctrl_c_stops_reextract_and_its_workers_without_a_traceback(wordpress_crawl, tmp_path):
    db_path = tmp_path / "archive.db"
    shutil.copy(wordpress_crawl.db_path, db_path)
    for n in range(3):  # pages that keep both workers busy for seconds
        keep_unread(db_path, f"http://127.0.0.1/deep/{n}.html", DEEP_PAGE)
    # In a process group of its own, as a terminal's Ctrl-C reaches a command and all its children.
    command = subprocess.Popen([sys.executable, "-m", "medarchive", "reextract", "--db", str(db_path), "--jobs", "2"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while len(process_group(command.pid)) < 4 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(process_group(command.pid)) == 4, "reextract, its two workers and multiprocessing's resource tracker"
        time.sleep(1)  # the workers are reading the deep pages
        os.killpg(command.pid, signal.SIGINT)
        out, err = command.communicate(timeout=60)
    finally:
        if command.poll() is None:
            os.killpg(command.pid, signal.SIGKILL)
    assert command.returncode == 1
    assert "interrupted" in err and "Traceback" not in err, err
    deadline = time.monotonic() + 10  # multiprocessing's resource tracker ends once its pipe closes
    while process_group(command.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert process_group(command.pid) == []
    assert wordpress_crawl.rows("select count(*) from articles") == sqlite3.connect(db_path).execute("select count(*) from articles").fetchall()


def test_an_error_escaping_a_worker_is_raised_here_as_with_one_job():
    with Workers(int, 2, chunk_size=2) as workers, pytest.raises(ValueError, match="invalid literal"):
        list(workers.map(["1", "2", "3", "x", "5"]))


def test_results_come_back_in_the_order_of_the_items():
    items = [str(n) for n in range(101)]
    with Workers(int, 2, chunk_size=3) as workers:
        assert list(workers.map(items)) == [(item, int(item)) for item in items]


def exit_at_x(item: str) -> int:
    """Ends its process at the item "x", as the kernel's out-of-memory killer would."""
    if item == "x":
        os._exit(9)
    return int(item)


def test_a_worker_that_dies_loses_its_page_only_and_is_replaced():
    with Workers(exit_at_x, 2, chunk_size=1) as workers:  # "x" is the first item of the second worker
        results = list(workers.map(["1", "2", "x", "4", "5", "6"]))
    assert results == [("1", 1), ("2", 2), ("x", Lost("ended its worker process", timed_out=False)), ("4", 4), ("5", 5), ("6", 6)]
