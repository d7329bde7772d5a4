"""``/api/v1`` against a real ``newsdesk serve`` with httpx: keys, ask (JSON and SSE), library,
conversations, feedback, and one-line JSON errors with the right status."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from qa.answer import Answer, Sources
from qa.feedback import answer_text
from tests.api.conftest import AMBASSADOR, KEYS, SEEN, server_paths
from tests.ui.conftest import Server, write_article

pytestmark = pytest.mark.slow


def sse_events(response: httpx.Response) -> list[tuple[str, dict]]:
    """(event, data) pairs of a text/event-stream response."""
    events, name, data = [], "", []
    for line in response.iter_lines():
        if line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())
        elif not line and name:
            events.append((name, json.loads("\n".join(data))))
            name, data = "", []
    return events


def assert_error(response: httpx.Response, status: int, *words: str) -> str:
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and isinstance(body["error"], str)
    message = body["error"]
    assert "\n" not in message and "Traceback" not in message and message
    for word in words:
        assert word in message, message
    return message


# -- keys ---------------------------------------------------------------------------------


def test_keys_are_required_when_set(anonymous: httpx.Client, api_server: Server) -> None:
    for method, path in [
        ("GET", "/api/v1/health"),
        ("POST", "/api/v1/ask"),
        ("GET", "/api/v1/articles"),
        ("GET", "/api/v1/conversations"),
        ("GET", "/v1/models"),
        ("POST", "/v1/chat/completions"),
    ]:
        r = anonymous.request(method, path, json={"question": AMBASSADOR})
        assert r.status_code == 401, (path, r.text)
        assert r.headers["www-authenticate"].startswith("Bearer")
    wrong = anonymous.get("/api/v1/health", headers={"Authorization": "Bearer not-a-key"})
    assert_error(wrong, 401, "API key")
    basic = anonymous.get("/api/v1/health", auth=("ann", KEYS[0]))
    assert basic.status_code == 401
    for key in KEYS:  # one from NEWSDESK_API_KEYS, one from NEWSDESK_API_KEYS_FILE
        ok = anonymous.get("/api/v1/health", headers={"Authorization": f"Bearer {key}"})
        assert ok.status_code == 200 and ok.json()["status"] == "ok"
    # the chat and the docs stay reachable: keys guard the API only
    assert anonymous.get("/").status_code == 200
    assert anonymous.get("/api/docs").status_code == 200
    assert all(k not in api_server.log() for k in KEYS)  # keys are never logged


# -- ask ----------------------------------------------------------------------------------


def test_health_counts(api: httpx.Client) -> None:
    body = api.get("/api/v1/health").json()
    assert body["status"] == "ok"
    assert body["store"]["ok"] and body["store"]["documents"] >= 5 and body["store"]["chunks"] > 5
    assert body["generator"]["default"] == "extractive"
    assert "extractive" in body["generator"]["available"]
    assert body["database"]["ok"]


def test_ask_is_the_cli_json_with_public_sources(api: httpx.Client) -> None:
    r = api.post("/api/v1/ask", json={"question": AMBASSADOR, "top_k": 4})
    assert r.status_code == 200, r.text
    assert float(r.headers["server-timing"].split("dur=")[1]) == r.json()["timings_ms"]["total"]
    body = r.json()
    answer = Answer.model_validate(body)
    assert answer.refused is False and "[1]" in answer.answer and answer.outcome == "extractive"
    assert len(answer.retrieved) == 4
    assert body["conversation_id"] is None and body["turn"] is None  # not saved unless asked
    assert any("Kislyak" in c.text for c in answer.citations)
    for item in [*answer.citations, *answer.retrieved]:
        assert "/" not in item.source and item.source.endswith(".txt")


def test_ask_stream_sends_sources_then_tokens_then_the_answer(api: httpx.Client) -> None:
    with api.stream("POST", "/api/v1/ask", json={"question": AMBASSADOR, "stream": True}) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        events = sse_events(r)
    names = [n for n, _ in events]
    assert names[0] == "sources" and names[-1] == "answer"
    assert set(names[1:-1]) <= {"token"} and names.count("sources") == 1
    sources = Sources.model_validate(events[0][1])
    assert sources.passages and all("/" not in p.source for p in sources.passages)
    answer = Answer.model_validate(events[-1][1])
    assert answer.citations and "Kislyak" in answer.citations[0].text
    draft = "".join(d["text"] for n, d in events if n == "token")
    assert draft.strip() == answer.draft  # tokens are the draft (none: the extractive answerer)
    assert answer.outcome == "extractive" and "Kislyak" in answer_text(answer.answer)


def test_history_is_used(api: httpx.Client) -> None:
    history = [
        {"role": "user", "content": AMBASSADOR},
        {"role": "assistant", "content": "Sergey Kislyak [1]."},
    ]
    r = api.post("/api/v1/ask", json={"question": "What did he admit?", "history": history})
    assert r.status_code == 200 and r.json()["question"] == "What did he admit?"


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"question": 42}, 422, ["question", "string"]),
        ({"question": AMBASSADOR, "top_k": -1}, 422, ["top_k", "greater than or equal to 1"]),
        ({"question": AMBASSADOR, "top_k": 21}, 422, ["top_k", "less than or equal to 20"]),
        ({"question": AMBASSADOR, "top_k": "many"}, 422, ["top_k"]),
        ({"question": AMBASSADOR, "history": "nope"}, 422, ["history"]),
        ({"question": AMBASSADOR, "history": [{"role": "x", "content": "y"}]}, 422, ["role"]),
        ({"question": AMBASSADOR, "answerer": "gpt-9"}, 422, ["answerer"]),
        ({"question": AMBASSADOR, "stream": "maybe"}, 422, ["stream"]),
        ({"question": AMBASSADOR, "topk": 3}, 422, ["topk"]),
        ({}, 422, ["question", "required"]),
        ({"question": "   "}, 400, ["the question is empty"]),
        ({"question": "???"}, 400, ["no words"]),
        ({"question": "why " * 1000}, 400, ["the limit is 2,000"]),
        ({"question": AMBASSADOR, "conversation_id": "f" * 32}, 404, ["no conversation"]),
        ({"question": AMBASSADOR, "conversation_id": "../../etc"}, 404, ["no conversation"]),
    ],
)
def test_bad_bodies_get_one_line_json_errors(
    api: httpx.Client, body: dict, status: int, words: list[str]
) -> None:
    assert_error(api.post("/api/v1/ask", json=body), status, *words)


def test_bad_transport_errors(api: httpx.Client) -> None:
    assert_error(
        api.post("/api/v1/ask", content=b"{not json", headers={"content-type": "application/json"}),
        400,
        "not valid JSON",
    )
    huge = json.dumps({"question": "x" * 2_000_000}).encode()
    assert_error(
        api.post("/api/v1/ask", content=huge, headers={"content-type": "application/json"}),
        413,
        "NEWSDESK_MAX_REQUEST_KB",
    )

    def chunks():  # no Content-Length: the limit holds for a streamed body too
        yield b'{"question": "'
        for _ in range(40):
            yield b"y" * 50_000
        yield b'"}'

    streamed = api.post(
        "/api/v1/ask", content=chunks(), headers={"content-type": "application/json"}
    )
    assert_error(streamed, 413)
    assert_error(api.get("/api/v1/nothing-here"), 404, "no such endpoint")
    assert_error(api.get("/api/v1/ask"), 405, "POST")
    # the server keeps serving
    assert api.post("/api/v1/ask", json={"question": AMBASSADOR}).status_code == 200


# -- library ------------------------------------------------------------------------------


def test_articles_list_paged_and_filtered(api: httpx.Client) -> None:
    everything = api.get("/api/v1/articles").json()
    assert everything["total"] >= 5
    dates = [a["published_at"][:10] for a in everything["articles"] if a["published_at"]]
    assert dates == sorted(dates, reverse=True)
    page = api.get("/api/v1/articles", params={"per_page": 2, "page": 2}).json()
    assert [a["doc_id"] for a in page["articles"]] == [
        a["doc_id"] for a in everything["articles"][2:4]
    ]
    kerry = api.get("/api/v1/articles", params={"title": "says kerry"}).json()
    assert kerry["total"] == 1
    assert kerry["articles"][0]["source"] == "003_b5e0c7ee18c80093.txt"
    moscow = api.get("/api/v1/articles", params={"publisher": "moscow times"}).json()
    assert moscow["total"] >= 1
    assert all(a["publisher"] == "The Moscow Times" for a in moscow["articles"])
    dated = api.get(
        "/api/v1/articles", params={"date_from": "2016-02-10", "date_to": "2016-02-10"}
    ).json()
    assert dated["total"] >= 1
    assert all(a["published_at"].startswith("2016-02-10") for a in dated["articles"])
    assert_error(api.get("/api/v1/articles", params={"date_from": "yesterday"}), 422, "date_from")
    assert_error(api.get("/api/v1/articles", params={"per_page": 0}), 422, "per_page")


def test_upload_ask_and_delete(api: httpx.Client, tmp_path: Path) -> None:
    question = "Who did the Tarnwick board name as chief ferry engineer?"
    assert api.post("/api/v1/ask", json={"question": question}).json()["refused"] is True
    article = write_article(
        tmp_path,
        "tarnwick.txt",
        "Tarnwick names a ferry engineer",
        "The Tarnwick board named Ilse Varrowby as chief ferry engineer on Tuesday.",
    )
    files = [
        ("files", ("tarnwick.txt", article.read_bytes(), "text/plain")),
        ("files", ("notes.pdf", b"%PDF-1.4", "application/pdf")),
    ]
    r = api.post("/api/v1/articles", files=files)
    assert r.status_code == 200, r.text
    by_file = {x["file"]: x for x in r.json()["results"]}
    assert by_file["tarnwick.txt"]["status"] == "added"
    assert by_file["notes.pdf"]["status"] == "skipped"
    answer = api.post("/api/v1/ask", json={"question": question}).json()
    assert "Ilse Varrowby" in answer["answer"]
    assert answer["citations"][0]["source"] == "tarnwick.txt"  # the upload's name, no path
    doc_id = answer["citations"][0]["doc_id"]
    deleted = api.delete(f"/api/v1/articles/{doc_id}")
    assert deleted.json() == {"doc_id": doc_id, "title": "Tarnwick names a ferry engineer"}
    assert_error(api.delete(f"/api/v1/articles/{doc_id}"), 404, "no article")
    assert api.post("/api/v1/ask", json={"question": question}).json()["refused"] is True


def test_upload_errors(api: httpx.Client) -> None:
    # URL intake: the server refuses private addresses (after DNS) and non-http schemes.
    refused = api.post("/api/v1/articles", json={"url": "http://127.0.0.1:9/story.html"})
    assert_error(refused, 422, "refused", "NEWSDESK_FETCH_ALLOW_PRIVATE")
    assert_error(api.post("/api/v1/articles", json={"url": "file:///etc/passwd"}), 400)
    assert_error(api.post("/api/v1/articles", json={"link": "x"}), 422)
    assert_error(
        api.post("/api/v1/articles", content=b"x", headers={"content-type": "text/plain"}), 415
    )
    assert_error(
        api.post("/api/v1/articles", files=[("other", ("a.txt", b"x", "text/plain"))]), 400
    )
    big = ("files", ("big.txt", b"a " * 11_000_000, "text/plain"))  # over the 20 MB limit
    assert_error(api.post("/api/v1/articles", files=[big]), 413, "NEWSDESK_MAX_UPLOAD_MB")


# -- conversations and feedback -----------------------------------------------------------


def test_saved_conversation_follow_up_export_feedback_and_delete(api: httpx.Client) -> None:
    first = api.post("/api/v1/ask", json={"question": AMBASSADOR, "save": True}).json()
    cid = first["conversation_id"]
    assert len(cid) == 32 and first["turn"] == 0
    second = api.post(
        "/api/v1/ask",
        json={"question": "What did he admit to journalists?", "conversation_id": cid},
    ).json()
    assert second["conversation_id"] == cid and second["turn"] == 1

    listed = api.get("/api/v1/conversations").json()
    assert listed["conversations"][0]["id"] == cid  # most recently active first
    assert listed["conversations"][0]["title"] == AMBASSADOR
    assert listed["conversations"][0]["turn_count"] == 2
    conv = api.get(f"/api/v1/conversations/{cid}").json()
    assert [t["question"] for t in conv["turns"]] == [
        AMBASSADOR,
        "What did he admit to journalists?",
    ]
    assert conv["turns"][0]["answer"]["citations"][0]["source"] == "003_b5e0c7ee18c80093.txt"
    assert conv["turns"][0]["settings"]["answerer"] == "extractive"

    md = api.get(f"/api/v1/conversations/{cid}/markdown")
    assert md.headers["content-type"].startswith("text/markdown")
    assert f"## 1. {AMBASSADOR}" in md.text and "> " in md.text and "[1]" in md.text

    renamed = api.patch(f"/api/v1/conversations/{cid}", json={"title": "The ambassador"})
    assert renamed.json()["title"] == "The ambassador"
    assert_error(api.patch(f"/api/v1/conversations/{cid}", json={"title": ""}), 422, "title")

    up = api.post("/api/v1/feedback", json={"conversation_id": cid, "turn": 0, "verdict": "up"})
    assert up.status_code == 201 and up.json()["outcome"] == "extractive"
    down = api.post(
        "/api/v1/feedback",
        json={"conversation_id": cid, "turn": 1, "verdict": "down", "comment": "off topic"},
    )
    assert down.status_code == 201
    again = api.post("/api/v1/feedback", json={"conversation_id": cid, "turn": 1, "verdict": "up"})
    assert again.json()["id"] == down.json()["id"]  # one verdict per turn: voting again replaces it
    inline = api.post("/api/v1/feedback", json={"answer": first, "verdict": "down"})
    assert inline.status_code == 201 and inline.json()["conversation_id"] is None

    assert_error(
        api.post("/api/v1/feedback", json={"conversation_id": cid, "turn": 9, "verdict": "up"}),
        404,
        "no turn 9",
    )
    assert_error(api.post("/api/v1/feedback", json={"verdict": "up"}), 422, "conversation_id")
    assert_error(
        api.post("/api/v1/feedback", json={"conversation_id": cid, "turn": 0, "verdict": "meh"}),
        422,
        "verdict",
    )
    assert_error(
        api.post(
            "/api/v1/feedback",
            json={"conversation_id": cid, "turn": 0, "verdict": "up", "comment": "x" * 2001},
        ),
        422,
        "comment",
    )

    assert api.delete(f"/api/v1/conversations/{cid}").json() == {"deleted": cid}
    assert_error(api.get(f"/api/v1/conversations/{cid}"), 404, "no conversation")
    assert_error(api.delete(f"/api/v1/conversations/{cid}"), 404)
    assert_error(api.get("/api/v1/conversations/not-an-id"), 404)
    assert_error(api.get("/api/v1/conversations", params={"limit": 0}), 422, "limit")


# -- last: nothing revealed ---------------------------------------------------------------


def test_zz_no_response_reveals_a_server_path(api_server: Server) -> None:
    """Runs after the tests above (file order): checks every response they received."""
    assert len(SEEN) > 30
    for url, body in SEEN:
        for path in server_paths(api_server):
            assert path not in body, f"{url} revealed {path}: {body[:300]}"
