"""The arrows run one way: the archive is a library, the crawler and enrichment fill it, the command sits on top."""

import ast
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


def test_the_command_package_holds_no_sql():
    # SQL a user is told to type (a hint after `medarchive demo`) is shown text, not a query the command runs.
    code = [line for path in sorted((ROOT / "medarchive").rglob("*.py"))
            for line in path.read_text("utf-8").splitlines() if "sqlite3 {db_path}" not in line]
    assert [line for line in code if re.search(r"\b(select|insert|update|delete)\b .*\b(from|into|set)\b", line, re.I)] == []
