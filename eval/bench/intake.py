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
import random
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from eval.bench.common import BIN, ROOT, load_avg
from eval.bench.copies import assign, labelled_set, pair_scores, sweep
from eval.bench.report import environment
from eval.bench.site import Site, article_page, atom, rfc822, rss, sitemap, sitemap_index

MIN_FEED = 10  # a publisher with this many articles gets its own feed


def slug(text: str) -> str:
    """A URL path segment for a publisher name."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "news"


def load_corpus(path: Path, limit: int | None) -> list[dict[str, Any]]:
    """MultiHop-RAG articles: id, title, paragraphs, publisher, published."""
    out = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            out.append(
                {
                    "id": r["id"],
                    "title": r["title"],
                    "body": r["body"],
                    "paragraphs": [p for p in r["body"].split("\n") if p.strip()],
                    "publisher": r["source"],
                    "published": r["published_at"],
                    "url": r.get("url"),
                }
            )
            if limit and len(out) >= limit:
                break
    return out


class NewsSite:
    """The corpus as a web site: pages, and one feed per publisher (an index for the rest)."""

    def __init__(self, articles: list[dict[str, Any]]) -> None:
        self.site = Site().start()
        self.articles = articles
        self.updated: dict[str, str] = {}
        counts = Counter(a["publisher"] for a in articles)
        self.big = sorted(p for p, n in counts.items() if n >= MIN_FEED)
        for a in articles:
            a["path"] = f"/{slug(a['publisher'])}/{a['id']}.html"
            self.put_page(a)
        self.publish_feeds()

    def url(self, path: str) -> str:
        return self.site.url(path)

    def put_page(self, a: dict[str, Any]) -> None:
        self.site.put(
            a["path"],
            article_page(
                a["title"],
                a["paragraphs"],
                canonical=self.url(a["path"]),
                published=a["published"],
                modified=self.updated.get(a["id"], ""),
                site_name=a["publisher"],
            ),
        )

    def feed_urls(self) -> list[str]:
        return [self.url(self.feed_path(i, p)) for i, p in enumerate(self.big)] + [
            self.url("/more/sitemap_index.xml")
        ]

    @staticmethod
    def feed_path(i: int, publisher: str) -> str:
        """Every fourth publisher gets an Atom feed, the others RSS 2.0."""
        return f"/{slug(publisher)}/feed." + ("atom" if i % 4 == 3 else "rss")

    def publish_feeds(self) -> None:
        for i, pub in enumerate(self.big):
            arts = [a for a in self.articles if a["publisher"] == pub]
            path = self.feed_path(i, pub)
            if path.endswith(".atom"):
                entries = [
                    {
                        "title": a["title"],
                        "link": self.url(a["path"]),
                        "published": a["published"],
                        "updated": self.updated.get(a["id"], a["published"]),
                    }
                    for a in arts
                ]
                self.site.put(path, atom(pub, self.url("/"), entries))
            else:
                items = [
                    {
                        "title": a["title"],
                        "link": self.url(a["path"]),
                        "date": rfc822(a["published"]),
                        "updated": self.updated.get(a["id"], ""),
                    }
                    for a in arts
                ]
                self.site.put(path, rss(pub, self.url("/"), items))
        rest = [a for a in self.articles if a["publisher"] not in self.big]
        half = len(rest) // 2
        news = [(self.url(a["path"]), self.stamp(a)[:10]) for a in rest[:half]]
        pages = [(self.url(a["path"]), self.stamp(a)[:19] + "Z") for a in rest[half:]]
        self.site.put("/more/sitemap-news.xml", sitemap(news, "More News"))
        self.site.put("/more/sitemap-pages.xml", sitemap(pages))
        subs = [self.url("/more/sitemap-news.xml"), self.url("/more/sitemap-pages.xml")]
        self.site.put("/more/sitemap_index.xml", sitemap_index(subs))

    def stamp(self, a: dict[str, Any]) -> str:
        """When an article last changed: its correction, else its publication."""
        return str(self.updated.get(a["id"]) or a["published"])

    def correct(self, fraction: float, seed: int = 0) -> list[dict[str, Any]]:
        """Correct a share of the articles: one changed sentence, a correction note, new
        modified dates on the page and in the feed entry."""
        rng = random.Random(seed)
        chosen = rng.sample(self.articles, max(1, round(len(self.articles) * fraction)))
        stamp = "2023-12-30T12:00:00+00:00"
        for a in chosen:
            k = rng.randrange(len(a["paragraphs"]))
            a["paragraphs"][k] = a["paragraphs"][k] + " (This sentence was corrected.)"
            a["paragraphs"].append(
                "Correction: an earlier version of this article misstated a detail; it has been "
                "updated."
            )
            self.updated[a["id"]] = stamp
            self.put_page(a)
        self.publish_feeds()
        return chosen


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
        log(f"baseline: newsdesk ingest corpus.jsonl ({n} articles), load {load_avg()}")
        env = env_for(work / "jsonl")
        took, _ = newsdesk(["ingest", "-q", str(subset)], env, log)
        _, stats = newsdesk(["stats", "--json"], env, log)
        chunks = json.loads(stats)["chunks"]
        cpu = CPU["last"]
        out["jsonl"] = {"seconds": round(took, 1), "articles_per_s": round(n / took, 3)}
        out["jsonl"].update(
            chunks=chunks, cpu_seconds=round(cpu, 1), articles_per_cpu_s=round(n / cpu, 3)
        )
        log(f"  {took:.1f} s, {n / took:.2f} articles/s, {chunks} chunks, {cpu:.0f} CPU s")

    site = NewsSite(articles)
    try:
        feeds = site.feed_urls()
        env = env_for(work / "feeds")
        for url in feeds:
            newsdesk(["feeds", "add", url, "--no-refresh"], env, log)
        log(f"first refresh: {len(feeds)} feeds, load {load_avg()}")
        out["load_before_feeds"] = load_avg()
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
        if out["jsonl"].get("articles_per_s"):
            ratio = first["articles_per_s"] / out["jsonl"]["articles_per_s"]
            out["ratio_vs_jsonl"] = round(ratio, 3)
            cpu_ratio = first["articles_per_cpu_s"] / out["jsonl"]["articles_per_cpu_s"]
            out["cpu_ratio_vs_jsonl"] = round(cpu_ratio, 3)
        log(f"  {first['seconds']} s, {first['articles_per_s']} articles/s")
        log(f"  ratio vs jsonl: {out.get('ratio_vs_jsonl')}")
        log(f"  per CPU-second: {out.get('cpu_ratio_vs_jsonl')}")

        site.site.clear_log()
        log("second refresh: nothing changed")
        second = refresh_row(env, log)
        second["requests"] = len(site.site.requests)
        second["conditional_requests"] = sum(r.conditional for r in site.site.requests)
        second.pop("updated_urls")
        out["feeds_unchanged"] = second
        log(f"  {second['seconds']} s, {second['texts_embedded']} texts embedded")

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
        out["feeds_changed"] = third
        log(f"  {third['seconds']} s, updated {third['items'].get('updated', 0)}")
        log(f"  {third['texts_embedded']} texts embedded")
    finally:
        site.site.stop()

    log("near-duplicates: labelled wire copies")
    tune = labelled_set(articles, stories=150, seed=1)
    held = labelled_set(articles, stories=150, seed=2)
    rows = sweep(tune, [0.2, 0.3, 0.4, 0.5, 0.6, 0.7], [3, 5])
    from index.intake import dedupe

    predicted, per_doc = assign(held, dedupe.THRESHOLD, dedupe.SHINGLE)
    out["dedupe"] = {
        "tuning_docs": len(tune),
        "held_out_docs": len(held),
        "sweep": rows,
        "chosen": {"threshold": dedupe.THRESHOLD, "shingle": dedupe.SHINGLE},
        "held_out": {**pair_scores(held, predicted), "ms_per_article": round(per_doc * 1000, 2)},
    }
    log(f"  held-out: {out['dedupe']['held_out']}")
    return out


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
    results = bench_intake(args.corpus, args.work, args.limit, args.changed, log, baseline)
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
