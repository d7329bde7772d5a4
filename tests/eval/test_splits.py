"""Splits are fixed: the same ids always land in the same split, whatever reads them."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from eval.evidence import load_jsonl
from eval.splits import in_split, split_gold, split_of

GOLD = Path(__file__).resolve().parents[2] / "eval" / "gold"


def test_multihop_split_is_a_fixed_hash_of_the_id():
    ids = [f"mhr-q{i:04d}" for i in range(2556)]
    first = [split_of(i) for i in ids]
    assert first == [split_of(i) for i in reversed(ids)][::-1]  # order does not matter
    assert first[:4] == ["test", "dev", "test", "dev"]
    assert Counter(first) == {"test": 1785, "dev": 771}  # 30.2 % dev


def test_in_split_partitions_and_keeps_file_order():
    recs = [{"id": f"mhr-q{i:04d}"} for i in range(50)]
    dev, test = in_split(recs, "dev"), in_split(recs, "test")
    assert len(dev) + len(test) == 50 and not {r["id"] for r in dev} & {r["id"] for r in test}
    assert dev == sorted(dev, key=lambda r: r["id"]) and in_split(recs, "all") == recs
    with pytest.raises(ValueError):
        in_split(recs, "train")


def test_committed_gold_files_are_what_split_gold_makes():
    dev, test = load_jsonl(GOLD / "dev.jsonl"), load_jsonl(GOLD / "test.jsonl")
    assigned = split_gold(dev + test)
    assert {r["id"] for r in dev} == {i for i, s in assigned.items() if s == "dev"}
    assert {r["id"] for r in test} == {i for i, s in assigned.items() if s == "test"}
    # Shuffling the input changes nothing; old (tuned-on), pinned and dev-only records are all
    # in dev.
    assert split_gold(list(reversed(test)) + dev) == assigned
    assert all(not (r.get("legacy") or r.get("pin") or r.get("dev_only")) for r in test)
    new = [r for r in dev + test if not (r.get("legacy") or r.get("dev_only"))]
    share = sum(1 for r in new if assigned[r["id"]] == "dev") / len(new)
    assert 0.35 <= share <= 0.50


def test_split_gold_stratifies_by_type_and_keeps_conversations_whole():
    recs = [{"id": f"a{i}", "type": "a"} for i in range(10)]
    recs += [{"id": f"c{i}-{t}", "type": "multi_turn", "conversation": f"c{i}", "turn": t}
             for i in range(5) for t in (1, 2)]  # fmt: skip
    got = split_gold(recs)
    assert Counter(got[f"a{i}"] for i in range(10)) == {"dev": 4, "test": 6}
    assert all(got[f"c{i}-1"] == got[f"c{i}-2"] for i in range(5))
    assert Counter(got[f"c{i}-1"] for i in range(5)) == {"dev": 2, "test": 3}
