"""Data flows one way (docs/design.md): checked on the source, not taken on trust.

index/ never imports qa/, ui/ or eval/; qa/ never imports ui/ or eval/; ui/ never reaches into
the store or the retriever (it calls the Assistant and its Library service).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

FORBIDDEN = {"index": {"qa", "ui", "eval"}, "qa": {"ui", "eval"}}


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_import_runs_back_up(package: str) -> None:
    bad = {
        str(p.relative_to(ROOT)): sorted(_imports(p) & FORBIDDEN[package])
        for p in _modules(package)
        if _imports(p) & FORBIDDEN[package]
    }
    assert not bad, bad


def test_ui_never_reaches_into_the_store_or_the_retriever() -> None:
    bad = []
    for path in _modules("ui"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in ("store", "retriever"):
                owner = node.value
                name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
                if name == "assistant":  # assistant.store / self.assistant.retriever
                    bad.append(f"{path.relative_to(ROOT)}:{node.lineno} .{node.attr}")
    assert not bad, bad
