"""Replica benchmark: freshness lag between two `newsdesk serve` replicas on one Chroma server,
the cost of a freshness check and of catching up at 10k and 100k chunks, and questions/s
through 1 vs 2 replicas (extractive answerer).

Run: ``python -m eval.bench.replicas [--work DIR] [--out FILE] [--sizes 10000 100000]``;
prints a summary and writes JSON. Starts its own ``chroma run`` and replicas on free ports.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from eval.bench.common import BIN, ROOT, ChromaServer, Log, free_port, load_avg, stop_process
from eval.bench.replicas_index import measure
from eval.metrics import percentiles

QUESTIONS = [
    "Who is Russia's ambassador to the US?",
    "When will the Syria peace talks take place?",
    "What did Kerry say about Syria?",
]


def start_replica(data_dir: Path, env: dict[str, str]) -> tuple[str, subprocess.Popen[str]]:
    """``newsdesk serve`` (extractive) on a free port; returns (URL, process) once ready."""
    port = free_port()
    environ = {**os.environ, **env, "NEWSDESK_DATA_DIR": str(data_dir),
               "NEWSDESK_ANSWERER": "extractive", "GRADIO_ANALYTICS_ENABLED": "False",
               "PYTHONUNBUFFERED": "1"}  # fmt: skip
    proc = subprocess.Popen([str(BIN / "newsdesk"), "serve", "--port", str(port)], cwd=ROOT,
                            env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)  # fmt: skip
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("ready: http"):
            threading.Thread(target=lambda: [None for _ in proc.stdout or []], daemon=True).start()
            return f"http://127.0.0.1:{port}", proc
    raise RuntimeError(f"newsdesk serve exited with {proc.wait()}")


def _top_title(client: Any, question: str) -> str:
    result = client.predict(question=question, api_name="/ask")
    return str(result["retrieved"][0]["title"]) if result["retrieved"] else ""


def freshness_lag(a: str, b: str, work: Path, trials: int, log: Log) -> dict[str, Any]:
    """Seconds from an ingest through A returning to the article being top-1 on B."""
    from gradio_client import Client, handle_file

    ca, cb = Client(a, verbose=False), Client(b, verbose=False)
    lags = []
    for i in range(trials):
        word = f"Zyxcorp{i}quant"
        path = work / "lag" / f"lag{i}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{word} report {i}\n\nThe firm {word} announced results number {i} "
                        f"on {time.time()}.\n", encoding="utf-8")  # fmt: skip
        ca.predict(files=[handle_file(str(path))], api_name="/ingest")
        t0 = time.perf_counter()
        while _top_title(cb, f"What did {word} announce?") != f"{word} report {i}":
            if time.perf_counter() - t0 > 60:
                raise RuntimeError("the article never became answerable on B")
            time.sleep(0.05)
        lags.append(time.perf_counter() - t0)
        log(f"lag trial {i}: {lags[-1]:.2f} s")
    return {"seconds": percentiles(lags, digits=2, empty=None), "trials": trials}


def throughput(urls: list[str], n: int, clients: int) -> dict[str, Any]:
    """Questions/s with ``clients`` concurrent callers spread round-robin over ``urls``."""
    from gradio_client import Client

    pool = [Client(urls[i % len(urls)], verbose=False) for i in range(clients)]
    for c in pool:
        c.predict(question=QUESTIONS[0], api_name="/ask")  # warm
    latencies: list[float] = []

    def one(i: int) -> None:
        t0 = time.perf_counter()
        pool[i % clients].predict(question=QUESTIONS[i % len(QUESTIONS)], api_name="/ask")
        latencies.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as ex:
        list(ex.map(one, range(n)))
    wall = time.perf_counter() - t0
    return {"replicas": len(urls), "questions": n, "clients": clients,
            "questions_per_s": round(n / wall, 2),
            "latency_s": percentiles(latencies, digits=3, empty=None)}  # fmt: skip


def run(work: Path, sizes: list[int], trials: int, n_questions: int, log: Log) -> dict[str, Any]:
    """Every measurement; returns the report."""
    report: dict[str, Any] = {"index": [measure(work, s, log) for s in sizes]}
    with ChromaServer(work / "cluster-chroma", work / "cluster-chroma.log") as chroma:
        env = {"NEWSDESK_CHROMA_URL": chroma.url, "NEWSDESK_COLLECTION": "bench",
               "NEWSDESK_REFRESH_S": "1"}  # fmt: skip
        a_url, a = start_replica(work / "a", env)
        b_url, b = start_replica(work / "b", env)
        try:
            report["freshness_lag_refresh_1s"] = freshness_lag(a_url, b_url, work, trials, log)
            report["throughput"] = [
                throughput([a_url], n_questions, clients=2),
                throughput([a_url, b_url], n_questions, clients=2),
            ]
            log(f"throughput: {report['throughput']}")
        finally:
            stop_process(a)
            stop_process(b)
    return report


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--work", type=Path, default=Path("/tmp/newsdesk-bench-replicas"))
    p.add_argument("--out", type=Path, default=None)
    p.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    p.add_argument("--trials", type=int, default=10)
    p.add_argument("--questions", type=int, default=60)
    args = p.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()  # fmt: skip
    report = {"commit": commit, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
              "cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
              "load_avg_start": load_avg(),
              **run(args.work, args.sizes, args.trials, args.questions, log)}  # fmt: skip
    text = json.dumps(report, indent=2)
    print(text)
    out = args.out or args.work / "replicas.json"
    out.write_text(text + "\n", encoding="utf-8")
    log(f"wrote {out}")


if __name__ == "__main__":
    main()
