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


def test_extraction_imports_nothing_from_the_archive():
    # Extraction reads HTML and nothing else; the page step (crawler/page.py) sanitises what it found.
    reaching = {module: "archive" for module, tops in imported_packages("crawler/extraction").items() if "archive" in tops}
    assert reaching == {}


def test_the_command_module_holds_no_sql():
    # SQL a user is told to type (a hint after `medarchive demo`) is shown text, not a query the command runs.
    code = [line for line in (ROOT / "medarchive" / "cli.py").read_text("utf-8").splitlines() if "sqlite3 {db_path}" not in line]
    assert [line for line in code if re.search(r"\b(select|insert|update|delete)\b .*\b(from|into|set)\b", line, re.I)] == []
