"""Package rules: façades, one-way imports, a light `import listener`."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LEAVES = ("connectors", "nlp", "alerts")


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", LEAVES)
def test_leaf_packages_never_import_the_app_or_each_other(package: str) -> None:
    forbidden = {"listener", *LEAVES} - {package}
    for path in (ROOT / package).rglob("*.py"):
        assert not imported_roots(path) & forbidden, path


@pytest.mark.parametrize("package", [*LEAVES, "listener.storage"])
def test_facade_exports_resolve(package: str) -> None:
    module = importlib.import_module(package)
    assert module.__all__
    for name in module.__all__:
        assert getattr(module, name) is not None


def test_importing_the_cli_loads_no_spacy_nor_database_driver() -> None:
    heavy = ("spacy", "psycopg", "praw", "tweepy")
    code = f"import sys, listener.cli; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
