"""Answering benchmark: what a user waits for, on this CPU, next to the raw model speed.

For each gold question, in file order (a turn of a conversation — records sharing a
``conversation`` id — is asked with that conversation's earlier turns and the system's own
answers as history):

* ``sources_s`` — until the ``Sources`` event (the passages a user can already check);
* ``first_token_s`` — until the first draft token, only where the model ran;
* ``total_s`` — until the final, verified answer;
* ``model_tokens`` — prompt tokens the local model evaluated (condense + answer; the reused KV
  prefix is not counted) and tokens generated;
* ``outcome`` — how the answer was made (``qa.answer.OUTCOMES``).

The raw llama.cpp prompt and generation speed is measured in the same run on the same loaded
model, so figures from different hosts can be compared as ratios.
"""

from __future__ import annotations

import json
import platform
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

from eval.bench.common import (
    BenchConfig,
    Log,
    load_avg,
    sample_store,
    self_peak_rss_mb,
    store_settings,
)
from eval.metrics import percentiles
from eval.systems import MODEL_OUTCOMES

_FLAGS = ("avx", "avx2", "fma", "f16c", "avx512f", "avx512_vnni", "avx_vnni", "amx_tile")


def cpu_info() -> dict[str, Any]:
    """CPU model, core count and the SIMD flags llama.cpp cares about."""
    model, flags = platform.processor() or "", set()
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8")
        m = re.search(r"^model name\s*:\s*(.+)$", text, re.M)
        model = m.group(1).strip() if m else model
        m = re.search(r"^flags\s*:\s*(.+)$", text, re.M)
        flags = set(m.group(1).split()) if m else set()
    except OSError:
        pass
    import os

    return {
        "model": model,
        "cores": os.cpu_count(),
        "flags": [f for f in _FLAGS if f in flags],
    }


def raw_model_speed(
    settings: Any, prompt_tokens: int = 360, gen_tokens: int = 48
) -> dict[str, Any]:
    """llama.cpp's own prompt-evaluation and generation tokens/s on the local model.

    Always measured without prompt-lookup decoding: with a draft model llama.cpp's counters
    no longer time plain prompt evaluation (a run with it on reported 1.3 M prompt tok/s).
    """
    import llama_cpp

    from qa.generators import GENERATION_LOCK, local_chat_model

    plain = settings.model_copy(update={"prompt_lookup_tokens": 0})
    llama = local_chat_model(plain).client
    filler = " ".join(f"word{i} of the news, said the minister." for i in range(prompt_tokens))
    tokens = llama.tokenize(filler.encode("utf-8"), add_bos=True)[:prompt_tokens]
    with GENERATION_LOCK:
        llama.reset()  # an empty KV cache: every prompt token is evaluated
        ctx = llama._ctx.ctx
        llama_cpp.llama_perf_context_reset(ctx)
        llama.eval(tokens)
        for _ in range(gen_tokens):  # greedy one-token steps, as generation runs
            token = llama.sample(temp=0.0)
            llama.eval([token])
        data = llama_cpp.llama_perf_context(ctx)
        llama.reset()
    return {
        "threads": settings.n_threads,
        "prompt_tokens": int(data.n_p_eval),
        "prompt_tok_s": round(data.n_p_eval / (data.t_p_eval_ms / 1000), 1),
        "gen_tokens": int(data.n_eval),
        "gen_tok_s": round(data.n_eval / (data.t_eval_ms / 1000), 1),
    }


def _time_record(
    assistant: Any, question: str, history: list[dict[str, str]], answerer: str
) -> tuple[dict[str, Any], Any]:
    from qa.answer import Answer, Sources

    t0 = time.perf_counter()
    sources = first = None
    answer: Answer | None = None
    for item in assistant.stream(question, history, answerer):
        now = time.perf_counter() - t0
        if isinstance(item, Sources):
            sources = now
        elif isinstance(item, Answer):
            answer = item
        elif first is None:
            first = now
    total = time.perf_counter() - t0
    assert answer is not None
    tokens = answer.model_tokens
    return {
        "follow_up": bool(history),
        "sources_s": round(sources or total, 3),
        "first_token_s": round(first, 3) if first is not None else None,
        "total_s": round(total, 3),
        "outcome": answer.outcome,
        "prompt_tokens": sum(tokens.get(p + "prompt", 0) for p in _CALLS),
        "cached_tokens": sum(tokens.get(p + "prompt_cached", 0) for p in _CALLS),
        "generated_tokens": sum(tokens.get(p + "generated", 0) for p in _CALLS),
        "second_look": "second_look" in answer.timings_ms,
    }, answer


#: The model calls of one answer: the draft, a condensing rewrite, a second look after a refusal.
_CALLS = ("", "condense_", "second_")


def _right(answer: Any, rec: dict[str, Any]) -> bool:
    """The gold set's answer rule (eval.scoring): contains a gold answer, the right Yes/No,
    or a refusal for an unanswerable question."""
    from eval import metrics
    from eval.scoring import is_verdict_gold, verdict_match

    golds = rec.get("answers") or []
    if not golds or answer.refused:
        return bool(answer.refused and not golds)
    if is_verdict_gold(golds):
        return bool(verdict_match(answer.answer, golds))
    return bool(metrics.contains_answer(answer.answer, golds))


def _stats(values: list[Any]) -> dict[str, Any]:
    return percentiles(values, digits=2, empty=None)


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    ran = [r for r in runs if r["outcome"] in MODEL_OUTCOMES]
    follow = [r for r in runs if r["follow_up"]]
    out: dict[str, Any] = {
        "questions": len(runs),
        "follow_ups": len(follow),
        "outcomes": dict(Counter(r["outcome"] for r in runs)),
        "right": sum(r["right"] for r in runs),
        "second_looks": sum(1 for r in runs if r.get("second_look")),
        "sources_s": _stats([r["sources_s"] for r in runs]),
        "total_s": _stats([r["total_s"] for r in runs]),
        "load": load_avg(),
    }
    if follow:
        out["follow_up_total_s"] = _stats([r["total_s"] for r in follow])
    if ran:
        out["model_ran"] = len(ran)
        out["first_token_s"] = _stats([r["first_token_s"] for r in ran if r["first_token_s"]])
        out["total_s_model_ran"] = _stats([r["total_s"] for r in ran])
        out["model_tokens"] = _stats([r["prompt_tokens"] for r in ran])
        out["cached_tokens"] = _stats([r["cached_tokens"] for r in ran])
        out["generated_tokens"] = _stats([r["generated_tokens"] for r in ran])
    return out


def bench_answer(cfg: BenchConfig, log: Log) -> dict[str, Any]:
    """Per answerer: sources, first token, total, model tokens and outcomes on the gold file."""
    from qa.assistant import Assistant

    records = [json.loads(x) for x in cfg.gold.read_text(encoding="utf-8").splitlines() if x]
    records = records[: cfg.answer_limit]
    data_dir = sample_store(cfg)
    cpu = cpu_info()
    log(f"cpu: {cpu['model']} ({cpu['cores']} cores; {' '.join(cpu['flags'])})")
    results: dict[str, Any] = {"gold": str(cfg.gold), "questions": len(records), "cpu": cpu}
    for answerer in cfg.answerers:
        if answerer == "openai":
            continue
        settings = store_settings(data_dir, "sample", answerer=answerer)
        assistant = Assistant(settings)
        t0 = time.perf_counter()
        assistant.warm_up(answerer)  # type: ignore[arg-type]
        warm = time.perf_counter() - t0
        section: dict[str, Any] = {"warm_up_s": round(warm, 2)}
        if answerer == "local":
            section["raw_model"] = raw = raw_model_speed(settings)
            log(
                f"llama.cpp raw: prompt {raw['prompt_tok_s']} tok/s, "
                f"generation {raw['gen_tok_s']} tok/s ({raw['threads']} threads)"
            )
        runs: list[dict[str, Any]] = []
        convs: dict[str, list[dict[str, str]]] = {}
        for i, rec in enumerate(records, 1):
            conv = rec.get("conversation")
            history = list(convs.get(conv, [])) if conv else []
            run, answer = _time_record(assistant, rec["question"], history, answerer)
            runs.append({"id": rec.get("id"), **run, "right": _right(answer, rec)})
            if conv:
                convs[conv] = [*history, {"role": "user", "content": rec["question"]},
                               {"role": "assistant", "content": answer.answer}]  # fmt: skip
            if i % 10 == 0:
                log(f"  {answerer}: {i}/{len(records)}")
        section |= _summary(runs)
        section["runs"] = runs
        section["process_peak_rss_mb"] = self_peak_rss_mb()
        results[answerer] = section
        log(f"answer {answerer}: total {section['total_s']} outcomes {section['outcomes']}")
    return results
