"""Fixtures and helpers for the reliability suite: real servers, real stores, real faults.

* ``rserver``: one real ``newsdesk serve`` (extractive default) shared by the package, with
  tight upload limits and its OpenAI-compatible answerer pointed at ``fake_openai``.
* ``fake_openai``: a tiny OpenAI-compatible HTTP server on loopback whose behaviour the test
  sets: ``slow`` (never answers in time), ``echo`` (a 401 that echoes the API key back), or
  stopped (connection refused).
* ``ChromaProcess``: a ``chroma run`` that a test can stop and restart on the same port/path.
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, free_port, stop_process
from tests.fake_openai import FakeOpenAI
from tests.ui.conftest import Server, start_server, stop_server

SECRET = "sk-test-SECRET-0123456789"
UPLOAD_LIMIT_MB = 0.05  # 50 KB
UPLOAD_FILES = 8
OPENAI_TIMEOUT_S = 2.0
BIN = Path(sys.executable).parent


def newsdesk(
    *args: str, data_dir: Path, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run the real ``newsdesk`` CLI in a subprocess over ``data_dir``."""
    environ = {
        **os.environ,
        "NEWSDESK_DATA_DIR": str(data_dir),
        "COLUMNS": "80",  # a narrow terminal: errors must still be one line
        **(env or {}),
    }
    exe = shutil.which("newsdesk", path=str(BIN)) or "newsdesk"
    return subprocess.run(
        [exe, *args], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=timeout
    )


def error_lines(stderr: str) -> list[str]:
    """The ``error:`` lines a CLI run printed."""
    return [line for line in stderr.splitlines() if line.startswith("error:")]


# -- generated articles --------------------------------------------------------------------

PLACES = ["Vellmoor", "Carrowick", "Dunmere", "Eastholm", "Farrowgate", "Glenbrook", "Ironvale"]
TOPICS = ["harbour", "railway", "school", "hospital", "bridge", "library", "water plant"]
NAMES = ["Aldous Brenn", "Marta Quill", "Oskar Venn", "Lina Torvald", "Pavel Ostrom"]


def make_articles(folder: Path, n: int, paragraphs: int = 6, seed: int = 0) -> list[Path]:
    """``n`` distinct small .txt articles (~300 words, ~3 chunks each), deterministic."""
    rnd = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        place, topic, name = PLACES[i % 7], TOPICS[(i // 7) % 7], NAMES[i % 5]
        paras = [
            f"The {place} council voted on item {i}-{p} to spend {rnd.randint(2, 900)} million "
            f"on the {topic}. {name} said the work would start in week {rnd.randint(1, 52)} "
            f"and finish before {2025 + p}. Residents raised {rnd.randint(3, 90)} objections "
            f"in consultation round {p}. Engineers expect {rnd.randint(100, 9000)} daily users."
            for p in range(paragraphs)
        ]
        path = folder / f"article_{i:03d}.txt"
        title = f"{place} council approves {topic} plan number {i}"
        path.write_text(title + "\n\n" + "\n\n".join(paras) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def sqlite_counts(store_dir: Path) -> dict[str, int]:
    """Records per collection, read straight from Chroma's SQLite file (read-only)."""
    db = store_dir / "chroma.sqlite3"
    if not db.exists():
        return {}
    query = (
        "SELECT c.name, count(*) FROM embeddings e JOIN segments s ON e.segment_id = s.id "
        "JOIN collections c ON s.collection = c.id GROUP BY c.name"
    )
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return dict(con.execute(query).fetchall())
        finally:
            con.close()
    except sqlite3.Error:  # mid-write or not created yet
        return {}


def forget_chroma_clients() -> None:
    """Drop this process's cached Chroma clients (before another process writes the store)."""
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()


# -- a stoppable chroma server ---------------------------------------------------------------


class ChromaProcess:
    """``chroma run`` on a fixed loopback port and path; stop and start it again at will."""

    def __init__(self, path: Path, log: Path) -> None:
        self.port = free_port()
        self.path = path
        self.log = log
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        exe = shutil.which("chroma", path=str(BIN)) or "chroma"
        args = ["--host", "127.0.0.1", "--port", str(self.port), "--path", str(self.path)]
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [exe, "run", *args],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.url + "/api/v2/heartbeat", timeout=1)
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        pytest.fail("chroma run did not start: " + self.log.read_text()[-500:])

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
        self.proc = None


@pytest.fixture(scope="package")
def fake_openai() -> Iterator[FakeOpenAI]:
    """The OpenAI-compatible server ``rserver`` answers with (slow until a test says else)."""
    with FakeOpenAI(mode="slow") as fake:
        yield fake


@pytest.fixture(scope="package")
def rserver(tmp_path_factory: pytest.TempPathFactory, fake_openai: FakeOpenAI) -> Iterator[Server]:
    """A real ``newsdesk serve`` (extractive default) with tight limits and a secret key."""
    running = start_server(
        tmp_path_factory.mktemp("rserve"),
        env={
            "NEWSDESK_MAX_UPLOAD_MB": str(UPLOAD_LIMIT_MB),
            "NEWSDESK_MAX_UPLOAD_FILES": str(UPLOAD_FILES),
            "NEWSDESK_OPENAI_BASE_URL": fake_openai.base_url,
            "NEWSDESK_OPENAI_TIMEOUT_S": str(OPENAI_TIMEOUT_S),
            "NEWSDESK_OPENAI_API_KEY": SECRET,
        },
    )
    yield running
    stop_server(running)


@pytest.fixture(scope="package")
def rclient(rserver: Server):
    from gradio_client import Client

    return Client(rserver.url, verbose=False)
