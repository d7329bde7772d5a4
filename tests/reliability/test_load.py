"""The load script (eval/load.py) in its short CI form against the real server.

The full form (20 sessions × 60 s extractive, 4 sessions local) is run by hand; its numbers
are in RELIABILITY.md.
"""

from __future__ import annotations

import doctest
import json
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.conftest import newsdesk
from tests.ui.conftest import Server


@pytest.mark.slow
def test_short_load_run_has_no_errors_and_stable_memory(rserver: Server, tmp_path: Path) -> None:
    from eval.load import format_summary, run_load

    summary: dict[str, Any] = run_load(
        rserver.url,
        sessions=5,
        seconds=10,
        answerer="extractive",
        max_requests=400,
        pid=rserver.proc.pid,
        request_timeout=60,
        log=lambda _: None,
    )
    print(format_summary(summary))
    assert summary["errors"] == 0 and summary["unanswered"] == 0, summary["error_messages"]
    assert summary["answered"] == summary["requests"] >= 5
    assert all(n >= 1 for n in summary["per_session"])  # every session got answers
    assert summary["refused"] >= 1  # the unanswerable questions in the mix are refused
    assert summary["latency_s"]["p95"] < 30
    assert summary["queue_wait_s"]["p50"] is not None
    rss = summary["rss_mb"]
    assert rss["before"] and rss["after"] and rss["growth"] < 250  # MB
    json.dumps(summary)  # the --out file is plain JSON


def test_load_refuses_a_non_loopback_url(tmp_path: Path) -> None:
    run = newsdesk(
        "dev", "load", "--url", "http://example.org:7860", "--seconds", "1", data_dir=tmp_path
    )
    assert run.returncode == 2
    assert "not a loopback URL" in run.stderr and "Traceback" not in run.stderr


def test_docstring_examples_of_new_modules() -> None:
    import eval.load
    import ui.history

    for module in (eval.load, ui.history):
        result = doctest.testmod(module)
        assert result.attempted and not result.failed, module.__name__
