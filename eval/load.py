"""Load test: concurrent sessions asking a running Newsdesk server through ``gradio_client``.

    python -m eval.load --url http://127.0.0.1:7860 --sessions 20 --seconds 60 \\
        --answerer extractive --pid "$(pgrep -f 'newsdesk serve')" --out load.json
    newsdesk dev load --url ... (same options)

Each session is its own ``gradio_client.Client`` (its own Gradio session) asking questions
from a fixed list about the bundled sample articles, one after another, until the time is up
or the request budget is spent; a request still running at the deadline is waited for (up to
``--request-timeout``), so every request is either answered or counted as an error.

Reported (and written as JSON with ``--out``): requests, answers, errors (with their
messages), refusals, latency p50/p95/max as the client sees it, server time (the answer's
``timings_ms.total``), queue wait (latency minus server time: time in Gradio's queue plus
transport), the highest queue position a request was seen at, throughput, and the server
process's RSS before, at its peak during, and after the run (``--pid``).

Bounded in time and count, and loopback URLs only: it benchmarks your own server.
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import json
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from eval.metrics import percentiles

QUESTIONS = (
    "Who is Russia's ambassador to the US?",
    "How many civilians were killed by Russian airstrikes?",
    "In which city did Russia and the U.S. hold consultations on a cease-fire in Syria?",
    "Which Russian Foreign Ministry spokeswoman described the consultations in Geneva?",
    "How many nations are in the contact group Kerry and Lavrov were due to host in Munich?",
    "Who claimed responsibility for the car bomb attack near a market in Damascus?",
    "When did Russia begin airstrikes in support of Assad's forces?",
    "Which UN Secretary General spoke at the donor conference for Syria?",
    "What did Kerry say about Russia's activities in Aleppo?",
    "Who is the U.S. ambassador to the UN?",
    "What is the capital of France?",  # unanswerable: refused
    "Who won the 2018 football World Cup?",  # unanswerable: refused
)


class LoadError(RuntimeError):
    """The load test cannot run as asked (e.g. a non-loopback URL)."""


@dataclass
class Sample:
    """One request: who sent it, how long it took, and how it ended."""

    session: int
    question: str
    ok: bool
    latency_s: float
    server_s: float | None = None
    refused: bool | None = None
    queue_rank: int | None = None  # highest queue position seen while waiting
    error: str = ""


def is_loopback_url(url: str) -> bool:
    """True when the URL's host is this machine.

    >>> is_loopback_url("http://127.0.0.1:7860"), is_loopback_url("http://example.org")
    (True, False)
    """
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _Memory:
    """RSS of the server process: before, sampled peak, after (MB); no-op without a PID."""

    def __init__(self, pid: int | None) -> None:
        import psutil

        self.proc = psutil.Process(pid) if pid else None
        self.before = self.peak = self.rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def rss(self) -> float | None:
        if self.proc is None:
            return None
        try:
            return round(self.proc.memory_info().rss / 2**20, 1)
        except Exception:  # the server went away: reported as None
            return None

    def _sample(self) -> None:
        while not self._stop.wait(0.5):
            now = self.rss()
            if now is not None and (self.peak is None or now > self.peak):
                self.peak = now

    def finish(self) -> dict[str, float | None]:
        self._stop.set()
        self._thread.join(timeout=2)
        after = self.rss()
        growth = round(after - self.before, 1) if after is not None and self.before else None
        return {"before": self.before, "peak": self.peak, "after": after, "growth": growth}


def _ask(
    client: Any, session: int, question: str, kwargs: dict[str, Any], timeout: float
) -> Sample:
    """Submit one /ask, watch its queue position, and wait (bounded) for the answer."""
    from gradio_client.utils import Status

    t0 = time.monotonic()
    job = client.submit(question=question, api_name="/ask", **kwargs)
    rank: int | None = None
    while not job.done():
        status = job.status()
        if status.code == Status.IN_QUEUE and status.rank is not None:
            rank = max(rank or 0, int(status.rank) + 1)
        if time.monotonic() - t0 > timeout:
            job.cancel()
            return Sample(session, question, False, time.monotonic() - t0, error="timed out")
        time.sleep(0.02)
    latency = time.monotonic() - t0
    try:
        result = job.result(timeout=0)
    except Exception as exc:
        message = " ".join(str(exc).split())[:200] or type(exc).__name__
        return Sample(session, question, False, latency, queue_rank=rank, error=message)
    server = (result.get("timings_ms") or {}).get("total")
    return Sample(
        session,
        question,
        True,
        latency,
        server_s=server / 1000 if server is not None else None,
        refused=bool(result.get("refused")),
        queue_rank=rank,
    )


def run_load(
    url: str,
    *,
    sessions: int = 20,
    seconds: float = 60.0,
    answerer: str | None = None,
    max_requests: int | None = None,
    pid: int | None = None,
    top_k: int | None = None,
    auth: tuple[str, str] | None = None,
    request_timeout: float = 120.0,
    questions: Sequence[str] = QUESTIONS,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Drive the server at ``url`` with ``sessions`` concurrent clients; return the summary."""
    if not is_loopback_url(url):
        raise LoadError(f"{url} is not a loopback URL: the load test only drives a local server")
    if sessions < 1 or seconds <= 0:
        raise LoadError("--sessions must be >= 1 and --seconds > 0")
    kwargs = {k: v for k, v in {"answerer": answerer, "top_k": top_k}.items() if v is not None}
    log(f"connecting {sessions} sessions to {url}")
    clients = _connect(url, sessions, auth)
    memory = _Memory(pid)
    run = _Sessions(clients, questions, kwargs, max_requests, request_timeout)
    log(f"asking for {seconds:g} s (answerer: {answerer or 'server default'})")
    wall = run.ask_for(seconds)
    submitted = run.submitted()
    time.sleep(1.0)  # let the server settle before the "after" RSS
    rss = memory.finish()
    for c in clients:
        with contextlib.suppress(Exception):
            c.close()
    summary = {
        "url": url,
        "sessions": sessions,
        "seconds": seconds,
        "answerer": answerer or "server default",
        "max_requests": max_requests,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "wall_s": round(wall, 1),
        **_outcomes(run.samples, submitted, wall),
        "rss_mb": rss,
        "per_session": [sum(1 for s in run.samples if s.session == i) for i in range(sessions)],
    }
    return summary


def _connect(url: str, sessions: int, auth: tuple[str, str] | None) -> list[Any]:
    """One ``gradio_client.Client`` (its own Gradio session) per session, connected in
    parallel."""
    from gradio_client import Client

    clients: list[Any] = [None] * sessions

    def connect(i: int) -> None:
        clients[i] = Client(url, auth=auth, verbose=False)

    threads = [threading.Thread(target=connect, args=(i,)) for i in range(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    if any(c is None for c in clients):
        raise LoadError(f"could not connect {sum(c is None for c in clients)} session(s)")
    return clients


class _Sessions:
    """The sessions asking one question after another until the deadline or the budget."""

    def __init__(
        self,
        clients: list[Any],
        questions: Sequence[str],
        kwargs: dict[str, Any],
        max_requests: int | None,
        request_timeout: float,
    ) -> None:
        self.clients, self.questions, self.kwargs = clients, questions, kwargs
        self.request_timeout = request_timeout
        self.samples: list[Sample] = []
        self.lock = threading.Lock()
        self.initial = max_requests if max_requests is not None else sys.maxsize
        self.budget = self.initial
        self.deadline = 0.0

    def submitted(self) -> int:
        """Requests taken from the budget so far."""
        return self.initial - self.budget

    def ask_for(self, seconds: float) -> float:
        """Run every session for ``seconds`` (and its last request); returns the wall time."""
        start = time.monotonic()
        self.deadline = start + seconds
        workers = [
            threading.Thread(target=self.session, args=(i,), daemon=True)
            for i in range(len(self.clients))
        ]
        for t in workers:
            t.start()
        for t in workers:
            t.join(timeout=max(0.0, self.deadline - time.monotonic()) + self.request_timeout + 30)
        return time.monotonic() - start

    def session(self, i: int) -> None:
        """Session ``i``: questions in turn from the ``i``-th on."""
        k = i
        while time.monotonic() < self.deadline:
            with self.lock:
                if self.budget <= 0:
                    return
                self.budget -= 1
            question = self.questions[k % len(self.questions)]
            k += 1
            try:
                sample = _ask(self.clients[i], i, question, self.kwargs, self.request_timeout)
            except Exception as exc:  # the client itself failed: still one answered request
                sample = Sample(i, question, False, 0.0, error=f"{type(exc).__name__}: {exc}")
            with self.lock:
                self.samples.append(sample)


def _outcomes(samples: list[Sample], submitted: int, wall: float) -> dict[str, Any]:
    """The summary's counts, error messages, latencies and queue figures."""
    ok = [s for s in samples if s.ok]
    waits = [s.latency_s - s.server_s for s in ok if s.server_s is not None]
    errors: dict[str, int] = {}
    for s in samples:
        if not s.ok:
            errors[s.error] = errors.get(s.error, 0) + 1
    return {
        "requests": submitted,
        "answered": len(ok),
        "errors": len(samples) - len(ok),
        "unanswered": submitted - len(samples),
        "refused": sum(1 for s in ok if s.refused),
        "error_messages": dict(sorted(errors.items(), key=lambda kv: -kv[1])[:5]),
        "throughput_rps": round(len(ok) / wall, 2) if wall else None,
        "latency_s": percentiles([s.latency_s for s in ok], digits=3, empty=None),
        "server_s": percentiles([s.server_s for s in ok], digits=3, empty=None),
        "queue_wait_s": percentiles(waits, digits=3, empty=None),
        "max_queue_position": max((s.queue_rank or 0 for s in samples), default=0),
    }


def format_summary(s: dict[str, Any]) -> str:
    """A few human-readable lines."""
    lat, wait, rss = s["latency_s"], s["queue_wait_s"], s["rss_mb"]
    return "\n".join(
        [
            f"{s['requests']} requests from {s['sessions']} sessions in {s['wall_s']} s "
            f"({s['answerer']}): {s['answered']} answered ({s['refused']} refused), "
            f"{s['errors']} errors, {s['unanswered']} unanswered, {s['throughput_rps']} req/s",
            f"latency p50 {lat['p50']} s, p95 {lat['p95']} s, max {lat['max']} s; "
            f"queue wait p50 {wait['p50']} s, p95 {wait['p95']} s "
            f"(max queue position {s['max_queue_position']})",
            f"server RSS {rss['before']} MB before, {rss['peak']} MB peak, "
            f"{rss['after']} MB after (growth {rss['growth']} MB)",
            *(f"error x{n}: {m}" for m, n in s["error_messages"].items()),
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m eval.load``: exit 1 when any request failed or went unanswered."""
    parser = argparse.ArgumentParser(prog="python -m eval.load", description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:7860")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--answerer", default=None, help="local, openai or extractive")
    parser.add_argument("--max-requests", type=int, default=None)
    parser.add_argument("--pid", type=int, default=None, help="server PID, for its RSS")
    parser.add_argument("--top-k", type=int, default=None)
    parser.add_argument("--auth", default=None, help="USER:PASS when the server has --auth")
    parser.add_argument("--request-timeout", type=float, default=120.0)
    parser.add_argument("--out", type=Path, default=None, help="write the summary as JSON")
    args = parser.parse_args(argv)
    auth = tuple(args.auth.split(":", 1)) if args.auth else None
    try:
        summary = run_load(
            args.url, sessions=args.sessions, seconds=args.seconds, answerer=args.answerer,
            max_requests=args.max_requests, pid=args.pid, top_k=args.top_k,
            auth=auth, request_timeout=args.request_timeout,  # type: ignore[arg-type]
            log=lambda m: print(m, file=sys.stderr),
        )  # fmt: skip
    except LoadError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(format_summary(summary))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return 1 if summary["errors"] or summary["unanswered"] else 0


if __name__ == "__main__":
    sys.exit(main())
