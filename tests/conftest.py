"""Shared fixtures: real embedding model, real Chroma in a temp dir, the bundled sample."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

import pytest

from index.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def embedder():
    """One real all-MiniLM-L6-v2 for the whole session."""
    from index.embeddings import Embedder

    return Embedder(threads=0)


@pytest.fixture
def settings(tmp_path):
    """Settings pointing at a fresh data dir."""
    from index.settings import Settings

    return Settings(data_dir=tmp_path / "data", collection="test")


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory, embedder):
    """The five sample articles ingested once into an embedded store (read-only for tests)."""
    from index.pipeline import ingest
    from index.settings import Settings

    settings = Settings(data_dir=tmp_path_factory.mktemp("sample"), collection="sample")
    report = ingest([SAMPLE], settings, embedder=embedder)
    assert report.count("added") == 5, report.results
    return settings


def start_chroma(path: Path, log_path: Path) -> tuple[str, Any]:
    """Start a real `chroma run` on a free loopback port; returns (URL, process)."""
    import shutil
    import subprocess
    import sys
    import time
    import urllib.request

    port = free_port()
    exe = shutil.which("chroma", path=str(Path(sys.executable).parent)) or "chroma"
    log = open(log_path, "wb")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [exe, "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(path)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()  # the child keeps its own handle
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90  # measured 21 s to come up at load 8.5 on 2 cores (nice 19)
    while time.time() < deadline and proc.poll() is None:
        try:
            urllib.request.urlopen(url + "/api/v2/heartbeat", timeout=1)
            return url, proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    pytest.fail("chroma run did not start: " + log_path.read_text()[-500:])


def stop_process(proc: Any, timeout: float = 10) -> None:
    """Terminate a process we started (by its PID), killing it if it does not stop within
    ``timeout`` seconds."""
    import subprocess

    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)


@pytest.fixture
def chroma_server(tmp_path):
    """A real `chroma run` server on a free loopback port; yields its URL, stopped by PID."""
    url, proc = start_chroma(tmp_path / "srv", tmp_path / "chroma.log")
    yield url
    stop_process(proc)


@pytest.fixture(scope="session")
def local_model_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings whose models dir holds the real assembled GGUF (assembled once per session).

    ``n_threads=2`` (the machine's cores); other knobs are the defaults. Read-only for tests:
    do not delete or touch the model file.
    """
    from qa.model_files import local_model_path

    settings = Settings(data_dir=tmp_path_factory.mktemp("qa_model"), n_threads=2)
    local_model_path(settings)
    return settings
