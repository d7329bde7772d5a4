"""The verifier on its own, over 67 real drafts of the bundled model on dev questions.

The drafts (eval/gold/drafts_dev.jsonl) were written by the local model during dev runs; each
is labelled from the gold answers only. A change to qa/finalize.py that starts throwing away
right drafts, or showing wrong ones, fails here.
"""

from __future__ import annotations

import json

from eval.verifier import judge, label, main
from tests.conftest import ROOT

DRAFTS = ROOT / "eval" / "gold" / "drafts_dev.jsonl"


def _rows() -> list[dict]:
    return [json.loads(x) for x in DRAFTS.read_text(encoding="utf-8").splitlines() if x]


def test_labels_come_from_gold_answers_only():
    assert label("It was Sergey Kislyak.", ["Kislyak"]) == "correct"
    assert label("It was Vitali Churkin.", ["Kislyak"]) == "wrong"
    assert label("The articles don't say.", []) == "correct"
    assert label("Riyadh.", []) == "wrong"


def test_false_rejections_and_acceptances_on_real_drafts():
    result = judge(_rows())
    assert result["drafts"] == 67 and result["correct"] + result["wrong"] == 67
    assert result["false_rejection_rate"] <= 0.05, result["mistakes"]
    assert result["false_acceptance_rate"] <= 0.2, result["mistakes"]


def test_command_line(capsys):
    assert main([str(DRAFTS)]) == 0
    assert "false rejections" in capsys.readouterr().out
    assert main([str(DRAFTS.with_name("missing.jsonl"))]) == 2
