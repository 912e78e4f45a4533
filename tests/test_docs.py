"""The README stays the user's manual: every command, option of note and setting is in it."""

from pathlib import Path

import pytest

from archive.cli import cli
from crawler import settings

README = (Path(__file__).parent.parent / "README.md").read_text("utf-8")


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_is_documented(command):
    assert f"medarchive {command}" in README


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
