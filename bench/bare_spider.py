"""A bare Scrapy spider: follow rel=prev/rel=next links with one XPath and do nothing else.

The ceiling for medarchive's chain-following design: same Scrapy, same politeness settings
(robots.txt obeyed, no delay, no AutoThrottle, same per-domain concurrency and user agent),
no extraction, no pipelines, no archive.

    /tmp/venv/bin/python bench/bare_spider.py URL [URL ...] [--concurrency 8]

Prints one JSON line with Scrapy's page/item counts on stdout.
"""

import argparse
import json
import sys

import scrapy
from scrapy.crawler import CrawlerProcess

NAV = "//a[@rel='prev' or @rel='next']/@href"


class BareChainSpider(scrapy.Spider):
    name = "bare_chain"

    def __init__(self, start_urls=(), *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.start_urls = list(start_urls)

    async def start(self):
        for url in self.start_urls:
            yield scrapy.Request(url, callback=self.parse)

    def parse(self, response):
        self.crawler.stats.inc_value("bare/pages")
        for href in response.xpath(NAV).getall():
            yield response.follow(href, callback=self.parse)


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("urls", nargs="+")
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args(argv)
    settings = {
        "ROBOTSTXT_OBEY": True,
        "USER_AGENT": "medarchive/0.1 (news archive for research; obeys robots.txt)",
        "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": args.concurrency,
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "RETRY_TIMES": 3,
        "DOWNLOAD_TIMEOUT": 30,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
    }
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(BareChainSpider)
    process.crawl(crawler, start_urls=args.urls)
    process.start()
    stats = crawler.stats.get_stats()
    print(json.dumps({"pages": stats.get("response_received_count", 0), "bare_pages": stats.get("bare/pages", 0),
                      "finish_reason": stats.get("finish_reason")}))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
