"""The textbook LangChain RAG, scored side by side with Newsdesk on the same questions.

    files → RecursiveCharacterTextSplitter(1000, 200) → MiniLM (HuggingFaceEmbeddings)
          → langchain_chroma.Chroma → top-4 similarity search → "stuff" prompt → chat model

Nothing of Newsdesk's own retrieval, prompting or citation code is used: only the same data,
the same embedding weights and the same local generator. Its Chroma lives apart from the
project's store, under ``<data_dir>/baseline/<collection>``. The baseline has no extractive
answerer: with ``answerer="extractive"`` it is scored on retrieval only.

Example:
    >>> is_refusal("I don't know.") and is_refusal("Insufficient information.")
    True
    >>> is_refusal("Maria Zakharova.")
    False
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from eval.systems import (
    ROOT,
    RetrievedChunk,
    SystemAnswer,
    answer_fingerprint,
    code_version,
    doc_keys,
)

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
TOP_K = 4
#: The LangChain hub prompt "rlm/rag-prompt", the textbook RAG prompt.
RAG_PROMPT = (
    "You are an assistant for question-answering tasks. Use the following pieces of retrieved "
    "context to answer the question. If you don't know the answer, just say that you don't "
    "know. Use three sentences maximum and keep the answer concise.\n"
    "Question: {question} \nContext: {context} \nAnswer:"
)
_REFUSAL = re.compile(
    r"\b(i\s+do\s*n[o']?t\s+know|i\s+don'?t\s+know|insufficient|not\s+enough\s+information|"
    r"no\s+information|cannot\s+(be\s+)?(answer|determine)|can'?t\s+(answer|determine)|"
    r"(does|do)\s*(not|n't)\s+(say|mention|provide|contain|specify|state|include)|"
    r"not\s+(mentioned|provided|specified|stated))",
    re.I,
)
_BATCH = 256


def is_refusal(text: str) -> bool:
    """True when the answer says it doesn't know / the information is insufficient."""
    return not text.strip() or bool(_REFUSAL.search(text))


def load_documents(paths: Sequence[str | Path]) -> list[Any]:
    """LangChain ``Document``s: one per .txt/.md file, one per line of a .jsonl corpus.

    ``metadata`` holds ``doc_id`` (the .jsonl ``id`` or the file name), ``source`` (the URL or
    path), ``title`` and ``publisher``. A .jsonl article's text is its title, a blank line and
    its body, as the project's own loader reads it.
    """
    from langchain_core.documents import Document

    files: list[Path] = []
    for p in map(Path, paths):
        files += sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p]
    docs: list[Document] = []
    for f in files:
        if f.suffix.lower() == ".jsonl":
            for line in f.read_text(encoding="utf-8").splitlines():
                if not line.strip():
                    continue
                rec = json.loads(line)
                title = str(rec.get("title") or "").strip()
                body = str(rec.get("body") or rec.get("text") or "")
                meta = {
                    "doc_id": str(rec.get("id", "")),
                    "source": str(rec.get("url") or f"{f}#{rec.get('id', '')}"),
                    "title": title,
                    "publisher": str(rec.get("source") or ""),
                }
                docs.append(Document(page_content=f"{title}\n\n{body}" if title else body,
                                     metadata=meta))  # fmt: skip
        elif f.suffix.lower() in (".txt", ".md"):
            text = f.read_text(encoding="utf-8")
            title = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
            docs.append(
                Document(
                    page_content=text,
                    metadata={"doc_id": f.name, "source": str(f), "title": title, "publisher": ""},
                )
            )
    return docs


def split_documents(docs: Sequence[Any]) -> list[Any]:
    """``RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)`` with start index."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP, add_start_index=True
    )
    return list(splitter.split_documents(list(docs)))


def _chunk_id(meta: dict[str, Any], text: str) -> str:
    key = f"{meta.get('doc_id')}\x1f{meta.get('start_index')}\x1f{text}"
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:20]


def hf_embeddings() -> Any:
    """The bundled MiniLM as ``langchain_huggingface.HuggingFaceEmbeddings`` (offline, CPU)."""
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from langchain_huggingface import HuggingFaceEmbeddings

    from index.embeddings import bundled_model_path

    return HuggingFaceEmbeddings(
        model_name=bundled_model_path(),
        model_kwargs={"device": "cpu"},
        encode_kwargs={"normalize_embeddings": True},
    )


class BaselineRAG:
    """The textbook pipeline over its own persisted Chroma (``<data_dir>/baseline/<name>``)."""

    def __init__(
        self,
        settings: Any,
        embeddings: Any | None = None,
        path: str | Path | None = None,
        client: Any | None = None,
        collection: str = "baseline",
    ) -> None:
        """``path`` overrides where its Chroma lives (default ``<data_dir>/baseline/<name>``);
        ``client`` (e.g. an in-memory ``chromadb.EphemeralClient``) replaces it altogether."""
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma

        self.settings = settings
        self.path = Path(path or Path(settings.data_dir) / "baseline" / settings.collection)
        if client is None:
            self.path.mkdir(parents=True, exist_ok=True)
            client = chromadb.PersistentClient(
                path=str(self.path), settings=ChromaSettings(anonymized_telemetry=False)
            )
        self.client = client
        self.embeddings = embeddings or hf_embeddings()
        self.store = Chroma(
            collection_name=collection, embedding_function=self.embeddings, client=self.client
        )
        self.ingest_seconds = 0.0

    def count(self) -> int:
        """Number of chunks stored."""
        return int(self.store._collection.count())

    def ingest(
        self, paths: Sequence[str | Path], on_batch: Callable[[int, int], None] | None = None
    ) -> int:
        """Split and embed the files' articles; chunks already stored are skipped (resumable).

        Returns the number of chunks written. ``on_batch(done, total)`` reports progress.
        """
        chunks = split_documents(load_documents(paths))
        ids = [_chunk_id(c.metadata, c.page_content) for c in chunks]
        have: set[str] = set()
        for page in self._pages(include=[]):
            have.update(page["ids"])
        todo = [(i, c) for i, c in zip(ids, chunks, strict=True) if i not in have]
        t0 = time.perf_counter()
        for n in range(0, len(todo), _BATCH):
            batch = todo[n : n + _BATCH]
            self.store.add_documents([c for _, c in batch], ids=[i for i, _ in batch])
            if on_batch:
                on_batch(n + len(batch), len(todo))
        self.ingest_seconds = time.perf_counter() - t0
        return len(todo)

    def _pages(self, include: list[str]) -> Iterator[Any]:
        offset = 0
        coll: Any = self.store._collection
        while True:
            page = coll.get(include=include, limit=5000, offset=offset)
            if not page["ids"]:
                return
            yield page
            offset += len(page["ids"])

    def chunk_words(self) -> float:
        """Mean whitespace-separated words per stored chunk."""
        counts = [len(t.split()) for p in self._pages(["documents"]) for t in p["documents"]]
        return sum(counts) / len(counts) if counts else float("nan")

    def retrieve(self, question: str, k: int = TOP_K) -> list[RetrievedChunk]:
        """Top-``k`` chunks by similarity search, with their doc keys."""
        found = self.store.similarity_search_with_score(question, k=k)
        return [
            RetrievedChunk(
                rank=i,
                chunk_id=str(doc.id or _chunk_id(doc.metadata, doc.page_content)),
                text=doc.page_content,
                keys=doc_keys(doc.metadata),
                score=float(score),
            )
            for i, (doc, score) in enumerate(found, start=1)
        ]

    def chain(self, model: Any) -> Any:
        """prompt | chat model | StrOutputParser (a plain langchain-core runnable)."""
        from langchain_core.output_parsers import StrOutputParser
        from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder

        prompt = ChatPromptTemplate.from_messages(
            [MessagesPlaceholder("history", optional=True), ("human", RAG_PROMPT)]
        )
        return prompt | model | StrOutputParser()


class BaselineSystem:
    """:class:`BaselineRAG` behind the runner's ``System`` interface."""

    name = "baseline"
    label = "Baseline (LangChain)"

    def __init__(self, rag: BaselineRAG, answerer: str = "local") -> None:
        self.rag = rag
        self.answerer = answerer
        self._model: Any = None

    @property
    def answers(self) -> bool:
        """False for the extractive answerer: the baseline then scores retrieval only."""
        return self.answerer != "extractive"

    def config(self) -> dict[str, Any]:
        """What identifies the baseline's answers in the cache."""
        return {
            "system": self.name,
            "answerer": self.answerer,
            "top_k": TOP_K,
            "collection": self.rag.settings.collection,
            "code": code_version((ROOT / "eval" / "baseline.py",)),
            "chunks": self.rag.count(),
            **answer_fingerprint(self.rag.settings, None, self.answerer),
        }

    def retrieve(self, question: str, history: Sequence[str], k: int) -> list[RetrievedChunk]:
        """Similarity search on the question as asked (the textbook chain does not condense)."""
        return self.rag.retrieve(question, k)

    def search(self, query: str, k: int) -> list[RetrievedChunk]:
        """Similarity search (the same as :meth:`retrieve`)."""
        return self.rag.retrieve(query, k)

    def chunk_words(self) -> float:
        """Mean words per stored chunk."""
        return self.rag.chunk_words()

    def _chat_model(self) -> tuple[Any, Any]:
        from contextlib import nullcontext

        from qa import generators

        if self._model is None:
            if self.answerer == "local":
                self._model = (
                    generators.local_chat_model(self.rag.settings),
                    generators.GENERATION_LOCK,
                )
            elif self.answerer == "openai":
                self._model = (generators.openai_chat_model(self.rag.settings), nullcontext())
            else:
                raise ValueError(f"the baseline cannot answer with '{self.answerer}'")
        return self._model

    def answer(self, question: str, history: Sequence[dict[str, str]]) -> SystemAnswer:
        """Retrieve the top 4, stuff them into the prompt, generate (streamed, for timings)."""
        from langchain_core.messages import AIMessage, HumanMessage

        t0 = time.perf_counter()
        docs = self.rag.retrieve(question, TOP_K)
        timings = {"retrieve": (time.perf_counter() - t0) * 1000}
        model, lock = self._chat_model()
        messages = [
            HumanMessage(m["content"]) if m["role"] == "user" else AIMessage(m["content"])
            for m in history
        ]
        context = "\n\n".join(d.text for d in docs)
        inputs = {
            "question": question,
            "context": context,
            "history": messages,
        }
        text = ""
        with lock:
            for token in self.rag.chain(model).stream(inputs):
                timings.setdefault("first_token", (time.perf_counter() - t0) * 1000)
                text += token
        timings["total"] = (time.perf_counter() - t0) * 1000
        timings.setdefault("first_token", timings["total"])
        text = text.strip()
        return SystemAnswer(
            text=text,
            refused=is_refusal(text),
            cited=None,
            timings_ms={k: round(v, 1) for k, v in timings.items()},
            standalone_question=question,
            raw={
                "answer": text,
                "retrieved": [
                    {"rank": d.rank, "chunk_id": d.chunk_id, "keys": d.keys, "text": d.text}
                    for d in docs
                ],
            },
            history_text=text,
            outcome="refused:model" if is_refusal(text) else "model",
            model_ran=True,
            context=context,
        )


def open_baseline(
    settings: Any,
    paths: Sequence[str | Path],
    answerer: str = "local",
    embeddings: Any | None = None,
    on_batch: Callable[[int, int], None] | None = None,
    path: str | Path | None = None,
) -> BaselineSystem:
    """The baseline over ``paths``, ingested first when chunks are missing (idempotent).

    ``settings`` gives the generator (and the default store location ``<data_dir>/baseline``).
    """
    rag = BaselineRAG(settings, embeddings, path)
    rag.ingest(paths, on_batch=on_batch)
    return BaselineSystem(rag, answerer)
