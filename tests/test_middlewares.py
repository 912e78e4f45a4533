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
