"""Polite requests to one scholarly API: its rate limit, retries on 429/5xx, ``Retry-After``.

Each API gets one :class:`Api` for the whole run, so its pace holds across batches. Requests
go one at a time (both Crossref and NCBI ask for no more), at most ``rate`` per second:
NCBI publishes 3/s without an API key and 10/s with one; Crossref announces its limit in the
``X-Rate-Limit-Limit`` / ``X-Rate-Limit-Interval`` headers of every answer, which lower the
pace here when they ask for less than we would make. The standard library's ``urllib`` does
the fetching: one GET at a time needs no connection pool or async client, and no new
dependency.

What an API sends is bounded as well: a request has :data:`REQUEST_SECONDS` in all (a
server dripping its answer never lets a per-read timeout expire) and the run's own time
limit; an answer may hold :data:`MAX_ANSWER_BYTES`; a redirect is followed only on the same
scheme, host and port (the User-Agent names the user's address); JSON nested past Python's
recursion limit is refused. An answer that came but cannot be read (cut short, not JSON,
past the deadline) is that request's failure; :data:`BAD_ANSWERS_DOWN` in a row, the API's.
"""

import http.client
import json
import logging
import socket
import threading
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
#: Seconds to wait for each read of an answer.
TIMEOUT = 30.0
#: Seconds one request may take in all, from connecting to the last byte of its answer.
REQUEST_SECONDS = 60.0
#: Bytes an answer may hold: the largest real ones (``esummary`` of 200 PMIDs, a Crossref work
#: with thousands of authors) hold a few megabytes.
MAX_ANSWER_BYTES = 16 * 1024 * 1024
#: Requests in a row whose answers could not be read before the API counts as down: one such
#: answer is that identifier's trouble (asked again by the next run), two the API's.
BAD_ANSWERS_DOWN = 2
#: Requests are spaced this much wider than the rate allows: jitter on the way can bunch
#: requests spaced exactly 1/rate apart into more than ``rate`` within one second at the server.
MARGIN = 1.1
#: Statuses worth a retry: rate limited, or the server's own trouble.
RETRY_STATUSES = {429, 500, 502, 503, 504}


class SourceDown(Exception):
    """The API did not answer usefully after every try (unreachable, or kept failing)."""


class NotFound(Exception):
    """The API answered 404: it does not know the identifier asked for."""


class Unusable(Exception):
    """The API answered, but not with something to store: too large, nested too deep, of the
    wrong shape, about another identifier. Its text is the reason; asking again at once would
    get the same answer."""


class OutOfTime(SourceDown):
    """The run's time limit passed before the request could be made or answered."""


class _OtherHost(Exception):
    """A redirect to another scheme, host or port, not followed."""


class _BadAnswer(Exception):
    """An answer came (a status and headers) but its body could not be read: the text says why."""


class _SameOriginRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to the scheme, host and port of the request it answers."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if _origin(newurl) != _origin(req.full_url):
            raise _OtherHost(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _origin(url: str) -> tuple:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme.lower(), parts.hostname, parts.port


class _Watch:
    """Cuts every connection of one request at ``deadline`` (``time.monotonic()``), whatever it
    is doing then: reading headers or body a byte at a time, or waiting."""

    def __init__(self, deadline: float):
        self.deadline = deadline
        self.started = time.monotonic()
        self.timers = []
        self.cut = False

    def overrun(self) -> "_BadAnswer":
        return _BadAnswer(f"no complete answer within {self.deadline - self.started:.3g} s")

    def arm(self, sock) -> None:
        timer = threading.Timer(max(0.0, self.deadline - time.monotonic()), self._cut, [sock])
        timer.daemon = True
        timer.start()
        self.timers.append(timer)

    def _cut(self, sock) -> None:
        self.cut = True
        try:
            socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the plain socket's, under any TLS layer
        except OSError:
            pass

    def stop(self) -> None:
        for timer in self.timers:
            timer.cancel()


def _watched(connection_class):
    """``connection_class`` whose sockets a :class:`_Watch` given as ``watch=`` cuts at its deadline."""

    class Watched(connection_class):
        def __init__(self, *args, watch: _Watch, **kwargs):
            super().__init__(*args, **kwargs)
            self.watch = watch

        def connect(self):
            super().connect()
            self.watch.arm(self.sock)

    return Watched


_WatchedHTTP, _WatchedHTTPS = _watched(http.client.HTTPConnection), _watched(http.client.HTTPSConnection)


class _WatchedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, watch: _Watch):
        super().__init__()
        self.watch = watch

    def http_open(self, req):
        return self.do_open(_WatchedHTTP, req, watch=self.watch)


class _WatchedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, watch: _Watch):
        super().__init__()
        self.watch = watch

    def https_open(self, req):
        return self.do_open(_WatchedHTTPS, req, context=self._context, watch=self.watch)


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
    #: ``time.monotonic()`` past which the run asks nothing more (None: no limit).
    run_deadline: float | None = None
    #: Requests in a row whose answers could not be read.
    bad_answers: int = 0

    def get_json(self, path: str, params: dict | None = None):
        """GET ``path`` under the base URL with ``params`` and return the decoded JSON.

        :raises NotFound: on a 404
        :raises Unusable: for an answer too large or nested too deep to read
        :raises OutOfTime: once the run's time limit has passed
        :raises SourceDown: when the API stays unreachable or failing after :data:`ATTEMPTS` tries
            (``down`` set), or when this request's answers could not be read (``down`` set only
            after :data:`BAD_ANSWERS_DOWN` such requests in a row)
        """
        if self.down:
            raise SourceDown(self.down)
        url = self.base_url.rstrip("/") + "/" + path.lstrip("/")
        if params:
            url += "?" + urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
        wait = BACKOFF  # read at each call, so that it can be set at run time
        for attempt in range(1, ATTEMPTS + 1):
            bad_answer = False
            self._check_time()
            self.pace.wait()
            try:
                answer = self._fetch(url)
                self.bad_answers = 0
                return answer
            except _OtherHost as error:
                return self.give_up(f"{self.name} redirected {url} to another host ({error}): not followed; "
                                     "give the API's own address")
            except _BadAnswer as error:
                problem, bad_answer = str(error), True
            except urllib.error.HTTPError as error:
                if error.code == 404:
                    raise NotFound(url) from None
                problem = f"HTTP {error.code}"
                if error.code not in RETRY_STATUSES:
                    return self.give_up(f"{self.name} answered {problem} for {url}")
                wait = min(_retry_after(error.headers.get("Retry-After"), wait), RETRY_AFTER_CAP)
            except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
                reason = getattr(error, "reason", error)
                problem = (getattr(reason, "strerror", None) or str(reason)).lower()
            if attempt == ATTEMPTS:
                break
            self.retries += 1
            logger.warning("%s: %s, trying again in %.1f s", self.name, problem, wait)
            self._check_time(wait)
            time.sleep(wait)
            wait = min(wait * 2, RETRY_AFTER_CAP)
        if bad_answer:
            self.bad_answers += 1
            if self.bad_answers < BAD_ANSWERS_DOWN:
                raise SourceDown(f"{self.name} gave no readable answer for {url} ({problem})")
        return self.give_up(f"{self.name} at {self.base_url} did not answer usefully ({problem})")

    def _check_time(self, wait: float = 0.0) -> None:
        """:class:`OutOfTime` when the run's time limit has passed, or would during ``wait``."""
        if self.run_deadline is not None and time.monotonic() + wait >= self.run_deadline:
            raise OutOfTime(f"{self.name}: the run's time limit passed")

    def _fetch(self, url: str):
        """The JSON at ``url``, read within :data:`REQUEST_SECONDS` (and the run's limit)."""
        watch = _Watch(min(time.monotonic() + REQUEST_SECONDS, self.run_deadline or float("inf")))
        opener = urllib.request.build_opener(_WatchedHTTPHandler(watch), _WatchedHTTPSHandler(watch), _SameOriginRedirects)
        request = urllib.request.Request(url, headers={"User-Agent": self.user_agent, "Accept": "application/json"})
        self.requests += 1
        try:
            with opener.open(request, timeout=max(0.1, min(TIMEOUT, watch.deadline - time.monotonic()))) as response:
                self._follow_announced_limit(response.headers)
                body = _read_bounded(response, watch)
        except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
            if watch.cut and not isinstance(error, urllib.error.HTTPError):
                raise watch.overrun() from None
            raise
        finally:
            watch.stop()
        return _decode(body)

    def give_up(self, message: str):
        """Count the API as down for the rest of the run, and say why (:class:`SourceDown`)."""
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


def _read_bounded(response, watch: _Watch) -> bytes:
    """The body of ``response``, refused (:class:`Unusable`) past :data:`MAX_ANSWER_BYTES`."""
    announced = response.headers.get("Content-Length")
    if announced and announced.strip().isdigit() and int(announced) > MAX_ANSWER_BYTES:
        raise Unusable(f"an answer of {int(announced):,} bytes, more than {MAX_ANSWER_BYTES:,}")
    try:
        body = response.read(MAX_ANSWER_BYTES + 1)
    except (OSError, http.client.HTTPException) as error:
        raise (watch.overrun() if watch.cut else _BadAnswer(f"an answer cut short ({type(error).__name__})")) from None
    if watch.cut:
        raise watch.overrun()
    if announced and announced.strip().isdigit() and len(body) < int(announced):
        raise _BadAnswer(f"an answer cut short after {len(body):,} bytes")
    if len(body) > MAX_ANSWER_BYTES:
        raise Unusable(f"an answer of more than {MAX_ANSWER_BYTES:,} bytes")
    return body


def _decode(body: bytes):
    """The JSON in ``body``; :class:`_BadAnswer` for what is not JSON (a maintenance page, a
    truncated answer), :class:`Unusable` for JSON Python cannot hold (nesting past its recursion
    limit, a number of thousands of digits)."""
    try:
        return json.loads(body.decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise _BadAnswer("an answer that is not JSON") from None
    except (RecursionError, ValueError) as error:
        raise Unusable(f"JSON that cannot be read ({type(error).__name__}: {str(error)[:80]})") from None


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
