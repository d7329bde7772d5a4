"""``newsdesk serve`` as a real process, driven through its named API with gradio_client."""

from __future__ import annotations

import json

import pytest

from tests.ui.conftest import Server, start_server, stop_server, write_article

pytestmark = pytest.mark.slow

AMBASSADOR = "Who is Russia's ambassador to the US?"
KERRY_FILE = "003_b5e0c7ee18c80093.txt"


@pytest.fixture(scope="module")
def client(server: Server):
    from gradio_client import Client

    return Client(server.url, verbose=False)


def test_start_up_ingested_the_samples_and_prints_ready(server: Server) -> None:
    log = server.log()
    assert "ingesting the sample articles" in log
    assert f"ready: {server.url}" in log
    assert "warning" not in log.lower()  # loopback: no warning about a missing password


def test_only_ask_ingest_and_feeds_are_documented(client) -> None:
    endpoints = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    feeds = {"/feeds_list", "/feeds_add", "/feeds_remove", "/feeds_refresh", "/ingest_url"}
    assert set(endpoints) == {"/ask", "/ingest", *feeds}


def test_the_api_refuses_to_fetch_private_addresses(client, server: Server) -> None:
    """SSRF: the server's own address (loopback) is refused, in one line, through the API."""
    from gradio_client.exceptions import AppError

    result = client.predict(url=server.url + "/config", api_name="/ingest_url")
    assert result["status"] == "failed" and result["url"] == server.url + "/config"
    assert "refused" in result["detail"] and "loopback" in result["detail"]
    with pytest.raises(AppError, match="only http and https"):
        client.predict(url="file:///etc/passwd", every=None, api_name="/feeds_add")
    assert client.predict(api_name="/feeds_list") == []


def test_ask_cites_the_article_that_names_the_ambassador(client) -> None:
    result = client.predict(question=AMBASSADOR, api_name="/ask")
    assert set(result) >= {
        "question",
        "standalone_question",
        "answer",
        "refused",
        "citations",
        "sentences",
        "retrieved",
        "answerer",
        "timings_ms",
    }
    assert result["refused"] is False and result["answerer"] == "extractive"
    assert "[1]" in result["answer"]
    cited = [c for c in result["citations"] if c["source"].endswith(KERRY_FILE)]
    assert cited, result["citations"]
    assert any("Kislyak" in c["text"] for c in cited)
    # the quote is where the citation says it is inside its passage
    for c in result["citations"]:
        passage = next(p for p in result["retrieved"] if p["chunk_id"] == c["chunk_id"])
        rel = c["start"] - passage["start"]
        assert c["text"][rel : rel + len(c["quote"])] == c["quote"]


def test_ask_matches_the_cli_json(client, server: Server) -> None:
    result = client.predict(question=AMBASSADOR, api_name="/ask")
    assert result["question"] == AMBASSADOR
    # same schema as `newsdesk ask --json`: the Answer model round-trips
    from qa.answer import Answer

    assert Answer.model_validate(result).model_dump(mode="json") == result


def test_unanswerable_question_is_refused(client) -> None:
    result = client.predict(question="What is the capital of France?", api_name="/ask")
    assert result["refused"] is True
    assert result["answer"] == "The articles don't say."
    assert result["citations"] == []


def test_history_as_json_string_and_list(client) -> None:
    history = [
        {"role": "user", "content": AMBASSADOR},
        {"role": "assistant", "content": "Sergey Kislyak [1]."},
    ]
    for value in (json.dumps(history), history):
        result = client.predict(
            question="What did he say about the talks?",
            history=value,
            answerer="extractive",
            api_name="/ask",
        )
        assert result["question"] == "What did he say about the talks?"


def test_bad_input_is_a_one_line_error_and_the_server_keeps_serving(client) -> None:
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="the question is empty"):
        client.predict(question="   ", api_name="/ask")
    with pytest.raises(AppError, match="history"):
        client.predict(question=AMBASSADOR, history="{not json", api_name="/ask")
    with pytest.raises(AppError, match="unknown answerer"):
        client.predict(question=AMBASSADOR, answerer="gpt-9", api_name="/ask")
    assert client.predict(question=AMBASSADOR, api_name="/ask")["refused"] is False


def test_ingest_makes_a_new_article_answerable_at_once(client, tmp_path) -> None:
    from gradio_client import handle_file

    question = "Who did the Vellmoor council appoint as harbour master?"
    before = client.predict(question=question, api_name="/ask")
    assert before["refused"] is True
    new = write_article(
        tmp_path,
        "vellmoor.txt",
        "Vellmoor appoints a harbour master",
        "The Vellmoor council appointed Odile Brackwater as harbour master on "
        "Thursday, ending a vacancy of eight months.",
    )
    bad = tmp_path / "notes.pdf"
    bad.write_bytes(b"%PDF-1.4")
    results = client.predict(
        files=[handle_file(str(new)), handle_file(str(bad))], api_name="/ingest"
    )
    by_file = {r["file"]: r for r in results}
    assert by_file["vellmoor.txt"]["status"] == "added"
    assert by_file["vellmoor.txt"]["title"] == "Vellmoor appoints a harbour master"
    assert by_file["notes.pdf"]["status"] == "skipped"
    assert "unsupported" in by_file["notes.pdf"]["detail"]

    after = client.predict(question=question, api_name="/ask")
    assert after["refused"] is False
    assert "Odile Brackwater" in after["answer"]
    assert after["citations"][0]["source"] == "vellmoor.txt"  # the upload's name, no server path

    again = client.predict(files=[handle_file(str(new))], api_name="/ingest")
    assert [r["status"] for r in again] == ["unchanged"]


def test_auth_from_the_environment_is_enforced(tmp_path) -> None:
    from gradio_client import Client

    server = start_server(tmp_path / "private", env={"NEWSDESK_AUTH": "ann:s3cret"})
    try:
        with pytest.raises(Exception):  # noqa: B017 - any refusal to connect will do
            Client(server.url, verbose=False)
        authed = Client(server.url, auth=("ann", "s3cret"), verbose=False)
        assert authed.predict(question=AMBASSADOR, api_name="/ask")["refused"] is False
    finally:
        stop_server(server)
