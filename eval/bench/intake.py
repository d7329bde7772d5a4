"""News-intake benchmark: the MultiHop-RAG corpus served as publisher feeds on a local site.

    python -m eval.bench.intake --corpus ../shared/bench/multihop_rag/corpus.jsonl \\
        --out /tmp/newsdesk-bench/intake.json

Rows (each a fresh data dir and an empty embedding cache, commands run as subprocesses):
  1. ``newsdesk ingest corpus.jsonl`` of the articles (the baseline);
  2. the same articles as pages on a local site (canonical links, dates, site names) listed by
     publisher feeds (RSS 2.0 and Atom; small publishers in a news sitemap index):
     ``newsdesk feeds add URL --no-refresh`` for each, then ``newsdesk feeds refresh``;
  3. ``newsdesk feeds refresh`` again with nothing changed (conditional GETs → 304s);
  4. a refresh after 5 % of the articles were corrected (text and feed entry dates);
  5. near-duplicate detection on a labelled set of wire copies (``eval/bench/copies.py``):
     a sweep of thresholds and shingle sizes on one set, the chosen setting scored on another.
The site runs in this process (a thread), so serving shares the CPU with the intake.
Nothing is written to the repository; stores go under ``--work``. With ``--warm-cache`` (the
embedding cache of a finished run) every text comes from the cache, so the rows measure what
intake adds besides embedding: fetching, parsing, extraction, near-duplicates, the database.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from eval.bench.common import BIN, ROOT, load_avg
from eval.bench.copies import assign, labelled_set, pair_scores, sweep
from eval.bench.news_site import NewsSite, load_corpus
from eval.bench.report import environment

CPU: dict[str, float] = {"last": 0.0}  # CPU seconds (user + system) of the last command


def newsdesk(args: list[str], env: dict[str, str], log: Any) -> tuple[float, str]:
    """Run ``newsdesk ARGS``; returns (seconds, stdout); its CPU seconds go to ``CPU``."""
    import resource

    exe = shutil.which("newsdesk", path=str(BIN)) or "newsdesk"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run([exe, *args], env=env, capture_output=True, text=True, cwd=ROOT)
    took = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU["last"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode not in (0, 1) or (proc.returncode and not proc.stdout.strip()):
        log(proc.stderr[-3000:])
        raise RuntimeError(f"newsdesk {' '.join(args[:2])} failed ({proc.returncode})")
    return took, proc.stdout


WARM_CACHE: dict[str, Path | None] = {"path": None}  # --warm-cache: copied into each data dir


def env_for(data_dir: Path) -> dict[str, str]:
    """The environment of a row's commands (a fresh data dir; a warm cache when asked)."""
    warm = WARM_CACHE["path"]
    if warm is not None and not (data_dir / "cache" / "embeddings.sqlite").exists():
        (data_dir / "cache").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(warm, data_dir / "cache" / "embeddings.sqlite")
    return {
        **os.environ,
        "NEWSDESK_DATA_DIR": str(data_dir),
        "NEWSDESK_COLLECTION": "bench",
        "NEWSDESK_FETCH_ALLOW_PRIVATE": "true",  # the site is on 127.0.0.1
        "NEWSDESK_FETCH_HOST_DELAY_S": "0",  # one local host: politeness delay off
        "ANONYMIZED_TELEMETRY": "False",
        "TOKENIZERS_PARALLELISM": "false",
    }


def refresh_row(env: dict[str, str], log: Any) -> dict[str, Any]:
    """``newsdesk feeds refresh --json``: wall time and the summed results."""
    took, out = newsdesk(["feeds", "refresh", "--json"], env, log)
    try:
        results = json.loads(out)
    except ValueError:
        log(out[:3000])
        raise
    items = Counter(i["status"] for r in results for i in r["items"])
    return {
        "seconds": round(took, 2),
        "cpu_seconds": round(CPU["last"], 1),
        "feeds": len(results),
        "feed_status": dict(Counter(r["status"] for r in results)),
        "items": dict(items),
        "texts_embedded": sum(r["texts_embedded"] for r in results),
        "updated_urls": sorted(
            i["url"] for r in results for i in r["items"] if i["status"] == "updated"
        ),
    }


def bench_intake(
    corpus: Path,
    work: Path,
    *,
    limit: int | None,
    changed: float,
    log: Any,
    baseline: dict[str, Any] | None = None,
) -> dict:
    """Run every row; returns the results."""
    articles = load_corpus(corpus, limit)
    n = len(articles)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    out: dict[str, Any] = {"articles": n, "environment": environment(), "load": load_avg()}
    subset = work / "corpus.jsonl"
    with corpus.open(encoding="utf-8") as src, subset.open("w", encoding="utf-8") as dst:
        for _, line in zip(range(n), src, strict=False):
            dst.write(line)
    if baseline is not None:  # measured by another run (e.g. alongside this one)
        out["jsonl"] = baseline
    else:
        out["jsonl"] = jsonl_row(subset, n, work / "jsonl", log)
    site = NewsSite(articles)
    try:
        env = env_for(work / "feeds")
        out |= first_refresh_rows(site, env, out["jsonl"], log)
        out["feeds_unchanged"] = unchanged_refresh_row(site, env, log)
        out["feeds_changed"] = corrected_refresh_row(site, env, changed, log)
    finally:
        site.site.stop()
    out["dedupe"] = dedupe_row(articles, log)
    return out


def jsonl_row(subset: Path, n: int, data_dir: Path, log: Any) -> dict[str, Any]:
    """Row 1, the baseline: ``newsdesk ingest corpus.jsonl`` of the ``n`` articles."""
    log(f"baseline: newsdesk ingest corpus.jsonl ({n} articles), load {load_avg()}")
    env = env_for(data_dir)
    took, _ = newsdesk(["ingest", "-q", str(subset)], env, log)
    cpu = CPU["last"]  # before `stats` replaces it with its own
    _, stats = newsdesk(["stats", "--json"], env, log)
    chunks = json.loads(stats)["chunks"]
    row: dict[str, Any] = {"seconds": round(took, 1), "articles_per_s": round(n / took, 3)}
    row.update(chunks=chunks, cpu_seconds=round(cpu, 1), articles_per_cpu_s=round(n / cpu, 3))
    log(f"  {took:.1f} s, {n / took:.2f} articles/s, {chunks} chunks, {cpu:.0f} CPU s")
    return row


def first_refresh_rows(
    site: NewsSite, env: dict[str, str], jsonl: dict[str, Any], log: Any
) -> dict[str, Any]:
    """Row 2: every feed added, then the first refresh; its ratios to the baseline row."""
    feeds = site.feed_urls()
    for url in feeds:
        newsdesk(["feeds", "add", url, "--no-refresh"], env, log)
    log(f"first refresh: {len(feeds)} feeds, load {load_avg()}")
    out: dict[str, Any] = {"load_before_feeds": load_avg()}
    first = refresh_row(env, log)
    _, stats = newsdesk(["stats", "--json"], env, log)
    info = json.loads(stats)
    first.update(
        articles_per_s=round(info["documents"] / first["seconds"], 3),
        articles_per_cpu_s=round(info["documents"] / first["cpu_seconds"], 3),
        documents=info["documents"],
        chunks=info["chunks"],
        requests=len(site.site.requests),
    )
    first.pop("updated_urls")
    out["feeds_first"] = first
    log(f"  {first['cpu_seconds']} CPU s")
    if jsonl.get("articles_per_s"):
        ratio = first["articles_per_s"] / jsonl["articles_per_s"]
        out["ratio_vs_jsonl"] = round(ratio, 3)
        cpu_ratio = first["articles_per_cpu_s"] / jsonl["articles_per_cpu_s"]
        out["cpu_ratio_vs_jsonl"] = round(cpu_ratio, 3)
    log(f"  {first['seconds']} s, {first['articles_per_s']} articles/s")
    log(f"  ratio vs jsonl: {out.get('ratio_vs_jsonl')}")
    log(f"  per CPU-second: {out.get('cpu_ratio_vs_jsonl')}")
    return out


def unchanged_refresh_row(site: NewsSite, env: dict[str, str], log: Any) -> dict[str, Any]:
    """Row 3: a refresh with nothing changed (conditional GETs)."""
    site.site.clear_log()
    log("second refresh: nothing changed")
    second = refresh_row(env, log)
    second["requests"] = len(site.site.requests)
    second["conditional_requests"] = sum(r.conditional for r in site.site.requests)
    second.pop("updated_urls")
    log(f"  {second['seconds']} s, {second['texts_embedded']} texts embedded")
    return second


def corrected_refresh_row(
    site: NewsSite, env: dict[str, str], changed: float, log: Any
) -> dict[str, Any]:
    """Row 4: a refresh after a ``changed`` share of the articles was corrected."""
    chosen = site.correct(changed)
    site.site.clear_log()
    log(f"third refresh: {len(chosen)} articles corrected ({changed:.0%})")
    third = refresh_row(env, log)
    want = sorted(site.url(a["path"]) for a in chosen)
    third.update(
        corrected=len(chosen),
        requests=len(site.site.requests),
        only_corrected_updated=third["updated_urls"] == want,
        missed=sorted(set(want) - set(third["updated_urls"])),
    )
    third.pop("updated_urls")
    log(f"  {third['seconds']} s, updated {third['items'].get('updated', 0)}")
    log(f"  {third['texts_embedded']} texts embedded")
    return third


def dedupe_row(articles: list[dict[str, Any]], log: Any) -> dict[str, Any]:
    """Row 5: near-duplicate detection, a sweep on one labelled set, the chosen setting
    scored on another."""
    from index.intake import dedupe

    log("near-duplicates: labelled wire copies")
    tune = labelled_set(articles, stories=150, seed=1)
    held = labelled_set(articles, stories=150, seed=2)
    rows = sweep(tune, [0.2, 0.3, 0.4, 0.5, 0.6, 0.7], [3, 5])
    predicted, per_doc = assign(held, dedupe.THRESHOLD, dedupe.SHINGLE)
    row = {
        "tuning_docs": len(tune),
        "held_out_docs": len(held),
        "sweep": rows,
        "chosen": {"threshold": dedupe.THRESHOLD, "shingle": dedupe.SHINGLE},
        "held_out": {**pair_scores(held, predicted), "ms_per_article": round(per_doc * 1000, 2)},
    }
    log(f"  held-out: {row['held_out']}")
    return row


def print_table(r: dict[str, Any]) -> None:
    """The results as Markdown."""
    j, f1, f2, f3 = r["jsonl"], r["feeds_first"], r["feeds_unchanged"], r["feeds_changed"]
    rows = [
        ("row", "seconds", "articles/s", "texts embedded", "notes"),
        ("---",) * 5,
        (
            f"`newsdesk ingest corpus.jsonl` ({r['articles']} articles)",
            j.get("seconds"),
            j.get("articles_per_s"),
            f"{j.get('chunks')} chunks",
            "baseline",
        ),
        (
            f"first `newsdesk feeds refresh` ({f1['feeds']} feeds)",
            f1["seconds"],
            f1["articles_per_s"],
            f1["texts_embedded"],
            f"{f1['documents']} articles, {f1['chunks']} chunks: {r.get('ratio_vs_jsonl')}x "
            f"({r.get('cpu_ratio_vs_jsonl')}x per CPU-second)",
        ),
        (
            "second refresh, nothing changed",
            f2["seconds"],
            "-",
            f2["texts_embedded"],
            f"{f2['requests']} requests ({f2['conditional_requests']} conditional)",
        ),
        (
            f"refresh after {f3['corrected']} corrections",
            f3["seconds"],
            "-",
            f3["texts_embedded"],
            f"{f3['items']}; only the corrected updated: {f3['only_corrected_updated']}",
        ),
    ]
    for row in rows:
        print("| " + " | ".join(str(x) for x in row) + " |")
    d = r["dedupe"]["held_out"]
    print(
        f"near-duplicates, held out ({r['dedupe']['held_out_docs']} docs): precision "
        f"{d['precision']}, recall {d['recall']}, {d['ms_per_article']} ms/article"
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.bench.intake", description=__doc__)
    p.add_argument("--corpus", type=Path, required=True, help="MultiHop-RAG corpus.jsonl")
    p.add_argument("--limit", type=int, help="only the first N articles")
    p.add_argument("--changed", type=float, default=0.05, help="share of articles corrected")
    p.add_argument("--work", type=Path, default=Path("/tmp/newsdesk-bench/intake"))
    p.add_argument("--out", type=Path, help="results JSON (default WORK/../intake.json)")
    p.add_argument(
        "--baseline",
        help="skip the baseline row: JSON of it from another run "
        '({"seconds", "articles_per_s", "chunks", "cpu_seconds", "articles_per_cpu_s"}), '
        'or "none"',
    )
    p.add_argument(
        "--warm-cache",
        type=Path,
        help="an embeddings.sqlite holding every text: rows then measure all but embedding",
    )
    args = p.parse_args(argv)
    WARM_CACHE["path"] = args.warm_cache
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    t0 = time.strftime("%Y-%m-%d %H:%M:%S")
    baseline = None
    if args.baseline:
        baseline = {} if args.baseline == "none" else json.loads(args.baseline)
    results = bench_intake(
        args.corpus, args.work, limit=args.limit, changed=args.changed, log=log, baseline=baseline
    )
    results["started"] = t0
    results["command"] = "python -m eval.bench.intake " + " ".join(sys.argv[1:])
    out = args.out or args.work.parent / "intake.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print_table(results)
    print(f"wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
