"""The archive file alone holds everything once writers are done; backups; one writer per file."""

import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from contextlib import closing
from pathlib import Path

import pytest

import archive.db
from archive import checkpoint, open_archive, start_run, writer
from archive.lock import archive_lock
from conftest import FAST, medarchive, middle_article
from test_export import many_articles, sigterm_once_written
from test_serve_hardening import make_archive, read_only_mount_prefix

ROOT = Path(__file__).resolve().parent.parent


def rows(db_path, sql) -> list[tuple]:
    with closing(sqlite3.connect(db_path)) as db:
        return db.execute(sql).fetchall()


def article(n: int) -> dict:
    return {"url": f"https://site.example/a/{n}.html", "site": "https://site.example", "title": f"标题 {n}", "body": "干细胞。"}


def test_after_a_crawl_beside_a_reader_a_copy_of_the_db_file_alone_holds_every_article(wordpress_portal, wordpress_site, tmp_path):
    db_path = tmp_path / "archive.db"
    open_archive(db_path).close()
    # A reader connected all through the crawl (datasette, a notebook), read-only as they are.
    with closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as reader:
        reader.execute("select count(*) from articles").fetchone()
        crawled = medarchive("crawl", wordpress_site.url + middle_article(wordpress_portal).path, "--db", str(db_path), *FAST)
        assert crawled.returncode == 0, crawled.stderr
    copy = tmp_path / "copy" / "archive.db"
    copy.parent.mkdir()
    shutil.copyfile(db_path, copy)  # what a plain file backup takes: no -wal
    assert rows(copy, "select count(*) from articles") == [(len(wordpress_portal.live_articles),)]
    assert rows(copy, "pragma integrity_check") == [("ok",)]


def test_the_checkpoint_waits_for_a_reader_to_let_go_of_its_snapshot(tmp_path):
    db_path = tmp_path / "archive.db"
    db = open_archive(db_path)
    db.conn.execute("PRAGMA wal_autocheckpoint = 0")  # only our checkpoint moves pages
    writer.write_batch(db, [article(1)])
    reader = sqlite3.connect(db_path, check_same_thread=False)
    reader.execute("begin")
    reader.execute("select count(*) from articles").fetchone()  # a snapshot without article 2
    writer.write_batch(db, [article(2)])
    threading.Timer(0.4, reader.rollback).start()
    assert checkpoint(db) is True
    assert Path(f"{db_path}-wal").stat().st_size == 0
    reader.close()
    db.close()


def test_a_reader_that_never_lets_go_holds_the_checkpoint_back_without_failing_the_writer(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(archive.db, "CHECKPOINT_TRIES", 2)
    monkeypatch.setattr(archive.db, "CHECKPOINT_BUSY_MS", 50)
    db_path = tmp_path / "archive.db"
    db = open_archive(db_path)
    writer.write_batch(db, [article(1)])
    with closing(sqlite3.connect(db_path)) as reader:
        reader.execute("begin")
        reader.execute("select count(*) from articles").fetchone()
        writer.write_batch(db, [article(2)])
        assert checkpoint(db) is False
    assert "Readers held back the checkpoint" in caplog.text
    assert checkpoint(db) is True  # the next writer finishes the job
    db.close()


def test_backup_is_one_self_contained_file_with_every_row(wordpress_crawl, tmp_path):
    dest = tmp_path / "backup.db"
    result = medarchive("backup", str(dest), "--db", str(wordpress_crawl.db_path))
    assert result.returncode == 0, result.stderr
    assert f"({len(wordpress_crawl.expected())} articles)" in result.stdout
    assert not Path(f"{dest}-wal").exists() and not Path(f"{dest}.partial").exists()
    assert rows(dest, "pragma journal_mode") == [("delete",)]
    every_article = "select url, title, body, content_hash from articles order by url"
    assert rows(dest, every_article) == wordpress_crawl.rows(every_article)


def test_backup_onto_the_archive_itself_is_refused(wordpress_crawl):
    path = str(wordpress_crawl.db_path)
    result = medarchive("backup", path, "--db", path)
    assert result.returncode == 1
    assert "is the archive itself" in result.stderr


def test_backup_of_an_archive_on_a_read_only_mount(tmp_path):
    path = make_archive(tmp_path / "data")
    dest = tmp_path / "backup.db"
    prefix = read_only_mount_prefix(path.parent)
    result = subprocess.run([*prefix, sys.executable, "-m", "medarchive", "backup", str(dest), "--db", str(path)],
                            capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert rows(dest, "select count(*) from articles") == rows(path, "select count(*) from articles")
    assert sorted(p.name for p in path.parent.iterdir()) == ["archive.db"]


def test_a_backup_ended_by_sigterm_leaves_neither_its_file_nor_a_journal(tmp_path):
    db, dest = tmp_path / "big.db", tmp_path / "backup.db"
    many_articles(db, 40_000)
    status, stderr = sigterm_once_written(["backup", str(dest), "--db", str(db)], tmp_path / "backup.db.partial")
    assert status == 1, stderr
    assert stderr.strip() == f"Error: interrupted; {dest} was not written"
    assert not {p.name for p in tmp_path.iterdir()} - {"big.db", "big.db-wal", "big.db-shm"}


def _through(link, command, site_url):
    """Run one way of writing the archive at ``link``."""
    start = site_url + "/a/1.html"
    if command == "scrapy crawl portal":
        return subprocess.run([sys.executable, "-m", "scrapy", "crawl", "portal", "-a", f"start_urls={start}"], cwd=ROOT,
                              env={**os.environ, "MEDARCHIVE_DB": str(link)}, capture_output=True, text=True, timeout=120)
    options = {
        "crawl": ["crawl", start, *FAST],
        "reextract": ["reextract"],
        "ingest": ["ingest", "--redis", "redis://127.0.0.1:9/0"],
    }[command]
    return medarchive(*options, "--db", str(link))


@pytest.mark.parametrize("command", ["crawl", "scrapy crawl portal", "reextract", "ingest"])
def test_every_way_of_writing_meets_the_lock_even_through_a_symlink_and_leaves_a_live_run_alone(command, wordpress_site, tmp_path):
    real, link = tmp_path / "archive.db", tmp_path / "link.db"
    link.symlink_to(real)
    with archive_lock(real):  # this process is the archive's live writer
        with closing(open_archive(real)) as db:
            start_run(db, [], {})
        result = _through(link, command, wordpress_site.url)
    assert f"is being written by medarchive pid {os.getpid()}" in result.stderr
    assert "Traceback" not in result.stderr
    assert rows(real, "select status from runs") == [("running",)]
    assert rows(real, "select count(*) from articles") == [(0,)]


def test_a_run_left_running_by_a_dead_process_is_marked_killed(tmp_path, wordpress_portal, wordpress_site):
    db_path = tmp_path / "archive.db"
    holder = subprocess.Popen([sys.executable, "-c", f"""
from archive.lock import archive_lock
from archive import open_archive, start_run
import os
with archive_lock({str(db_path)!r}):
    db = open_archive({str(db_path)!r})
    start_run(db, [], {{}})
    os.kill(os.getpid(), 9)
"""], cwd=ROOT)
    holder.wait(timeout=60)
    result = medarchive("crawl", wordpress_site.url + middle_article(wordpress_portal).path, "--db", str(db_path), *FAST)
    assert result.returncode == 0, result.stderr
    assert rows(db_path, "select status from runs order by id") == [("killed",), ("finished",)]


def test_a_hard_link_to_the_archive_meets_the_same_lock(tmp_path):
    real, hard = tmp_path / "archive.db", tmp_path / "hard.db"
    open_archive(real).close()
    os.link(real, hard)
    with archive_lock(real):
        result = medarchive("reextract", "--db", str(hard))
    assert result.returncode == 1
    assert f"is being written by medarchive pid {os.getpid()}" in result.stderr
