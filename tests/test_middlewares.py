"""Reading Retry-After, the wait a rate-limited server asks for."""

from datetime import datetime, timezone

import pytest

from crawler.middlewares import retry_after_seconds

NOW = datetime(2026, 11, 25, 8, 0, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "header, seconds",
    [
        (b"120", 120.0),
        ("7", 7.0),
        (b"Wed, 25 Nov 2026 08:00:30 GMT", 30.0),
        (b"Wed, 25 Nov 2026 07:59:00 GMT", 0.0),  # already past: no wait
        (b"soon", None),
        (b"", None),
        (None, None),
    ],
)
def test_retry_after_as_seconds_or_http_date(header, seconds):
    assert retry_after_seconds(header, now=NOW) == seconds


def test_a_refusal_by_robots_txt_has_its_own_exception():
    from protego import Protego
    from scrapy import Request
    from scrapy.robotstxt import ProtegoRobotParser
    from scrapy.utils.test import get_crawler

    from crawler.middlewares import ForbiddenByRobots, RobotsTxtMiddleware

    parser = ProtegoRobotParser.__new__(ProtegoRobotParser)
    parser.rp = Protego.parse("User-agent: *\nDisallow: /private/\n")
    middleware = RobotsTxtMiddleware(get_crawler(settings_dict={"ROBOTSTXT_OBEY": True}))
    middleware._stats = middleware.crawler.stats
    with pytest.raises(ForbiddenByRobots):
        middleware.process_request_2(parser, Request("https://a.example/private/1.html"))
    middleware.process_request_2(parser, Request("https://a.example/public/1.html"))


def test_a_body_inflating_past_the_size_limit_has_its_own_exception():
    import gzip

    from scrapy import Request
    from scrapy.http import Response
    from scrapy.utils.test import get_crawler

    from crawler.middlewares import HttpCompressionMiddleware, TooLarge

    middleware = HttpCompressionMiddleware.from_crawler(get_crawler(settings_dict={"DOWNLOAD_MAXSIZE": 10_000}))
    bomb = gzip.compress(b"\0" * 1_000_000)
    response = Response("https://a.example/1.html", body=bomb, headers={"Content-Encoding": "gzip"})
    with pytest.raises(TooLarge, match="DOWNLOAD_MAXSIZE"):
        middleware.process_response(Request(response.url), response)
