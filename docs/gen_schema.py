"""The schema reference page, generated from ``archive.schema``: every table's columns and indexes.

An MkDocs hook (``mkdocs.yml``: ``hooks``) puts it in ``schema.md`` where the page says
``<!-- schema -->``, so the page is made afresh from the migrations on every build and cannot
drift from them. ``.venv/bin/python docs/gen_schema.py`` prints it.
"""

import tempfile
from pathlib import Path

from archive import open_archive
from archive.schema import MIGRATIONS

MARKER = "<!-- schema -->"
#: FTS5's own shadow tables are not the user's business.
FTS_SHADOW = {f"articles_search_{suffix}" for suffix in ("data", "idx", "docsize", "config")}


def user_tables(db) -> list[str]:
    """The archive's tables a user reads, in the order the migrations made them."""
    return [t for t in db.table_names() if not t.startswith("_") and t not in FTS_SHADOW]


def table_markdown(db, name: str) -> list[str]:
    """One table's section: its columns (type, NOT NULL, primary key) and its indexes."""
    table = db[name]
    lines = [f"## `{name}`", ""]
    if table.virtual_table_using:
        lines += [f"A virtual table ({table.virtual_table_using}).", ""]
    lines += ["| Column | Type | Not null | Primary key |", "|---|---|---|---|"]
    # table_xinfo, unlike the columns sqlite-utils lists, includes generated columns (hidden 2, 3).
    for _, column, kind, notnull, _, pk, hidden in db.execute(f"PRAGMA table_xinfo([{name}])").fetchall():
        if hidden == 1:
            continue
        generated = " (generated)" if hidden in (2, 3) else ""
        lines.append(f"| `{column}` | {kind}{generated} | {'yes' if notnull else ''} | {'yes' if pk else ''} |")
    indexes = [index for index in table.indexes if not index.name.startswith("sqlite_autoindex")]
    if indexes:
        lines += ["", "Indexes: " + ", ".join(
            f"`{index.name}` ({', '.join(str(c) for c in index.columns)}{', unique' if index.unique else ''})"
            for index in indexes
        ) + "."]
    return lines + [""]


def schema_markdown() -> str:
    """The reference of a freshly made archive: every user table and view, and the migrations."""
    with tempfile.TemporaryDirectory() as tmp:
        db = open_archive(Path(tmp) / "archive.db")
        try:
            lines = []
            for name in user_tables(db):
                lines += table_markdown(db, name)
            for view in db.view_names():
                lines += [f"## View `{view}`", "", "```sql", db[view].schema.strip(), "```", ""]
            lines += ["## Migrations", "", "Applied in order when an archive is opened for writing "
                      "(recorded in `_sqlite_migrations`):", ""]
            lines += [f"- `{migration.name}`" for migration in MIGRATIONS._migrations]
            return "\n".join(lines) + "\n"
        finally:
            db.close()


def on_page_markdown(markdown: str, page, config, files) -> str:
    """MkDocs hook: fill the schema page's marker with the generated reference."""
    if MARKER in markdown:
        return markdown.replace(MARKER, schema_markdown())
    return markdown


if __name__ == "__main__":
    print(schema_markdown())
