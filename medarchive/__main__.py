"""``python -m medarchive``: the ``medarchive`` command."""

from .cli import cli

cli(prog_name="medarchive")
