"""The arrows run one way: the archive is a library, the crawler and enrichment fill it, the command sits on top."""

import ast
import graphlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


def imported_packages(package: str) -> dict[str, set[str]]:
    """For each module of ``package``, the top-level packages it imports (relative imports stay inside)."""
    found = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        tops = set()
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                tops.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                tops.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = tops
    return found


#: What each package must not import. The arrows run one way: the command (medarchive/) on top;
#: below it the crawler, which fills the archive with articles, and enrichment, which fills it with
#: the works they cite, side by side and blind to each other; the archive at the bottom. The replica
#: portals (the demo's and the tests') stand alone: nothing below the command imports them.
FORBIDDEN = {
    "archive": {"crawler", "enrichment", "medarchive", "replica"},
    "crawler": {"enrichment", "medarchive", "replica"},
    "enrichment": {"crawler", "medarchive", "replica"},
    "replica": {"archive", "crawler", "enrichment", "medarchive"},
}


@pytest.mark.parametrize(("package", "forbidden"), sorted(FORBIDDEN.items()))
def test_no_package_imports_against_the_arrows(package, forbidden):
    against = {module: sorted(tops & forbidden) for module, tops in imported_packages(package).items() if tops & forbidden}
    assert against == {}


def test_the_command_package_runs_no_query():
    calls = [f"{path.relative_to(ROOT)}:{node.lineno}" for path in sorted((ROOT / "medarchive").rglob("*.py"))
             for node in ast.walk(ast.parse(path.read_text("utf-8")))
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
             and node.func.attr in ("execute", "executemany", "executescript")]
    assert calls == []


def test_extraction_imports_nothing_from_the_archive():
    # Extraction reads HTML and nothing else; the page step (crawler/page.py) sanitises what it found.
    reaching = {module: "archive" for module, tops in imported_packages("crawler/extraction").items() if "archive" in tops}
    assert reaching == {}


def test_the_command_package_holds_no_sql():
    # SQL a user is told to type (a hint after `medarchive demo`) is shown text, not a query the command runs.
    code = [line for path in sorted((ROOT / "medarchive").rglob("*.py"))
            for line in path.read_text("utf-8").splitlines() if "sqlite3 {db_path}" not in line]
    assert [line for line in code if re.search(r"\b(select|insert|update|delete)\b .*\b(from|into|set)\b", line, re.I)] == []


def test_one_module_writes_the_fts_match():
    # The operator in capitals, or in any case applied to a parameter or datasette's escape_fts.
    writing = set()
    for package in ("archive", "crawler", "medarchive"):
        for path in (ROOT / package).rglob("*"):
            if path.suffix in (".py", ".json", ".html", ".sql") and path.is_file():
                text = path.read_text("utf-8")
                if re.search(r"\bMATCH\b", text) or re.search(r"\bmatch\s+(?:\?|:\w|escape_fts\b)", text, re.I):
                    writing.add(str(path.relative_to(ROOT)))
    assert writing == {"archive/search.py"}


def imported_names(node) -> list[str]:
    """The dotted names an import statement of ``archive/`` imports (``.db`` is ``archive.db``)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = "archive" + (f".{node.module}" if node.module else "") if node.level == 1 else node.module
    return [f"{base}.{alias.name}" for alias in node.names] if base == "archive" else [base]


def archive_imports() -> dict[str, set[str]]:
    """For each module of ``archive/``, the modules of ``archive/`` it imports, inside functions
    too; the package itself (``__init__``, the front door) imports those of ``archive.FRONT_DOOR``."""
    import archive

    modules = {path.stem for path in (ROOT / "archive").glob("*.py")}
    found = {}
    for path in sorted((ROOT / "archive").glob("*.py")):
        names = [name.split(".") for node in ast.walk(ast.parse(path.read_text("utf-8"))) for name in imported_names(node)]
        found[path.stem] = {parts[1] if parts[1:] and parts[1] in modules else "__init__" for parts in names if parts[0] == "archive"}
    found["__init__"] |= set(archive.FRONT_DOOR)
    return found


def test_the_archive_package_has_no_import_circle():
    try:
        graphlib.TopologicalSorter(archive_imports()).prepare()
    except graphlib.CycleError as error:
        pytest.fail(f"archive/ imports in a circle: {' -> '.join(reversed(error.args[1]))}")


def test_the_spider_is_handed_its_crawl_state_and_imports_nothing_from_the_archive():
    assert "archive" not in imported_packages("crawler")["crawler/spiders/portal.py"]
