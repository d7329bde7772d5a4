"""The two systems the runner scores side by side, behind one small interface.

* :class:`NewsdeskSystem` drives :class:`qa.assistant.Assistant` exactly as a user would.
* ``eval.baseline.BaselineSystem`` is the textbook LangChain RAG.

Both return ranked chunks with the keys of their article (:class:`RetrievedChunk`) and answers
reduced to what the metrics need (:class:`SystemAnswer`), so every metric is computed the same
way for both.

Example:
    >>> doc_keys({"doc_id": "ab12", "external_id": "mhr-d001", "source": "/x/003_a.txt"})
    ['ab12', 'mhr-d001', '003_a.txt']
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

ROOT = Path(__file__).resolve().parent.parent
_MARKER = re.compile(r"\s*\[\d+\]")


def doc_keys(meta: dict[str, Any]) -> list[str]:
    """Every key a gold ``docs`` entry may use for an article: doc_id, external id, file name.

    A gold doc matches a retrieved chunk if it equals its ``doc_id``, its ``external_id`` (the
    ``id`` of a .jsonl line) or the basename of its ``source`` (or ``file``).
    """
    keys: list[str] = []
    for name in ("doc_id", "external_id"):
        value = str(meta.get(name) or "")
        if value and value not in keys:
            keys.append(value)
    for name in ("source", "file"):
        value = str(meta.get(name) or "")
        base = value.rstrip("/").rsplit("/", 1)[-1].split("#", 1)[0] if value else ""
        if base and base not in keys:
            keys.append(base)
    return keys


def strip_markers(text: str) -> str:
    """The answer text without its ``[n]`` citation markers.

    >>> strip_markers("Maria Zakharova said so [1] [2].")
    'Maria Zakharova said so.'
    """
    return _MARKER.sub("", text).strip()


#: Outcomes after which the generator had produced a draft (the first token was the model's).
MODEL_OUTCOMES = frozenset({"model", "model+fallback", "model+turned", "refused:model"})


def model_ran(outcome: str, answerer: str) -> bool:
    """True when the generator ran for this answer (so its first token is a model's token).

    ``refused:verifier`` counts when the answerer is a model (the draft was thrown away), not
    for the extractive answerer, whose refusals never reach a model.
    """
    if outcome in MODEL_OUTCOMES:
        return True
    return outcome == "refused:verifier" and not answerer.startswith("extractive")


def _basename(source: str) -> str:
    return source.rstrip("/").rsplit("/", 1)[-1].split("#", 1)[0]


#: Settings that cannot change an answer's text and must not be written to a cache file.
_NOT_IN_KEY = frozenset(
    {"openai_api_key", "embedding_api_key", "auth", "database_url", "host", "port"}
)


def model_sha256(path: Path, cache_dir: Path) -> str:
    """The sha256 of a model file, hashed once per (path, size, mtime) and kept in
    ``cache_dir/model-sha256.json``, so a cache key never re-hashes a 1 GB file."""
    st = path.stat()
    ident = f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}"
    known_path = cache_dir / "model-sha256.json"
    try:
        known = json.loads(known_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    if ident not in known:
        with path.open("rb") as f:
            known[ident] = hashlib.file_digest(f, "sha256").hexdigest()
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = known_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(known), encoding="utf-8")
        tmp.replace(known_path)
    return str(known[ident])


def answer_fingerprint(settings: Any, store: Any, answerer: str) -> dict[str, Any]:
    """The non-code inputs of an answer: settings, generator identity, store contents."""
    values = settings.model_dump(mode="json", exclude=set(_NOT_IN_KEY))
    out: dict[str, Any] = {"settings": values}
    if store is not None:
        out["store"] = store.fingerprint()
    if answerer == "local":
        from qa.model_files import local_model_path

        out["model_sha256"] = model_sha256(local_model_path(settings), settings.cache_dir)
    elif answerer == "openai":
        out["model"] = [settings.openai_base_url, settings.openai_model]
    return out


@functools.lru_cache
def code_version(extra: tuple[Path, ...] = ()) -> str:
    """A short hash of the code that produces answers (``qa/``, ``index/`` and ``extra``).

    Part of every cache key: changing the answering code invalidates cached answers, while
    changing the scoring code does not. Hashed once per process, so an edit made while a run
    is going does not label the answers of the code already loaded as the new code's.
    """
    files = sorted([*ROOT.joinpath("qa").glob("*.py"), *ROOT.joinpath("index").glob("*.py")])
    files += [Path(p) for p in extra]
    h = hashlib.sha256()
    for path in files:
        h.update(path.name.encode())
        h.update(path.read_bytes() if path.exists() else b"")
    return h.hexdigest()[:12]


@dataclass
class RetrievedChunk:
    """One ranked chunk (1-based ``rank``) with the keys of the article it comes from."""

    rank: int
    chunk_id: str
    text: str
    keys: list[str]
    score: float

    @property
    def words(self) -> int:
        """Whitespace-separated words in the chunk."""
        return len(self.text.split())


@dataclass
class SystemAnswer:
    """An answer reduced to what the metrics need, plus the system's full answer as JSON."""

    text: str  # answer without citation markers
    refused: bool
    # (sentence, texts of the passages it cites) for citation recall/precision; None = the
    # system does not cite at all (citation metrics are "n/a" rather than 0).
    cited: list[tuple[str, list[str]]] | None
    timings_ms: dict[str, float]
    standalone_question: str
    raw: dict[str, Any] = field(default_factory=dict)
    history_text: str = ""  # what goes into the history of the next turn (with markers)
    outcome: str = ""  # Answer.outcome (qa.answer.OUTCOMES); the baseline: model/refused:model
    # (doc_id, file name, start, end) of every quoted span, offsets in the cleaned article;
    # None = the system does not cite (citation metrics "n/a").
    spans: list[tuple[str, str, int, int]] | None = None
    model_ran: bool = False  # the generator produced this answer's first token
    # The passages as the answerer saw them (a model's prompt block; the extractive
    # answerer's whole passages): is the gold answer within its reach? None = not recorded.
    context: str | None = None


class System(Protocol):
    """What the runner needs from a system under evaluation."""

    name: str
    label: str

    def retrieve(self, question: str, history: Sequence[str], k: int) -> list[RetrievedChunk]:
        """The top-``k`` chunks for the (last) question; ``history`` = earlier user turns."""
        ...

    def search(self, query: str, k: int) -> list[RetrievedChunk]:
        """The top-``k`` chunks for a query that is already standalone."""
        ...

    def answer(self, question: str, history: Sequence[dict[str, str]]) -> SystemAnswer:
        """Answer the question given the conversation so far (role/content dicts)."""
        ...

    def config(self) -> dict[str, Any]:
        """What identifies this system's answers in the cache (answerer, top_k, ...)."""
        ...

    def chunk_words(self) -> float:
        """Mean words per chunk over the whole index."""
        ...


class NewsdeskSystem:
    """Newsdesk itself: :meth:`Assistant.ask` for answers, ``retriever.search`` for chunks."""

    name = "newsdesk"
    label = "Newsdesk"

    def __init__(self, assistant: Any, answerer: str | None = None, top_k: int | None = None):
        self.assistant = assistant
        self.answerer = answerer or assistant.settings.answerer
        self.top_k = top_k or assistant.settings.top_k
        self._keys: dict[str, list[str]] = {}
        self._config: dict[str, Any] | None = None

    def config(self) -> dict[str, Any]:
        """Everything that can change an answer: answerer, top_k, every setting (secrets
        left out), the code version, the model file's sha256 and the store's fingerprint."""
        if self._config is None:
            self._config = {
                "system": self.name,
                "answerer": self.answerer,
                "top_k": self.top_k,
                "collection": self.assistant.settings.collection,
                "code": code_version(),
                **answer_fingerprint(self.assistant.settings, self.assistant.store, self.answerer),
            }
        return self._config

    def _standalone(self, question: str, history: Sequence[str]) -> str:
        from qa.answer import Message
        from qa.condense import condense

        turns = [Message(role="user", content=h) for h in history]
        return condense(question, turns, None)

    def retrieve(self, question: str, history: Sequence[str], k: int) -> list[RetrievedChunk]:
        """Ranked chunks before merging; follow-ups are condensed without a model."""
        query = self._standalone(question, history) if history else question
        return self.search(query, k)

    def search(self, query: str, k: int) -> list[RetrievedChunk]:
        """``retriever.search`` of a query that is already standalone."""
        hits = self.assistant.retriever.search(query, k=k)
        return [
            RetrievedChunk(i, h.chunk_id, h.text, doc_keys(h.meta), float(h.score))
            for i, h in enumerate(hits, start=1)
        ]

    def answer(self, question: str, history: Sequence[dict[str, str]]) -> SystemAnswer:
        """One :meth:`Assistant.ask` call."""
        t0 = time.perf_counter()
        ans = self.assistant.ask(
            question, history=list(history), answerer=self.answerer, top_k=self.top_k
        )
        timings = dict(ans.timings_ms)
        timings.setdefault("total", (time.perf_counter() - t0) * 1000)
        by_n = {c.n: c.text for c in ans.citations}
        cited = [
            (strip_markers(s.text), [by_n[n] for n in s.citations if n in by_n])
            for s in ans.sentences
            if strip_markers(s.text)
        ]
        return SystemAnswer(
            text=strip_markers(ans.answer),
            refused=ans.refused,
            cited=None if ans.refused else cited,
            timings_ms=timings,
            standalone_question=ans.standalone_question,
            raw=ans.model_dump(mode="json"),
            history_text=ans.answer,
            outcome=ans.outcome,
            spans=[(c.doc_id, _basename(c.source), c.start, c.end) for c in ans.citations],
            model_ran=model_ran(ans.outcome, ans.answerer),
            context=self._context(ans),
        )

    def _context(self, ans: Any) -> str:
        """The passages of the answer as its answerer saw them (see ``SystemAnswer.context``)."""
        from qa.prompts import answer_inputs

        if ans.answerer == "extractive":
            return "\n\n".join(p.text for p in ans.retrieved)
        s = self.assistant.settings
        question, words = ans.standalone_question, s.prompt_passage_words
        return answer_inputs(ans.retrieved, question, words, s.paraphrase_passage_words)["passages"]

    def chunk_words(self) -> float:
        """Mean words per stored chunk."""
        counts = [len(text.split()) for _, text, _ in self.assistant.store.iter_chunks()]
        return sum(counts) / len(counts) if counts else float("nan")
