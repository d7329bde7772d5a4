"""A real local HTTP server speaking the OpenAI embeddings API, serving real MiniLM vectors."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@contextmanager
def embedding_server(embedder: Any, model: str, key: str | None = None) -> Iterator[dict[str, Any]]:
    """Serve ``POST /v1/embeddings`` on a free loopback port; yields {"url", "requests"}."""
    state: dict[str, Any] = {"requests": 0}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, code: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if self.path != "/v1/embeddings":
                return self._send(404, {"error": {"message": "not found"}})
            if key and self.headers.get("Authorization") != f"Bearer {key}":
                return self._send(401, {"error": {"message": "bad key"}})
            if body.get("model") != model:
                return self._send(404, {"error": {"message": f"model {body.get('model')}?"}})
            texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
            state["requests"] += 1
            vectors = embedder.encode(texts)
            data = [{"object": "embedding", "index": i, "embedding": v}
                    for i, v in reversed(list(enumerate(vectors)))]  # fmt: skip
            self._send(200, {"object": "list", "data": data, "model": model,
                             "usage": {"prompt_tokens": 0, "total_tokens": 0}})  # fmt: skip

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state["url"] = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
