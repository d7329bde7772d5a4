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
    for name in ("newsdesk", "baseline"):
        agg = results["aggregate"][name]
        assert agg["overall"]["n"] == 5
        assert 0.0 <= agg["overall"]["accuracy"] <= 1.0
        assert agg["latency"]["total"]["p50"] > 0 and agg["latency"]["first_token"]["n"] == 5
    nd = results["aggregate"]["newsdesk"]["overall"]
    assert nd["accuracy"] >= 0.6  # 5 easy questions: a broken pipeline scores far lower
    assert math.isnan(results["aggregate"]["baseline"]["overall"]["citation_recall"])
    assert "Newsdesk vs baseline" in (out / "report.md").read_text()
