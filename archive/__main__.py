"""``python -m archive``: the ``medarchive`` command."""

from .cli import cli

cli(prog_name="medarchive")
