"""Performance benchmarks: ingest, retrieval at 1k/10k/100k chunks, answering, start-up.

    newsdesk dev bench --corpus .../multihop_rag/corpus.jsonl --queries .../queries.jsonl
    python -m eval.bench --only startup --out /tmp/newsdesk-bench/bench.json

Every section measures Newsdesk next to a reference in the same run, so ratios are not skewed
by the load of this shared 2-core machine (the load average is recorded with each section):

* ``ingest``: ``newsdesk ingest`` (torch and ONNX backends, cold embedding cache) next to the raw
  encoder (``SentenceTransformer.encode`` on the same chunk texts, same batch size) and the
  textbook LangChain ingest (``Chroma.from_documents`` with ``HuggingFaceEmbeddings``), plus a
  ``--rebuild`` with the embedding cache warm.
* ``retrieval``: ``HybridRetriever.search`` latency p50/p95 over stores of about 1k, 10k and 100k
  chunks, embedded and through a ``chroma run`` server, each in its own process (peak RSS); and
  MultiHop-RAG Hits@10 of the torch and the int8 ONNX embeddings. Stores larger than the source
  get perturbed copies of its articles (distinct text; vectors = source vector + small noise,
  see :func:`eval.bench.scaled_store.add_perturbed_copies`): good for latency, not for quality.
* ``answer``: time to first token and total time p50/p95 per answerer on the gold questions,
  then throughput with N concurrent askers; ``openai`` against a local ``llama_cpp.server``.
* ``startup``: ``newsdesk --help``, ``newsdesk stats``, ``newsdesk serve`` until its "ready"
  line, with the server's peak RSS.

Results merge into one JSON file (``--out``), section by section; a table is printed.
Stores and servers live under ``--work`` (default ``/tmp/newsdesk-bench``), never in the repo.
"""

from eval.bench.main import main, parser, run

__all__ = ["main", "parser", "run"]
