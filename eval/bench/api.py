"""Benchmark of the service APIs: overhead over a direct call, 20 concurrent clients, and the
conversation list with 1,000 saved conversations.

    python -m eval.bench.api --out /tmp/newsdesk-bench/api.json [--requests 200] [--seconds 60]

1. Direct: ``Assistant.ask`` in this process (extractive answerer) over the sample questions,
   ``--requests`` times: p50/p95.
2. Through a real ``newsdesk serve`` (extractive, API keys on) on loopback, one keep-alive
   client: ``POST /api/v1/ask`` and ``POST /v1/chat/completions``, ``--requests`` each. The
   overhead is p50(endpoint) − p50(direct); for REST also the p50 of (client latency − the
   answer's own time, sent as ``Server-Timing``), which excludes any difference between the
   processes (for OpenAI too).
3. ``--clients`` clients (half REST, half OpenAI) asking in a loop for ``--seconds``: requests,
   errors, p50/p95/max, throughput.
4. 1,000 conversations saved for one owner (plus 1,000 for another): ``GET
   /api/v1/conversations?owner=…`` (the sidebar's query, 100 newest) p50/p95 over 50 calls, and
   the same query in process.

Loopback only, bounded in count and time; the server is stopped by its PID.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from eval.bench.common import ROOT, free_port
from eval.load import QUESTIONS

KEY = "bench-key-" + os.urandom(6).hex()


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of ``values``, in the same unit, rounded to 0.1."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def summary(ms: list[float]) -> dict[str, float]:
    """p50, p95, max and mean of latencies in ms."""
    return {
        "n": len(ms),
        "p50_ms": pct(ms, 0.5),
        "p95_ms": pct(ms, 0.95),
        "max_ms": round(max(ms), 1) if ms else float("nan"),
        "mean_ms": round(statistics.fmean(ms), 1) if ms else float("nan"),
    }


def environment() -> dict[str, Any]:
    """Commit, date, CPU and load: what a BENCHMARKS.md row needs."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    cpu = platform.processor()
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                cpu = line.split(":", 1)[1].strip()
    except OSError:
        pass
    return {
        "commit": commit,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "load": os.getloadavg()[0],
        "python": platform.python_version(),
    }


def direct(data_dir: Path, n: int) -> dict[str, Any]:
    """``Assistant.ask`` in process, ``n`` calls over the sample questions (after warm-up)."""
    from index.pipeline import ingest
    from index.settings import Settings
    from qa.assistant import Assistant

    settings = Settings(data_dir=data_dir, answerer="extractive")
    ingest([ROOT / "data" / "sample"], settings)
    assistant = Assistant(settings)
    assistant.warm_up("extractive")
    for q in QUESTIONS:
        assistant.ask(q)
    ms = []
    for i in range(n):
        t0 = time.perf_counter()
        assistant.ask(QUESTIONS[i % len(QUESTIONS)])
        ms.append((time.perf_counter() - t0) * 1000)
    return summary(ms)


def start(data_dir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    exe = shutil.which("newsdesk", path=str(Path(sys.executable).parent)) or "newsdesk"
    env = {
        **os.environ,
        "NEWSDESK_DATA_DIR": str(data_dir),
        "NEWSDESK_ANSWERER": "extractive",
        "NEWSDESK_API_KEYS": KEY,
        "GRADIO_ANALYTICS_ENABLED": "False",
    }
    out = log.open("wb")
    proc = subprocess.Popen([exe, "serve", "--port", str(port)], env=env, stdout=out, stderr=out)
    deadline = time.time() + 300
    while "ready: http" not in log.read_text(errors="replace"):
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            raise RuntimeError("newsdesk serve did not start: " + log.read_text()[-1000:])
        time.sleep(0.3)
    return proc


def server_ms(response: Any) -> float:
    """The assistant's own time for a response (its ``Server-Timing: answer;dur=MS``)."""
    return float(response.headers["server-timing"].split("dur=")[1])


def sequential(url: str, n: int) -> dict[str, Any]:
    """One keep-alive client: REST and OpenAI latencies, and REST latency minus server time."""
    import httpx

    headers = {"Authorization": f"Bearer {KEY}"}
    rest, rest_over, chat, chat_over = [], [], [], []
    with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
        for q in QUESTIONS:  # warm-up
            client.post("/api/v1/ask", json={"question": q}).raise_for_status()
        for i in range(n):
            q = QUESTIONS[i % len(QUESTIONS)]
            t0 = time.perf_counter()
            r = client.post("/api/v1/ask", json={"question": q})
            took = (time.perf_counter() - t0) * 1000
            r.raise_for_status()
            rest.append(took)
            rest_over.append(took - server_ms(r))
        for i in range(n):
            body = {
                "model": "newsdesk",
                "messages": [{"role": "user", "content": QUESTIONS[i % len(QUESTIONS)]}],
            }
            t0 = time.perf_counter()
            r = client.post("/v1/chat/completions", json=body)
            chat.append((time.perf_counter() - t0) * 1000)
            r.raise_for_status()
            chat_over.append(chat[-1] - server_ms(r))
        health = []
        for _ in range(n):
            t0 = time.perf_counter()
            client.get("/api/v1/health").raise_for_status()
            health.append((time.perf_counter() - t0) * 1000)
    return {
        "rest": summary(rest),
        "rest_minus_server_time": summary(rest_over),
        "openai": summary(chat),
        "openai_minus_server_time": summary(chat_over),
        "health": summary(health),
    }


def concurrent(url: str, clients: int, seconds: float) -> dict[str, Any]:
    """``clients`` threads asking in a loop for ``seconds`` (even: REST, odd: OpenAI)."""
    import httpx

    lock = threading.Lock()
    ms: dict[str, list[float]] = {"rest": [], "openai": []}
    errors: list[str] = []
    stop = time.perf_counter() + seconds

    def worker(k: int) -> None:
        kind = "rest" if k % 2 == 0 else "openai"
        with httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {KEY}"}, timeout=120
        ) as c:
            i = k
            while time.perf_counter() < stop:
                q = QUESTIONS[i % len(QUESTIONS)]
                i += 1
                t0 = time.perf_counter()
                try:
                    if kind == "rest":
                        r = c.post("/api/v1/ask", json={"question": q})
                    else:
                        r = c.post(
                            "/v1/chat/completions",
                            json={
                                "model": "newsdesk",
                                "messages": [{"role": "user", "content": q}],
                            },
                        )
                    ok = r.status_code == 200
                    detail = f"{r.status_code} {r.text[:120]}"
                except httpx.HTTPError as exc:
                    ok, detail = False, f"{type(exc).__name__}: {exc}"
                took = (time.perf_counter() - t0) * 1000
                with lock:
                    if ok:
                        ms[kind].append(took)
                    else:
                        errors.append(detail)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    both = ms["rest"] + ms["openai"]
    return {
        "clients": clients,
        "seconds": round(wall, 1),
        "requests": len(both) + len(errors),
        "errors": len(errors),
        "error_samples": errors[:5],
        "all": summary(both),
        "rest": summary(ms["rest"]),
        "openai": summary(ms["openai"]),
        "throughput_rps": round(len(both) / wall, 1),
    }


def conversation_list(url: str, data_dir: Path, n: int = 1000) -> dict[str, Any]:
    """Save ``n`` conversations for one owner (and ``n`` for another); time listing them."""
    import httpx

    from index.settings import Settings
    from qa.answer import Answer
    from qa.conversations import Conversations

    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {KEY}"}, timeout=60) as c:
        answer = Answer.model_validate(
            c.post("/api/v1/ask", json={"question": QUESTIONS[0]}).json()
        )
        store = Conversations.open(Settings(data_dir=data_dir))
        t0 = time.perf_counter()
        for i in range(2 * n):
            store.add_turn("browser:bench" if i % 2 else "browser:other", None, answer, {})
        save_ms = (time.perf_counter() - t0) * 1000 / (2 * n)
        api_ms, local_ms = [], []
        for _ in range(50):
            t0 = time.perf_counter()
            r = c.get("/api/v1/conversations", params={"owner": "browser:bench", "limit": 100})
            api_ms.append((time.perf_counter() - t0) * 1000)
            r.raise_for_status()
            assert r.json()["total"] == n
            t0 = time.perf_counter()
            store.list("browser:bench", limit=100)
            local_ms.append((time.perf_counter() - t0) * 1000)
    return {
        "saved": store.count("browser:bench"),
        "all_saved": store.count(),
        "save_ms_each": round(save_ms, 2),
        "api_list_100": summary(api_ms),
        "store_list_100": summary(local_ms),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.bench.api", description=__doc__.split("\n")[0])
    p.add_argument("--work", type=Path, default=Path("/tmp/newsdesk-bench/api"))
    p.add_argument("--out", type=Path, help="results JSON (default WORK/api.json)")
    p.add_argument("--requests", type=int, default=200)
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--conversations", type=int, default=1000)
    args = p.parse_args(argv)
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    results: dict[str, Any] = {"environment": environment(), "command": " ".join(sys.argv)}
    print(f"direct Assistant.ask × {args.requests} …", flush=True)
    results["direct"] = direct(args.work / "direct", args.requests)
    port = free_port()
    server = start(args.work / "served", port, args.work / "serve.log")
    url = f"http://127.0.0.1:{port}"
    try:
        print(f"REST and OpenAI endpoints × {args.requests} …", flush=True)
        results["sequential"] = sequential(url, args.requests)
        print(f"{args.clients} clients for {args.seconds:g} s …", flush=True)
        results["concurrent"] = concurrent(url, args.clients, args.seconds)
        print(f"conversation list with {args.conversations} saved …", flush=True)
        results["conversations"] = conversation_list(url, args.work / "served", args.conversations)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    d, s_ = results["direct"], results["sequential"]
    results["overhead_ms"] = {
        "rest_p50_minus_direct_p50": round(s_["rest"]["p50_ms"] - d["p50_ms"], 1),
        "openai_p50_minus_direct_p50": round(s_["openai"]["p50_ms"] - d["p50_ms"], 1),
        "rest_p50_minus_server_time": s_["rest_minus_server_time"]["p50_ms"],
        "openai_p50_minus_server_time": s_["openai_minus_server_time"]["p50_ms"],
    }
    out = args.out or args.work / "api.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(report(results))
    print(f"wrote {out}")
    return 1 if results["concurrent"]["errors"] else 0


def report(r: dict[str, Any]) -> str:
    """The results as Markdown tables."""
    d, s_, c, v, o = (
        r["direct"],
        r["sequential"],
        r["concurrent"],
        r["conversations"],
        r["overhead_ms"],
    )
    lines = [
        "| call (extractive, one client) | p50 ms | p95 ms | overhead p50 ms |",
        "|---|---|---|---|",
        f"| `Assistant.ask` in process | {d['p50_ms']} | {d['p95_ms']} | — |",
        f"| `POST /api/v1/ask` | {s_['rest']['p50_ms']} | {s_['rest']['p95_ms']} | "
        f"{o['rest_p50_minus_direct_p50']} "
        f"({o['rest_p50_minus_server_time']} over its own server time) |",
        f"| `POST /v1/chat/completions` | {s_['openai']['p50_ms']} | {s_['openai']['p95_ms']} | "
        f"{o['openai_p50_minus_direct_p50']} "
        f"({o['openai_p50_minus_server_time']} over its own server time) |",
        f"| `GET /api/v1/health` | {s_['health']['p50_ms']} | {s_['health']['p95_ms']} | — |",
        "",
        f"{c['clients']} clients × {c['seconds']} s: {c['requests']} requests, "
        f"{c['errors']} errors, "
        f"p50 {c['all']['p50_ms']} ms, p95 {c['all']['p95_ms']} ms, max {c['all']['max_ms']} ms, "
        f"{c['throughput_rps']} req/s "
        f"(REST p95 {c['rest']['p95_ms']}, OpenAI p95 {c['openai']['p95_ms']})",
        "",
        f"conversation list, {v['saved']} saved for the owner ({v['all_saved']} in all): "
        f"API p50 {v['api_list_100']['p50_ms']} ms, p95 {v['api_list_100']['p95_ms']} ms; "
        f"in process p50 {v['store_list_100']['p50_ms']} ms; saving one {v['save_ms_each']} ms",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
