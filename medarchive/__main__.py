"""``python -m medarchive``: the ``medarchive`` command."""

from .cli import cli

# Guarded: the worker processes of ``--jobs`` import the main module again.
if __name__ == "__main__":
    cli(prog_name="medarchive")
