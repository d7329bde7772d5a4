"""`newsdesk ask` as a user runs it: passages first, JSON lines when streaming, clear errors."""

from __future__ import annotations

import json

import pytest

from tests.reliability.conftest import newsdesk

QUESTION = "How many children have been killed by Russian airstrikes?"


@pytest.fixture(scope="module")
def env(sample_store):
    return {"NEWSDESK_COLLECTION": sample_store.collection, "NEWSDESK_ANSWERER": "extractive"}


def test_human_output_shows_the_passages_before_the_answer(sample_store, env):
    run = newsdesk("ask", QUESTION, data_dir=sample_store.data_dir, env=env)
    assert run.returncode == 0, run.stderr
    found = run.stdout.index("found 3 passage(s)")
    answer = run.stdout.index("36 children")
    assert found < answer and "extractive" in run.stdout


def test_json_stream_is_sources_then_answer_events(sample_store, env):
    run = newsdesk("ask", QUESTION, "--json", "--stream", data_dir=sample_store.data_dir, env=env)
    assert run.returncode == 0, run.stderr
    events = [json.loads(line) for line in run.stdout.splitlines()]
    kinds = [e["event"] for e in events]
    assert kinds[0] == "sources" and kinds[-1] == "answer"
    assert set(kinds[1:-1]) <= {"token"}
    sources, answer = events[0]["data"], events[-1]["data"]
    assert len(sources["highlights"]) == len(sources["passages"]) > 0
    assert "36" in answer["answer"] and answer["outcome"] == "extractive"


def test_bad_history_file_and_top_k_are_one_line_errors(sample_store, env, tmp_path):
    bad = tmp_path / "history.json"
    bad.write_text('[{"role": "robot", "content": 1}]', encoding="utf-8")
    run = newsdesk("ask", QUESTION, "--history", str(bad), data_dir=sample_store.data_dir, env=env)
    assert run.returncode == 2 and "history must be a list" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    run = newsdesk("ask", QUESTION, "--top-k", "0", data_dir=sample_store.data_dir, env=env)
    assert run.returncode == 2 and "top_k must be a whole number from 1 to 20" in run.stderr
