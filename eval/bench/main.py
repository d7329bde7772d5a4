"""Entry points: run the sections, merge their JSON, parse the command line."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.bench.answering import bench_answer
from eval.bench.common import GOLD, SECTIONS, BenchConfig, Log, load_avg
from eval.bench.ingest import bench_ingest
from eval.bench.report import environment, markdown, print_tables
from eval.bench.retrieval import bench_retrieval, retrieval_worker
from eval.bench.startup import bench_startup

# -- entry points --------------------------------------------------------------------------


def run(cfg: BenchConfig, log: Log = print) -> dict[str, Any]:
    """Run the chosen sections; merge them into ``cfg.json_path``; return all results."""
    cfg.work.mkdir(parents=True, exist_ok=True)
    path = cfg.json_path
    results: dict[str, Any] = {}
    if path.is_file():
        try:
            results = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            results = {}
    results["environment"] = environment()
    runners = {
        "ingest": bench_ingest,
        "retrieval": bench_retrieval,
        "answer": bench_answer,
        "startup": bench_startup,
    }
    for section in cfg.sections:
        log(f"== {section} (load {load_avg()})")
        t0 = time.perf_counter()
        data = runners[section](cfg, log)
        data["_meta"] = {
            "started_load": load_avg(),
            "seconds": round(time.perf_counter() - t0, 1),
            "at": time.strftime("%Y-%m-%d %H:%M:%S"),
            "command": " ".join(["newsdesk dev bench", *_bench_args()]),
        }
        results[section] = data
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    return results


def parser() -> argparse.ArgumentParser:
    """Command-line options of ``newsdesk dev bench`` / ``python -m eval.bench``."""
    p = argparse.ArgumentParser(
        prog="newsdesk dev bench",
        description="Benchmark ingest, retrieval, answering and start-up; print tables and "
        "merge results into a JSON file.",
    )
    p.add_argument("--only", default=",".join(SECTIONS), help="sections, comma-separated")
    p.add_argument("--work", type=Path, default=Path("/tmp/newsdesk-bench"),
                   help="where stores, logs and servers' data go (never the repo)")  # fmt: skip
    p.add_argument("--out", type=Path, help="results JSON (default WORK/bench.json)")
    p.add_argument("--corpus", type=Path, help="MultiHop-RAG corpus.jsonl")
    p.add_argument("--corpus-limit", type=int, help="only the first N corpus articles")
    p.add_argument("--queries", type=Path, help="MultiHop-RAG queries.jsonl")
    p.add_argument("--source", help="DATA_DIR:COLLECTION of a torch-built corpus store to reuse")
    p.add_argument("--sizes", default="1000,10000,100000", help="retrieval store sizes")
    p.add_argument("--n-queries", type=int, default=200, help="latency queries per store")
    p.add_argument("--quality-queries", type=int, default=0, help="Hits@10 queries (0 = all)")
    p.add_argument("--gold", type=Path, default=GOLD, help="gold questions for answering")
    p.add_argument("--answerers", default="local,extractive")
    p.add_argument("--answer-limit", type=int, help="only the first N gold questions")
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument("--serve-answerers", default="local,extractive",
                   help="`newsdesk serve --answerer A` to time ('' for none)")  # fmt: skip
    p.add_argument("--no-servers", action="store_true", help="skip chroma/llama.cpp servers")
    p.add_argument("--no-baseline", action="store_true", help="skip the LangChain ingest")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--markdown", action="store_true", help="also print Markdown tables")
    p.add_argument("--tables-only", action="store_true", help="print the tables of --out")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    for name in ("--data-dir", "--collection", "--questions", "--chroma-url"):
        p.add_argument(name, help=argparse.SUPPRESS)
    p.add_argument("--backend", default="torch", help=argparse.SUPPRESS)
    return p


def _bench_args() -> list[str]:
    """The options this benchmark was run with (after ``bench`` on the command line)."""
    argv = sys.argv
    return argv[argv.index("bench") + 1 :] if "bench" in argv else argv[1:]


def main(argv: Sequence[str] | None = None) -> int:
    """``newsdesk dev bench`` / ``python -m eval.bench``."""
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    args = parser().parse_args(argv)
    if args.worker == "retrieval":
        print(json.dumps(retrieval_worker(args)), flush=True)
        return 0
    sections = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        print(f"unknown section(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    cfg = BenchConfig(
        work=args.work,
        out=args.out,
        sections=sections,
        corpus=args.corpus,
        corpus_limit=args.corpus_limit,
        queries=args.queries,
        source=args.source,
        sizes=[int(x) for x in args.sizes.split(",") if x],
        n_queries=args.n_queries,
        quality_queries=args.quality_queries,
        gold=args.gold,
        answerers=[a.strip() for a in args.answerers.split(",") if a.strip()],
        answer_limit=args.answer_limit,
        concurrency=args.concurrency,
        serve_answerers=[a.strip() for a in args.serve_answerers.split(",") if a.strip()],
        servers=not args.no_servers,
        baseline=not args.no_baseline,
        batch_size=args.batch_size,
    )
    if args.tables_only:
        results = json.loads(cfg.json_path.read_text(encoding="utf-8"))
    else:
        results = run(cfg, log=lambda m: print(m, file=sys.stderr, flush=True))
        print(f"wrote {cfg.json_path}", file=sys.stderr)
    print_tables(results)
    if args.markdown:
        print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
