"""A real OpenAI-compatible HTTP server on loopback whose answers the test scripts.

The one stand-in for an OpenAI-compatible endpoint that the tests share (the app under test
talks to it over real HTTP, through its real client):

* ``POST .../chat/completions``, by ``mode``:
  ``"reply"`` streams ``reply`` word by word, ``delay_s`` apart (or sends it whole when the
  request does not stream); ``"slow"`` holds the request until ``stop()`` or ``hold_s`` (longer
  than any client timeout), then answers 500; ``"echo"`` answers 401 with a message that
  repeats the Authorization header (the key leak an app must not pass on).
* ``POST .../embeddings`` (given an ``embedder``): its real vectors for ``model``, listed in
  reverse order (a client must sort them by ``index``); 404 for another model.
* with ``key``, any POST without ``Authorization: Bearer <key>`` gets 401.
* ``GET .../models``: the one model.

``requests`` holds every POST body in order. ``stop()`` closes the port (connections are then
refused); ``start()`` listens again on the same port. Usable as a context manager.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeOpenAI:
    """An OpenAI-compatible server on a free loopback port, listening from creation."""

    def __init__(
        self,
        *,
        mode: str = "reply",
        reply: str = "",
        delay_s: float = 0.0,
        model: str = "fake",
        embedder: Any = None,
        key: str | None = None,
    ) -> None:
        self.mode, self.reply, self.delay_s = mode, reply, delay_s
        self.model, self.embedder, self.key = model, embedder, key
        self.hold_s = 60.0  # "slow": how long a request is held at most
        self.requests: list[dict[str, Any]] = []
        self.release = threading.Event()
        self.port = 0
        self._server: _Server | None = None
        self.start()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>/v1``."""
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> None:
        """Listen (again, on the same port once it has one) in a daemon thread."""
        self.release.clear()
        server = _Server(("127.0.0.1", self.port), _Handler)
        server.fake = self
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Stop listening (held requests are let go): the port then refuses connections."""
        self.release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeOpenAI:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Server(ThreadingHTTPServer):
    fake: FakeOpenAI


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args: object) -> None:  # keep pytest output quiet
        pass

    def do_GET(self) -> None:
        self._json(200, {"object": "list", "data": [{"id": self.server.fake.model,
                                                      "object": "model"}]})  # fmt: skip

    def do_POST(self) -> None:
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        request = json.loads(self.rfile.read(length) or b"{}")
        fake.requests.append(request)
        if fake.key and self.headers.get("Authorization") != f"Bearer {fake.key}":
            self._json(401, {"error": {"message": "bad key"}})
        elif self.path.rstrip("/").endswith("/embeddings"):
            self._embeddings(fake, request)
        elif fake.mode == "echo":
            key = self.headers.get("Authorization", "")
            message = f"Incorrect API key provided: {key}"
            self._json(401, {"error": {"message": message, "type": "auth_error"}})
        elif fake.mode == "slow":
            fake.release.wait(fake.hold_s)  # longer than the client's timeout
            with contextlib.suppress(OSError):  # the client gave up long ago
                self._json(500, {"error": {"message": "too late"}})
        elif request.get("stream"):
            self._stream_reply(fake)
        else:
            whole = {"role": "assistant", "content": fake.reply}
            self._json(200, {"id": "x", "object": "chat.completion", "created": 0,
                             "model": fake.model, "choices": [{"index": 0, "message": whole,
                             "finish_reason": "stop"}]})  # fmt: skip

    def _embeddings(self, fake: FakeOpenAI, request: dict[str, Any]) -> None:
        if fake.embedder is None:
            self._json(404, {"error": {"message": "not found"}})
            return
        if request.get("model") != fake.model:
            self._json(404, {"error": {"message": f"model {request.get('model')}?"}})
            return
        texts = request["input"] if isinstance(request["input"], list) else [request["input"]]
        vectors = fake.embedder.encode(texts)
        data = [{"object": "embedding", "index": i, "embedding": v}
                for i, v in reversed(list(enumerate(vectors)))]  # fmt: skip
        self._json(200, {"object": "list", "data": data, "model": fake.model,
                         "usage": {"prompt_tokens": 0, "total_tokens": 0}})  # fmt: skip

    def _stream_reply(self, fake: FakeOpenAI) -> None:
        words = fake.reply.split(" ")
        pieces = [w if i == 0 else " " + w for i, w in enumerate(words)]
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for piece in [*pieces, None]:
            delta = {"content": piece} if piece is not None else {}
            chunk = {"id": "x", "object": "chat.completion.chunk", "created": 0,
                     "model": fake.model, "choices": [{"index": 0, "delta": delta,
                     "finish_reason": None if piece is not None else "stop"}]}  # fmt: skip
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()
            if piece is not None:
                time.sleep(fake.delay_s)
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()

    def _json(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
