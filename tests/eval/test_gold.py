"""The gold set itself: every evidence span slices the text the store keeps, answers are sane.

These read both splits' records only to check their spans and shapes, never to tune anything.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from eval.evidence import check_record, cleaned, fill, load_jsonl, locate
from index.store import Store

GOLD = Path(__file__).resolve().parents[2] / "eval" / "gold"
RECORDS = [r for name in ("dev.jsonl", "test.jsonl") for r in load_jsonl(GOLD / name)]


def test_every_record_has_valid_spans_and_answers():
    problems = [p for r in RECORDS for p in check_record(r)]
    assert problems == []
    assert len({r["id"] for r in RECORDS}) == len(RECORDS)


def test_checker_catches_a_shifted_span_a_wrong_doc_id_and_a_stopword_answer():
    rec = next(r for r in RECORDS if r["type"] == "wh")
    span = dict(rec["evidence"][0])
    shifted = {**rec, "evidence": [{**span, "start": span["start"] + 1}]}
    assert any("!= its text" in p for p in check_record(shifted))
    wrong_doc = {**rec, "evidence": [{**span, "doc_id": "0" * 16}]}
    assert any("doc_id" in p for p in check_record(wrong_doc))
    is_bug = {**rec, "answers": ["Islamic State", "IS"]}  # the old s037: "IS" → "is"
    assert any("'IS' is a stopword" in p for p in check_record(is_bug))
    assert check_record({**rec, "answers": ["Yes"]}) == []  # a verdict is scored apart


def test_spans_match_the_text_the_store_keeps(sample_store):
    store = Store(sample_store)
    by_file = {Path(d["file"]).name: d["doc_id"] for d in store.get_docs()}
    for rec in RECORDS:
        for span in rec["evidence"] + rec.get("near", []):
            doc_id = by_file[span["file"]]
            got = store.get_doc_text(doc_id)
            assert got is not None and span["doc_id"] == doc_id
            assert got[0][span["start"] : span["end"]] == span["text"], rec["id"]


def test_locate_tolerates_typed_quotes_but_not_ambiguity():
    doc_id, text = cleaned("003_b5e0c7ee18c80093.txt")
    start, end = locate(text, 'put the blame on the opposition "terrorists"')
    assert text[start:end].endswith("“terrorists”") or text[start:end].endswith('"terrorists"')
    with pytest.raises(ValueError):
        locate(text, "Kerry")  # many times
    with pytest.raises(ValueError):
        locate(text, "a sentence that is not in the article")
    span = fill({"file": "003_b5e0c7ee18c80093.txt", "text": "killing at least ten people"})
    assert span["doc_id"] == doc_id and text[span["start"] : span["end"]] == span["text"]


def test_required_types_and_counts():
    types = Counter(r["type"] for r in RECORDS)
    new = [r for r in RECORDS if not r.get("legacy")]
    assert len(new) >= 150
    assert types["paraphrased"] >= 20 and types["neighbouring_sentence"] >= 12
    assert types["unanswerable"] >= 25
    assert all(
        r.get("refusal") and not r["answers"] for r in RECORDS if r["type"] == "unanswerable"
    )
    assert {"wh", "number_date", "two_article", "yes_no"} <= set(types)
    assert any(r.get("negated") for r in RECORDS if r["type"] == "yes_no")
    assert {r["answers"][0] for r in RECORDS if r["type"] == "yes_no"} == {"Yes", "No"}
    assert all(len(r["docs"]) == 2 for r in RECORDS if r["type"] == "two_article")


def test_conversations_are_whole_ordered_and_carry_their_history():
    convs: dict[str, list[dict]] = {}
    for r in RECORDS:
        if r.get("conversation"):
            convs.setdefault(r["conversation"], []).append(r)
    assert len(convs) >= 15
    for cid, turns in convs.items():
        turns.sort(key=lambda r: r["turn"])
        assert [t["turn"] for t in turns] == list(range(1, len(turns) + 1)), cid
        assert 2 <= len(turns) <= 3, cid
        for t in turns:
            assert t["turns"] == [u["question"] for u in turns[: t["turn"]]], cid
    splits = {}
    for name in ("dev.jsonl", "test.jsonl"):
        for r in load_jsonl(GOLD / name):
            if r.get("conversation"):
                splits.setdefault(r["conversation"], set()).add(name)
    assert all(len(s) == 1 for s in splits.values())  # a conversation is never split


def test_files_are_one_json_object_per_line():
    for name in ("dev.jsonl", "test.jsonl"):
        lines = (GOLD / name).read_text(encoding="utf-8").splitlines()
        assert all(isinstance(json.loads(line), dict) for line in lines)
