"""eval.scoring on hand-made answers: citations vs gold spans, outcomes, errors, first token."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import pytest

from eval.scoring import aggregate, citation_vs_gold, error_scores, score_answer, verdict_match
from eval.systems import SystemAnswer, model_ran, model_sha256

GOLD_REC = {
    "answers": ["Sergey Kislyak", "Kislyak"],
    "unanswerable": False,
    "evidence": [
        {"file": "003_b.txt", "doc_id": "d3", "start": 100, "end": 180},  # the description
        {"file": "003_b.txt", "doc_id": "d3", "start": 182, "end": 300},  # the name
    ],
}


def _ans(
    text: str, refused: bool = False, spans=None, outcome: str = "model", **kw
) -> SystemAnswer:
    timings = kw.pop("timings", {"total": 10.0, "first_token": 5.0})
    return SystemAnswer(text, refused, [], timings, "q", spans=spans, outcome=outcome, **kw)


def test_a_citation_is_correct_only_when_it_overlaps_a_gold_span():
    spans = [("d3", "003_b.txt", 170, 190), ("d3", "003_b.txt", 400, 450), ("d1", "x.txt", 0, 9)]
    precision, recall = citation_vs_gold(spans, GOLD_REC)
    assert precision == pytest.approx(1 / 3)  # only the first overlaps
    assert recall == 1.0  # 170..190 touches both gold spans
    assert citation_vs_gold([("d3", "003_b.txt", 180, 182)], GOLD_REC) == (0.0, 0.0)  # the gap
    # matched by file name when the doc id differs (e.g. a re-cleaned article)
    assert citation_vs_gold([("zz", "003_b.txt", 250, 260)], GOLD_REC) == (1.0, 0.5)
    p, r = citation_vs_gold([], GOLD_REC)
    assert math.isnan(p) and r == 0.0  # an answer citing nothing recalls nothing


def test_score_answer_uses_gold_evidence_and_keeps_self_consistency_apart():
    right = score_answer(
        _ans("Sergey Kislyak [1].", spans=[("d3", "003_b.txt", 190, 250)]), GOLD_REC
    )
    assert right["accuracy"] == 1.0
    assert right["citation_precision"] == 1.0 and right["citation_recall"] == 0.5
    assert "self_consistency_recall" in right and "self_consistency_precision" in right
    wrong_place = score_answer(_ans("Kislyak.", spans=[("d3", "003_b.txt", 0, 50)]), GOLD_REC)
    assert wrong_place["accuracy"] == 1.0 and wrong_place["citation_precision"] == 0.0
    no_cites = score_answer(_ans("Kislyak.", spans=None), GOLD_REC)  # the baseline: n/a
    assert math.isnan(no_cites["citation_precision"]) and math.isnan(no_cites["citation_recall"])
    refused = score_answer(_ans("The articles don't say.", True, [], "refused:model"), GOLD_REC)
    assert refused["accuracy"] == 0.0 and math.isnan(refused["citation_recall"])


def test_yes_no_golds_are_scored_by_the_verdict_not_by_a_word_inside():
    rec = {"answers": ["No"], "unanswerable": False, "evidence": []}
    assert score_answer(_ans("No [1]"), rec)["accuracy"] == 1.0
    # "no" appears inside, but the verdict is Yes: wrong (contains-gold would say right)
    assert score_answer(_ans("Yes, there is no doubt"), rec)["accuracy"] == 0.0
    assert verdict_match("yes.", ["Yes"]) == 1.0 and verdict_match("", ["No"]) == 0.0


def _row(rid: str, acc_text: str, outcome: str, *, unanswerable=False, error=False, ran=True,
         conversation=None, ttft=5.0, typ="wh") -> dict:  # fmt: skip
    rec = {"answers": [] if unanswerable else ["Kislyak"], "unanswerable": unanswerable,
           "evidence": []}  # fmt: skip
    if error:
        res = {"error": "boom", "outcome": "error", "refused": False, "scores": error_scores(False)}
    else:
        refused = outcome.startswith("refused")
        ans = _ans(acc_text, refused, [], outcome, timings={"total": 9.0, "first_token": ttft})
        res = {"scores": score_answer(ans, rec), "outcome": outcome, "refused": refused,
               "model_ran": ran}  # fmt: skip
    return {"id": rid, "type": typ, "unanswerable": unanswerable, "conversation": conversation,
            "systems": {"newsdesk": res}}  # fmt: skip


def test_aggregate_counts_errors_in_every_denominator_and_breaks_down_by_outcome():
    rows = [
        _row("a", "Kislyak", "model", conversation="c1"),
        _row("b", "Kislyak", "model+fallback", conversation="c1"),
        _row("c", "Lavrov", "model"),
        _row("d", "", "refused:retrieval", unanswerable=True, ran=False, ttft=1.0),
        _row("e", "", "error", error=True),
    ]
    agg = aggregate(rows, "newsdesk")
    assert agg["overall"]["n"] == 5 and agg["errors"] == 1
    assert agg["overall"]["accuracy"] == pytest.approx(3 / 5)  # the error counts as wrong
    assert agg["by_outcome"]["error"] == {"n": 1, "accuracy": 0.0}
    assert agg["by_outcome"]["model"] == {"n": 2, "accuracy": 0.5}
    assert agg["by_outcome"]["refused:retrieval"]["accuracy"] == 1.0
    assert agg["model_share_of_correct"] == pytest.approx(1 / 3)
    assert agg["refusal"]["tp"] == 1 and agg["refusal"]["fp"] == 0
    assert agg["conversations"] == {"n": 1, "all_turns_right": 1.0}
    # first token only where the model ran (not the refusal before retrieval, not the error)
    assert agg["latency"]["first_token"]["n"] == 3 and agg["latency"]["first_token"]["p50"] == 5.0
    assert agg["latency"]["total"]["n"] == 4


def test_an_errored_unanswerable_question_is_a_missed_refusal():
    rows = [_row("u", "", "error", unanswerable=True, error=True),
            _row("v", "", "refused:model", unanswerable=True)]  # fmt: skip
    agg = aggregate(rows, "newsdesk")
    assert agg["refusal"]["recall"] == 0.5 and agg["overall"]["accuracy"] == 0.5


def test_model_ran_follows_the_outcome_and_the_answerer():
    assert model_ran("model", "local") and model_ran("model+fallback", "local+extractive-fallback")
    assert model_ran("refused:verifier", "local") and model_ran("refused:model", "openai")
    assert not model_ran("refused:retrieval", "local")
    assert not model_ran("refused:verifier", "extractive") and not model_ran(
        "extractive", "extractive"
    )


def test_model_sha256_is_hashed_once_and_rehashed_when_the_file_changes(tmp_path: Path):
    model = tmp_path / "m.gguf"
    model.write_bytes(b"weights-1")
    first = model_sha256(model, tmp_path / "cache")
    assert len(first) == 64 and (tmp_path / "cache" / "model-sha256.json").exists()
    assert first == hashlib.sha256(b"weights-1").hexdigest()
    # Read back from the cache file, not re-hashed: a planted value comes back.
    known_path = tmp_path / "cache" / "model-sha256.json"
    known = json.loads(known_path.read_text())
    known_path.write_text(json.dumps({k: "planted" for k in known}))
    assert model_sha256(model, tmp_path / "cache") == "planted"
    model.write_bytes(b"weights-2, longer")
    assert (
        model_sha256(model, tmp_path / "cache") == hashlib.sha256(b"weights-2, longer").hexdigest()
    )


def test_answer_in_prompt_says_whether_the_gold_answer_was_within_reach():
    said = "[1] Talks\nRussia's ambassador Sergey Kislyak met them."
    assert score_answer(_ans("Lavrov", context=said), GOLD_REC)["answer_in_prompt"] == 1.0
    assert (
        score_answer(_ans("Lavrov", context="[1] Talks\nLavrov."), GOLD_REC)["answer_in_prompt"]
        == 0.0
    )
    assert math.isnan(score_answer(_ans("Lavrov"), GOLD_REC)["answer_in_prompt"])  # not recorded
    unanswerable = {"answers": [], "unanswerable": True, "evidence": []}
    assert math.isnan(score_answer(_ans("", True, context=said), unanswerable)["answer_in_prompt"])
    verdict = {"answers": ["No"], "unanswerable": False, "evidence": []}
    assert math.isnan(score_answer(_ans("No", context="No."), verdict)["answer_in_prompt"])


def test_wrong_answers_are_counted_where_they_were_lost():
    def row(rid: str, text: str, context: str | None, typ: str, unanswerable=False) -> dict:
        rec = {"answers": [] if unanswerable else ["Kislyak"], "unanswerable": unanswerable,
               "evidence": []}  # fmt: skip
        scores = score_answer(_ans(text, not text, context=context), rec)
        res = {"scores": scores, "outcome": "model", "refused": not text}
        return {"id": rid, "type": typ, "unanswerable": unanswerable, "systems": {"newsdesk": res}}

    rows = [
        row("a", "Kislyak", "Kislyak spoke.", "wh"),  # right
        row("b", "Lavrov", "Kislyak spoke.", "wh"),  # the model lost it
        row("c", "", "Kislyak spoke.", "paraphrased"),  # refused with the answer in the prompt
        row("d", "Lavrov", "Lavrov spoke.", "paraphrased"),  # retrieval or the cut lost it
        row("e", "Lavrov", None, "paraphrased"),  # no context recorded
        row("u", "", "Kislyak spoke.", "unanswerable", unanswerable=True),  # not counted
    ]
    lost = aggregate(rows, "newsdesk")["lost"]
    assert lost["all"] == {"n": 5, "right": 1, "wrong_in_prompt": 2, "wrong_not_in_prompt": 1,
                           "unknown": 1}  # fmt: skip
    assert lost["paraphrased"]["wrong_in_prompt"] == 1 and "unanswerable" not in lost
