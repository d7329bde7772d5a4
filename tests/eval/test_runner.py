"""The runner end to end with the extractive answerer: real embedder, real Chroma, no LLM."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from eval.commands import run_gold_eval
from eval.runner import AnswerCache, load_gold, stratified_sample
from eval.scoring import score_answer
from eval.systems import NewsdeskSystem, SystemAnswer
from qa.assistant import Assistant


@pytest.fixture(scope="module")
def assistant(sample_store, embedder) -> Assistant:
    return Assistant(sample_store.model_copy(update={"answerer": "extractive"}), embedder=embedder)


def _count_asks(monkeypatch: pytest.MonkeyPatch, assistant: Assistant) -> list[str]:
    calls: list[str] = []
    real = Assistant.ask

    def counting(question: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(question)
        return real(assistant, question, *args, **kwargs)

    monkeypatch.setattr(assistant, "ask", counting)
    return calls


def _run(gold5: Path, assistant: Assistant, out: Path, **kw: Any) -> dict[str, Any]:
    results, where = run_gold_eval(
        gold5, assistant.settings, assistant=assistant, out=out, progress=False, **kw
    )
    assert where == out
    return results


def _scores_in_unit_interval(results: dict[str, Any]) -> None:
    for row in results["questions"]:
        for name, res in row["systems"].items():
            assert "error" not in res, res
            for key, value in res["scores"].items():
                if key.startswith("latency") or value is None or math.isnan(value):
                    continue
                assert 0.0 <= value <= 1.0, (name, row["id"], key, value)


def test_extractive_run_writes_reports_and_resumes_from_cache(
    gold5, assistant, tmp_path, monkeypatch
):
    calls = _count_asks(monkeypatch, assistant)
    out = tmp_path / "run"
    results = _run(gold5, assistant, out, answerer="extractive")
    n_turns = sum(len(r["turns"]) for r in load_gold(gold5))
    assert len(calls) == n_turns == 6  # the multi-turn record asks both its turns
    assert results["errors"] == 0 and results["cache"] == {"hits": 0, "new_answers": 6}
    _scores_in_unit_interval(results)
    turn2 = next(r for r in results["questions"] if r["type"] == "multi_turn")
    history = turn2["systems"]["newsdesk"]["history"]  # asked with its first turn and answer
    assert [m["role"] for m in history] == ["user", "assistant"]
    assert history[0]["content"] == turn2["turns"][0]

    saved = json.loads((out / "results.json").read_text())
    assert len(saved["questions"]) == 5
    row = saved["questions"][0]["systems"]["newsdesk"]
    assert {"question", "answer", "refused", "citations", "sentences", "retrieved"} <= set(
        row["answer"]
    )
    assert {"em", "f1", "accuracy", "lenient", "doc_recall@4", "citation_recall",
            "self_consistency_recall"} <= set(row["scores"])  # fmt: skip
    assert row["outcome"] in ("extractive", "refused:retrieval", "refused:verifier")
    agg = saved["aggregate"]["newsdesk"]
    assert set(agg["by_type"]) == {"wh", "neighbouring_sentence", "two_article", "unanswerable",
                                   "multi_turn"}  # fmt: skip
    assert agg["refusal"]["tp"] + agg["refusal"]["fn"] == 1
    assert sum(o["n"] for o in agg["by_outcome"].values()) == 5
    assert agg["latency"]["first_token"]["n"] == 0  # the extractive answerer runs no model
    assert agg["latency"]["total"]["n"] == 5

    report = (out / "report.md").read_text()
    for needle in ("## By question type", "vs gold evidence", "self-consistency", "LENIENT",
                   "p95", "Refusals", "## How answers were made", "model ran"):  # fmt: skip
        assert needle in report
    assert (out / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # A second run asks nothing: every answer comes from the cache.
    calls.clear()
    again = _run(gold5, assistant, out, answerer="extractive")
    assert calls == [] and again["cache"] == {"hits": 6, "new_answers": 0}
    assert again["aggregate"]["newsdesk"]["overall"] == results["aggregate"]["newsdesk"]["overall"]

    # An interrupted run (last cache line lost, a half-written line left) resumes.
    lines = (out / "cache.jsonl").read_text().splitlines()
    (out / "cache.jsonl").write_text("\n".join(lines[:-1]) + '\n{"key": "trunc')
    calls.clear()
    _run(gold5, assistant, out, answerer="extractive")
    assert len(calls) == 1


def test_retrieval_only_scores_retrieval_without_asking(gold5, assistant, tmp_path, monkeypatch):
    calls = _count_asks(monkeypatch, assistant)
    results = _run(gold5, assistant, tmp_path / "r", retrieval_only=True)
    assert calls == []
    _scores_in_unit_interval(results)
    overall = results["aggregate"]["newsdesk"]["overall"]
    assert "accuracy" not in overall and "by_outcome" not in results["aggregate"]["newsdesk"]
    assert overall["doc_recall@10"] == 1.0  # five articles: all of them are in the top 10
    assert overall["doc_recall@4"] >= 0.9  # one gold5 question is about two articles
    rows = results["questions"]
    assert all(len(r["systems"]["newsdesk"]["retrieved"]) == 10 for r in rows)
    assert "## Latency" in (tmp_path / "r" / "report.md").read_text()


def test_sample_and_limit(gold5, assistant, tmp_path):
    results = _run(gold5, assistant, tmp_path / "s", retrieval_only=True, sample=3, seed=1)
    assert len(results["questions"]) == 3
    results = _run(gold5, assistant, tmp_path / "l", retrieval_only=True, limit=2)
    assert [r["id"] for r in results["questions"]] == [r["id"] for r in load_gold(gold5)[:2]]


def test_stratified_sample_is_proportional_fixed_and_covers_every_type():
    recs = [{"id": i, "type": t} for i, t in enumerate("a" * 60 + "b" * 30 + "c" * 10)]
    first = stratified_sample(recs, 20, seed=3)
    assert first == stratified_sample(recs, 20, seed=3)
    counts = {t: sum(r["type"] == t for r in first) for t in "abc"}
    assert counts == {"a": 12, "b": 6, "c": 2}
    small = stratified_sample(recs, 3, seed=0)
    assert sorted(r["type"] for r in small) == ["a", "b", "c"]


def _answer(text: str, refused: bool) -> SystemAnswer:
    return SystemAnswer(text, refused, None, {"total": 5.0}, "q")


def test_an_error_is_counted_not_dropped(gold5, assistant, tmp_path, monkeypatch):
    real = Assistant.ask
    first = load_gold(gold5)[0]

    def failing(question: str, *args: Any, **kwargs: Any) -> Any:
        if question == first["question"]:
            raise RuntimeError("generator crashed")
        return real(assistant, question, *args, **kwargs)

    monkeypatch.setattr(assistant, "ask", failing)
    results = _run(gold5, assistant, tmp_path / "err", answerer="extractive")
    agg = results["aggregate"]["newsdesk"]
    assert results["errors"] == agg["errors"] == 1 and agg["overall"]["n"] == 5
    row = next(r for r in results["questions"] if r["id"] == first["id"])["systems"]["newsdesk"]
    assert row["outcome"] == "error" and row["scores"]["accuracy"] == 0.0
    assert agg["by_outcome"]["error"]["n"] == 1


def test_score_answer_refusals():
    answerable = {"answers": ["Geneva"], "unanswerable": False}
    unanswerable = {"answers": [], "unanswerable": True}
    right = score_answer(_answer("Geneva hosted them.", False), answerable)
    assert right["accuracy"] == right["lenient"] == 1.0 and right["em"] == 0.0
    refused = score_answer(_answer("The articles don't say.", True), answerable)
    assert refused["accuracy"] == refused["f1"] == refused["refusal_correct"] == 0.0
    ok = score_answer(_answer("The articles don't say.", True), unanswerable)
    assert ok["accuracy"] == ok["em"] == ok["refusal_correct"] == 1.0
    assert math.isnan(ok["citation_recall"]) and math.isnan(ok["self_consistency_recall"])
    bad = score_answer(_answer("Riyadh.", False), unanswerable)
    assert bad["accuracy"] == bad["refusal_correct"] == 0.0


def test_answer_cache_key_depends_on_question_history_and_config(tmp_path):
    k = AnswerCache.key
    base = k("q", [], {"answerer": "local"})
    assert base == k("q", [], {"answerer": "local"})
    assert base != k("q", [{"role": "user", "content": "x"}], {"answerer": "local"})
    assert base != k("q", [], {"answerer": "extractive"})
    cache = AnswerCache(tmp_path / "c.jsonl")
    cache.put(base, SystemAnswer("a", False, [("a", ["p"])], {}, "q", spans=[("d", "f", 1, 2)]))
    got = AnswerCache(tmp_path / "c.jsonl").get(base)
    assert got is not None and got.cited == [("a", ["p"])] and got.spans == [("d", "f", 1, 2)]


def test_newsdesk_cache_key_covers_settings_model_and_store(assistant, sample_store):
    config = NewsdeskSystem(assistant, "extractive").config()
    assert config["store"] == assistant.store.fingerprint()
    assert config["settings"]["prompt_passage_words"] == assistant.settings.prompt_passage_words
    assert "openai_api_key" not in config["settings"] and "auth" not in config["settings"]
    changed = assistant.settings.model_copy(update={"prompt_passage_words": 40})
    other = Assistant(changed, store=assistant.store, embedder=assistant.retriever.embedder)
    assert AnswerCache.key(
        "q", [], NewsdeskSystem(other, "extractive").config()
    ) != AnswerCache.key("q", [], config)


def test_cli_eval_retrieval_only(sample_store, tmp_path, gold5, monkeypatch):
    from typer.testing import CliRunner

    from ui.cli import app

    monkeypatch.setenv("NEWSDESK_DATA_DIR", str(sample_store.data_dir))
    monkeypatch.setenv("NEWSDESK_COLLECTION", sample_store.collection)
    monkeypatch.setenv("NEWSDESK_TORCH_THREADS", "1")
    out = tmp_path / "cli"
    args = ["eval", str(gold5), "--retrieval-only", "--limit", "2", "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert {"results.json", "report.md", "report.png"} <= {p.name for p in out.iterdir()}
    missing = CliRunner().invoke(app, ["eval", str(tmp_path / "nope.jsonl")])
    assert missing.exit_code == 2


def test_cli_baseline_sample_zero_is_an_error_not_all():
    # 0 used to mean "every question" (a falsy N): a slow surprise, now a one-line error.
    from typer.testing import CliRunner

    from ui.cli import app

    args = ["eval-multihop", "--corpus", "c.jsonl", "--queries", "q.jsonl"]
    args += ["--baseline-sample", "0"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert "baseline-sample" in result.output


def test_questions_typed_in_lowercase_are_asked_that_way(gold5, assistant, tmp_path, monkeypatch):
    calls = _count_asks(monkeypatch, assistant)
    out = tmp_path / "lower"
    results = _run(gold5, assistant, out, answerer="extractive", typed="lowercase")
    assert calls and all(q == q.lower() and not q.endswith("?") for q in calls)
    assert results["config"]["typed"] == "lowercase" and results["errors"] == 0
    assert "(questions typed lowercase)" in (out / "report.md").read_text()


def test_cli_eval_refuses_an_unknown_typing(tmp_path, gold5):
    from typer.testing import CliRunner

    from ui.cli import app

    result = CliRunner().invoke(app, ["eval", str(gold5), "--typed", "shouting"])
    assert result.exit_code == 2 and "unknown --typed 'shouting'" in result.output
