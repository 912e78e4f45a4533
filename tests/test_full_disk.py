"""A full disk: one clear line, the run's row closed when the disk allows, the archive whole."""

import shutil
import sqlite3
import subprocess
from contextlib import closing

import pytest

from archive import open_archive, runs, writer
from conftest import FAST, medarchive, middle_article, written_archive
from replica import build_portal, serve


@pytest.fixture
def small_disk(tmp_path, request):
    """A 1 MB file system of its own (tmpfs) under ``tmp_path``, so that filling it harms nothing
    else; a test needing more room gives another size as the fixture's parameter."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    size = getattr(request, "param", "1m")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount_point)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs to fill (needs root, as CI has): {mounted.stderr.strip()}")
    yield mount_point
    subprocess.run(["umount", "--lazy", str(mount_point)], check=True)


def fill(disk):
    """Take every free byte of ``disk``."""
    with open(disk / "filler", "wb", buffering=0) as filler:
        try:
            while True:
                filler.write(b"\0" * 4096)
        except OSError:
            pass


def rows(db_path, sql) -> list[tuple]:
    with closing(sqlite3.connect(db_path)) as db:
        return db.execute(sql).fetchall()


def assert_one_clear_line(result, db_path):
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == f"Error: the disk holding {db_path} is full; free some space and run again"
    assert "Traceback" not in result.stderr and "not a usable SQLite archive" not in result.stderr


def test_a_new_archive_on_a_full_disk_is_refused_with_the_real_reason(small_disk):
    fill(small_disk)
    db_path = small_disk / "archive.db"
    assert_one_clear_line(medarchive("crawl", "http://127.0.0.1:9/a/1.html", "--db", str(db_path)), db_path)


@pytest.mark.parametrize("command", [
    ["crawl", "http://127.0.0.1:9/a/1.html"],
    ["reextract"],
    ["ingest", "--redis", "redis://127.0.0.1:9/0"],
    ["backup", "BACKUP"],
])
def test_every_command_on_an_archive_whose_disk_is_full_says_so(small_disk, command):
    db_path = small_disk / "archive.db"
    # Made beside the small disk and moved onto it with no free page left in the file (the
    # migrations that replace an index leave some): SQLite writes into free pages on a full
    # disk until they run out.
    made = small_disk.parent / "made.db"
    open_archive(made).close()
    with closing(sqlite3.connect(made)) as conn:
        conn.execute("VACUUM")
    shutil.copyfile(made, db_path)
    fill(small_disk)
    backup_on_another_disk = str(small_disk.parent / "backup.db")
    result = medarchive(*[backup_on_another_disk if arg == "BACKUP" else arg for arg in command], "--db", str(db_path))
    assert_one_clear_line(result, db_path)


# Room for a new archive and its first batches, not for the 150 articles.
@pytest.mark.parametrize("small_disk", ["2m"], indirect=True)
def test_a_crawl_that_fills_the_disk_stops_with_its_run_closed_and_the_archive_whole(small_disk):
    portal = build_portal("wordpress", 150, seed=3)
    db_path = small_disk / "archive.db"
    stopped = f"Error: the crawl stopped early (archive_error: the disk holding {db_path} is full); rows written so far are complete and kept"
    with serve(portal) as site:
        start = site.url + middle_article(portal).path
        result = medarchive("crawl", start, "--db", str(db_path), *FAST, "-s", "ARCHIVE_BATCH_SIZE=10")
        assert result.returncode == 1
        assert result.stderr.strip().splitlines()[-1] == stopped
        assert "Traceback" not in result.stderr
        written = rows(db_path, "select count(*) from articles")[0][0]
        assert 0 < written < len(portal.live_articles)
        assert rows(db_path, "select status, articles_new from runs") == [("archive_error", written)]
        assert rows(db_path, "pragma integrity_check") == [("ok",)]

        again = medarchive("crawl", start, "--db", str(db_path), *FAST, "-s", "ARCHIVE_BATCH_SIZE=10")
    assert again.returncode == 1 and "Traceback" not in again.stderr
    assert again.stderr.strip().splitlines()[-1] == stopped
    assert rows(db_path, "select status from runs") == [("archive_error",), ("archive_error",)]
    assert rows(db_path, "pragma integrity_check") == [("ok",)]


# A new archive's first batch and its -wal outgrow 1 MB before the checkpoint below.
@pytest.mark.parametrize("small_disk", ["2m"], indirect=True)
def test_on_a_full_disk_the_run_still_records_how_it_ended_without_its_stats(small_disk):
    db_path = small_disk / "archive.db"
    db = open_archive(db_path)
    run = runs.start_run(db, [], {})
    writer.write_batch(db, [{"url": f"https://site.example/{n}", "site": "https://site.example", "title": "标题", "body": "正文" * 500}
                            for n in range(20)], run_id=run.id)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    writer.write_batch(db, [{"url": "https://site.example/x", "site": "https://site.example", "title": "标题", "body": "正文"}])
    db.execute("PRAGMA wal_checkpoint(PASSIVE)")  # the -wal file keeps its size, ready to be reused
    fill(small_disk)
    runs.finish_run(db, run, "finished", {"huge": "统计" * 300_000})  # the stats alone do not fit
    db.close()
    assert rows(db_path, "select status, finished is not null, stats from runs") == [("finished", 1, None)]


def test_a_citation_file_that_fills_the_disk_says_so_and_keeps_the_previous_file(tmp_path, small_disk):
    from test_cite import ARTICLES

    (tmp_path / "db").mkdir()
    db_path = written_archive(tmp_path / "db", ARTICLES)
    target = small_disk / "cited.bib"
    target.write_text("the previous file")
    fill(small_disk)
    result = medarchive("cite", "--db", str(db_path), "--format", "bibtex", "-o", str(target))
    assert result.returncode == 1
    assert result.stderr.strip() == f"Error: the disk holding {target} is full; {target} was not written"
    assert target.read_text() == "the previous file" and sorted(p.name for p in small_disk.iterdir()) == ["cited.bib", "filler"]


@pytest.mark.parametrize("small_disk", ["2m"], indirect=True)
def test_a_backup_that_fills_its_disk_names_that_disk_and_leaves_nothing(tmp_path, small_disk):
    from test_export import many_articles

    db_path = tmp_path / "archive.db"
    many_articles(db_path, 2000)  # 8 MB of archive for a 2 MB disk
    dest = small_disk / "backup.db"
    result = medarchive("backup", str(dest), "--db", str(db_path))
    assert result.returncode == 1
    assert result.stderr.strip() == f"Error: the disk holding {dest} is full; {dest} was not written"
    assert list(small_disk.iterdir()) == []
