"""Two real `newsdesk serve` replicas sharing one real `chroma run` server and PostgreSQL.

An article ingested through one replica is answerable through the other (by BM25 and by
dense retrieval) within NEWSDESK_REFRESH_S; one deleted is gone from the other; two writers
ingesting the same folder at once leave one copy of each chunk; a replica killed mid-ingest
leaves the other answering, and a re-run completes the ingest. A conversation started through
one replica's REST API is listed and continued through the other, and feedback given on one is
seen by the other (no sticky sessions).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from index import bm25
from index.settings import Settings
from index.store import Store
from qa.feedback import FeedbackStore
from tests.conftest import ROOT, SAMPLE, start_chroma, stop_process
from tests.scale.conftest import wait_for
from tests.ui.conftest import Server, start_server, stop_server, write_article

pytestmark = pytest.mark.slow

COLLECTION = "replicas"
LAG_S = 20  # NEWSDESK_REFRESH_S=1, plus the time an /ask takes on a busy 2-core machine

TITLE = "Harbor town opens seawater desalination plant"
BODY = (
    "The coastal town of Quorvenith opened a desalination plant on Monday that turns seawater "
    "into drinking water for 40,000 residents. Mayor Elspeth Varga said the plant would end the "
    "summer shortages that have forced rationing for a decade. The facility cost 95 million "
    "euros and was paid for by the regional council."
)
KEYWORD_Q = "What happened in Quorvenith?"  # only a made-up name: found by BM25
PARAPHRASE_Q = "Which seaside municipality purifies brine for inhabitants?"  # dense only


@dataclass
class Cluster:
    chroma_url: str
    database_url: str
    a: Server
    b: Server
    env: dict[str, str]

    def settings(self, server: Server) -> Settings:
        return Settings(data_dir=server.data_dir, chroma_url=self.chroma_url,
                        database_url=self.database_url, collection=COLLECTION)  # fmt: skip

    def store(self) -> Store:
        return Store(self.settings(self.b))

    def ingest_cli(self, server: Server, folder: Path) -> subprocess.Popen[str]:
        """`newsdesk ingest FOLDER` with this replica's settings, as a separate process."""
        exe = shutil.which("newsdesk", path=str(Path(sys.executable).parent)) or "newsdesk"
        env = {**os.environ, **self.env, "NEWSDESK_DATA_DIR": str(server.data_dir)}
        return subprocess.Popen([exe, "ingest", str(folder)], cwd=ROOT, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, postgres_url: str) -> Iterator[Cluster]:
    root = tmp_path_factory.mktemp("cluster")
    url, chroma = start_chroma(root / "chroma", root / "chroma.log")
    env = {
        "NEWSDESK_CHROMA_URL": url,
        "NEWSDESK_DATABASE_URL": postgres_url,
        "NEWSDESK_COLLECTION": COLLECTION,
        "NEWSDESK_REFRESH_S": "1",
        "NEWSDESK_WRITE_BATCH_SIZE": "8",  # small write groups: a kill lands mid-ingest
    }
    servers: list[Server] = []
    try:  # a replica that fails to start must not leave chroma (or the other one) running
        servers.append(start_server(root / "a", env=env))  # finds the store empty: ingests
        servers.append(start_server(root / "b", env=env))
        yield Cluster(url, postgres_url, servers[0], servers[1], env)
    finally:
        for server in servers:
            stop_server(server)
        stop_process(chroma)


def client(server: Server) -> Any:
    from gradio_client import Client

    return Client(server.url, verbose=False)


def retrieved_docs(server: Server, question: str) -> list[str]:
    result = client(server).predict(question=question, top_k=5, api_name="/ask")
    return [p["title"] for p in result["retrieved"]]


def assert_one_copy(store: Store) -> None:
    """Every chunk belongs to a complete article, and each article has exactly its chunks."""
    docs = store.get_docs()
    assert len({d["doc_id"] for d in docs}) == len(docs)
    assert store.count_chunks() == sum(int(d["chunks"]) for d in docs)
    owners = {m["doc_id"] for _, _, m in store.iter_chunks()}
    assert owners == {d["doc_id"] for d in docs}  # no orphaned chunk


def test_replicas_share_one_store(cluster: Cluster) -> None:
    store = cluster.store()
    assert store.count_docs() == 5  # the samples, ingested once by A
    assert "ingesting the sample articles" not in cluster.b.log()
    assert_one_copy(store)


def test_ingest_on_a_is_answerable_on_b_then_delete_on_b_is_gone_from_a(
    cluster: Cluster, tmp_path: Path
) -> None:
    from gradio_client import handle_file

    # The paraphrase shares no indexed word with any article: only dense retrieval finds it.
    words = set(bm25.tokenize(f"{TITLE} {BODY}"))
    for sample in SAMPLE.iterdir():
        words |= set(bm25.tokenize(sample.read_text(encoding="utf-8")))
    assert not words & set(bm25.tokenize(PARAPHRASE_Q))
    assert retrieved_docs(cluster.b, KEYWORD_Q)[:1] != [TITLE]

    path = write_article(tmp_path, "quorvenith.txt", TITLE, BODY)
    results = client(cluster.a).predict(files=[handle_file(str(path))], api_name="/ingest")
    assert [r["status"] for r in results] == ["added"], results

    assert wait_for(lambda: retrieved_docs(cluster.b, KEYWORD_Q)[:1] == [TITLE], LAG_S)
    assert retrieved_docs(cluster.b, PARAPHRASE_Q)[:1] == [TITLE]
    answer = client(cluster.b).predict(question="Who is the mayor of Quorvenith?", api_name="/ask")
    assert "Varga" in answer["answer"], answer
    assert any(c["title"] == TITLE for c in answer["citations"]), answer

    store = cluster.store()  # B's settings: the same store B reads
    (doc,) = [d for d in store.get_docs() if d["title"] == TITLE]
    store.delete_doc(doc["doc_id"])
    assert wait_for(lambda: TITLE not in retrieved_docs(cluster.a, KEYWORD_Q), LAG_S)
    assert TITLE not in retrieved_docs(cluster.a, PARAPHRASE_Q)  # dense results agree too
    assert_one_copy(store)


def _articles(folder: Path, prefix: str, n: int) -> Path:
    for i in range(n):
        body = " ".join(
            f"The {prefix} {i} committee met on day {j} and agreed budget line {i * 100 + j} "
            f"for the {prefix}ville district, said spokesperson Alex {prefix.title()}{i}."
            for j in range(12)
        )
        write_article(folder, f"{prefix}{i:03d}.txt", f"{prefix.title()} report {i}", body)
    return folder


def test_two_writers_same_folder_leave_one_copy(cluster: Cluster, tmp_path: Path) -> None:
    folder = _articles(tmp_path / "same", "overlap", 6)
    before = cluster.store().count_docs()
    procs = [cluster.ingest_cli(s, folder) for s in (cluster.a, cluster.b)]
    outputs = [p.communicate(timeout=300)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    store = cluster.store()
    assert store.count_docs() == before + 6
    assert_one_copy(store)
    assert wait_for(lambda: retrieved_docs(cluster.a, "Overlap report 4 budget")[:1]
                    == ["Overlap report 4"], LAG_S)  # fmt: skip


AMBASSADOR = "Who is Russia's ambassador to the US?"
FOLLOW_UP = "What did he admit to journalists?"


def rest(server: Server) -> httpx.Client:
    """A plain httpx client on a replica's REST API (no keys: the caller is ``api``)."""
    return httpx.Client(base_url=f"{server.url}/api/v1", timeout=120)


def ask(api: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    response = api.post("/ask", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_conversation_started_on_a_is_listed_and_continued_on_b(cluster: Cluster) -> None:
    with rest(cluster.a) as a, rest(cluster.b) as b:
        first = ask(a, {"question": AMBASSADOR, "save": True, "answerer": "extractive"})
        cid = first["conversation_id"]
        assert cid and first["turn"] == 0 and not first["refused"], first
        assert "Kislyak" in first["answer"], first

        # B lists it (no sticky session, no refresh wait: the database is shared) ...
        listed = b.get("/conversations", params={"limit": 500}).json()
        (summary,) = [c for c in listed["conversations"] if c["id"] == cid]
        assert summary["title"] == AMBASSADOR and summary["turn_count"] == 1
        assert summary["owner"] == "api" and listed["total"] >= 1
        on_b = b.get(f"/conversations/{cid}").json()
        assert [t["question"] for t in on_b["turns"]] == [AMBASSADOR]
        assert on_b["turns"][0]["answer"]["answer"] == first["answer"]
        assert on_b["turns"][0]["answer"]["citations"] == first["citations"]

        # ... and continues it: the follow-up is answered from the turn A saved.
        second = ask(b, {"question": FOLLOW_UP, "conversation_id": cid, "answerer": "extractive"})
        assert second["conversation_id"] == cid and second["turn"] == 1, second
        assert second["standalone_question"] != FOLLOW_UP  # the history from A was used
        on_a = a.get(f"/conversations/{cid}").json()
        assert on_a["turn_count"] == 2
        assert [t["question"] for t in on_a["turns"]] == [AMBASSADOR, FOLLOW_UP]
        assert [t["answer"]["answer"] for t in on_a["turns"]] == [first["answer"], second["answer"]]
        assert a.get(f"/conversations/{cid}/markdown").text.count("## ") == 2

        # Feedback given on B for A's answer is counted on A and stored against A's turn.
        before = a.get("/health").json()["database"]["feedback"]
        fb = b.post("/feedback", json={"conversation_id": cid, "turn": 0, "verdict": "down",
                                       "comment": "cross-replica"})  # fmt: skip
        assert fb.status_code == 201, fb.text
        assert fb.json()["outcome"] == first["outcome"]
        assert a.get("/health").json()["database"]["feedback"] == before + 1
        assert FeedbackStore.open(cluster.settings(cluster.a)).verdicts(cid) == {0: "down"}


def test_replica_killed_mid_ingest(cluster: Cluster, tmp_path: Path) -> None:
    from gradio_client import handle_file

    folder = _articles(tmp_path / "big", "killed", 30)
    store = cluster.store()
    docs_before = store.count_docs()
    job = client(cluster.a).submit(
        files=[handle_file(str(p)) for p in sorted(folder.iterdir())], api_name="/ingest"
    )
    # Kill A once some but not all of the new articles are committed.
    assert wait_for(lambda: store.count_docs() > docs_before + 2, 120, every_s=0.05)
    cluster.a.proc.kill()
    cluster.a.proc.wait(timeout=15)
    threading.Thread(target=lambda: _ignore(job.result), daemon=True).start()
    assert store.count_docs() < docs_before + 30, "the ingest finished before the kill"

    # B keeps answering, including from what A committed before it died.
    result = client(cluster.b).predict(question="What did the killed 0 committee agree?",
                                       api_name="/ask")  # fmt: skip
    assert result["retrieved"], result

    rerun = cluster.ingest_cli(cluster.b, folder)
    out = rerun.communicate(timeout=300)[0]
    assert rerun.returncode == 0, out
    assert store.count_docs() == docs_before + 30
    assert_one_copy(store)
    assert wait_for(lambda: retrieved_docs(cluster.b, "Killed report 29 budget")[:1]
                    == ["Killed report 29"], LAG_S)  # fmt: skip


def _ignore(fn: Any) -> None:
    with contextlib.suppress(Exception):  # the replica that served this call was killed
        fn()
