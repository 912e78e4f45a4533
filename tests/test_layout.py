"""The arrows run one way: the archive is a library, the crawler fills it, the command sits on top."""

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


@pytest.mark.parametrize(("package", "above"), [("archive", {"crawler", "medarchive"}), ("crawler", {"medarchive"})])
def test_no_package_imports_one_above_it(package, above):
    climbing = {module: sorted(tops & above) for module, tops in imported_packages(package).items() if tops & above}
    assert climbing == {}


def test_the_command_module_holds_no_sql():
    # SQL a user is told to type (a hint after `medarchive demo`) is shown text, not a query the command runs.
    code = [line for line in (ROOT / "medarchive" / "cli.py").read_text("utf-8").splitlines() if "sqlite3 {db_path}" not in line]
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
