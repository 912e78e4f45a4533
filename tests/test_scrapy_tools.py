"""Scrapy's own commands on the portal spider, run as a Scrapy user runs them against a replica."""

import csv
import json
import os
import sqlite3
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from archive.export import ARCHIVE_ONLY, CITED, columns
from conftest import medarchive, middle_article

#: Settings for a replica on loopback, as ``-s`` options.
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8",
        "-s", "RETRY_TIMES=0", "-s", "LOG_LEVEL=WARNING"]
FORMATS = ("jsonl", "json", "csv", "xml")


def scrapy(cwd, *args, timeout=180, **env):
    """``scrapy ARGS`` in the directory ``cwd`` as a user of the project runs it (the project named
    by SCRAPY_SETTINGS_MODULE, as from the repository's scrapy.cfg)."""
    return subprocess.run([sys.executable, "-m", "scrapy", *args], cwd=cwd, capture_output=True, text=True, encoding="utf-8",
                          timeout=timeout, env={**os.environ, "SCRAPY_SETTINGS_MODULE": "crawler.settings", **env})


def live_urls(site, portal) -> set[str]:
    return {site.url + article.path for article in portal.live_articles}


# --- feed exports ------------------------------------------------------------------------------


def read_feed(path: Path) -> list[dict]:
    """The records of the feed at ``path``, read by the standard reader of its format."""
    text = path.read_text("utf-8")
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in text.splitlines()]
    if path.suffix == ".json":
        return json.loads(text)
    if path.suffix == ".csv":
        return list(csv.DictReader(text.splitlines(keepends=True)))
    return [{field.tag: [value.text for value in field] if field.tag in CITED else field.text or "" for field in item}
            for item in ET.fromstring(text)]


def as_fed(row: dict, fmt: str) -> dict:
    """An exported row as a feed of ``fmt`` holds it: without what only the archive knows (its own
    columns, a date taken from the neighbours), in the value forms of the format."""
    row = {**row, **dict.fromkeys(ARCHIVE_ONLY)}
    if row["published_source"] == "neighbour":
        row.update(dict.fromkeys(("published", "published_at", "published_raw", "published_source")))
    if fmt == "csv":
        return {name: ";".join(value) if isinstance(value, list) else "" if value is None else str(value) for name, value in row.items()}
    if fmt == "xml":
        return {name: value for name, value in row.items() if value is not None}
    return row


@pytest.fixture(scope="module")
def fed(wordpress_site, wordpress_portal, tmp_path_factory):
    """One ``scrapy crawl portal`` into an archive, with a feed of each format."""
    out = tmp_path_factory.mktemp("feeds")
    start = wordpress_site.url + middle_article(wordpress_portal).path
    feeds = [option for fmt in FORMATS for option in ("-O", f"articles.{fmt}")]
    process = scrapy(out, "crawl", "portal", "-a", f"start_urls={start}", *feeds, *FAST, MEDARCHIVE_DB=str(out / "archive.db"))
    exported = medarchive("export", "--format", "jsonl", "--db", str(out / "archive.db"))
    return out, process, {row["url"]: row for row in map(json.loads, exported.stdout.splitlines())}


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_feed_holds_each_archived_article_as_medarchive_export_writes_it(fed, fmt):
    out, process, exported = fed
    assert process.returncode == 0, process.stderr
    records = read_feed(out / f"articles.{fmt}")
    assert sorted(record["url"] for record in records) == sorted(exported)
    for record in records:
        assert record == as_fed(exported[record["url"]], fmt)


def test_a_feed_gets_no_bookkeeping_yet_the_archive_does(fed):
    out, process, _ = fed
    assert "Traceback" not in process.stderr and "not JSON serializable" not in process.stderr
    assert {tuple(record) for record in read_feed(out / "articles.jsonl")} == {tuple(columns())}
    with sqlite3.connect(out / "archive.db") as db:
        kept = {table: db.execute(f"select count(*) from {table}").fetchone()[0] for table in ("sitemap_entries", "gaps", "aliases", "not_articles")}
    assert all(kept.values()), kept


def test_without_an_archive_a_feed_from_the_settings_gets_every_article(wordpress_site, wordpress_portal, tmp_path):
    start = wordpress_site.url + middle_article(wordpress_portal).path
    feeds = json.dumps({"articles.jsonl": {"format": "jsonlines"}})
    process = scrapy(tmp_path, "crawl", "portal", "-a", f"start_urls={start}", "-s", f"FEEDS={feeds}", "-s", "ARCHIVE_DB_PATH=", *FAST)
    assert process.returncode == 0, process.stderr
    assert {record["url"] for record in read_feed(tmp_path / "articles.jsonl")} == live_urls(wordpress_site, wordpress_portal)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["articles.jsonl"]
