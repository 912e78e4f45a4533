"""Browse the archive with datasette 0.65: our metadata and plugin, read-only, on loopback by default.

``make_datasette`` builds the instance (tests call it in-process), ``serve_argv``
the command that runs it in another process, ``serve`` runs it here with uvicorn.

    python -m archive.serve archive.db --port 8001
"""

import argparse
import json
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
    return Datasette(
        files=[str(path)],
        metadata=load_metadata(path),
        settings={"sql_time_limit_ms": 3000, "facet_time_limit_ms": 500, **(settings or {})},
    )


def serve_argv(db_path, host: str = "127.0.0.1", port: int = 8001) -> list[str]:
    """The command that serves ``db_path`` in a separate process (what ``serve`` runs)."""
    return [sys.executable, "-m", "archive.serve", str(db_path), "--host", host, "--port", str(port)]


def serve(db_path, host: str = "127.0.0.1", port: int = 8001) -> None:
    """Serve ``db_path`` at http://host:port/ until interrupted."""
    import uvicorn

    datasette = make_datasette(db_path)
    uvicorn.run(datasette.app(), host=host, port=port, log_level="warning")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m archive.serve", description=__doc__.splitlines()[0])
    parser.add_argument("db_path", help="the SQLite archive file")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8001, help="port (default 8001)")
    args = parser.parse_args(argv)
    try:
        serve(args.db_path, args.host, args.port)
    except FileNotFoundError as error:
        parser.exit(1, f"error: {error}\n")


if __name__ == "__main__":
    main()
