"""A real local HTTP server speaking the OpenAI chat-completions API with a scripted reply.

For tests of what the app does with whatever a generator writes (markup, invented sentences,
slow streams): the reply and the delay between streamed tokens are set by the test.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class ScriptedOpenAI:
    """``reply`` is streamed word by word, ``delay_s`` apart; every request gets it."""

    def __init__(self, reply: str = "", delay_s: float = 0.0) -> None:
        self.reply, self.delay_s = reply, delay_s
        self.requests: list[dict[str, Any]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                body = json.dumps(
                    {"object": "list", "data": [{"id": "scripted", "object": "model"}]}
                )
                self._send(200, "application/json", body.encode())

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                request = json.loads(self.rfile.read(length) or b"{}")
                owner.requests.append(request)
                words = owner.reply.split(" ")
                pieces = [w if i == 0 else " " + w for i, w in enumerate(words)]
                if not request.get("stream"):
                    message = {"role": "assistant", "content": owner.reply}
                    body = {"id": "x", "object": "chat.completion", "created": 0,
                            "model": "scripted", "choices": [{"index": 0, "message": message,
                            "finish_reason": "stop"}]}  # fmt: skip
                    self._send(200, "application/json", json.dumps(body).encode())
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for piece in [*pieces, None]:
                    delta = {"content": piece} if piece is not None else {}
                    chunk = {"id": "x", "object": "chat.completion.chunk", "created": 0,
                             "model": "scripted", "choices": [{"index": 0, "delta": delta,
                             "finish_reason": None if piece is not None else "stop"}]}  # fmt: skip
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                    if piece is not None:
                        time.sleep(owner.delay_s)
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

            def _send(self, status: int, kind: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        """Stop serving."""
        self.httpd.shutdown()
        self.httpd.server_close()
