"""Mistakes of a first hour with medarchive: each gets one clear line and the documented exit
status, and a command that fails before writing leaves no archive file behind."""

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from conftest import free_loopback_port, medarchive, written_archive


def assert_one_clear_line(result, words: str):
    """Nothing but click's usage lines and one error line saying ``words``."""
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and words in errors[0], result.stderr


def test_a_start_url_pasted_twice_is_a_usage_error_and_no_archive(tmp_path):
    result = medarchive("crawl", "http://127.0.0.1:8911http://127.0.0.1:8911/a.html", "--db", str(tmp_path / "a.db"))
    assert result.returncode == 2
    assert_one_clear_line(result, "it holds more than one URL: give each separately")
    assert "stopped early" not in result.stderr
    assert not (tmp_path / "a.db").exists()


@pytest.mark.parametrize("url, words", [
    ("http://[::1/a.html", "is not a URL (Invalid IPv6 URL)"),
    ("http://127.0.0.1:99999/a.html", "is not a URL (Port out of range 0-65535)"),
    ("http://exa mple.com/a.html", "is not an http(s) URL"),
])
def test_a_start_url_that_cannot_be_fetched_is_a_usage_error_and_no_archive(tmp_path, url, words):
    result = medarchive("crawl", url, "--db", str(tmp_path / "a.db"))
    assert result.returncode == 2
    assert_one_clear_line(result, words)
    assert not (tmp_path / "a.db").exists()


@pytest.mark.parametrize("command", [["worker"], ["ingest", "--db", "{db}"], ["crawl", "http://127.0.0.1:9/a.html", "--db", "{db}"]])
def test_a_redis_option_that_is_not_a_url_is_a_usage_error(tmp_path, command):
    result = medarchive(*[word.format(db=tmp_path / "a.db") for word in command], "--redis", "notaurl")
    assert result.returncode == 2
    assert_one_clear_line(result, "'notaurl' is not a Redis URL")
    assert not (tmp_path / "a.db").exists()


def test_ingest_with_redis_down_leaves_no_archive(tmp_path):
    result = medarchive("ingest", "--redis", f"redis://127.0.0.1:{free_loopback_port()}/0", "--db", str(tmp_path / "a.db"))
    assert result.returncode == 1
    assert_one_clear_line(result, "is redis-server running?")
    assert not (tmp_path / "a.db").exists()


def test_a_bad_drift_config_leaves_no_archive(tmp_path):
    config = tmp_path / "drift.toml"
    config.write_text("alpha = \n")
    result = medarchive("crawl", "http://127.0.0.1:9/a.html", "--drift-config", str(config), "--db", str(tmp_path / "a.db"))
    assert result.returncode == 2
    assert_one_clear_line(result, "cannot read drift thresholds")
    assert not (tmp_path / "a.db").exists()


@pytest.fixture
def small_archive(tmp_path):
    """An archive of one article citing a DOI, a PMID and a trial only in its reference list."""
    return written_archive(tmp_path, [{
        "url": "https://site.example/a/1.html", "site": "https://site.example", "title": "哮喘新进展", "body": "哮喘治疗进展",
        "body_html": "<p>哮喘治疗进展</p>", "published": "2025-03-01", "published_raw": "2025年3月1日",
        "references": [{"position": 1, "text": "Smith J. Asthma. doi: 10.1177/2050313X251386547. PMID: 31234567. NCT01234567",
                        "doi": "10.1177/2050313x251386547"}],
        "dois": ["10.1177/2050313x251386547"], "pmids": ["31234567"], "pmcids": []}])


# --- serve ---------------------------------------------------------------------------------


def test_serve_on_port_0_prints_the_port_it_listens_on(small_archive):
    process = subprocess.Popen([sys.executable, "-m", "medarchive", "serve", "--db", str(small_archive), "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        url = line.split(" at ", 1)[1].split()[0]
        assert not url.endswith(":0/"), line
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        for _ in range(150):  # the port is bound before the line is printed; datasette listens after
            try:
                assert opener.open(url + "-/versions.json", timeout=2).status == 200
                break
            except urllib.error.URLError:
                assert process.poll() is None, process.stderr.read()
                time.sleep(0.2)
        else:
            pytest.fail(f"nothing answered at {url}")
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_serve_on_a_port_in_use_is_one_line_and_status_1(small_archive):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = medarchive("serve", "--db", str(small_archive), "--port", str(port), timeout=60)
    assert result.returncode == 1
    assert_one_clear_line(result, f"cannot listen on 127.0.0.1:{port}")
    assert "Serving" not in result.stdout


# --- enrich, search -------------------------------------------------------------------


def test_enrich_with_an_api_address_that_is_not_a_url_is_a_usage_error(small_archive):
    result = medarchive("enrich", "--db", str(small_archive), "--crossref-url", "notaurl")
    assert result.returncode == 2
    assert_one_clear_line(result, "'notaurl' is not an http(s) URL")


@pytest.mark.parametrize("command", ["search", "runs", "gaps"])
def test_json_with_csv_is_refused(small_archive, command):
    result = medarchive(command, *(["哮喘"] if command == "search" else []), "--db", str(small_archive), "--json", "--csv")
    assert result.returncode == 2
    assert_one_clear_line(result, "give one of them")
    assert result.stdout == ""


@pytest.mark.parametrize("query, kind", [("10.1177/2050313X251386547", "a DOI"), ("PMID: 31234567", "a PMID"), ("NCT01234567", "a trial number")])
def test_an_identifier_typed_as_a_query_searches_the_references_too(small_archive, query, kind):
    result = medarchive("search", query, "--db", str(small_archive), "--json")
    assert result.returncode == 0, result.stderr
    assert [hit["url"] for hit in json.loads(result.stdout)] == ["https://site.example/a/1.html"]
    assert f"(as {kind}, the reference lists too)" in result.stderr


def test_a_word_typed_as_a_query_does_not_search_the_references(small_archive):
    result = medarchive("search", "Smith", "--db", str(small_archive))
    assert result.stdout == "No article matches 'Smith'.\n"
