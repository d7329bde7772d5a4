"""The verifier on its own, over 67 real drafts of the bundled model on dev questions.

The drafts (eval/gold/drafts_dev.jsonl) were written by the local model during dev runs; each
is labelled from the gold answers only. A change to qa/finalize.py that starts throwing away
right drafts, or showing wrong ones, fails here.
"""

from __future__ import annotations

import json

from eval.verifier import drafts_of_run, judge, label, main
from qa.policy import AnswerPolicy
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


def test_summary_prints_counts_but_no_draft_text(capsys):
    """``--summary`` is for test-split drafts: the counts, never a draft or a record id."""
    assert main([str(DRAFTS)]) == 0
    full = capsys.readouterr().out
    assert main([str(DRAFTS), "--summary"]) == 0
    summary = capsys.readouterr().out
    assert "false rejections" in summary and summary.strip() == full.splitlines()[0]
    assert len(full.splitlines()) > 1  # the full output does list drafts
    assert main([str(DRAFTS), "--summary", "--json"]) == 0
    assert "mistakes" not in json.loads(capsys.readouterr().out)


def test_shown_answers_are_scored_after_fallback_and_rescue():
    result = judge(_rows())
    assert 0 < result["final_right"] <= result["drafts"]
    assert result["final_accuracy"] == round(result["final_right"] / result["drafts"], 3)
    # a stricter policy that can show no draft and no extract gets every answerable one wrong
    strict = judge(_rows(), AnswerPolicy(supported=1.01, fallback_min_support=1.01))
    assert strict["final_right"] < result["final_right"]


def test_rgb_drafts_are_the_negative_ones_without_the_answer_in_their_passages():
    def row(i, condition, text, answers=("Paris",)):
        passage = {"rank": 1, "chunk_id": "c", "doc_id": "d", "title": "t", "source": "s",
                   "start": 0, "end": len(text), "text": text, "score": 1.0}  # fmt: skip
        ans = {"draft": "Lyon.", "question": "Where?", "retrieved": [passage]}
        return {"id": i, "condition": condition, "answers": list(answers),
                "systems": {"newsdesk": ans}}  # fmt: skip

    results = {"questions": [row(1, "negative", "Lyon is big."),
                             row(2, "negative", "Paris is the capital."),
                             row(3, "counterfactual", "Lyon is the capital.")]}  # fmt: skip
    drafts = drafts_of_run(results)
    assert [d["id"] for d in drafts] == ["rgb-neg-001"]
    assert drafts[0]["answers"] == [] and drafts[0]["draft"] == "Lyon."


def test_second_looks_are_drafts_counted_apart(tmp_path, capsys):
    """A run's second look is judged too, on its own line, leaving the first drafts' counts."""
    first = _rows()[0]
    answer = {"standalone_question": first["question"], "retrieved": first["passages"],
              "draft": "The articles don't say.", "second_look": "Paris"}  # fmt: skip
    row = {"id": "x1", "type": "wh", "question": first["question"], "answers": ["Kislyak"],
           "systems": {"newsdesk": {"answer": answer}}}  # fmt: skip
    drafts = drafts_of_run({"questions": [row]})
    assert [(d["draft"], d.get("look")) for d in drafts] == [
        ("The articles don't say.", None),
        ("Paris", "second"),
    ]
    path = tmp_path / "d.jsonl"
    path.write_text("".join(json.dumps(d) + "\n" for d in [*_rows(), drafts[1]]), "utf-8")
    assert main([str(DRAFTS), "--summary"]) == 0
    alone = capsys.readouterr().out.strip()
    assert main([str(path), "--summary"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == alone and lines[1].startswith("1 second looks (0 correct, 1 wrong)")
    assert main([str(path), "--json", "--summary"]) == 0
    second = json.loads(capsys.readouterr().out)["second_looks"]
    assert second["drafts"] == 1 and second["wrong"] == 1 and "mistakes" not in second


def test_turned_verdicts_are_counted_apart_right_or_wrong(capsys):
    text = "Russia has not agreed to a ceasefire in Aleppo, officials said."
    passage = {"rank": 1, "chunk_id": "c1", "doc_id": "d1", "title": "Aleppo", "source": "s",
               "start": 0, "end": len(text), "text": text, "score": 1.0}  # fmt: skip
    q = "Has Russia agreed to a ceasefire in Aleppo?"
    rows = [
        {"id": "a", "question": q, "passages": [passage], "draft": "Yes.", "answers": ["No"]},
        {"id": "b", "question": q, "passages": [passage], "draft": "Yes.", "answers": ["Yes"]},
    ]
    result = judge(rows)
    assert (result.get("turned_right"), result.get("turned_wrong")) == (1, 1)
    # the "Yes" drafts were not shown: the wrong one is no false acceptance, the right one
    # (gold "Yes") is a false rejection, and the turned "No" is scored as what the user saw
    assert result.get("wrong_shown", 0) == 0 and result["correct_not_shown"] == 1
    assert result["final_right"] == 1
