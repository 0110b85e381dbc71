"""The layering rule of ARCHITECTURE.md, read from the source: the modules that compute never
import the ones that draw or the command line (not even inside a function)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

MONITOR = Path(__file__).resolve().parent.parent / "monitor"
COMPUTING = ("analysis", "claims", "context", "trends", "report")
FORBIDDEN = ("monitor.charts", "monitor.trends_charts", "monitor.cli", "monitor.scheduler")


def imported_modules(module: str) -> set[str]:
    """Every module `monitor/<module>.py` imports anywhere in its body, relative ones resolved."""
    tree = ast.parse((MONITOR / f"{module}.py").read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = "monitor" if node.level else ""
            name = ".".join(part for part in (base, node.module or "") if part)
            found.add(name)
            # `from . import charts` names the module in the alias
            found.update(f"{name}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("module", ("analysis", "claims", "context", "trends"))
def test_pure_modules_do_not_read_the_store(module: str) -> None:
    assert "monitor.store" not in imported_modules(module)


@pytest.mark.parametrize("module", COMPUTING)
def test_computing_modules_do_not_import_drawing_or_the_cli(module: str) -> None:
    imported = imported_modules(module)
    assert not {m for m in imported if m.startswith("matplotlib")}
    assert not imported & set(FORBIDDEN)


def test_the_check_sees_imports_inside_functions() -> None:
    # `jobs` imports the report writer only inside a function (fast start-up for `status`)
    assert "monitor.report_files" in imported_modules("jobs")
    assert "monitor.charts" in imported_modules("report_files")
