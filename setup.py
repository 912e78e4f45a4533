"""``scrapyd-deploy`` builds the project's egg with ``setup.py bdist_egg``; everything is declared
in pyproject.toml (without this file scrapyd-deploy would write one of its own)."""

from setuptools import setup

setup()
