"""A 5-question end-to-end eval with the bundled local generator, Newsdesk and the baseline."""

from __future__ import annotations

import math

import pytest

pytest.importorskip("llama_cpp", reason="the local generator (llama-cpp-python) is not installed")


@pytest.mark.slow
def test_local_answerer_end_to_end(local_model_settings, sample_store, embedder, gold5, tmp_path):
    from eval.commands import run_gold_eval
    from index.store import Store
    from qa.assistant import Assistant

    # The model lives in local_model_settings' data dir, the articles in sample_store's.
    settings = local_model_settings.model_copy(
        update={"answerer": "local", "collection": sample_store.collection}
    )
    assistant = Assistant(settings, store=Store(sample_store), embedder=embedder)
    results, out = run_gold_eval(
        gold5, settings, answerer="local", out=tmp_path / "run", baseline=True,
        baseline_dir=tmp_path / "baseline", assistant=assistant, progress=False,
    )  # fmt: skip
    assert results["errors"] == 0, [r["systems"] for r in results["questions"]]
    assert {"results.json", "report.md", "report.png", "cache.jsonl"} <= {
        p.name for p in out.iterdir()
    }
    rows = results["questions"]
    for name in ("newsdesk", "baseline"):
        agg = results["aggregate"][name]
        mine = [r["systems"][name] for r in rows]
        assert agg["overall"]["n"] == 5
        # the aggregate is the mean over all five rows (nothing dropped)
        assert agg["overall"]["accuracy"] == sum(s["scores"]["accuracy"] for s in mine) / 5
        # first token only where the model ran; it did for every baseline answer
        ran = sum(1 for s in mine if s["model_ran"])
        assert agg["latency"]["first_token"]["n"] == ran and agg["latency"]["total"]["n"] == 5
        assert sum(o["n"] for o in agg["by_outcome"].values()) == 5
    assert results["aggregate"]["baseline"]["latency"]["first_token"]["n"] == 5
    nd = results["aggregate"]["newsdesk"]["overall"]
    assert nd["accuracy"] >= 0.6  # 5 easy questions: a broken pipeline scores far lower
    # at least one answer is the model's own (a pipeline that always falls back fails here)
    assert any(r["systems"]["newsdesk"]["outcome"] == "model" for r in rows)
    assert math.isnan(results["aggregate"]["baseline"]["overall"]["citation_recall"])
    assert "Newsdesk vs baseline" in (out / "report.md").read_text()
