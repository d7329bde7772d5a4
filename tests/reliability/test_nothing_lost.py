"""Nothing lost: a SIGKILLed ingest, damaged stores, other layouts, exact deletes and replaces.

Real processes and real files: ``newsdesk ingest`` is killed with SIGKILL mid-write and run
again; Chroma's SQLite file is garbled or truncated; articles are deleted through the CLI and
through the library code the UI calls, and the BM25 index is checked along with the store.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from index.pipeline import ingest
from index.settings import Settings
from index.store import Store, StoreError
from tests.conftest import SAMPLE
from tests.reliability.conftest import (
    BIN,
    error_lines,
    forget_chroma_clients,
    make_articles,
    newsdesk,
    sqlite_counts,
)

AMBASSADOR = "Who is Russia's ambassador to the US?"
N_ARTICLES = 40


def _snapshot(settings: Settings) -> tuple[set[str], dict[str, tuple[str, str]], dict]:
    """Doc ids, chunks (id → (doc_id, text)) and stats of a store."""
    store = Store(settings)
    chunks = {cid: (meta["doc_id"], text) for cid, text, meta in store.iter_chunks()}
    return set(store.doc_ids()), chunks, store.stats()


# -- a real SIGKILL in the middle of an ingest -----------------------------------------------


@pytest.mark.slow
def test_sigkilled_ingest_rerun_equals_a_clean_ingest(tmp_path: Path, embedder) -> None:
    articles = tmp_path / "articles"
    make_articles(articles, N_ARTICLES)

    clean = Settings(data_dir=tmp_path / "clean")
    assert ingest([articles], clean, embedder=embedder).count("added") == N_ARTICLES
    clean_docs, clean_chunks, clean_stats = _snapshot(clean)
    assert len(clean_docs) == N_ARTICLES and len(clean_chunks) >= 2 * N_ARTICLES

    killed = tmp_path / "killed"
    env = {
        **os.environ,
        "NEWSDESK_DATA_DIR": str(killed),
        # small write groups, so the kill lands between groups of chunks and their commits
        "NEWSDESK_WRITE_BATCH_SIZE": "8",
        "NEWSDESK_EMBED_BATCH_SIZE": "8",
    }
    proc = subprocess.Popen(
        [str(BIN / "newsdesk"), "ingest", "-q", str(articles)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 240
    counts: dict[str, int] = {}
    while proc.poll() is None and time.monotonic() < deadline:
        counts = sqlite_counts(killed / "chroma")
        if counts.get("newsdesk", 0) >= 12:  # some chunks are written: kill it now
            os.kill(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.05)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, f"ingest ended before the kill: {counts}"

    settings = Settings(data_dir=killed)
    docs_at_kill, chunks_at_kill, _ = _snapshot(settings)
    assert 0 < len(chunks_at_kill) < len(clean_chunks)
    assert len(docs_at_kill) < N_ARTICLES  # the kill landed mid-way
    assert docs_at_kill <= clean_docs and set(chunks_at_kill) <= set(clean_chunks)

    forget_chroma_clients()  # the re-run is another process writing this store
    rerun = newsdesk("ingest", str(articles), data_dir=killed)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert f"unchanged {len(docs_at_kill)}" in rerun.stderr
    assert f"added {N_ARTICLES - len(docs_at_kill)}" in rerun.stderr

    forget_chroma_clients()
    docs, chunks, stats = _snapshot(settings)
    assert docs == clean_docs  # no missing article
    assert chunks == clean_chunks  # same ids, texts and owners: no duplicate, no missing chunk
    assert {k: stats[k] for k in ("documents", "chunks")} == {
        k: clean_stats[k] for k in ("documents", "chunks")
    }
    # The vector index agrees with the records: every chunk finds itself by its own vector.
    store = Store(settings)
    got = store.chunks.get(include=["embeddings"])
    hits = store.chunks.query(
        query_embeddings=[list(e) for e in got["embeddings"]], n_results=1, include=[]
    )
    assert [ids[0] for ids in hits["ids"]] == got["ids"]


# -- damaged stores --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory, embedder) -> Path:
    """A data dir holding the five samples; copied, never opened, by the damage tests."""
    data = tmp_path_factory.mktemp("pristine")
    ingest([SAMPLE], Settings(data_dir=data), embedder=embedder)
    forget_chroma_clients()
    return data


def _damage(data: Path, how: str) -> None:
    db = data / "chroma" / "chroma.sqlite3"
    size = db.stat().st_size
    junk = b"\xde\xad\xbe\xef" * 2048  # 8 KB, two pages
    if how == "truncated":
        os.truncate(db, size // 2)
    elif how == "empty-file":
        os.truncate(db, 0)
    elif how == "vector-index-removed":
        for segment in (data / "chroma").iterdir():
            if segment.is_dir():
                shutil.rmtree(segment)
    else:  # garbled-<percent>: overwrite two pages at that point of the file
        offset = int(size * int(how.split("-")[1]) / 100) // 4096 * 4096
        with db.open("r+b") as f:
            f.seek(offset)
            f.write(junk)


@pytest.mark.parametrize(
    "how", ["garbled-0", "garbled-5", "garbled-30", "garbled-50", "garbled-85", "truncated"]
)
def test_damaged_store_names_the_fix(pristine: Path, tmp_path: Path, embedder, how: str) -> None:
    data = tmp_path / "data"
    shutil.copytree(pristine, data)
    _damage(data, how)
    settings = Settings(data_dir=data, answerer="extractive")
    with pytest.raises(StoreError) as err:
        from qa.assistant import Assistant

        Assistant(settings, embedder=embedder).ask(AMBASSADOR)
    message = str(err.value)
    assert "\n" not in message
    assert "damaged" in message and "newsdesk ingest --rebuild" in message

    report = ingest([SAMPLE], settings, embedder=embedder, rebuild=True)  # the named fix
    assert report.count("added") == 5
    assert Store(settings).stats()["documents"] == 5


def test_empty_database_file_says_the_store_is_empty(pristine: Path, tmp_path: Path, embedder):
    from qa.assistant import Assistant, EmptyStoreError

    data = tmp_path / "data"
    shutil.copytree(pristine, data)
    _damage(data, "empty-file")
    assistant = Assistant(Settings(data_dir=data, answerer="extractive"), embedder=embedder)
    with pytest.raises(EmptyStoreError, match="newsdesk ingest"):  # not a silent empty answer
        assistant.ask(AMBASSADOR)


def test_removed_vector_index_is_rebuilt_by_chroma(pristine: Path, tmp_path: Path, embedder):
    """Chroma rebuilds its HNSW files from the SQLite log: answers stay right, nothing silent."""
    from qa.assistant import Assistant

    data = tmp_path / "data"
    shutil.copytree(pristine, data)
    _damage(data, "vector-index-removed")
    settings = Settings(data_dir=data, answerer="extractive")
    store = Store(settings)
    got = store.chunks.get(include=["embeddings"])
    hits = store.chunks.query(
        query_embeddings=[list(e) for e in got["embeddings"]], n_results=1, include=[]
    )
    assert [ids[0] for ids in hits["ids"]] == got["ids"]
    answer = Assistant(settings, store=store, embedder=embedder).ask(AMBASSADOR)
    assert not answer.refused and "ambassador" in answer.answer


@pytest.mark.slow
def test_cli_on_a_damaged_store_prints_one_line_and_rebuild_fixes_it(
    pristine: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    shutil.copytree(pristine, data)
    _damage(data, "garbled-50")
    for args in (["stats"], ["ask", "--answerer", "extractive", AMBASSADOR], ["ingest", "x.txt"]):
        run = newsdesk(*args, data_dir=data)
        assert run.returncode == 1, (args, run.stderr[-1000:])
        [line] = error_lines(run.stderr)  # one line even at 80 columns
        assert "damaged" in line and "`newsdesk ingest --rebuild PATH...`" in line
        assert "Traceback" not in run.stderr

    rebuilt = newsdesk("ingest", "--rebuild", str(SAMPLE), data_dir=data)
    assert rebuilt.returncode == 0, rebuilt.stderr[-1000:]
    asked = newsdesk("ask", "--json", "--answerer", "extractive", AMBASSADOR, data_dir=data)
    assert asked.returncode == 0 and '"refused": false' in asked.stdout


@pytest.mark.slow
def test_cli_refuses_a_store_built_with_another_model_or_chunking(pristine: Path, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(pristine, data)
    for env in ({"NEWSDESK_EMBEDDING_MODEL": "other-model"}, {"NEWSDESK_CHUNK_WORDS": "200"}):
        run = newsdesk("ask", "--answerer", "extractive", AMBASSADOR, data_dir=data, env=env)
        assert run.returncode == 1
        [line] = error_lines(run.stderr)
        key = "embedding_model" if "NEWSDESK_EMBEDDING_MODEL" in env else "chunking"
        assert f"built with {key}=" in line and "newsdesk ingest --rebuild" in line


def test_serving_refuses_a_store_built_with_another_layout(pristine: Path, tmp_path, embedder):
    from qa.assistant import Assistant

    data = tmp_path / "data"
    shutil.copytree(pristine, data)
    with pytest.raises(StoreError, match=r"built with chunking=120/30.*ingest --rebuild"):
        Assistant(Settings(data_dir=data, chunk_words=90), embedder=embedder)


# -- exact deletes and replaces ---------------------------------------------------------------

VELLMOOR = (
    "Vellmoor appoints a harbour master\n\nThe Vellmoor council appointed Odile Brackwater as "
    "harbour master on Thursday, ending a vacancy of eight months. Brackwater previously ran "
    "the Quillhaven ferry terminal.\n"
)


def _bm25_chunks_of(assistant, doc_id: str) -> set[str]:
    assistant.retriever.refresh()
    index = assistant.retriever.index()
    pairs = zip(index.chunk_ids, index.metas, strict=True)
    return {cid for cid, meta in pairs if meta["doc_id"] == doc_id}


def _cited_docs(assistant, question: str, k: int = 8) -> set[str]:
    return {h.meta["doc_id"] for h in assistant.retriever.search(question, k=k)}


@pytest.mark.slow
def test_cli_delete_removes_exactly_its_chunks_and_bm25_entries(tmp_path: Path, embedder):
    from qa.assistant import Assistant

    article = tmp_path / "vellmoor.txt"
    article.write_text(VELLMOOR, encoding="utf-8")
    settings = Settings(data_dir=tmp_path / "data", answerer="extractive")
    ingest([SAMPLE, article], settings, embedder=embedder)
    assistant = Assistant(settings, embedder=embedder)
    store = assistant.store
    target = next(d["doc_id"] for d in store.get_docs() if d["file"] == str(article.resolve()))
    doomed = store.chunk_ids_of(target)
    before_docs, before_chunks, _ = _snapshot(settings)
    assert doomed and _bm25_chunks_of(assistant, target) == doomed
    assert target in _cited_docs(assistant, "Who is the Vellmoor harbour master?")

    forget_chroma_clients()
    run = newsdesk("delete", target, data_dir=settings.data_dir)
    assert run.returncode == 0, run.stderr
    assert f"deleted {target}" in run.stderr

    forget_chroma_clients()
    assistant = Assistant(settings, embedder=embedder)
    docs, chunks, _ = _snapshot(settings)
    assert docs == before_docs - {target}
    assert set(chunks) == set(before_chunks) - doomed  # exactly its chunks, nobody else's
    assert not _bm25_chunks_of(assistant, target)
    assert target not in _cited_docs(assistant, "Who is the Vellmoor harbour master?")
    assert assistant.ask("Who is the Vellmoor harbour master?").refused

    # by file path too, and a one-line error for an unknown id
    forget_chroma_clients()
    kerry = SAMPLE / "003_b5e0c7ee18c80093.txt"
    assert newsdesk("delete", str(kerry), data_dir=settings.data_dir).returncode == 0
    missing = newsdesk("delete", "no-such-id", data_dir=settings.data_dir)
    assert missing.returncode == 2 and len(error_lines(missing.stderr)) == 1
    forget_chroma_clients()
    assert len(Store(settings).doc_ids()) == 4


def test_ui_delete_and_replace_touch_exactly_one_articles_chunks(tmp_path: Path, embedder):
    """What the library tab's Delete button and upload box call (the Library service)."""
    from qa.assistant import Assistant

    settings = Settings(data_dir=tmp_path / "data", answerer="extractive")
    ingest([SAMPLE], settings, embedder=embedder)
    assistant = Assistant(settings, embedder=embedder)
    upload = tmp_path / "in" / "vellmoor.txt"
    upload.parent.mkdir()
    upload.write_text(VELLMOOR, encoding="utf-8")
    [added] = assistant.library.add_uploads([upload])
    assert added["status"] == "added"
    old = next(d["doc_id"] for d in assistant.store.get_docs() if "Vellmoor" in d["title"])
    old_chunks = assistant.store.chunk_ids_of(old)
    _, sample_chunks, _ = _snapshot(settings)
    sample_chunks = {c for c in sample_chunks if c not in old_chunks}
    assert _bm25_chunks_of(assistant, old) == old_chunks

    # Replace: the same upload name with new text drops exactly the old version's chunks.
    upload.write_text(VELLMOOR.replace("Odile Brackwater", "Ansel Merriweather"), "utf-8")
    [replaced] = assistant.library.add_uploads([upload])
    assert replaced["status"] == "replaced"
    new = next(d["doc_id"] for d in assistant.store.get_docs() if "Vellmoor" in d["title"])
    assert new != old and not assistant.store.chunk_ids_of(old)
    assert not _bm25_chunks_of(assistant, old) and _bm25_chunks_of(assistant, new)
    answer = assistant.ask("Who did the Vellmoor council appoint as harbour master?")
    assert "Merriweather" in answer.answer and "Brackwater" not in answer.answer

    # Delete: the article, its chunks, its BM25 entries and its upload copy go; nothing else.
    assistant.library.delete_with_upload(new)
    _, chunks, stats = _snapshot(settings)
    assert set(chunks) == sample_chunks and stats["documents"] == 5
    assert not _bm25_chunks_of(assistant, new)
    assert not (settings.data_dir / "uploads" / "vellmoor.txt").exists()
    assert assistant.ask("Who did the Vellmoor council appoint as harbour master?").refused
