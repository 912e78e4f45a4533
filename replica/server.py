"""Serve a `Portal` over HTTP on localhost, in a daemon thread.

    with serve(build_portal("wordpress", 24)) as site:
        urllib.request.urlopen(site.url + "/robots.txt")

Command line: ``python -m replica.server --style dedecms --articles 12``.
"""

from __future__ import annotations

import argparse
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from .portal import STYLES, Portal, build_portal


class ReplicaServer:
    """A running replica. `.url` is its base URL; `.requests` the log of
    ``(method, path_with_query, status)`` in arrival order.

    A portal may also define ``raw_handler(path) -> callable | None``: a callable
    ``action(handler, base_url)`` then answers that request by itself on the raw
    socket (see `hostile.py`), and the log records status 0 for it."""

    def __init__(self, portal: Portal, host: str = "127.0.0.1", port: int = 0, latency: float = 0.0):
        self.portal, self.latency = portal, latency
        self._lock = threading.Lock()
        self._requests: list[tuple[str, str, int]] = []
        self._httpd = ThreadingHTTPServer((host, port), _handler_for(self))
        self._httpd.daemon_threads = True
        self.url = f"http://{host}:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, name=f"replica-{portal.style}",
                                        daemon=True)
        self._thread.start()

    @property
    def requests(self) -> list[tuple[str, str, int]]:
        with self._lock:
            return list(self._requests)  # a snapshot: the live list changes under concurrent crawls

    def requested_paths(self) -> set[str]:
        return {path for _, path, _ in self.requests}

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def _record(self, method: str, path: str, status: int) -> None:
        with self._lock:
            self._requests.append((method, path, status))

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> ReplicaServer:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _handler_for(server: ReplicaServer):
    class Handler(BaseHTTPRequestHandler):
        server_version = "nginx/1.24.0"

        def version_string(self):
            return self.server_version

        def do_GET(self):
            self._answer(send_body=True)

        def do_HEAD(self):
            self._answer(send_body=False)

        def _answer(self, send_body: bool) -> None:
            if server.latency:
                time.sleep(server.latency)
            path = self.path
            if "://" in path:  # absolute-form request target (proxies)
                parts = urlsplit(path)
                path = parts.path + (f"?{parts.query}" if parts.query else "")
            raw = getattr(server.portal, "raw_handler", None)
            action = raw(path) if raw is not None else None
            if action is not None:
                # A misbehaving answer (a stall, a reset mid-body, a stream without length):
                # logged first with status 0, since it may never complete.
                server._record(self.command, self.path, 0)
                self.close_connection = True
                try:
                    action(self, server.url)
                except OSError:  # the client gave up (time-out, size limit): that is the point
                    pass
                return
            status, headers, body = server.portal.response(path, server.url, self.headers.get("If-Modified-Since"))
            # Logged before answering: a client that has its answer finds its request in the log.
            server._record(self.command, self.path, status)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if send_body and body:
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client stopped reading (a size limit, a time-out): nothing to tell it

        def log_message(self, format, *args):  # noqa: A002 - keep test output quiet
            pass

    return Handler


def serve(portal: Portal, host: str = "127.0.0.1", port: int = 0, latency: float = 0.0) -> ReplicaServer:
    """Start serving `portal`; `port=0` picks a free port (see `.url`)."""
    return ReplicaServer(portal, host, port, latency)


class PortUnavailable(OSError):
    """A replica site could not listen on ``port``; the error it met is its ``__cause__``."""

    def __init__(self, port: int):
        super().__init__(f"cannot listen on port {port}")
        self.port = port


def serve_all(portals: list[Portal], port: int = 0) -> list[ReplicaServer]:
    """Serve each of ``portals``, on ``port`` and the ports after it (free ones for 0). When one
    cannot listen, those started are stopped again and :class:`PortUnavailable` names its port."""
    servers = []
    try:
        for offset, portal in enumerate(portals):
            servers.append(serve(portal, port=port + offset if port else 0))
    except OSError as error:
        for server in servers:
            server.stop()
        raise PortUnavailable(port + len(servers)) from error
    return servers


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve a replica news portal until Ctrl-C.")
    parser.add_argument("--style", choices=sorted(STYLES), default="wordpress")
    parser.add_argument("--articles", type=int, default=24, help="number of articles (default 24)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds to wait before each answer")
    args = parser.parse_args(argv)
    portal = build_portal(args.style, args.articles, args.seed)
    with serve(portal, args.host, args.port, args.latency) as site:
        print(f"{args.style} replica with {len(portal.live_articles)} live articles at {site.url}", flush=True)
        for case, path in sorted(portal.awkward.items()):
            print(f"  {case:22} {site.url}{path}")
        wait_for_interrupt()


def wait_for_interrupt() -> None:
    """Block until Ctrl-C: the command-line servers run until the user stops them."""
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("stopping")


if __name__ == "__main__":
    main()
