"""Browse the archive with datasette 0.65: our metadata and plugin, read-only, on loopback unless asked.

``make_datasette`` builds the instance (tests call it in-process), ``serve_argv``
the command that runs it in another process, ``serve`` runs it here with uvicorn.

    python -m archive.serve archive.db --port 8001
"""

import argparse
import ipaddress
import json
import socket
import sys
from importlib import resources
from pathlib import Path

from . import datasette_plugin

#: The database key ``metadata.json`` is written for; replaced by the file's own name.
METADATA_DATABASE = "archive"


def load_metadata(db_path) -> dict:
    """``archive/metadata.json`` with its database section under the name datasette gives
    ``db_path`` (the file name without ``.db``), so any file name gets the same configuration."""
    metadata = json.loads(resources.files("archive").joinpath("metadata.json").read_text(encoding="utf-8"))
    databases = metadata.get("databases", {})
    if METADATA_DATABASE in databases:
        databases[Path(db_path).stem] = databases.pop(METADATA_DATABASE)
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


def make_datasette(db_path, *, settings: dict | None = None):
    """A ``Datasette`` serving ``db_path`` with the archive's metadata and plugin.

    :raises FileNotFoundError: if ``db_path`` does not exist (datasette would create nothing
        and serve an error page instead).
    """
    from datasette.app import Datasette

    path = Path(db_path)
    if not path.is_file():
        raise FileNotFoundError(f"no archive at {path}: crawl into it first, or pass the right path")
    register_plugin()
    datasette = Datasette(
        files=[str(path)],
        metadata=load_metadata(path),
        settings={"sql_time_limit_ms": 3000, "facet_time_limit_ms": 500, **(settings or {})},
    )
    # Read-only: datasette reads a mutable file through ``mode=ro`` connections; its only way
    # to write is its write thread (writable canned queries, plugins), shut here. Not
    # ``immutables=``: a crawl may be writing the WAL file while it is browsed.
    for database in datasette.databases.values():
        if not database.is_memory:
            database.execute_write_fn = _refuse_write
    return datasette


async def _refuse_write(*args, **kwargs):
    raise PermissionError("medarchive serves the archive read-only")


def serve_argv(db_path, host: str = "127.0.0.1", port: int = 8001, public: bool = False) -> list[str]:
    """The command that serves ``db_path`` in a separate process (what ``serve`` runs)."""
    argv = [sys.executable, "-m", "archive.serve", str(db_path), "--host", host, "--port", str(port)]
    return argv + (["--public"] if public else [])


def serve(db_path, host: str = "127.0.0.1", port: int = 8001, public: bool = False) -> None:
    """Serve ``db_path`` at http://host:port/ until interrupted; only on loopback unless ``public``.

    :raises PublicBindRefused: for a non-loopback ``host`` without ``public``
    """
    import uvicorn

    check_host(host, public)
    datasette = make_datasette(db_path)
    uvicorn.run(datasette.app(), host=host, port=port, log_level="warning")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m archive.serve", description=__doc__.splitlines()[0])
    parser.add_argument("db_path", help="the SQLite archive file")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8001, help="port (default 8001)")
    parser.add_argument("--public", action="store_true", help="allow a --host other machines can reach")
    args = parser.parse_args(argv)
    try:
        serve(args.db_path, args.host, args.port, public=args.public)
    except PublicBindRefused as error:
        parser.exit(2, f"error: {error}\n")
    except FileNotFoundError as error:
        parser.exit(1, f"error: {error}\n")


if __name__ == "__main__":
    main()
