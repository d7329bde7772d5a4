"""Fixtures for the eval tests: a 5-question slice of the dev gold set, one per main type."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOLD = ROOT / "eval" / "gold" / "dev.jsonl"
TYPES5 = ("wh", "neighbouring_sentence", "two_article", "unanswerable", "multi_turn")


@pytest.fixture(scope="session")
def gold5(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first dev record of each of TYPES5 (the multi-turn one a second turn, so it is
    asked with its history), as a JSONL file. Dev only: tests never read the test split."""
    picked: dict[str, str] = {}
    for line in GOLD.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        if rec["type"] in TYPES5 and (rec["type"] != "multi_turn" or rec.get("turn") == 2):
            picked.setdefault(rec["type"], line)
    assert tuple(sorted(picked)) == tuple(sorted(TYPES5)), picked.keys()
    path = tmp_path_factory.mktemp("gold") / "gold5.jsonl"
    path.write_text("\n".join(picked.values()) + "\n", encoding="utf-8")
    return path
