"""Polite requests to one scholarly API: its rate limit, retries on 429/5xx, ``Retry-After``.

Each API gets one :class:`Api` for the whole run, so its pace holds across batches. Requests
go one at a time (both Crossref and NCBI ask for no more), at most ``rate`` per second:
NCBI publishes 3/s without an API key and 10/s with one; Crossref announces its limit in the
``X-Rate-Limit-Limit`` / ``X-Rate-Limit-Interval`` headers of every answer, which lower the
pace here when they ask for less than we would make. The standard library's ``urllib`` does
the fetching: one GET at a time needs no connection pool or async client, and no new
dependency.
"""

import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

logger = logging.getLogger(__name__)

#: Tries of one request before its API counts as down for the rest of the run.
ATTEMPTS = 4
#: Longest wait between two tries, in seconds, whatever ``Retry-After`` asks: a server asking
#: for an hour is tried again sooner and, still refusing, counts as down for this run.
RETRY_AFTER_CAP = 60.0
#: Wait before the first retry when the server names none; doubled at each retry.
BACKOFF = 1.0
#: Seconds to wait for an answer.
TIMEOUT = 30.0
#: Requests are spaced this much wider than the rate allows: jitter on the way can bunch
#: requests spaced exactly 1/rate apart into more than ``rate`` within one second at the server.
MARGIN = 1.1
#: Statuses worth a retry: rate limited, or the server's own trouble.
RETRY_STATUSES = {429, 500, 502, 503, 504}


class SourceDown(Exception):
    """The API did not answer usefully after every try (unreachable, or kept failing)."""


class NotFound(Exception):
    """The API answered 404: it does not know the identifier asked for."""


@dataclass
class Pace:
    """At most ``rate`` requests per second, shared by the APIs of one provider (NCBI's limit
    counts the ID converter's requests and E-utilities' together)."""

    rate: float
    next_slot: float = 0.0

    def wait(self) -> None:
        """Sleep until a request may go, then book the next slot."""
        now = time.monotonic()
        if self.next_slot > now:
            time.sleep(self.next_slot - now)
            now = self.next_slot
        self.next_slot = now + MARGIN / self.rate


@dataclass
class Api:
    """One scholarly API: where it is, how fast it may be asked, and what was asked of it."""

    name: str
    base_url: str
    pace: Pace
    user_agent: str
    requests: int = 0
    retries: int = 0
    #: Set once the API counts as down: the rest of the run asks it nothing more.
    down: str | None = None

    def get_json(self, path: str, params: dict | None = None):
        """GET ``path`` under the base URL with ``params`` and return the decoded JSON.

        :raises NotFound: on a 404
        :raises SourceDown: when the API stays unreachable or failing after :data:`ATTEMPTS` tries
        """
        if self.down:
            raise SourceDown(self.down)
        url = self.base_url.rstrip("/") + "/" + path.lstrip("/")
        if params:
            url += "?" + urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
        wait = BACKOFF  # read at each call, so that it can be set at run time
        for attempt in range(1, ATTEMPTS + 1):
            self.pace.wait()
            try:
                return self._fetch(url)
            except urllib.error.HTTPError as error:
                if error.code == 404:
                    raise NotFound(url) from None
                problem = f"HTTP {error.code}"
                if error.code not in RETRY_STATUSES:
                    return self._give_up(f"{self.name} answered {problem} for {url}")
                wait = min(_retry_after(error.headers.get("Retry-After"), wait), RETRY_AFTER_CAP)
            except ValueError:  # a maintenance page, a truncated answer
                problem = "an answer that is not JSON"
            except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
                reason = getattr(error, "reason", error)
                problem = (getattr(reason, "strerror", None) or str(reason)).lower()
            if attempt == ATTEMPTS:
                break
            self.retries += 1
            logger.warning("%s: %s, trying again in %.1f s", self.name, problem, wait)
            time.sleep(wait)
            wait = min(wait * 2, RETRY_AFTER_CAP)
        return self._give_up(f"{self.name} at {self.base_url} did not answer usefully ({problem})")

    def _fetch(self, url: str):
        request = urllib.request.Request(url, headers={"User-Agent": self.user_agent, "Accept": "application/json"})
        self.requests += 1
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            self._follow_announced_limit(response.headers)
            return json.loads(response.read().decode("utf-8"))

    def _give_up(self, message: str):
        self.down = message
        raise SourceDown(message)

    def _follow_announced_limit(self, headers) -> None:
        """Slow down to ``X-Rate-Limit-Limit`` per ``X-Rate-Limit-Interval`` (``1s``) when announced lower."""
        limit, interval = headers.get("X-Rate-Limit-Limit"), headers.get("X-Rate-Limit-Interval")
        if not limit or not interval:
            return
        try:
            announced = float(limit) / float(interval.strip().rstrip("s"))
        except ValueError:
            return
        if 0 < announced < self.pace.rate:
            logger.info("%s announces %s requests per %s: slowing to %.2f/s", self.name, limit, interval, announced)
            self.pace.rate = announced


def _retry_after(header: str | None, default: float) -> float:
    """Seconds a ``Retry-After`` header asks for (a number of seconds or an HTTP date), else ``default``."""
    if not header:
        return default
    try:
        return max(0.0, float(header))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        return max(0.0, parsedate_to_datetime(header).timestamp() - time.time())
    except (TypeError, ValueError):
        return default
