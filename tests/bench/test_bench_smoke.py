"""`newsdesk dev bench` end to end on the five sample articles, tiny sizes (no timing checks)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ui.cli import app

pytestmark = pytest.mark.slow


def test_bench_writes_its_json(tmp_path):
    out = tmp_path / "bench.json"
    args = [
        "dev", "bench", "--work", str(tmp_path / "work"), "--out", str(out),
        "--sizes", "20,80", "--n-queries", "3", "--answerers", "extractive",
        "--answer-limit", "2", "--concurrency", "2", "--serve-answerers", "", "--markdown",
    ]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert {"environment", "ingest", "retrieval", "answer", "startup"} <= set(data)

    sample = data["ingest"]["sample"]
    assert sample["newsdesk_torch"]["articles"] == 5
    assert sample["newsdesk_torch"]["chunks"] == sample["raw_encoder_torch"]["chunks"]
    cached = sample["newsdesk_torch_rebuild_cached"]["chunks_from_cache"]
    assert cached == sample["newsdesk_torch"]["chunks"]
    assert sample["langchain"]["articles"] == 5 and sample["ratios"]["torch_vs_raw_encoder_chunks"]

    sizes = data["retrieval"]["sizes"]
    assert set(sizes) == {"20", "80"}
    assert sizes["80"]["store"]["chunks"] >= 80  # grown with perturbed copies
    for row in sizes.values():
        for mode in ("embedded", "server"):
            assert row[mode]["latency_ms"]["n"] == 3 and row[mode]["peak_rss_mb"] > 0
    extractive = data["answer"]["extractive"]
    assert extractive["questions"] == 2 and extractive["sources_s"]["n"] == 2
    assert sum(extractive["outcomes"].values()) == 2 and "first_token_s" not in extractive
    assert data["answer"]["cpu"]["cores"] >= 1
    assert data["startup"]["help_heavy_imports"] == []
    assert "| newsdesk --help |" in result.output
