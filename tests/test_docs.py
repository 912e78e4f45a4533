"""The README stays the user's manual: every command, option of note and setting is in it."""

import re
from pathlib import Path

import click
import pytest
from scrapy.settings import default_settings

from medarchive.cli import cli
from crawler import settings

README = (Path(__file__).parent.parent / "README.md").read_text("utf-8")


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_is_documented(command):
    assert f"medarchive {command}" in README


@pytest.mark.parametrize(("command", "option"), sorted(
    (name, option) for name, command in cli.commands.items()
    for param in command.params if isinstance(param, click.Option)
    for option in param.opts if option.startswith("--")
))
def test_every_option_is_documented(command, option):
    assert re.search(rf"{re.escape(option)}\b(?!-)", README), f"medarchive {command} {option} is not in the README"


#: Settings medarchive adds to Scrapy's: every one must be in the README.
OWN_SETTINGS = sorted(name for name in dir(settings) if name.isupper() and not hasattr(default_settings, name))


@pytest.mark.parametrize("name", OWN_SETTINGS)
def test_every_setting_of_ours_is_documented(name):
    assert f"`{name}`" in README


@pytest.mark.parametrize("name", ["ARCHIVE_BATCH_SIZE", "ROBOTSTXT_OBEY", "USER_AGENT", "CONCURRENT_REQUESTS_PER_DOMAIN", "DOWNLOAD_DELAY", "RETRY_TIMES", "DOWNLOAD_MAXSIZE", "PORTAL_MAX_PAGES", "PORTAL_MAX_UNLISTED_CHAIN", "PORTAL_MAX_EXTRACT_SECONDS"])
def test_every_politeness_setting_is_documented_with_its_default(name):
    default = getattr(settings, name)
    row = next(line for line in README.splitlines() if line.startswith(f"| `{name}`"))
    shown = {True: "`True`", 10 * 1024 * 1024: "10 MB"}.get(default, str(default))
    assert shown in row


def archive_tables(tmp_path):
    from archive.schema import open_archive

    db = open_archive(tmp_path / "archive.db")
    try:
        # FTS5's own shadow tables are not the user's business.
        shadow = {f"articles_search_{suffix}" for suffix in ("data", "idx", "docsize", "config")}
        return [t for t in db.table_names() if not t.startswith("_") and t not in shadow]
    finally:
        db.close()


def test_every_table_is_documented(tmp_path):
    missing = [table for table in archive_tables(tmp_path) if f"`{table}`" not in README.split("## What is stored")[1].split("### Example")[0]]
    assert missing == []
