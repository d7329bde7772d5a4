"""Shared pieces of the benchmark: configuration, timing and process helpers."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
SAMPLE_DIR = ROOT / "data" / "sample"
GOLD = ROOT / "eval" / "gold" / "dev.jsonl"
SECTIONS = ("ingest", "retrieval", "answer", "startup")
BIN = Path(sys.executable).parent

Log = Callable[[str], None]


@dataclass
class BenchConfig:
    """What to run and where; see ``python -m eval.bench --help``."""

    work: Path = Path("/tmp/newsdesk-bench")
    out: Path | None = None
    sections: list[str] = field(default_factory=lambda: list(SECTIONS))
    corpus: Path | None = None  # MultiHop-RAG corpus.jsonl
    corpus_limit: int | None = None  # only the first N articles of the corpus
    queries: Path | None = None  # MultiHop-RAG queries.jsonl
    source: str | None = None  # DATA_DIR:COLLECTION of a torch-built store of the corpus
    sizes: list[int] = field(default_factory=lambda: [1000, 10000, 100000])
    n_queries: int = 200  # latency queries per store
    quality_queries: int = 0  # MultiHop queries for Hits@10 (0 = all non-null)
    gold: Path = GOLD
    answerers: list[str] = field(default_factory=lambda: ["local", "extractive"])
    answer_limit: int | None = None
    concurrency: int = 4
    serve_answerers: list[str] = field(default_factory=lambda: ["local", "extractive"])
    servers: bool = True  # also measure through a chroma server and an OpenAI-compatible one
    baseline: bool = True
    batch_size: int = 64
    seed: int = 0

    @property
    def json_path(self) -> Path:
        """Where the results go."""
        return self.out or self.work / "bench.json"


# -- small helpers -------------------------------------------------------------------------


def load_avg() -> list[float]:
    """1, 5 and 15 minute load averages."""
    return [round(x, 2) for x in os.getloadavg()]


def ratio(a: float | None, b: float | None) -> float | None:
    """a / b rounded, or None when either is missing or b is 0."""
    return round(a / b, 3) if a and b else None


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def peak_rss_mb(pid: int) -> float | None:
    """Peak resident set size (VmHWM) of a live process, in MB."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    m = re.search(r"VmHWM:\s+(\d+) kB", text)
    return round(int(m.group(1)) / 1024, 1) if m else None


def tree_rss_mb(pid: int) -> float:
    """Current RSS of a process and all its children, in MB."""
    import psutil

    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0.0
    total = 0
    for p in procs:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return round(total / 2**20, 1)


def self_peak_rss_mb() -> float:
    """This process's own peak RSS (VmHWM, which exec resets; ``ru_maxrss`` would carry the
    parent's peak into a worker started from a big process), in MB."""
    return peak_rss_mb(os.getpid()) or 0.0


def stop_process(proc: subprocess.Popen[Any]) -> None:
    """Stop a process this benchmark started (by its pid), then kill it if it lingers."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _wait_http(url: str, timeout: float, proc: subprocess.Popen[Any] | None = None) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with code {proc.returncode} before answering")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.25)
    raise RuntimeError(f"no answer from {url} after {timeout:.0f}s")


class ChromaServer:
    """``chroma run`` over an existing store directory (a context manager)."""

    def __init__(self, path: Path, log_path: Path) -> None:
        self.path, self.log_path = path, log_path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> ChromaServer:
        exe = shutil.which("chroma", path=str(BIN)) or "chroma"
        self._log = open(self.log_path, "wb")
        cmd = [exe, "run", "--host", "127.0.0.1", "--port", str(self.port)]
        self.proc = subprocess.Popen(
            [*cmd, "--path", str(self.path)], stdout=self._log, stderr=subprocess.STDOUT
        )
        _wait_http(self.url + "/api/v2/heartbeat", 60, self.proc)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            stop_process(self.proc)
        self._log.close()

    def peak_rss_mb(self) -> float | None:
        """The server's peak RSS so far."""
        return peak_rss_mb(self.proc.pid) if self.proc else None


def store_settings(data_dir: Path, collection: str, **extra: Any) -> Any:
    from index.settings import Settings

    return Settings(data_dir=data_dir, collection=collection, **extra)


def sample_store(cfg: BenchConfig) -> Path:
    """A torch-built store of the bundled sample articles (reused when present)."""
    from index.pipeline import ingest

    data_dir = cfg.work / "ingest-sample-torch"
    if not (data_dir / "chroma").is_dir():
        ingest([SAMPLE_DIR], store_settings(data_dir, "sample"))
    return data_dir
