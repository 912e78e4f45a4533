"""The README is short and runs as shown; the documentation site under docs/ holds the rest:
every command, option and setting, every table, and it builds without a warning."""

import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from scrapy.settings import default_settings

from medarchive.cli import cli
from crawler import settings

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text("utf-8")
DOCS = ROOT / "docs"
#: The pages written by hand; the command and schema references are generated at build time, the
#: home page is the README.
PROSE = "\n".join([README] + [page.read_text("utf-8") for page in sorted(DOCS.glob("*.md")) if page.name not in ("cli.md", "schema.md", "index.md")])
MKDOCS = Path(sys.executable).parent / "mkdocs"
#: A line that makes the bare commands of the lines after it work.
ACTIVATE = re.compile(r"^\$ (source|\.) \.venv/bin/activate")


def page(name: str) -> str:
    return (DOCS / name).read_text("utf-8")


OPTIONS = sorted(
    (name, option) for name, command in cli.commands.items()
    for param in command.params if isinstance(param, click.Option)
    for option in param.opts if option.startswith("--")
)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The documentation site, built as CI builds it: warnings are errors."""
    if not MKDOCS.exists():
        pytest.fail("mkdocs is not installed: .venv/bin/pip install -e '.[docs]'")
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}  # a notice about a future MkDocs, not about these pages
    build = subprocess.run([str(MKDOCS), "build", "--strict", "--site-dir", str(out)], cwd=ROOT, env=env, capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    return out


def test_the_site_builds_with_warnings_as_errors(site):
    assert (site / "index.html").exists()


def test_the_site_shows_the_screenshots(site):
    shown = {Path(src).name for src in re.findall(r'<img[^>]+src="([^"]+)"', (site / "datasette" / "index.html").read_text("utf-8"))}
    assert shown >= {path.name for path in (DOCS / "img").glob("*.png")}


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_is_documented(command):
    assert f"medarchive {command}" in PROSE


@pytest.mark.parametrize(("command", "option"), OPTIONS)
def test_every_option_is_documented(command, option):
    assert re.search(rf"{re.escape(option)}\b(?!-)", PROSE), f"medarchive {command} {option} is not in docs/"


def test_the_command_reference_lists_every_command_and_option(site):
    reference = (site / "cli" / "index.html").read_text("utf-8")
    missing = [name for name in cli.commands if f'id="{name}"' not in reference]
    missing += [f"{command} {option}" for command, option in OPTIONS if option not in reference]
    assert missing == []


#: Settings medarchive adds to Scrapy's: every one must be in the configuration page.
OWN_SETTINGS = sorted(name for name in dir(settings) if name.isupper() and not hasattr(default_settings, name))


def shown(default) -> str:
    """A setting's default as the configuration page writes it."""
    return {True: "`True`", False: "`False`", None: "none", 10 * 1024 * 1024: "10 MB"}.get(default, str(default))


@pytest.mark.parametrize("name", OWN_SETTINGS + ["ROBOTSTXT_OBEY", "USER_AGENT", "CONCURRENT_REQUESTS_PER_DOMAIN", "DOWNLOAD_DELAY", "RETRY_TIMES", "DOWNLOAD_MAXSIZE"])
def test_every_setting_of_ours_is_in_the_configuration_page_with_its_default(name):
    row = next((line for line in page("configuration.md").splitlines() if line.startswith(f"| `{name}`")), "")
    assert shown(getattr(settings, name)) in row, f"{name} has no row with its default in docs/configuration.md"


def archive_tables(tmp_path):
    from archive import open_archive

    db = open_archive(tmp_path / "archive.db")
    try:
        # FTS5's own shadow tables are not the user's business.
        shadow = {f"articles_search_{suffix}" for suffix in ("data", "idx", "docsize", "config")}
        return [t for t in db.table_names() if not t.startswith("_") and t not in shadow]
    finally:
        db.close()


def test_every_table_is_described_in_what_is_stored(tmp_path):
    described = page("stored.md").split("### Example")[0].split("## Example")[0]
    assert [table for table in archive_tables(tmp_path) if f"`{table}`" not in described] == []


def test_the_schema_reference_shows_every_table(tmp_path, site):
    reference = (site / "schema" / "index.html").read_text("utf-8")
    assert [table for table in archive_tables(tmp_path) if f"<code>{table}</code>" not in reference] == []


def test_the_readme_is_read_in_five_minutes():
    assert len(README.splitlines()) <= 200


def readme_commands() -> list[tuple[str, bool]]:
    """Each command of the README's console blocks, and whether an activation line precedes it."""
    commands, activated, block = [], False, None
    for line in README.splitlines():
        if line.startswith("```"):
            block = line[3:] if block is None else None
        elif block == "console" and line.startswith("$ "):
            activated = activated or bool(ACTIVATE.match(line))
            commands.append((line[2:], activated))
    return commands


def test_the_readme_starts_with_install_and_demo():
    first, _ = readme_commands()[0]
    assert first.startswith("python3 -m venv .venv") and "pip install" in first and first.endswith(".venv/bin/medarchive demo")


def test_the_readme_runs_the_tests_as_ci_does():
    assert ".venv/bin/python -m pytest" in [command for command, _ in readme_commands()]
    assert ".venv/bin/python -m pytest" in (ROOT / ".ci" / "run").read_text("utf-8")


#: Programs the venv installs: bare, they fail (or run another install's) until it is activated.
VENV_PROGRAMS = {"medarchive", "scrapy", "python", "pip", "mkdocs", "datasette", "pytest"}


def bare_programs(command: str) -> list[str]:
    """The venv's programs a shell command runs without naming `.venv/bin/` (`python3 -m venv` makes it)."""
    bare = []
    for part in re.split(r"&&|\|\|?|;", command):
        words = [word for word in part.split() if not re.match(r"^[A-Z_]+=", word)]
        if words and words[0] in VENV_PROGRAMS | {"python3"} and not (words[0] == "python3" and words[1:3] == ["-m", "venv"]):
            bare.append(words[0])
    return bare


def test_every_readme_command_runs_from_the_venv():
    """Bare `medarchive` fails until the venv is activated: each names `.venv/bin/` or follows an activation."""
    assert [command for command, activated in readme_commands() if not activated and bare_programs(command)] == []


def test_a_bare_command_is_caught():
    assert bare_programs("MEDARCHIVE_DB=a.db scrapy crawl portal") == ["scrapy"]
    assert bare_programs("medarchive export | head -n 1") == ["medarchive"]
    assert bare_programs("python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/medarchive demo") == []


def docs_sql(name: str, section: str) -> list[str]:
    """The statements of the first ```sql block after ``section`` in docs/``name``."""
    block = page(name).split(section, 1)[1].split("```sql\n", 1)[1].split("```", 1)[0]
    return [statement.strip() for statement in block.split(";") if statement.strip()]


def test_the_example_queries_return_each_row_once(tmp_path):
    from archive import open_archive, writer

    # An article citing two SAGE papers: a join on article_dois would list it twice.
    sage = ["10.1177/0963689724131234", "10.1177/1559325820985432"]
    db = open_archive(tmp_path / "archive.db")
    writer.write_batch(db, [{
        "url": "https://site.example/a/1.html", "site": "https://site.example", "title": "两篇SAGE文献", "body": "正文",
        "published": "2026-03-01", "published_raw": "2026-03-01", "references": [], "dois": sage, "neighbours": [], "aliases": [],
    }])
    statements = docs_sql("stored.md", "## Example queries")
    journal = next(s for s in statements if "10.1177" in s)
    assert [tuple(row) for row in db.execute(journal).fetchall()] == [("2026-03-01", "两篇SAGE文献")]
    for statement in statements:
        rows = [tuple(row) for row in db.execute(statement).fetchall()]
        assert len(rows) == len(set(rows)), statement
    db.close()


def shell_query(word: str) -> str:
    """A word written as the search page's shell recipe says: 1 character a prefix, 2 as is, more as pairs."""
    if len(word) == 1:
        return f"{word}*"
    if len(word) == 2:
        return word
    return '"' + " ".join(word[i : i + 2] for i in range(len(word) - 1)) + '"'


def test_the_shell_search_recipe_finds_chinese_words_of_every_length(wordpress_crawl):
    import sqlite3

    statement = docs_sql("search.md", "In the plain `sqlite3` shell the same search")[0]
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
