"""The crawl's writer thread: batches written in order, each all or nothing, and a writer that
falls behind (a slow disk) makes the crawl wait instead of piling batches up in memory."""

import sqlite3
import threading
import time
from contextlib import closing

from archive import Batch, WriteCounts, open_archive, start_run
from archive.writer_thread import WriterThread


def article(n: int, title: str | None = None) -> dict:
    return {"url": f"https://site.example/a/{n}.html", "site": "https://site.example", "title": title or f"标题 {n}", "body": "干细胞。"}


def batch_of(*articles) -> Batch:
    batch = Batch()
    for one in articles:
        batch.add_article(one)
    return batch


def new_archive(tmp_path):
    path = tmp_path / "archive.db"
    db = open_archive(path)
    run = start_run(db, [], {})
    db.close()
    return path, run.id


def results(writer: WriterThread) -> list:
    found = []
    while not writer.results.empty():
        found.append(writer.results.get())
    return found


def test_batches_are_written_in_order_and_each_one_counted_in_the_run(tmp_path):
    path, run_id = new_archive(tmp_path)
    writer = WriterThread(path, run_id)
    writer.write(batch_of(article(1), article(2)), pages=2)
    writer.write(batch_of(article(3)), pages=3)
    writer.write(batch_of(article(1, "标题 1，改过")), pages=4)
    writer.close()
    assert results(writer) == [WriteCounts(new=2), WriteCounts(new=1), WriteCounts(updated=1)]
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("select title from articles where url like '%/1.html'").fetchone() == ("标题 1，改过",)
        assert db.execute("select articles_new, articles_updated, pages from runs").fetchone() == (3, 1, 4)


def test_a_refused_batch_is_reported_rolled_back_whole_and_nothing_after_it_is_tried(tmp_path):
    path, run_id = new_archive(tmp_path)
    writer = WriterThread(path, run_id)
    writer.write(batch_of(article(1)))
    writer.write(batch_of(article(2), {**article(3), "title": None}))  # NOT NULL: the whole batch is refused
    writer.write(batch_of(article(4)))
    writer.close()
    written, refused = results(writer)
    assert written == WriteCounts(new=1)
    assert isinstance(refused, sqlite3.IntegrityError)
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("select url from articles").fetchall() == [("https://site.example/a/1.html",)]


def test_an_archive_the_thread_cannot_open_is_reported_once(tmp_path):
    not_an_archive = tmp_path / "notes.txt"
    not_an_archive.write_text("not SQLite")
    writer = WriterThread(not_an_archive)
    writer.write(batch_of(article(1)))
    writer.write(batch_of(article(2)))
    writer.close()
    (refused,) = results(writer)
    assert isinstance(refused, sqlite3.DatabaseError)


def test_a_writer_that_falls_behind_makes_the_hand_over_wait_and_writes_everything_after(tmp_path):
    path, run_id = new_archive(tmp_path)
    slow_disk = sqlite3.connect(path)
    slow_disk.execute("begin immediate")  # the writer waits for this lock as for a slow disk
    writer = WriterThread(path, run_id, queued=1)
    handed_over = []

    def crawl():
        for n in range(4):
            writer.write(batch_of(article(n)))
            handed_over.append(n)

    crawling = threading.Thread(target=crawl)
    crawling.start()
    deadline = time.monotonic() + 30
    while len(handed_over) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)  # a chance for a third hand-over that did not wait: a busy machine cannot make one
    # One batch in the thread, one queued: the third hand-over waits.
    assert handed_over == [0, 1]
    assert crawling.is_alive()
    slow_disk.rollback()
    crawling.join(timeout=30)
    writer.close()
    assert handed_over == [0, 1, 2, 3]
    assert results(writer) == [WriteCounts(new=1)] * 4
    slow_disk.close()
