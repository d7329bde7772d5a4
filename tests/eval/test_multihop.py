"""MultiHop-RAG scoring on a tiny hand-made corpus and queries (real ingest, both systems)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.multihop import load_queries, run_multihop, to_record
from eval.scoring import score_retrieval
from eval.systems import RetrievedChunk

ARTICLES = [
    {
        "id": "mhr-d000",
        "title": "Rover finds ice on the moon",
        "source": "The Verge",
        "published_at": "2023-10-02T10:00:00+00:00",
        "url": "https://example.org/a",
        "body": "The Lunar rover Pragyan found water ice near the south pole on Monday. "
        "Engineers at ISRO said the drill reached a depth of forty centimetres. "
        "The mission will end when the lunar night begins in two weeks.",
    },
    {
        "id": "mhr-d001",
        "title": "Chipmaker posts record quarter",
        "source": "TechCrunch",
        "published_at": "2023-10-05T10:00:00+00:00",
        "url": "https://example.org/b",
        "body": "Nvidia reported revenue of 18 billion dollars for the quarter. "
        "Chief executive Jensen Huang credited demand for data center GPUs. "
        "Shares rose six percent in after-hours trading.",
    },
    {
        "id": "mhr-d002",
        "title": "Striker signs new contract",
        "source": "BBC Sport",
        "published_at": "2023-11-01T10:00:00+00:00",
        "url": "https://example.org/c",
        "body": "Erling Haaland signed a new five-year contract with Manchester City. "
        "The club said the striker had scored 52 goals last season.",
    },
]
QUERIES = [
    {
        "id": "mhr-q0000",
        "question": "Which rover found water ice near the lunar south pole, as reported by The "
        "Verge?",
        "answer": "Pragyan",
        "question_type": "inference_query",
        "docs": ["mhr-d000"],
        "evidence": [{"doc_id": "mhr-d000", "fact": "The Lunar rover Pragyan found water ice "
                      "near the south pole on Monday."}],
    },
    {
        "id": "mhr-q0001",
        "question": "Who credited demand for data center GPUs for the chipmaker's record quarter?",
        "answer": "Jensen Huang",
        "question_type": "comparison_query",
        "docs": ["mhr-d001"],
        "evidence": [{"doc_id": "mhr-d001", "fact": "Chief executive Jensen Huang credited "
                      "demand for data center GPUs."}],
    },
    {
        "id": "mhr-q0002",
        "question": "What did the Bank of Japan decide about interest rates in December?",
        "answer": "Insufficient information.",
        "question_type": "null_query",
        "docs": [],
        "evidence": [],
    },
]  # fmt: skip


@pytest.fixture
def files(tmp_path) -> tuple[Path, Path]:
    corpus, queries = tmp_path / "corpus.jsonl", tmp_path / "queries.jsonl"
    corpus.write_text("\n".join(json.dumps(a) for a in ARTICLES) + "\n")
    queries.write_text("\n".join(json.dumps(q) for q in QUERIES) + "\n")
    return corpus, queries


def test_records_from_queries(files):
    recs = load_queries(files[1])
    assert [r["type"] for r in recs] == ["inference_query", "comparison_query", "null_query"]
    assert recs[0]["facts"] and recs[0]["answers"] == ["Pragyan"]
    assert recs[2]["unanswerable"] and not recs[2]["facts"]


def test_chunk_scoring_follows_upstream_rule():
    rec = to_record(QUERIES[0] | {"evidence": QUERIES[0]["evidence"] * 1})
    fact = rec["facts"][0]
    split = fact.replace(" ", "\n  ")  # whitespace differences do not matter
    chunks = [
        RetrievedChunk(1, "a", "unrelated text", ["x"], 1.0),
        RetrievedChunk(2, "b", "Intro. " + split + " More.", ["mhr-d000"], 0.5),
        RetrievedChunk(3, "c", fact[:20], ["mhr-d000"], 0.1),  # part of a fact is no hit
    ]
    s = score_retrieval(chunks, rec)
    assert s["chunk_hits@4"] == s["chunk_hits@10"] == 1.0
    assert s["chunk_mrr@10"] == 0.5 and s["chunk_map@10"] == 0.5
    assert s["doc_recall@1"] == 0.0 and s["doc_recall@4"] == 1.0 and s["doc_mrr@10"] == 0.5
    assert score_retrieval(chunks[:1], rec)["chunk_hits@10"] == 0.0


def test_run_multihop_end_to_end_extractive(files, settings, embedder, tmp_path):
    corpus, queries = files
    s = settings.model_copy(update={"collection": "mhtest", "answerer": "extractive"})
    summary = run_multihop(
        corpus, queries, s, tmp_path / "out", answerer="extractive", sample=3, seed=0,
        split="all", embedder=embedder, progress=False, log=lambda _: None,
    )  # fmt: skip
    assert summary["ingest"]["ingested"] and summary["errors"] == 0
    assert summary["split"] == "all" and summary["answer_split"] == "test"
    retr = summary["retrieval"]
    assert retr["run"] == 3 and retr["scored"] == 2
    for name in ("newsdesk", "baseline"):
        overall = retr["aggregate"][name]["overall"]
        # three short articles, one chunk each: every fact is in the top 4 of both systems
        assert overall["chunk_hits@4"] == overall["chunk_hits@10"] == 1.0, name
        assert overall["chunk_mrr@10"] >= 1 / 3 and overall["doc_recall@10"] == 1.0
    ans = summary["answers"]["aggregate"]["newsdesk"]
    # The answer sample comes from the test split only: q0000 and q0002 (q0001 is dev).
    saved = json.loads((tmp_path / "out" / "answers" / "results.json").read_text())
    assert sorted(r["id"] for r in saved["questions"]) == ["mhr-q0000", "mhr-q0002"]
    assert ans["overall"]["n"] == 2 and "null_query" in ans["by_type"]
    assert "split: all" in (tmp_path / "out" / "report.md").read_text()
    report = (tmp_path / "out" / "report.md").read_text()
    for needle in ("Table 5", "Table 6", "voyage-02", "GPT-4", "LENIENT", "Baseline"):
        assert needle in report
    for part in ("retrieval", "answers"):
        assert (tmp_path / "out" / part / "report.png").exists()
    # Already ingested: a second run does not ingest again.
    again = run_multihop(
        corpus, queries, s, tmp_path / "out", retrieval_only=True, embedder=embedder,
        progress=False, log=lambda _: None,
    )  # fmt: skip
    assert not again["ingest"]["ingested"] and "answers" not in again
    assert again["retrieval"]["run"] == 1  # the default split is dev: q0001 only


def test_baseline_sample_answers_a_prefix_next_to_cached_newsdesk(
    files, settings, embedder, tmp_path
):
    corpus, queries = files
    s = settings.model_copy(update={"collection": "mhpair", "answerer": "extractive"})
    summary = run_multihop(
        corpus, queries, s, tmp_path / "out", answerer="extractive", sample=3, seed=0,
        baseline_sample=2, answers_only=True, split="test", embedder=embedder, progress=False,
        log=lambda _: None,
    )  # fmt: skip
    assert summary["errors"] == 0
    assert summary["answers"]["aggregate"]["newsdesk"]["overall"]["n"] == 2
    assert "baseline" not in summary["answers"]["aggregate"]
    pair = summary["answers_vs_baseline"]
    assert pair["n"] == 2 and set(pair["aggregate"]) == {"newsdesk", "baseline"}
    results = json.loads((tmp_path / "out" / "answers-vs-baseline" / "results.json").read_text())
    assert results["cache"] == {"hits": 2, "new_answers": 0}  # Newsdesk's answers reused
    assert "vs baseline on the first 2" in (tmp_path / "out" / "report.md").read_text()
