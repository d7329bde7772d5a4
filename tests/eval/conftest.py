"""Fixtures for the eval tests: a 5-question slice of the sample gold set, one per type."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOLD = ROOT / "eval" / "gold" / "sample.jsonl"


@pytest.fixture(scope="session")
def gold5(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first record of each type (factoid, two_sentence, multi_doc, unanswerable,
    multi_turn) of eval/gold/sample.jsonl, as a JSONL file."""
    picked: dict[str, str] = {}
    for line in GOLD.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        picked.setdefault(rec["type"], line)
    assert len(picked) == 5, picked.keys()
    path = tmp_path_factory.mktemp("gold") / "gold5.jsonl"
    path.write_text("\n".join(picked.values()) + "\n", encoding="utf-8")
    return path
