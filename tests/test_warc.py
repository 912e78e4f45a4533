"""Web archives: `export --format warc` writes each kept page as it was served, read back by
warcio; `import` archives the article pages of WARC files written by medarchive, wget and
warcio (in Common Crawl's shapes) as the crawl archived them; damaged records get one line."""

import gzip
import io
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
import zipfile
import zlib
from contextlib import closing
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from conftest import FAST, free_loopback_port, medarchive, medarchive_in_process

ARTICLE_COLUMNS = "url, title, category, published, published_raw, published_source, body, disclaimer"


def rows(db_path, sql, params=()):
    with closing(sqlite3.connect(db_path)) as db:
        return db.execute(sql, params).fetchall()


def records(path) -> list:
    """Every record of the WARC at ``path`` as (type, WARC headers, HTTP headers, payload bytes)."""
    with open(path, "rb") as stream:
        return [(r.rec_type, r.rec_headers, r.http_headers, r.content_stream().read()) for r in ArchiveIterator(stream)]


def archived(db_path) -> dict:
    """What an archive says of its articles: their fields, dates, identifiers and neighbours."""
    found = {"articles": {row[0]: row for row in rows(db_path, f"select {ARTICLE_COLUMNS} from articles")}}
    for table, column in (("article_dois", "doi"), ("article_pmids", "pmid"), ("article_pmcids", "pmcid"), ("article_trials", "trial_id")):
        found[table] = sorted(rows(db_path, f"select article_url, {column} from {table}"))
    found["links"] = sorted(rows(db_path, "select from_url, rel, to_url, to_title, date_raw, date from links"))
    return found


@pytest.fixture(scope="module")
def exported(wordpress_crawl, tmp_path_factory):
    """The WordPress replica's crawl exported as a WARC."""
    path = tmp_path_factory.mktemp("warc") / "crawl.warc.gz"
    result = medarchive_in_process("export", "--db", str(wordpress_crawl.db_path), "-o", str(path))
    assert result.returncode == 0, result.stderr
    return path


def test_export_holds_each_kept_page_with_its_request_and_response(wordpress_crawl, exported):
    kept = {url: (status, zlib.decompress(body), fetched_at)
            for url, status, body, fetched_at in wordpress_crawl.rows("select fetched_url, status, body, fetched_at from pages")}
    found = records(exported)
    assert kept, "the crawl kept no page: nothing to compare"
    assert [kind for kind, *_ in found[:1]] == ["warcinfo"]
    responses = {warc.get_header("WARC-Target-URI"): (warc, http, payload) for kind, warc, http, payload in found if kind == "response"}
    requests = {warc.get_header("WARC-Concurrent-To") for kind, warc, *_ in found if kind == "request"}
    assert responses.keys() == kept.keys()
    for url, (warc, http, payload) in responses.items():
        status, body, fetched_at = kept[url]
        assert payload == body
        assert http.get_statuscode() == str(status)
        assert http.get_header("Content-Length") == str(len(body))
        assert warc.get_header("WARC-Date") == fetched_at.replace("+00:00", "Z")
        assert warc.get_header("WARC-IP-Address") == "127.0.0.1"
        assert warc.get_header("WARC-Record-ID") in requests


def test_export_requests_carry_the_headers_sent(exported):
    request = next(http for kind, warc, http, _ in records(exported) if kind == "request")
    assert request.get_header("User-Agent").startswith("medarchive/")
    assert request.get_header("Host").startswith("127.0.0.1:")


def test_export_takes_the_site_filter_of_the_other_formats(wordpress_crawl, tmp_path):
    path = tmp_path / "none.warc"
    result = medarchive_in_process("export", "--db", str(wordpress_crawl.db_path), "-o", str(path), "--site", "www.example.org")
    assert result.returncode == 0, result.stderr
    assert [kind for kind, *_ in records(path)] == ["warcinfo"]


def test_export_takes_the_query_filter_of_the_other_formats(wordpress_crawl, tmp_path):
    title = wordpress_crawl.rows("select title from articles order by id limit 1")[0][0]
    jsonl = medarchive_in_process("export", "--db", str(wordpress_crawl.db_path), "--format", "jsonl", "--query", title)
    path = tmp_path / "some.warc.gz"
    medarchive_in_process("export", "--db", str(wordpress_crawl.db_path), "-o", str(path), "--query", title)
    assert sum(kind == "response" for kind, *_ in records(path)) == len(jsonl.stdout.splitlines()) >= 1


def test_pages_kept_before_the_whole_exchange_are_exported_marked_partial(wordpress_crawl, tmp_path):
    db_path = tmp_path / "old.db"
    shutil.copy(wordpress_crawl.db_path, db_path)
    with closing(sqlite3.connect(db_path)) as db, db:
        db.execute("update pages set exchange = null")
        db.execute("update page_revisits set exchange = null")
    path = tmp_path / "old.warc.gz"
    medarchive_in_process("export", "--db", str(db_path), "-o", str(path))
    found = records(path)
    assert b"partial" in found[0][3]
    assert all(warc.get_header("WARC-Medarchive-Exchange") == "partial" for kind, warc, *_ in found if kind != "warcinfo")


def test_import_of_the_export_gives_the_crawls_articles(wordpress_crawl, exported, tmp_path):
    db_path = tmp_path / "imported.db"
    result = medarchive_in_process("import", str(exported), "--db", str(db_path))
    assert result.returncode == 0, result.stderr
    assert archived(db_path) == archived(wordpress_crawl.db_path)


@pytest.fixture(scope="module")
def crawled_again(wordpress_crawl, tmp_path_factory):
    """A copy of the WordPress crawl crawled again in full (every page the same bytes), then
    incrementally (the newest articles re-checked, answered 304 Not Modified)."""
    db_path = tmp_path_factory.mktemp("again") / "archive.db"
    shutil.copy(wordpress_crawl.db_path, db_path)
    start = wordpress_crawl.site.url + wordpress_crawl.start_path
    for options in (["--full"], []):
        time.sleep(1)  # a fetch time of its own, to the second
        again = medarchive("crawl", start, "--db", str(db_path), *FAST, *options)
        assert again.returncode == 0, again.stderr
    return db_path


def test_pages_fetched_again_unchanged_are_kept_as_revisits(crawled_again):
    pages = rows(crawled_again, "select url, fetched_at from pages")
    revisits = rows(crawled_again, "select url, min(fetched_at) from page_revisits where status = 200 group by url")
    assert {url for url, _ in revisits} == {url for url, _ in pages}
    assert all(revisit > fetched for (_, fetched), (_, revisit) in zip(sorted(pages), sorted(revisits)))


def test_304_answers_are_kept_as_revisits(crawled_again):
    (not_modified,) = rows(crawled_again, "select not_modified from runs order by id desc limit 1")[0]
    assert rows(crawled_again, "select count(*) from page_revisits where status = 304") == [(not_modified,)] != [(0,)]


def test_export_writes_revisits_that_refer_to_the_page_kept(crawled_again, tmp_path):
    path = tmp_path / "again.warc.gz"
    medarchive_in_process("export", "--db", str(crawled_again), "-o", str(path))
    found = records(path)
    responses = {warc.get_header("WARC-Record-ID"): warc for kind, warc, *_ in found if kind == "response"}
    revisits = [(warc, http) for kind, warc, http, _ in found if kind == "revisit"]
    assert len(revisits) == rows(crawled_again, "select count(*) from page_revisits")[0][0]
    for warc, http in revisits:
        original = responses[warc.get_header("WARC-Refers-To")]
        assert warc.get_header("WARC-Payload-Digest") == original.get_header("WARC-Payload-Digest")
        assert warc.get_header("WARC-Refers-To-Date") == original.get_header("WARC-Date") < warc.get_header("WARC-Date")
        assert warc.get_header("WARC-Target-URI") == original.get_header("WARC-Target-URI")
    assert {http.get_statuscode() for _, http in revisits} == {"200", "304"}


def test_import_of_revisits_keeps_them_as_revisits(crawled_again, tmp_path):
    path, db_path = tmp_path / "again.warc.gz", tmp_path / "imported.db"
    medarchive_in_process("export", "--db", str(crawled_again), "-o", str(path))
    result = medarchive_in_process("import", str(path), "--db", str(db_path))
    assert result.returncode == 0, result.stderr
    kept = "select url, fetched_at from page_revisits order by 1, 2"
    assert rows(db_path, kept) == rows(crawled_again, kept)


def test_import_joins_articles_split_over_pages_and_reads_gbk_as_the_crawl(dedecms_crawl, tmp_path):
    warc, db_path = tmp_path / "dede.warc.gz", tmp_path / "imported.db"
    medarchive_in_process("export", "--db", str(dedecms_crawl.db_path), "-o", str(warc))
    result = medarchive_in_process("import", str(warc), "--db", str(db_path))
    assert result.returncode == 0, result.stderr
    assert archived(db_path) == archived(dedecms_crawl.db_path)
    assert rows(db_path, "select url, number, fetched_url from article_pages order by 1, 2") == \
        dedecms_crawl.rows("select url, number, fetched_url from article_pages order by 1, 2") != []


def test_import_is_a_run_of_its_own(exported, tmp_path):
    db_path = tmp_path / "imported.db"
    medarchive_in_process("import", str(exported), "--db", str(db_path))
    articles = rows(db_path, "select count(*) from articles")[0][0]
    pages = sum(kind in ("response", "revisit") for kind, *_ in records(exported))
    assert rows(db_path, "select mode, status, pages, articles_new from runs") == [("import", "finished", pages, articles)]


def test_import_site_option_takes_only_that_host(exported, tmp_path):
    db_path = tmp_path / "imported.db"
    result = medarchive_in_process("import", str(exported), "--db", str(db_path), "--site", "www.example.org")
    assert result.returncode == 0, result.stderr
    assert rows(db_path, "select count(*) from articles") == [(0,)]


def test_imported_pages_export_again_with_their_exchange(exported, tmp_path):
    db_path = tmp_path / "imported.db"
    medarchive_in_process("import", str(exported), "--db", str(db_path))
    again = tmp_path / "again.warc.gz"
    medarchive_in_process("export", "--db", str(db_path), "-o", str(again))
    def held(path):
        return sorted((kind, warc.get_header("WARC-Target-URI"), warc.get_header("WARC-Date"), http.to_str(), payload)
                      for kind, warc, http, payload in records(path) if kind in ("request", "response"))

    assert held(again) == held(exported)


def wget_warc_of(site, directory) -> Path:
    """The replica ``site`` as Debian's wget archives it (``wget --recursive --warc-file``), obeying
    robots.txt as the crawl does."""
    subprocess.run(
        ["wget", "--quiet", "--recursive", "--level=inf", "--no-parent", "--delete-after",
         "--no-directories", "--directory-prefix", str(directory / "files"), "--warc-file", str(directory / "replica"),
         site.url + "/"],
        timeout=300, check=False,  # wget exits 8 for the replica's deleted article (a 404): expected
    )
    return directory / "replica.warc.gz"


@pytest.fixture(scope="module")
def wget_warc(wordpress_site, tmp_path_factory):
    """The WordPress replica as wget archives it."""
    return wget_warc_of(wordpress_site, tmp_path_factory.mktemp("wget"))


def test_import_of_wgets_warc_gives_the_crawls_articles(wordpress_crawl, wget_warc, tmp_path):
    db_path = tmp_path / "imported.db"
    result = medarchive_in_process("import", str(wget_warc), "--db", str(db_path))
    assert result.returncode == 0, result.stderr
    assert archived(db_path) == archived(wordpress_crawl.db_path)


def test_import_of_wgets_warc_of_the_gbk_site_gives_the_crawls_articles(dedecms_crawl, tmp_path):
    db_path = tmp_path / "imported.db"
    result = medarchive_in_process("import", str(wget_warc_of(dedecms_crawl.site, tmp_path)), "--db", str(db_path))
    assert result.returncode == 0, result.stderr
    assert archived(db_path) == archived(dedecms_crawl.db_path)


# --- WARCs written with warcio, in the shapes Common Crawl uses -------------------------------


def article_page(wordpress_crawl, number=0) -> tuple[str, bytes, str]:
    """An archived article's URL, page bytes and Content-Type, to write into WARCs of the test's own."""
    url, body, headers = wordpress_crawl.rows("select fetched_url, body, headers from pages order by url")[number]
    return url, zlib.decompress(body), "text/html; charset=UTF-8"


def write_response(writer, url, body, content_type, date, **warc_headers):
    """A Common Crawl-like request/response/metadata triple for ``url``."""
    request = writer.create_warc_record(url, "request", payload=io.BytesIO(b""), length=0, http_headers=StatusAndHeaders(
        "GET / HTTP/1.1", [("Host", "x"), ("User-Agent", "CCBot/2.0")], is_http_request=True), warc_headers_dict={"WARC-Date": date})
    http = StatusAndHeaders("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))], protocol="HTTP/1.1")
    response = writer.create_warc_record(url, "response", payload=io.BytesIO(body), length=len(body), http_headers=http,
                                         warc_headers_dict={"WARC-Date": date, "WARC-Identified-Payload-Type": "text/html", **warc_headers})
    metadata = writer.create_warc_record(url, "metadata", payload=io.BytesIO(b"fetchTimeMs: 12\r\n"),
                                         warc_content_type="application/warc-fields", warc_headers_dict={"WARC-Date": date})
    for record in (request, response, metadata):
        writer.write_record(record)
    return response


def test_import_reads_common_crawl_shaped_records_and_skips_truncated_ones(wordpress_crawl, tmp_path):
    path = tmp_path / "cc.warc.gz"
    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        writer.write_record(writer.create_warcinfo_record("cc.warc.gz", {"isPartOf": "CC-NEWS"}))
        write_response(writer, *article_page(wordpress_crawl, 0), "2026-03-01T08:00:00Z")
        write_response(writer, *article_page(wordpress_crawl, 1), "2026-03-01T08:00:01Z", **{"WARC-Truncated": "length"})
    db_path = tmp_path / "cc.db"
    result = medarchive("import", str(path), "--db", str(db_path))
    assert result.returncode == 0, result.stderr
    assert rows(db_path, "select fetched_url, last_fetched from articles") == [(article_page(wordpress_crawl, 0)[0], "2026-03-01T08:00:00+00:00")]
    (line,) = result.stderr.strip().splitlines()
    assert "WARC-Truncated: length" in line


def test_what_a_warc_file_says_reaches_the_terminal_escaped(wordpress_crawl, tmp_path):
    path = tmp_path / "hostile.warc.gz"
    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        url, body, content_type = article_page(wordpress_crawl, 0)
        write_response(writer, url + "?\x1b]0;owned\x07\x1b[2J", body, content_type, "2026-03-01T08:00:00Z",
                       **{"WARC-Truncated": "length\x1b[31m"})
    result = medarchive("import", str(path), "--db", str(tmp_path / "hostile.db"))
    assert result.returncode == 0, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert "\x1b" not in line and "\\x1b[2J" in line


def test_import_reports_unreadable_dates_in_one_counted_escaped_line(tmp_path):
    path = tmp_path / "dates.warc.gz"
    prose = "<p>" + "研究人员发现间充质干细胞治疗可以改善慢性心力衰竭患者的心功能，随访期间没有严重不良事件。" * 4 + "</p>"
    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        for day in (20, 21, 22):
            body = (f"<html><head><title>第{day}期 干细胞治疗心衰</title></head><body><div class='article'>"
                    f"<h1>第{day}期 干细胞治疗心衰</h1><p>发布时间：2019年13月{day}日</p>{prose}</div></body></html>").encode()
            write_response(writer, f"https://news.example.cn/a/{day}.html?\x1b[2J", body, "text/html; charset=utf-8",
                           "2026-03-01T08:00:00Z")
    db_path = tmp_path / "dates.db"
    result = medarchive("import", str(path), "--db", str(db_path))
    assert result.returncode == 0, result.stderr
    assert rows(db_path, "select count(*) from articles where published is null and published_raw like '%13月%'") == [(3,)]
    (line,) = [line for line in result.stderr.splitlines() if "Could not read" in line]
    assert "Could not read 3 dates" in line and "\x1b" not in line


def test_import_resolves_a_revisit_to_the_page_it_refers_to(wordpress_crawl, tmp_path):
    url, body, content_type = article_page(wordpress_crawl)
    path = tmp_path / "revisit.warc.gz"
    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        first = write_response(writer, url, body, content_type, "2026-03-01T08:00:00Z")
        digest = first.rec_headers.get_header("WARC-Payload-Digest")
        revisit = writer.create_revisit_record(url, digest, url, "2026-03-01T08:00:00Z", warc_headers_dict={"WARC-Date": "2026-04-01T08:00:00Z"})
        writer.write_record(revisit)
    db_path = tmp_path / "revisit.db"
    result = medarchive_in_process("import", str(path), "--db", str(db_path))
    assert result.returncode == 0, result.stderr
    assert rows(db_path, "select first_seen, last_fetched from articles") == [("2026-03-01T08:00:00+00:00", "2026-04-01T08:00:00+00:00")]


def test_import_reads_a_warc_gzipped_whole(wordpress_crawl, tmp_path):
    plain = io.BytesIO()
    writer = WARCWriter(plain, gzip=False)
    write_response(writer, *article_page(wordpress_crawl), "2026-03-01T08:00:00Z")
    path = tmp_path / "whole.warc.gz"
    path.write_bytes(gzip.compress(plain.getvalue()))
    db_path = tmp_path / "whole.db"
    result = medarchive_in_process("import", str(path), "--db", str(db_path))
    assert result.returncode == 0, result.stderr
    assert rows(db_path, "select count(*) from articles") == [(1,)]


def test_a_damaged_record_gets_one_line_and_the_pages_before_it_are_kept(wordpress_crawl, tmp_path):
    path = tmp_path / "damaged.warc"
    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=False)
        write_response(writer, *article_page(wordpress_crawl, 0), "2026-03-01T08:00:00Z")
        stream.write(b"<html>not a record: a page saved into the file by mistake</html>\r\n\r\n")
    db_path = tmp_path / "damaged.db"
    result = medarchive("import", str(path), "--db", str(db_path))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "could not be read" in result.stderr
    assert rows(db_path, "select count(*) from articles") == [(1,)]


def test_a_record_with_a_bad_status_line_is_skipped_and_the_next_read(wordpress_crawl, tmp_path):
    path = tmp_path / "bad-status.warc.gz"
    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        url, body, content_type = article_page(wordpress_crawl, 0)
        http = StatusAndHeaders("OK OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), length=len(body), http_headers=http,
                                                      warc_headers_dict={"WARC-Date": "2026-03-01T08:00:00Z"}))
        write_response(writer, *article_page(wordpress_crawl, 1), "2026-03-01T08:00:01Z")
    db_path = tmp_path / "bad-status.db"
    result = medarchive("import", str(path), "--db", str(db_path))
    assert result.returncode == 0, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert "could not be read" in line and line.endswith("; skipped")
    assert rows(db_path, "select fetched_url from articles") == [(article_page(wordpress_crawl, 1)[0],)]


def test_a_file_cut_short_mid_record_keeps_the_pages_before_it(wordpress_crawl, tmp_path):
    whole = io.BytesIO()
    writer = WARCWriter(whole, gzip=True)
    write_response(writer, *article_page(wordpress_crawl, 0), "2026-03-01T08:00:00Z")
    cut = len(whole.getvalue())
    write_response(writer, *article_page(wordpress_crawl, 1), "2026-03-01T08:00:01Z")
    path = tmp_path / "cut.warc.gz"
    path.write_bytes(whole.getvalue()[: cut + (len(whole.getvalue()) - cut) // 2])
    db_path = tmp_path / "cut.db"
    result = medarchive("import", str(path), "--db", str(db_path))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert rows(db_path, "select fetched_url from articles") == [(article_page(wordpress_crawl, 0)[0],)]


def test_ctrl_c_keeps_the_batches_written_and_marks_the_run_interrupted(wordpress_crawl, tmp_path):
    pipe = tmp_path / "slow.warc"
    os.mkfifo(pipe)
    db_path = tmp_path / "interrupted.db"
    importing = subprocess.Popen([sys.executable, "-m", "medarchive", "import", str(pipe), "--db", str(db_path)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    with open(pipe, "wb") as stream:  # a WARC still being written: the import waits for more
        writer = WARCWriter(stream, gzip=True)
        # One batch (50 pages, every article again and again) and some of the next; fetched after
        # every date the pages show (a date after the fetch is not read, and would be reported).
        for number in range(60):
            url, body, content_type = article_page(wordpress_crawl, number % 20)
            http = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), length=len(body),
                                                          http_headers=http, warc_headers_dict={"WARC-Date": "2026-06-01T08:00:00Z"}))
        stream.flush()
        deadline = time.monotonic() + 60
        while not db_path.exists() or rows(db_path, "select coalesce(articles_new + articles_unchanged, 0) from runs") != [(50,)]:
            assert time.monotonic() < deadline and importing.poll() is None, importing.stderr.read() if importing.poll() is not None else "no batch"
            time.sleep(0.2)
        importing.send_signal(signal.SIGINT)
        _, stderr = importing.communicate(timeout=30)
    assert importing.returncode == 1
    assert stderr.strip().splitlines() == ["Error: interrupted; the batches written so far are kept (run marked interrupted)"]
    assert rows(db_path, "select status, articles_new, articles_unchanged from runs") == [("interrupted", 20, 30)]


def test_a_missing_warc_file_is_named_in_one_line(tmp_path):
    result = medarchive_in_process("import", str(tmp_path / "nothing.warc.gz"), "--db", str(tmp_path / "a.db"))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [f"Error: {tmp_path / 'nothing.warc.gz'} is not a file; give WARC files (.warc or .warc.gz)"]


# --- replay: pywb, and a WACZ for ReplayWeb.page ---------------------------------------------------

#: pywb pins redis below 3 (through fakeredis) where scrapy-redis needs 5: it lives in a venv of its own.
REPLAY_VENV = Path(__file__).parent.parent / ".venv-replay"


@pytest.fixture(scope="session")
def replay_bin():
    """The bin directory of the venv holding pywb (``.ci/run`` makes it; made here if missing)."""
    wayback = REPLAY_VENV / "bin" / "wayback"
    if not wayback.exists():
        subprocess.run([sys.executable, "-m", "venv", str(REPLAY_VENV)], check=True)
        install = subprocess.run([str(REPLAY_VENV / "bin" / "pip"), "install", "-q", "pywb"], capture_output=True, text=True, timeout=900)
        assert install.returncode == 0, f"pywb could not be installed: {install.stderr[-500:]}"
    return wayback.parent


def test_the_export_replays_in_pywb_at_the_original_urls(wordpress_crawl, exported, tmp_path, replay_bin):
    subprocess.run([str(replay_bin / "wb-manager"), "init", "crawl"], cwd=tmp_path, check=True, capture_output=True)
    subprocess.run([str(replay_bin / "wb-manager"), "add", "crawl", str(exported)], cwd=tmp_path, check=True, capture_output=True)
    port = free_loopback_port()
    wayback = subprocess.Popen([str(replay_bin / "wayback"), "--port", str(port), "--bind", "127.0.0.1"], cwd=tmp_path,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        pages = wordpress_crawl.rows("select fetched_url, fetched_at, body from pages order by url limit 3")
        for url, fetched_at, body in pages:
            stamp = "".join(ch for ch in fetched_at[:19] if ch.isdigit())
            assert replayed(f"http://127.0.0.1:{port}/crawl/{stamp}id_/{url}", wayback) == zlib.decompress(body)
    finally:
        wayback.terminate()
        wayback.wait(timeout=10)


def replayed(address: str, server, seconds: float = 30) -> bytes:
    """The body pywb answers at ``address``, asked again while it starts."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(address, timeout=5) as answer:
                return answer.read()
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def test_a_wacz_export_passes_the_wacz_validator(wordpress_crawl, tmp_path):
    path = tmp_path / "crawl.wacz"
    result = medarchive_in_process("export", "--db", str(wordpress_crawl.db_path), "-o", str(path))
    assert result.returncode == 0, result.stderr
    validator = Path(sys.executable).parent / "wacz"
    check = subprocess.run([str(validator), "validate", "-f", str(path)], capture_output=True, text=True, timeout=120)
    assert check.returncode == 0 and "Validation succeeded" in check.stdout, check.stdout + check.stderr
    with zipfile.ZipFile(path) as packed:
        listed = packed.read("pages/pages.jsonl").decode().splitlines()[1:]
    assert len(listed) == wordpress_crawl.rows("select count(*) from articles")[0][0]
