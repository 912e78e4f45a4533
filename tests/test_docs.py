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


def readme_sql(section: str) -> list[str]:
    """The statements of the first ```sql block after the heading ``section``."""
    block = README.split(section, 1)[1].split("```sql\n", 1)[1].split("```", 1)[0]
    return [statement.strip() for statement in block.split(";") if statement.strip()]


def test_the_example_queries_return_each_row_once(tmp_path):
    from archive import writer
    from archive.schema import open_archive

    # An article citing two SAGE papers: a join on article_dois would list it twice.
    sage = ["10.1177/0963689724131234", "10.1177/1559325820985432"]
    db = open_archive(tmp_path / "archive.db")
    writer.write_batch(db, [{
        "url": "https://site.example/a/1.html", "site": "https://site.example", "title": "两篇SAGE文献", "body": "正文",
        "published": "2026-03-01", "published_raw": "2026-03-01", "references": [], "dois": sage, "neighbours": [], "aliases": [],
    }])
    statements = readme_sql("### Example queries")
    journal = next(s for s in statements if "10.1177" in s)
    assert [tuple(row) for row in db.execute(journal).fetchall()] == [("2026-03-01", "两篇SAGE文献")]
    for statement in statements:
        rows = [tuple(row) for row in db.execute(statement).fetchall()]
        assert len(rows) == len(set(rows)), statement
    db.close()


def shell_query(word: str) -> str:
    """A word written as the README's shell recipe says: 1 character a prefix, 2 as is, more as pairs."""
    if len(word) == 1:
        return f"{word}*"
    if len(word) == 2:
        return word
    return '"' + " ".join(word[i : i + 2] for i in range(len(word) - 1)) + '"'


def test_the_shell_search_recipe_finds_chinese_words_of_every_length(wordpress_crawl):
    import sqlite3

    statement = readme_sql("In the plain `sqlite3` shell the same search")[0]
    assert "哮喘 \"外泌 泌体\"" in statement  # the recipe as printed, with the rule applied
    titles = [title for (title,) in wordpress_crawl.rows("select title from articles order by id limit 5")]
    words = {n: next(t[i : i + n] for t in titles for i in range(len(t)) if all("\u4e00" <= c <= "\u9fff" for c in t[i : i + n]) and len(t[i : i + n]) == n) for n in (1, 2, 3, 4)}
    # The plain sqlite3 module: none of the plugin's functions.
    with sqlite3.connect(wordpress_crawl.db_path) as conn:
        for n, word in words.items():
            found = {row[0] for row in conn.execute(
                "select a.id from articles_search s join articles a on a.id = s.rowid where articles_search match ?",
                [f"{{title body}}: {shell_query(word)}"],
            )}
            expected = {row[0] for row in conn.execute("select id from articles where instr(title || ' ' || body, ?)", [word])}
            assert found == expected and expected, (n, word)
