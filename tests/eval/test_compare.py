"""How sure a score is: Wilson intervals, the paired test, and `newsdesk eval-compare`."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from eval.commands import run_gold_eval
from eval.compare import RunError, compare, load_run, render
from eval.report import interval_table
from eval.stats import sign_test, wilson
from qa.assistant import Assistant


def test_wilson_matches_reference_values_and_stays_in_range():
    # Reference values: scipy.stats.binomtest(k, n).proportion_ci(method="wilson").
    assert wilson(69, 108) == pytest.approx((0.5449722923, 0.7232645522), abs=1e-9)
    assert wilson(3, 14) == pytest.approx((0.0757138671, 0.4758923059), abs=1e-9)
    low, high = wilson(0, 10)
    assert low == 0.0 and high == pytest.approx(0.2775327999)
    assert wilson(10, 10)[1] == pytest.approx(1.0) and wilson(10, 10)[0] < 0.73
    assert all(math.isnan(x) for x in wilson(0, 0))
    with pytest.raises(ValueError):
        wilson(5, 4)


def test_sign_test_is_the_exact_two_sided_binomial():
    assert sign_test(0, 0) == 1.0
    assert sign_test(6, 0) == sign_test(0, 6) == pytest.approx(2 / 64)
    assert sign_test(10, 2) == pytest.approx(0.03857421875)  # scipy binomtest(2, 12)
    assert sign_test(7, 9) == pytest.approx(0.803619384765625)
    assert sign_test(5, 5) == 1.0
    with pytest.raises(ValueError):
        sign_test(-1, 2)


def _results(right: dict[str, tuple[str, bool]], gold: str = "eval/gold/dev.jsonl") -> dict:
    questions = [
        {"id": i, "type": t, "systems": {"newsdesk": {"scores": {"accuracy": float(ok)}}}}
        for i, (t, ok) in right.items()
    ]
    return {"questions": questions, "config": {"gold": gold}, "retrieval_only": False}


def test_compare_pairs_questions_by_id_and_counts_each_turn():
    before = _results({"a": ("wh", True), "b": ("wh", False), "c": ("paraphrased", False),
                       "d": ("paraphrased", True), "x": ("wh", True)})  # fmt: skip
    after = _results({"a": ("wh", False), "b": ("wh", True), "c": ("paraphrased", True),
                      "d": ("paraphrased", True), "y": ("wh", True)})  # fmt: skip
    result = compare(before, after)
    overall, *by_type = result.groups
    assert (overall.n, overall.gained, overall.lost) == (4, ("b", "c"), ("a",))
    assert (overall.before, overall.after) == (0.5, 0.75)
    assert overall.p == sign_test(2, 1)
    assert [(g.group, len(g.gained), len(g.lost)) for g in by_type] == [
        ("paraphrased", 1, 0),
        ("wh", 1, 1),
    ]
    assert (result.only_before, result.only_after) == (1, 1)
    text = render(result, ids=True)
    assert "Gained: b c" in text and "Lost: a" in text and "Not paired: 1" in text


def test_compare_never_lists_test_split_questions():
    before = _results({"a": ("wh", True)}, gold="eval/gold/test.jsonl")
    after = _results({"a": ("wh", False)}, gold="eval/gold/test.jsonl")
    result = compare(before, after)
    assert "| all | 1 | 1.000 | 0.000 | 0 | 1 |" in render(result)
    with pytest.raises(RunError, match="test-split"):
        render(result, ids=True)


def test_runs_that_cannot_be_compared_say_why(tmp_path):
    with pytest.raises(RunError, match=r"no results\.json"):
        load_run(tmp_path)
    (tmp_path / "results.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(RunError, match=r"not a results\.json"):
        load_run(tmp_path)
    (tmp_path / "results.json").write_text(json.dumps({"retrieval_only": True}), "utf-8")
    with pytest.raises(RunError, match="retrieval-only"):
        load_run(tmp_path)
    with pytest.raises(RunError, match="share no question"):
        compare(_results({"a": ("wh", True)}), _results({"b": ("wh", True)}))
    with pytest.raises(RunError, match="no answers from 'baseline'"):
        compare(_results({"a": ("wh", True)}), _results({"a": ("wh", True)}), system="baseline")


@pytest.fixture(scope="module")
def extractive(sample_store, embedder) -> Assistant:
    return Assistant(sample_store.model_copy(update={"answerer": "extractive"}), embedder=embedder)


def _run(gold5: Path, assistant: Assistant, out: Path) -> dict[str, Any]:
    results, _ = run_gold_eval(
        gold5, assistant.settings, assistant=assistant, out=out, progress=False
    )
    return results


def test_real_runs_report_intervals_and_compare_on_the_cli(
    gold5, extractive, tmp_path, sample_store, monkeypatch
):
    from typer.testing import CliRunner

    from ui.cli import app

    first = _run(gold5, extractive, tmp_path / "a")
    _run(gold5, extractive, tmp_path / "b")
    overall = first["aggregate"]["newsdesk"]["overall"]
    k, n = round(overall["accuracy"] * overall["n"]), overall["n"]
    low, high = wilson(k, n)
    row = f"| Newsdesk | accuracy · all | {k} / {n} | {k / n:.3f} | {low:.3f} – {high:.3f} |"
    assert row in interval_table(first)
    report = (tmp_path / "a" / "report.md").read_text(encoding="utf-8")
    assert row in report and "## Where answerable questions were lost" in report
    # An extractive answer quotes its passages: a right one was in them, every time.
    for q in first["questions"]:
        scores = q["systems"]["newsdesk"]["scores"]
        if not q["unanswerable"] and scores["accuracy"] == 1.0:
            assert scores["answer_in_prompt"] == 1.0, q["id"]
    lost = first["aggregate"]["newsdesk"]["lost"]["all"]
    answerable = first["aggregate"]["newsdesk"]["answerable"]
    assert lost["n"] == answerable["n"] and lost["unknown"] == 0
    assert lost["right"] == round(answerable["accuracy"] * answerable["n"])

    monkeypatch.setenv("NEWSDESK_DATA_DIR", str(sample_store.data_dir))
    args = ["eval-compare", str(tmp_path / "a"), str(tmp_path / "b" / "results.json"), "--ids"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    # The extractive answerer is deterministic: the same answers, nothing turned.
    assert f"| all | {n} | {k / n:.3f} | {k / n:.3f} | 0 | 0 | 1.000 |" in result.output
    assert "Gained: -" in result.output
    missing = CliRunner().invoke(app, ["eval-compare", str(tmp_path / "nope"), str(tmp_path)])
    assert missing.exit_code == 2 and "no results.json" in missing.output
