"""Start-up benchmark: `newsdesk --help`, `stats`, and `serve` until ready."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from eval.bench.common import (
    BIN,
    ROOT,
    BenchConfig,
    Log,
    free_port,
    load_avg,
    peak_rss_mb,
    sample_store,
    stop_process,
    tree_rss_mb,
)

# -- start-up ------------------------------------------------------------------------------


def _newsdesk() -> str:
    return shutil.which("newsdesk", path=str(BIN)) or str(BIN / "newsdesk")


def _time_cmd(cmd: list[str], env: dict[str, str], runs: int) -> dict[str, Any]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return {"runs": runs, "median_s": round(sorted(times)[len(times) // 2], 3),
            "min_s": round(min(times), 3)}  # fmt: skip


_IMPORT_CHECK = (
    "import sys; from typer.testing import CliRunner; from ui.cli import app; "
    "r = CliRunner().invoke(app, sys.argv[1:]); "
    "print(r.exit_code, sorted(m for m in ('torch', 'sentence_transformers', 'llama_cpp', "
    "'gradio', 'onnxruntime', 'chromadb') if m in sys.modules))"
)


def heavy_imports(args: list[str], env: dict[str, str]) -> list[str]:
    """Heavy modules imported by ``newsdesk ARGS`` (run in a fresh interpreter)."""
    proc = subprocess.run(
        [sys.executable, "-c", _IMPORT_CHECK, *args],
        env={**os.environ, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    code, _, mods = proc.stdout.strip().partition(" ")
    if code != "0":
        raise RuntimeError(f"newsdesk {' '.join(args)} failed: {proc.stdout}{proc.stderr}")
    return list(json.loads(mods.replace("'", '"')))


def _serve_has_ready() -> bool:
    return (ROOT / "ui" / "serve.py").is_file() and "def serve(" in (
        ROOT / "ui" / "cli.py"
    ).read_text(encoding="utf-8")


def time_serve(env: dict[str, str], answerer: str, log_path: Path, ask: bool) -> dict[str, Any]:
    """Start ``newsdesk serve``; time until its "ready" line; peak RSS of the process tree."""
    port = free_port()
    cmd = [_newsdesk(), "serve", "--port", str(port), "--answerer", answerer]
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT
    )
    ready: list[float] = []
    lines: list[str] = []

    def reader() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if not ready and "ready" in line.lower() and "http" in line:
                ready.append(time.perf_counter() - t0)

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    peak = 0.0
    out: dict[str, Any] = {"answerer": answerer}
    try:
        deadline = time.time() + 300
        while not ready and proc.poll() is None and time.time() < deadline:
            peak = max(peak, tree_rss_mb(proc.pid))
            time.sleep(0.2)
        if not ready:
            raise RuntimeError(f"serve never printed ready: {''.join(lines)[-800:]}")
        out["ready_s"] = round(ready[0], 2)
        for _ in range(10):
            peak = max(peak, tree_rss_mb(proc.pid))
            time.sleep(0.2)
        if ask:
            try:
                from gradio_client import Client

                t1 = time.perf_counter()
                client = Client(f"http://127.0.0.1:{port}", verbose=False)
                client.predict(question="Who is Russia's ambassador to the US?", api_name="/ask")
                out["first_question_s"] = round(time.perf_counter() - t1, 2)
            except Exception as exc:  # the API belongs to the app; measure what we can
                out["first_question_error"] = f"{type(exc).__name__}: {exc}"[:200]
            peak = max(peak, tree_rss_mb(proc.pid))
        out["peak_rss_mb"] = max(peak, peak_rss_mb(proc.pid) or 0.0)
    finally:
        stop_process(proc)
        thread.join(timeout=5)
        log_path.write_text("".join(lines), encoding="utf-8")
    return out


def bench_startup(cfg: BenchConfig, log: Log) -> dict[str, Any]:
    """``newsdesk --help``/``stats`` wall time and imports; ``serve`` until ready."""
    data_dir = sample_store(cfg)
    env = {
        **os.environ,
        "NEWSDESK_DATA_DIR": str(data_dir),
        "NEWSDESK_COLLECTION": "sample",
        "PYTHONPATH": str(ROOT),
    }
    logs = cfg.work / "logs"
    logs.mkdir(exist_ok=True)
    out: dict[str, Any] = {
        "help": _time_cmd([_newsdesk(), "--help"], env, 7),
        "stats": _time_cmd([_newsdesk(), "stats", "--json"], env, 5),
        "help_heavy_imports": heavy_imports(["--help"], env),
        "stats_heavy_imports": heavy_imports(["stats", "--json"], env),
        "load": load_avg(),
    }
    log(f"startup: --help {out['help']['median_s']}s, stats {out['stats']['median_s']}s")
    if _serve_has_ready():
        for answerer in cfg.serve_answerers:
            out[f"serve_{answerer}"] = time_serve(
                env, answerer, logs / f"serve-{answerer}.log", ask=answerer == "local"
            )
            log(f"startup: serve ({answerer}) {out[f'serve_{answerer}']}")
    else:
        out["serve"] = "not available (no `newsdesk serve` yet)"
    return out
