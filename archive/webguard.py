"""What any web server on this machine needs before a browser may reach it: an ASGI wrapper.

A page on any site can make the user's browser send requests to ``127.0.0.1``: blind
ones (an ``<img>``), and, through DNS rebinding (a name of the attacker's that first
resolves to their server, then to ``127.0.0.1``), ones whose answers it reads. So
:func:`guard` lets through only requests

* whose ``Host`` header names this server (:func:`host_name` of an allowed name): a
  rebound name is answered ``400``;
* that are not a sub-resource fetched by another site's page (``Sec-Fetch-Site:
  cross-site`` outside a navigation): ``403``, so an ``<img>`` elsewhere runs no query;
* that, coming from another site even as a navigation (a link, a form, ``window.open``),
  carry no SQL to run (``sql_params``): ``403``, so another site can open the archive's
  pages but not make it run a query of its choosing;
* while fewer than ``max_in_flight`` are being answered: ``503`` beyond, so a flood
  queues no unbounded work;

holds each answer's start until its first bytes, so that an answer over
``max_response_bytes`` is replaced by a ``400`` saying so (one already streaming is cut
off), and adds the security headers of :data:`SECURITY_HEADERS` and a
Content-Security-Policy to every answer.
"""

from urllib.parse import parse_qsl

#: Headers added to every response: no framing (clickjacking), no MIME sniffing, no
#: referrer (the archive's URLs hold search terms), no embedding by other sites.
SECURITY_HEADERS = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cross-origin-resource-policy": "same-origin",
}
#: Names that always mean this machine, allowed as ``Host`` on any bound address.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


def host_name(value: str) -> str:
    """The name in a ``Host`` header or a ``--host``, without port and brackets, lower-cased:
    ``"[::1]:8001"`` -> ``"::1"``, ``"LocalHost:80"`` -> ``"localhost"``."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value[1:]
    if value.count(":") == 1:
        return value.split(":")[0]
    return value  # a bare IPv6 address (as --host gives it) or a name without port


def _header(scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return ""


def _is_cross_site_subresource(scope) -> bool:
    """A request another site's page made the browser send without the user navigating."""
    return _header(scope, b"sec-fetch-site") == "cross-site" and _header(scope, b"sec-fetch-mode") != "navigate"


def _carries_sql(scope, sql_params) -> bool:
    """A request whose query string names one of ``sql_params``."""
    query = scope.get("query_string", b"").decode("latin-1")
    return any(name in sql_params for name, _ in parse_qsl(query, keep_blank_values=True))


class ResponseTooLarge(Exception):
    """An answer already under way grew past its bound: the connection is dropped."""


def _bounded(send, limit: int, refuse):
    """``send`` that holds the response's start until its first body bytes, and answers
    ``refuse()`` instead of a body that would pass ``limit`` bytes."""
    held, sent, refused = None, 0, False

    async def bounded_send(message):
        nonlocal held, sent, refused
        if refused:
            return
        if message["type"] == "http.response.start":
            held = message
            return
        if message["type"] != "http.response.body":
            return await send(message)
        sent += len(message.get("body", b""))
        if sent > limit:
            if held is not None:
                held, refused = None, True
                return await refuse()
            raise ResponseTooLarge(f"answer cut off past {limit} bytes")
        if held is not None:
            await send(held)
            held = None
        await send(message)

    return bounded_send


async def _answer(send, status: int, message: str, headers: list) -> None:
    body = (message + "\n").encode("utf-8")
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()), *headers]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def guard(app, *, allowed_hosts, content_security_policy: str, max_in_flight: int = 16, hidden_paths=(),
          max_response_bytes: int | None = None, sql_params=()):
    """``app`` answering only what the module docstring lets through, with security headers.

    :param allowed_hosts: ``Host`` names answered (compared after :func:`host_name`);
        ``"*"`` among them allows any.
    :param content_security_policy: the ``Content-Security-Policy`` of every answer.
    :param max_in_flight: requests answered at once; more get ``503``.
    :param hidden_paths: paths answered ``404`` (pages that would show server details).
    :param max_response_bytes: the most bytes an answer's body may hold; None: no bound.
    :param sql_params: query parameters that carry SQL, refused from other sites.
    """
    allowed = {host_name(host) for host in allowed_hosts}
    headers = [(name.encode(), value.encode()) for name, value in SECURITY_HEADERS.items()]
    headers.append((b"content-security-policy", content_security_policy.encode()))
    in_flight = 0

    async def guarded(scope, receive, send):
        nonlocal in_flight
        if scope["type"] != "http":
            return await app(scope, receive, send)
        host = host_name(_header(scope, b"host"))
        if "*" not in allowed and host not in allowed:
            answered = ", ".join(sorted(allowed))
            return await _answer(send, 400, f"unknown Host {host!r}: this server answers to {answered} (add it with --allow-host)", headers)
        if _is_cross_site_subresource(scope):
            return await _answer(send, 403, "cross-site request refused: open the archive's pages directly", headers)
        if _header(scope, b"sec-fetch-site") == "cross-site" and _carries_sql(scope, sql_params):
            return await _answer(send, 403, "a query from another site refused: type it on the archive's own pages", headers)
        if scope["path"] in hidden_paths:
            return await _answer(send, 404, "not found", headers)
        if in_flight >= max_in_flight:
            return await _answer(send, 503, "busy: too many requests at once, try again shortly", [*headers, (b"retry-after", b"2")])

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                names = {name for name, _ in headers}
                kept = [(name, value) for name, value in message.get("headers", []) if name.lower() not in names]
                message = {**message, "headers": kept + headers}
            await send(message)

        async def refuse():
            await _answer(send, 400, f"the answer would hold more than {max_response_bytes >> 20} MB: "
                                     "ask for fewer rows or shorter values", headers)

        if max_response_bytes is not None:
            send_with_headers = _bounded(send_with_headers, max_response_bytes, refuse)
        in_flight += 1
        try:
            await app(scope, receive, send_with_headers)
        except ResponseTooLarge:
            pass  # the server drops the connection: the client cannot take the part sent for the whole
        finally:
            in_flight -= 1

    return guarded
