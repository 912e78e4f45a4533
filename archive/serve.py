"""Browse the archive with datasette 0.65: our metadata and plugin, read-only, on loopback unless asked.

``make_datasette`` builds the instance (tests call it in-process), ``serve_argv``
the command that runs it in another process, ``serve`` runs it here with uvicorn,
behind :func:`archive.webguard.guard`.

What one request can cost is bounded, because any web page the user visits can send
some: SQLite refuses a string or blob over :data:`MAX_VALUE_BYTES` (each SQLite step
is then short, so datasette's time limit, checked between steps, really stops a query),
SQLite's heap is capped at :data:`HEAP_LIMIT_BYTES` for the process, the rows one query
hands to datasette take at most :data:`MAX_ROWS_BYTES` as JSON (SQLite's caps end where
Python's copies begin), datasette runs at most :data:`SQL_THREADS` queries at once and the guard
answers at most :data:`MAX_IN_FLIGHT` requests at once, each of at most
:data:`MAX_RESPONSE_BYTES`.

    python -m archive.serve archive.db --port 8001
"""

import argparse
import hashlib
import ipaddress
import json
import re
import socket
import sqlite3
import sys
from base64 import b64encode
from contextlib import closing
from importlib import resources
from pathlib import Path

from datasette.database import Database, connections

from . import datasette_plugin, webguard
from .db import readonly_uri, wal_has_pages
from .schema import has_table

#: Longest string or blob any SQL value may be (SQLITE_LIMIT_LENGTH): twice the largest
#: page the crawler keeps (``DOWNLOAD_MAXSIZE``, 10 MB), so every stored value still reads.
MAX_VALUE_BYTES = 20 * 1024 * 1024
#: SQLite steps between two checks of datasette's time limit (datasette asks for 1,000; a
#: step on a value of many megabytes takes milliseconds, so 1,000 could overshoot by seconds).
PROGRESS_STEPS = 50
#: SQLite's memory for the whole ``serve`` process (``PRAGMA hard_heap_limit``).
HEAP_LIMIT_BYTES = 256 * 1024 * 1024
#: Bytes one query's rows may take as datasette's JSON (the costliest way it shows them: every
#: non-ASCII character and control character becomes ``\uXXXX``, so a value can grow sixfold,
#: and datasette holds a few copies of that text while it answers). Counted row by row as
#: they are fetched; room for 1,000 rows of typical articles, or the largest article row the
#: crawler writes (a 10 MB page as ``body`` and ``body_html``).
MAX_ROWS_BYTES = 64 * 1024 * 1024
#: Bytes one answer may hold; what would be more is refused (:func:`archive.webguard.guard`).
MAX_RESPONSE_BYTES = 128 * 1024 * 1024
#: Queries datasette runs at once (its ``num_sql_threads``); more wait their turn.
SQL_THREADS = 3
#: Requests answered at once; more are refused with 503 instead of queueing without end.
MAX_IN_FLIGHT = 16
#: Query parameters that carry SQL to run: datasette's ``sql`` and the table view's ``_where``.
SQL_PARAMS = ("sql", "_where")
#: datasette pages that would show the archive's absolute path.
HIDDEN_PATHS = ("/-/databases", "/-/databases.json")

#: The database key ``metadata.json`` is written for; replaced by the file's own name.
METADATA_DATABASE = "archive"


def load_metadata(db_path) -> dict:
    """``archive/metadata.json`` with its database section under the name datasette gives
    ``db_path`` (the file name without ``.db``), so any file name gets the same configuration."""
    metadata = json.loads(resources.files("archive").joinpath("metadata.json").read_text(encoding="utf-8"))
    databases = metadata.get("databases", {})
    if METADATA_DATABASE in databases:
        databases[Path(db_path).stem] = datasette_plugin.without_datasettes_search(databases.pop(METADATA_DATABASE))
        with closing(sqlite3.connect(readonly_uri(db_path), uri=True)) as conn:
            if not has_table(conn, "article_images"):
                # This configuration comes before the plugin's: it must fit the file itself.
                datasette_plugin.without_metadata_columns(databases[Path(db_path).stem])
    return metadata


#: Names that always mean this machine.
LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


class PublicBindRefused(ValueError):
    """Serving on an address other machines can reach was asked for without ``public``."""


def is_loopback(host: str) -> bool:
    """True when ``host`` (an address or a name) only ever means this machine: 127.0.0.0/8,
    ``::1``, ``localhost``, or a name every address of which is loopback. ``0.0.0.0``, ``::`` and
    an empty host listen on every interface: not loopback."""
    host = host.strip().strip("[]")
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except (OSError, UnicodeError):
        return False
    return bool(addresses) and all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses)


def check_host(host: str, public: bool = False) -> None:
    """Refuse to listen beyond this machine unless ``public`` says so explicitly.

    :raises PublicBindRefused: with a message saying what to do
    """
    if not public and not is_loopback(host):
        raise PublicBindRefused(
            f"refusing to serve on {host!r}: other machines could reach the archive there. "
            "Use the default --host 127.0.0.1, or add --public to serve it on the network on purpose."
        )


def register_plugin() -> None:
    """Load our plugin into datasette's plugin manager (once per process)."""
    from datasette.plugins import pm

    if not pm.is_registered(datasette_plugin):
        pm.register(datasette_plugin, name="medarchive")


def _refuse_path_disclosure(action, name, *_):
    """SQLite authorizer: ``pragma_database_list`` would show the archive's absolute path."""
    if action == sqlite3.SQLITE_PRAGMA and (name or "").lower() == "database_list":
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


class RowsTooLarge(sqlite3.DataError):
    """A query's rows would take more than :data:`MAX_ROWS_BYTES` as JSON."""


def json_size(value) -> int:
    """Bytes ``value`` takes in datasette's JSON (bytes as UTF-8 text when they are, else as
    base64; strings with ``ensure_ascii``). A transient copy, smaller than datasette's own."""
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            return len(value) * 4 // 3 + 32
    if isinstance(value, str):
        return len(json.dumps(value))
    return 24  # a number or null


class _BoundedCursor(sqlite3.Cursor):
    """A cursor that hands over rows worth at most :data:`MAX_ROWS_BYTES` of JSON, then raises
    :class:`RowsTooLarge` (datasette shows it as the query's error)."""

    held = 0

    def _count(self, row):
        self.held += sum(map(json_size, row))
        if self.held > MAX_ROWS_BYTES:
            raise RowsTooLarge(
                f"the rows of this query take more than {MAX_ROWS_BYTES >> 20} MB: "
                "ask for fewer rows (limit) or shorter values (substr(), length())"
            )
        return row

    def fetchone(self):
        row = super().fetchone()
        return row if row is None else self._count(row)

    def fetchmany(self, size=None):
        rows = []
        for _ in range(self.arraysize if size is None else size):
            row = self.fetchone()
            if row is None:
                break
            rows.append(row)
        return rows

    def fetchall(self):
        return list(iter(self.fetchone, None))

    def __next__(self):
        return self._count(super().__next__())


class _PromptlyInterrupted(sqlite3.Connection):
    """A connection whose progress handler (datasette's time limit) runs every
    :data:`PROGRESS_STEPS`, and whose cursors (datasette's queries) are bounded in size."""

    def set_progress_handler(self, handler, n):
        super().set_progress_handler(handler, min(n, PROGRESS_STEPS))

    def cursor(self, factory=_BoundedCursor):
        return super().cursor(factory)


class ArchiveDatabase(Database):
    """The archive as datasette reads it: read-only connections that create no file next to
    it (:func:`archive.db.readonly_uri`), with bounded values and no path shown.

    A connection opened ``immutable`` (no writer at work then) goes stale once a writer puts
    pages in the ``-wal``; the next query on it gets a new ``mode=ro`` connection first.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._immutable_connections = set()

    def connect(self, write=False):
        uri = readonly_uri(self.path)  # never a writing connection: see execute_write_fn
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False, factory=_PromptlyInterrupted)
        if uri.endswith("immutable=1"):
            self._immutable_connections.add(conn)
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
        conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
        conn.set_authorizer(_refuse_path_disclosure)
        self._all_file_connections.append(conn)
        return conn

    async def execute_fn(self, fn):
        def on_fresh_connection(conn):
            if conn in self._immutable_connections and wal_has_pages(self.path):
                self._immutable_connections.discard(conn)
                conn.close()
                conn = self.connect()
                self.ds._prepare_connection(conn, self.name)
                setattr(connections, self.name, conn)
            return fn(conn)

        return await super().execute_fn(on_fresh_connection)

    async def execute_write_fn(self, fn, block=True):
        # datasette's only way to write (writable canned queries, plugins), shut.
        raise PermissionError("medarchive serves the archive read-only")

    async def attached_databases(self):
        return []  # attaching is refused (SQLITE_LIMIT_ATTACHED 0), and the pragma is denied


#: What keeps datasette's pages fast at a million articles: its suggested facets ran a
#: ``group by`` of every column over every row on each table page (1.9 s of the articles
#: table's 2 s at 100,000 articles; bench/datasette_bench.py). The configured facets stay.
PAGE_SETTINGS = {"suggest_facets": False}


def make_datasette(db_path, *, settings: dict | None = None):
    """A ``Datasette`` serving ``db_path`` read-only (:class:`ArchiveDatabase`) with the
    archive's metadata and plugin.

    :raises FileNotFoundError: if ``db_path`` does not exist (datasette would create nothing
        and serve an error page instead).
    """
    from datasette.app import Datasette
    from datasette import handle_exception  # after datasette.app, which registers it as a plugin

    # datasette prints a traceback with every local for each error, a refused query's included, as
    # soon as ``rich`` is importable (some 90 KB a time, the request's headers among the locals):
    # here an error page is the answer, and a server error still prints its plain traceback.
    handle_exception.rich = None

    path = Path(db_path)
    if not path.is_file():
        raise FileNotFoundError(f"no archive at {path}: crawl into it first, or pass the right path")
    register_plugin()
    metadata = load_metadata(path)
    metadata.setdefault("plugins", {})["medarchive"] = {"bounded_search_count": True}
    datasette = Datasette(
        files=[str(path)],
        metadata=metadata,
        template_dir=str(resources.files("archive").joinpath("templates", "datasette")),
        settings={"sql_time_limit_ms": 3000, "facet_time_limit_ms": 500, "num_sql_threads": SQL_THREADS,
                  "allow_download": False, **PAGE_SETTINGS, **(settings or {})},
    )
    name = path.stem
    datasette.remove_database(name)
    datasette.add_database(ArchiveDatabase(datasette, path=str(path.resolve())), name=name)
    return datasette


#: An inline ``<script>`` of datasette's templates.
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)
#: The values the one templated inline script of datasette 0.65 (``table.html``) can take.
_TEMPLATE_VALUES = {"{{ datasette_allow_facet }}": ("true", "false")}


def inline_script_hashes() -> list[str]:
    """CSP sources (``'sha256-…'``) for each inline script datasette's own templates hold,
    read from the installed templates so an upgrade cannot silently break its pages.
    Nothing else inline runs: a script slipped into an article would have no hash."""
    import datasette

    scripts = set()
    for template in sorted((Path(datasette.__file__).parent / "templates").glob("*.html")):
        for script in _INLINE_SCRIPT.findall(template.read_text(encoding="utf-8")):
            for placeholder, values in _TEMPLATE_VALUES.items():
                if placeholder in script:
                    scripts.update(script.replace(placeholder, value) for value in values)
                    break
            else:
                if "{{" not in script and "{%" not in script:
                    scripts.add(script)
    return sorted(f"'sha256-{b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in scripts)


def content_security_policy() -> str:
    """Scripts only from the server itself or datasette's own inline ones; styles may be
    inline (datasette's templates use ``style=``); images only from the server (an article's
    figures are shown as links, so reading contacts no portal); nothing embeds it."""
    return "; ".join([
        "default-src 'self'",
        "script-src 'self' " + " ".join(inline_script_hashes()),
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def allowed_hosts(host: str, extra=()) -> list[str]:
    """The ``Host`` names answered: the bound address, the loopback names and ``extra``."""
    return [webguard.host_name(host), *webguard.LOOPBACK_HOSTS, *extra]


def guarded_app(datasette, host: str, extra_hosts=()):
    """``datasette``'s ASGI app behind :func:`archive.webguard.guard`."""
    return webguard.guard(
        datasette.app(),
        allowed_hosts=allowed_hosts(host, extra_hosts),
        content_security_policy=content_security_policy(),
        max_in_flight=MAX_IN_FLIGHT,
        hidden_paths=HIDDEN_PATHS,
        max_response_bytes=MAX_RESPONSE_BYTES,
        sql_params=SQL_PARAMS,
    )


def limit_sqlite_heap(limit: int = HEAP_LIMIT_BYTES) -> None:
    """Cap SQLite's memory for this whole process: past it a query fails "out of memory"."""
    with sqlite3.connect(":memory:") as conn:
        conn.execute(f"PRAGMA hard_heap_limit = {int(limit)}")
    conn.close()


def serve_argv(db_path, host: str = "127.0.0.1", port: int = 8001, public: bool = False, allow_hosts=()) -> list[str]:
    """The command that serves ``db_path`` in a separate process (what ``serve`` runs)."""
    argv = [sys.executable, "-m", "archive.serve", str(db_path), "--host", host, "--port", str(port)]
    for name in allow_hosts:
        argv += ["--allow-host", name]
    return argv + (["--public"] if public else [])


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to ``host``:``port`` as uvicorn binds it (port 0: one the system picks),
    so the address really served is known before serving, and a port in use is one ``OSError``."""
    address = webguard.host_name(host)  # "::1", not "[::1]" (the URL spelling a user may type)
    sock = socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((address, port))
    except OSError:
        sock.close()
        raise
    return sock


def serve(db_path, host: str = "127.0.0.1", port: int = 8001, public: bool = False, allow_hosts=(), sock: socket.socket | None = None) -> None:
    """Serve ``db_path`` at http://host:port/ until interrupted; only on loopback unless ``public``.

    :param allow_hosts: ``Host`` names answered besides ``host`` and the loopback names.
    :param sock: the socket to serve on (:func:`listening_socket`); bound here when None
    :raises PublicBindRefused: for a non-loopback ``host`` without ``public``
    :raises OSError: when ``host``:``port`` cannot be bound (in use, not an address of this machine)
    """
    import uvicorn

    check_host(host, public)
    sock = sock or listening_socket(host, port)
    limit_sqlite_heap()
    datasette = make_datasette(db_path)
    uvicorn.Server(uvicorn.Config(guarded_app(datasette, host, allow_hosts), log_level="warning")).run(sockets=[sock])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m archive.serve", description=__doc__.splitlines()[0])
    parser.add_argument("db_path", help="the SQLite archive file")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8001, help="port (default 8001)")
    parser.add_argument("--public", action="store_true", help="allow a --host other machines can reach")
    parser.add_argument("--allow-host", action="append", default=[], metavar="NAME", help="also answer requests for this Host name")
    args = parser.parse_args(argv)
    try:
        serve(args.db_path, args.host, args.port, public=args.public, allow_hosts=args.allow_host)
    except PublicBindRefused as error:
        parser.exit(2, f"error: {error}\n")
    except OSError as error:
        parser.exit(1, f"error: {error}\n")


if __name__ == "__main__":
    main()
