"""Start-up stays light: `newsdesk --help` and `stats` import neither torch nor the models."""

from __future__ import annotations

from eval.bench.startup import heavy_imports


def test_help_imports_nothing_heavy():
    assert heavy_imports(["--help"], {}) == []


def test_stats_imports_no_model(sample_store):
    env = {"NEWSDESK_DATA_DIR": str(sample_store.data_dir), "NEWSDESK_COLLECTION": "sample"}
    mods = heavy_imports(["stats", "--json"], env)
    assert not {"torch", "sentence_transformers", "llama_cpp", "onnxruntime"} & set(mods), mods
