"""Components read their settings once, by prefixed names with defaults in crawler/settings.py."""

import ast
import time
from pathlib import Path

import pytest
import redis
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured, ScrapyDeprecationWarning
from scrapy.utils.test import get_crawler

from conftest import needs_redis
from crawler import settings as project_defaults
from crawler.distributed import QueuePipeline, WaitForPeers, redis_settings
from crawler.renamed_settings import RENAMED
from crawler.runner import project_settings
from crawler.spiders.portal import PortalSpider

ROOT = Path(__file__).parent.parent


def portal_spider(**overrides):
    crawler = Crawler(PortalSpider, project_settings(overrides))
    return PortalSpider.from_crawler(crawler, start_urls=["https://a.example/1.html"])


def test_the_spider_reads_its_settings_by_their_prefixed_names():
    spider = portal_spider(PORTAL_MODE="full", PORTAL_DISCOVER=False, PORTAL_MAX_UNLISTED_CHAIN=7)
    assert (spider.incremental, spider.discover, spider.max_unlisted) == (False, False, 7)


def test_the_defaults_come_from_the_settings_module():
    spider = portal_spider()
    assert (spider.incremental, spider.discover, spider.max_unlisted) == (
        project_defaults.PORTAL_MODE == "incremental", project_defaults.PORTAL_DISCOVER, project_defaults.PORTAL_MAX_UNLISTED_CHAIN)


@pytest.mark.parametrize(("old", "value", "attribute", "expected"), [
    ("CRAWL_MODE", "full", "incremental", False),
    ("DISCOVER", "False", "discover", False),
])
def test_an_old_setting_name_still_works_with_a_deprecation_warning(old, value, attribute, expected):
    new = next(new for new, replaced in RENAMED.items() if replaced == old)
    with pytest.warns(ScrapyDeprecationWarning, match=f"{old} is now called {new}"):
        spider = portal_spider(**{old: value})
    assert getattr(spider, attribute) == expected


def test_the_new_name_wins_over_the_old_one_given_as_firmly(recwarn):
    spider = portal_spider(CRAWL_MODE="full", PORTAL_MODE="incremental")
    assert spider.incremental
    assert not [w for w in recwarn if issubclass(w.category, ScrapyDeprecationWarning) and "CRAWL_MODE" in str(w.message)]


def test_the_spider_never_opens_the_archive():
    source = "\n".join(path.read_text("utf-8") for path in (ROOT / "crawler" / "spiders").glob("*.py"))
    names = {node.id for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Name)}
    names |= {alias.name for node in ast.walk(ast.parse(source)) if isinstance(node, ast.ImportFrom) for alias in node.names}
    assert names & {"sqlite3", "load_state", "open_archive", "open_readonly"} == set()


@pytest.mark.parametrize("component", [QueuePipeline, WaitForPeers])
def test_a_distributed_component_outside_a_distributed_crawl_is_not_configured(component):
    with pytest.raises(NotConfigured, match="REDIS_URL"):
        component.from_crawler(get_crawler())


@needs_redis
def test_the_distributed_components_close_their_redis_connections(redis_url):
    crawler = get_crawler(settings_dict={**redis_settings(redis_url, "t"), "WORKER_IDLE_SECONDS": 1})
    pipeline, waiter = QueuePipeline.from_crawler(crawler), WaitForPeers.from_crawler(crawler)
    pipeline.server.ping(), waiter.server.ping()
    observer = redis.Redis.from_url(redis_url)
    assert len(observer.client_list()) == 3
    pipeline.close_spider()
    waiter.spider_closed(None)
    deadline = time.monotonic() + 5  # the server notices a closed socket a moment later
    while len(observer.client_list()) > 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(observer.client_list()) == 1
    observer.close()
