"""Answering benchmark: time to first token, total time and concurrency per answerer."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from eval.bench.common import (
    BenchConfig,
    Log,
    _sample_store,
    _self_peak_rss_mb,
    _stop,
    _store_settings,
    _wait_http,
    free_port,
    load_avg,
    peak_rss_mb,
)
from eval.metrics import percentiles
from eval.systems import model_ran

# -- answering -----------------------------------------------------------------------------


def _prompt_tokens(assistant: Any, answer: Any) -> int | None:
    """Tokens of the answer prompt (system + passages + question) for the local model."""
    from qa.prompts import ANSWER_PROMPT, answer_inputs

    model = assistant._models.get("local")
    if model is None or not answer.retrieved:
        return None
    llama = model[0].client
    inputs = answer_inputs(
        answer.retrieved, answer.standalone_question, assistant.settings.prompt_passage_words
    )
    messages = ANSWER_PROMPT.format_messages(**inputs)
    text = "\n".join(str(m.content) for m in messages)
    return len(llama.tokenize(text.encode("utf-8"), add_bos=False)) + 10  # + chat template


def _time_one(
    assistant: Any, question: str, answerer: str, history: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    """One streamed answer: first token = the first draft token (or the answer, when no
    token came), measured from the call; the question is asked with its conversation so far."""
    from qa.answer import Answer, Sources

    t0 = time.perf_counter()
    first = None
    answer = None
    for item in assistant.stream(question, history or [], answerer=answerer):
        if isinstance(item, Sources):
            continue
        if first is None:
            first = time.perf_counter() - t0
        if isinstance(item, Answer):
            answer = item
    total = time.perf_counter() - t0
    assert answer is not None
    return {
        "ttft_s": round(first or total, 3),
        "total_s": round(total, 3),
        "refused": answer.refused,
        "answerer": answer.answerer,
        "outcome": answer.outcome,
        "model_ran": model_ran(answer.outcome, answer.answerer),
        "answer": answer,
    }


def _asked(rows: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    """(question, conversation id) in gold order: a turn is asked after its earlier turns."""
    return [(str(r["question"]), r.get("conversation")) for r in rows]


def _answer_runs(
    assistant: Any,
    questions: list[tuple[str, str | None]],
    answerer: str,
    concurrency: int,
    log: Log,
) -> dict[str, Any]:
    runs, histories = [], []
    convs: dict[str, list[dict[str, str]]] = {}
    for i, (q, conv) in enumerate(questions, 1):
        history = list(convs.get(conv, [])) if conv else []
        run = _time_one(assistant, q, answerer, history)
        run["prompt_tokens"] = _prompt_tokens(assistant, run["answer"])
        runs.append(run)
        histories.append(history)
        if conv:
            convs[conv] = [*history, {"role": "user", "content": q},
                           {"role": "assistant", "content": run["answer"].answer}]  # fmt: skip
        if i % 10 == 0:
            log(f"  {answerer}: {i}/{len(questions)}")
    ran = [r for r in runs if r["model_ran"]]
    outcomes = [r["outcome"] for r in runs]
    out: dict[str, Any] = {
        "questions": len(runs),
        # first token only over questions where the model ran (not refusals before it)
        "ttft_s": percentiles([r["ttft_s"] for r in ran], digits=2, empty=None),
        "total_s": percentiles([r["total_s"] for r in runs], digits=2, empty=None),
        "follow_up_total_s": percentiles(
            [r["total_s"] for r, h in zip(runs, histories, strict=True) if h],
            digits=2,
            empty=None,
        ),
        "outcomes": {o: outcomes.count(o) for o in sorted(set(outcomes))},
        "refused": sum(r["refused"] for r in runs),
        "fallbacks": sum("fallback" in r["answerer"] for r in runs),
        "load": load_avg(),
    }
    tokens = [r["prompt_tokens"] for r in runs if r["prompt_tokens"]]
    if tokens:
        out["prompt_tokens"] = percentiles(tokens, digits=2, empty=None)
    t0 = time.perf_counter()
    asks = [(q, h) for (q, _), h in zip(questions, histories, strict=True)]
    with ThreadPoolExecutor(concurrency) as pool:
        conc = list(pool.map(lambda qh: _time_one(assistant, qh[0], answerer, qh[1]), asks))
    wall = time.perf_counter() - t0
    out["concurrent"] = {
        "askers": concurrency,
        "questions": len(conc),
        "wall_s": round(wall, 2),
        "questions_per_s": round(len(conc) / wall, 3),
        "total_s": percentiles([r["total_s"] for r in conc], digits=2, empty=None),
        "load": load_avg(),
    }
    return out


def bench_answer(cfg: BenchConfig, log: Log) -> dict[str, Any]:
    """TTFT and total time per answerer on the gold questions, then with concurrent askers."""
    from qa.assistant import Assistant

    rows = [json.loads(x) for x in cfg.gold.read_text(encoding="utf-8").splitlines() if x]
    questions = _asked(rows)[: cfg.answer_limit]
    data_dir = _sample_store(cfg)
    results: dict[str, Any] = {"gold": str(cfg.gold), "questions": len(questions)}
    for answerer in cfg.answerers:
        if answerer == "openai":
            continue
        settings = _store_settings(data_dir, "sample", answerer=answerer)
        assistant = Assistant(settings)
        t0 = time.perf_counter()
        assistant.warm_up(answerer)  # type: ignore[arg-type]
        warm = time.perf_counter() - t0
        log(f"answer {answerer}: warm-up {warm:.1f}s")
        results[answerer] = _answer_runs(assistant, questions, answerer, cfg.concurrency, log)
        results[answerer]["warm_up_s"] = round(warm, 2)
        results[answerer]["process_peak_rss_mb"] = _self_peak_rss_mb()
        log(f"answer {answerer}: ttft {results[answerer]['ttft_s']}")
    if cfg.servers and ("openai" in cfg.answerers or "local" in cfg.answerers):
        results["openai_llama_cpp_server"] = _bench_openai(cfg, data_dir, questions, log)
    return results


def _bench_openai(
    cfg: BenchConfig, data_dir: Path, questions: list[tuple[str, str | None]], log: Log
) -> dict[str, Any]:
    """The ``openai`` answerer against ``python -m llama_cpp.server`` with the same GGUF."""
    from qa.assistant import Assistant
    from qa.model_files import local_model_path

    settings = _store_settings(data_dir, "sample", answerer="openai")
    gguf = local_model_path(settings)
    port = free_port()
    cmd = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(gguf),
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(settings.n_ctx),
        "--n_threads", str(settings.n_threads), "--n_threads_batch", str(settings.n_threads),
        "--n_batch", "512", "--model_alias", "newsdesk-local",
    ]  # fmt: skip
    logs = cfg.work / "logs"
    logs.mkdir(exist_ok=True)
    with open(logs / "llama-server.log", "wb") as log_file:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=log_file, stderr=subprocess.STDOUT)
        try:
            _wait_http(f"http://127.0.0.1:{port}/v1/models", 120, proc)
            ready = time.perf_counter() - t0
            log(f"llama_cpp.server ready in {ready:.1f}s")
            settings = settings.model_copy(
                update={
                    "openai_base_url": f"http://127.0.0.1:{port}/v1",
                    "openai_model": "newsdesk-local",
                }
            )
            assistant = Assistant(settings)
            assistant.warm_up("openai")
            out = _answer_runs(assistant, questions, "openai", cfg.concurrency, log)
            out["server_ready_s"] = round(ready, 2)
            out["server_peak_rss_mb"] = peak_rss_mb(proc.pid)
            out["command"] = " ".join(cmd[1:]).replace(str(gguf), "MODEL.gguf")
        finally:
            _stop(proc)
    return out
