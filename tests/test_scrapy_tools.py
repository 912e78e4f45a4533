"""Scrapy's own commands on the portal spider, run as a Scrapy user runs them against a replica:
feed exports, ``scrapy parse``, ``scrapy check``, settings from everywhere, and a scrapyd job."""

import csv
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import redis
import requests
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from archive.export import ARCHIVE_ONLY, CITED, TEXT_LISTS, columns
from conftest import free_loopback_port, medarchive, middle_article, needs_redis
from crawler import settings as project_defaults
from crawler.checked_settings import CHOICES, FILES, NUMBERS, BadSetting, check_settings
from crawler.feeds import ArticleRecord, ArticleRecordPipeline, XmlItemExporter
from crawler.runner import project_settings
from replica import build_portal, serve

ROOT = Path(__file__).parent.parent
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
    return [{field.tag: xml_value(field) for field in item} for item in ET.fromstring(text)]


def xml_value(field) -> str | list:
    """A field of an XML feed's item: text, a list of texts, or (images) a list of objects."""
    if field.tag == "images":
        return [{part.tag: part.text for part in value} for value in field]
    if field.tag in (*CITED, *TEXT_LISTS):
        return [value.text for value in field]
    return field.text or ""


def as_fed(row: dict, fmt: str) -> dict:
    """An exported row as a feed of ``fmt`` holds it: without what only the archive knows (its own
    columns, a date taken from the neighbours), in the value forms of the format."""
    row = {**row, **dict.fromkeys(ARCHIVE_ONLY)}
    if row["published_source"] == "neighbour":
        row.update(dict.fromkeys(("published", "published_at", "published_raw", "published_source")))
    if fmt == "csv":
        return {name: json.dumps(value, ensure_ascii=False) if value and name in (*TEXT_LISTS, "images") else
                ";".join(value) if isinstance(value, list) else "" if value is None else str(value) for name, value in row.items()}
    if fmt == "xml":
        row["images"] = [{name: value for name, value in image.items() if value is not None} for image in row["images"]]
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


def test_a_crawl_without_feeds_makes_no_records():
    with pytest.raises(NotConfigured):
        ArticleRecordPipeline.from_crawler(get_crawler(settings_dict={"FEEDS": {}}))
    assert ArticleRecordPipeline.from_crawler(get_crawler(settings_dict={"FEEDS": {"a.jsonl": {"format": "jsonlines"}}}))


def test_an_xml_feed_reads_back_whatever_text_a_page_carried():
    out = io.BytesIO()
    exporter = XmlItemExporter(out)
    exporter.start_exporting()
    exporter.export_item(ArticleRecord(title="a\x0bb </title>&amp;", body="x\x00y", category=None, dois=["10.1/<x>"]))
    exporter.finish_exporting()
    (item,) = ET.fromstring(out.getvalue())
    assert {field.tag: [value.text for value in field] if field.tag in CITED else field.text for field in item} == {
        "title": "ab </title>&amp;", "body": "xy", "dois": ["10.1/<x>"]}


# --- scrapy parse --------------------------------------------------------------------------------


def article_between_live_neighbours(portal):
    """An article with its own date whose prev/next links name its neighbours' own pages."""
    chain = portal.articles
    for before, article, after in zip(chain, chain[1:], chain[2:]):
        links = portal.nav_links[article.path]
        if article.has_own_date and not (before.deleted or after.deleted) and [link.split("@@", 2)[-1] for link in links] == [before.path, after.path]:
            return before, article, after
    raise AssertionError("the replica has no such article")


def test_scrapy_parse_shows_the_article_and_its_neighbour_requests(wordpress_site, wordpress_portal, tmp_path):
    before, article, after = article_between_live_neighbours(wordpress_portal)
    process = scrapy(tmp_path, "parse", "--spider=portal", "--nocolour", wordpress_site.url + article.path, "-s", "LOG_LEVEL=WARNING")
    assert process.returncode == 0, process.stderr
    items, requests_shown = process.stdout.split("# Requests")
    assert f"'title': '{article.title}'" in items
    assert "'raw_body': '<" in items  # the page's bytes, as their size
    shown = set(re.findall(r"<GET ([^>]+)>", requests_shown))
    neighbours = {wordpress_site.url + before.path, wordpress_site.url + after.path}
    assert neighbours <= shown
    assert all(url.endswith("/") for url in shown - neighbours)  # the sections of its menu and breadcrumb
    assert "Traceback" not in process.stderr and list(tmp_path.iterdir()) == []


def test_scrapy_parse_runs_the_callback_named(wordpress_site, tmp_path):
    process = scrapy(tmp_path, "parse", "--spider=portal", "--nocolour", "--callback", "parse_sitemap", wordpress_site.url + "/sitemap.xml",
                     "-s", "LOG_LEVEL=WARNING")
    assert process.returncode == 0, process.stderr
    assert "'lastmod': '" in process.stdout.split("# Requests")[0]


# --- scrapy check --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_site():
    """The WordPress-style replica as ``medarchive demo`` serves it, whose pages the contracts name."""
    with serve(build_portal("wordpress", 40, seed=1)) as site:
        yield site


def test_scrapy_check_runs_the_spider_contracts_against_the_replica(demo_site, tmp_path):
    process = scrapy(tmp_path, "check", "portal", "-s", f"PORTAL_CHECK_SITE={demo_site.url}")
    assert process.returncode == 0, process.stderr
    assert "Ran 11 contracts" in process.stderr and process.stderr.rstrip().endswith("OK")


def test_scrapy_check_fails_on_a_site_without_those_pages(dedecms_site, tmp_path):
    process = scrapy(tmp_path, "check", "portal", "-s", f"PORTAL_CHECK_SITE={dedecms_site.url}")
    assert process.returncode == 1
    assert "FAILED" in process.stderr


# --- settings ------------------------------------------------------------------------------------


def test_scrapy_settings_shows_a_portal_default(tmp_path):
    process = scrapy(tmp_path, "settings", "--get", "PORTAL_MAX_PAGES")
    assert process.stdout.strip() == str(project_defaults.PORTAL_MAX_PAGES)


def test_every_portal_setting_is_checked():
    portal = {name for name in vars(project_defaults) if name.startswith("PORTAL_") and name != "PORTAL_CHECK_SITE"}
    assert portal <= set(NUMBERS) | set(CHOICES) | set(FILES)


@pytest.mark.parametrize("name", sorted(name for name in NUMBERS if name.startswith("PORTAL_")))
def test_a_portal_setting_that_is_no_number_is_refused(name):
    with pytest.raises(BadSetting, match=f"^{name} must be"):
        check_settings(project_settings({name: "abc"}))


def one_line(process) -> str:
    (line,) = process.stderr.splitlines()
    return line


@pytest.mark.parametrize(("setting", "message"), [
    ("DOWNLOAD_DELAY=abc", "Error: DOWNLOAD_DELAY must be a number, not 'abc'"),
    ("FOO", "Error: Invalid -s value, use -s NAME=VALUE"),
])
def test_scrapy_crawl_refuses_a_bad_setting_in_one_line(wordpress_site, tmp_path, setting, message):
    process = scrapy(tmp_path, "crawl", "portal", "-a", f"start_urls={wordpress_site.url}/a.html", "-s", setting)
    assert (process.returncode, one_line(process)) == (2, message)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("setting", "message"), [
    ("DOWNLOAD_DELAY=abc", "Error: DOWNLOAD_DELAY must be a number, not 'abc'"),
    ("FOO", "Error: -s 'FOO' is not NAME=VALUE"),
])
def test_medarchive_crawl_refuses_a_bad_setting_in_one_line_creating_no_archive(wordpress_site, tmp_path, setting, message):
    process = medarchive("crawl", f"{wordpress_site.url}/a.html", "--db", str(tmp_path / "a.db"), "-s", setting)
    assert (process.returncode, one_line(process)) == (2, message)
    assert list(tmp_path.iterdir()) == []


@needs_redis
def test_a_distributed_crawl_with_a_bad_setting_queues_nothing(redis_url, wordpress_site):
    process = medarchive("crawl", f"{wordpress_site.url}/a.html", "--redis", redis_url, "-s", "DOWNLOAD_DELAY=abc")
    assert (process.returncode, one_line(process)) == (2, "Error: DOWNLOAD_DELAY must be a number, not 'abc'")
    with redis.Redis.from_url(redis_url) as queue:
        assert queue.dbsize() == 0


def test_scrapy_crawl_without_start_urls_says_how_to_give_them(tmp_path):
    process = scrapy(tmp_path, "crawl", "portal")
    assert (process.returncode, one_line(process)) == (2, "Error: the portal spider needs start_urls: -a start_urls=https://www.example.com/a/1.html")


SPIDER_MODULE = '''
from crawler.spiders.portal import PortalSpider


class ChainOnly(PortalSpider):
    name = "chain_only"
    custom_settings = {CUSTOM}
'''


def custom_spider(directory: Path, custom: dict) -> tuple[list, dict]:
    """A spider module in ``directory`` whose spider ``chain_only`` is the portal spider with
    ``custom`` as its custom_settings; the options and the environment that find it."""
    (directory / "my_spiders.py").write_text(SPIDER_MODULE.replace("{CUSTOM}", repr(custom)), "utf-8")
    return ["-s", "SPIDER_MODULES=my_spiders"], {"PYTHONPATH": str(directory)}


def test_a_spiders_custom_settings_are_obeyed(wordpress_site, wordpress_portal, tmp_path):
    options, env = custom_spider(tmp_path, {"PORTAL_DISCOVER": False})
    wordpress_site.clear_requests()
    process = scrapy(tmp_path, "crawl", "chain_only", "-a", f"start_urls={wordpress_site.url}{middle_article(wordpress_portal).path}",
                     "-s", f"ARCHIVE_DB_PATH={tmp_path / 'a.db'}", *options, *FAST, **env)
    assert process.returncode == 0, process.stderr
    assert not [path for path in wordpress_site.requested_paths() if "sitemap" in path]


def test_a_bad_value_in_a_spiders_custom_settings_is_refused_in_one_line(wordpress_site, tmp_path):
    options, env = custom_spider(tmp_path, {"PORTAL_MAX_PAGES": "many"})
    process = scrapy(tmp_path, "crawl", "chain_only", "-a", f"start_urls={wordpress_site.url}/a.html", *options, **env)
    assert (process.returncode, one_line(process)) == (2, "Error: PORTAL_MAX_PAGES must be a whole number, not 'many'")


# --- scrapyd -----------------------------------------------------------------------------------------

SCRAPYD_CONF = """[scrapyd]
bind_address = 127.0.0.1
http_port = {port}
eggs_dir = eggs
logs_dir = logs
items_dir =
dbs_dir = dbs
max_proc = 1
poll_interval = 0.2
"""


@pytest.fixture
def scrapyd(tmp_path):
    """A real scrapyd on a free loopback port, in a directory of its own; its URL."""
    port = free_loopback_port()
    home = tmp_path / "scrapyd"
    home.mkdir()
    (home / "scrapyd.conf").write_text(SCRAPYD_CONF.format(port=port))
    server = subprocess.Popen([str(Path(sys.executable).parent / "scrapyd")], cwd=home, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    while True:
        try:
            requests.get(url + "/daemonstatus.json", timeout=1)
            break
        except requests.ConnectionError:
            assert server.poll() is None, "scrapyd did not start"
            time.sleep(0.2)
    yield url
    server.terminate()
    server.wait(timeout=10)


def built_egg(directory: Path) -> Path:
    """The project's egg, built by ``scrapyd-deploy --build-egg`` from a copy of the project."""
    project = directory / "project"
    for name in ("crawler", "archive", "medarchive"):
        shutil.copytree(ROOT / name, project / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "setup.py", "scrapy.cfg", "README.md"):
        shutil.copy(ROOT / name, project / name)
    egg = directory / "medarchive.egg"
    subprocess.run([str(Path(sys.executable).parent / "scrapyd-deploy"), "--build-egg", str(egg)], cwd=project, check=True,
                   capture_output=True, timeout=180)
    return egg


def test_the_spider_runs_as_a_scrapyd_job_into_the_archive_its_setting_names(scrapyd, wordpress_site, wordpress_portal, tmp_path):
    egg = built_egg(tmp_path)
    with egg.open("rb") as file:
        added = requests.post(scrapyd + "/addversion.json", data={"project": "medarchive", "version": "1"}, files={"egg": file}).json()
    assert (added["status"], added["spiders"]) == ("ok", 1), added
    db = tmp_path / "jobs" / "stemcell.db"
    db.parent.mkdir()
    settings = [("setting", pair) for pair in (f"ARCHIVE_DB_PATH={db}", "DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=False", "RETRY_TIMES=0")]
    start = wordpress_site.url + middle_article(wordpress_portal).path
    job = requests.post(scrapyd + "/schedule.json", data=[("project", "medarchive"), ("spider", "portal"), ("start_urls", start), *settings]).json()
    assert job["status"] == "ok", job
    # scrapyd lists a job that failed as finished too: the loop ends either way.
    while job["jobid"] not in {done["id"] for done in requests.get(scrapyd + "/listjobs.json", params={"project": "medarchive"}).json()["finished"]}:
        time.sleep(0.3)
    with sqlite3.connect(db) as archive:
        urls = {url for (url,) in archive.execute("select url from articles")}
        (status,) = archive.execute("select status from runs").fetchone()
    assert (urls, status) == (live_urls(wordpress_site, wordpress_portal), "finished")
