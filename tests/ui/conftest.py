"""A real ``newsdesk serve`` on a free loopback port, shared by the server and browser tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, free_port, stop_process

START_TIMEOUT_S = 180
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 800}
TIMEOUT_MS = 60_000


@dataclass
class Server:
    """A running server: its URL, data dir and everything it printed so far."""

    url: str
    data_dir: Path
    proc: subprocess.Popen[str]
    output: list[str] = field(default_factory=list)

    def log(self) -> str:
        """The last lines the server printed (for failure messages)."""
        return "".join(self.output[-40:])


def start_server(
    data_dir: Path, *extra: str, env: dict[str, str] | None = None, port: int | None = None
) -> Server:
    """Start ``newsdesk serve`` (extractive answerer) and wait for its ``ready:`` line."""
    port = port or free_port()
    exe = shutil.which("newsdesk", path=str(Path(sys.executable).parent)) or "newsdesk"
    environ = {
        **os.environ,
        "NEWSDESK_DATA_DIR": str(data_dir),
        "NEWSDESK_ANSWERER": "extractive",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    proc = subprocess.Popen(
        [exe, "serve", "--port", str(port), *extra],
        cwd=ROOT,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )
    server = Server(f"http://127.0.0.1:{port}", data_dir, proc)
    ready = threading.Event()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            server.output.append(line)
            if line.startswith("ready: http"):
                ready.set()

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.time() + START_TIMEOUT_S
    while not ready.wait(0.2):
        if proc.poll() is not None or time.time() > deadline:
            stop_server(server)
            pytest.fail("newsdesk serve did not start:\n" + server.log())
    return server


def stop_server(server: Server) -> None:
    """Stop the server by its PID."""
    stop_process(server.proc, timeout=15)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One real server over a fresh data dir (it ingests the bundled samples at start-up)."""
    running = start_server(tmp_path_factory.mktemp("serve"))
    yield running
    stop_server(running)


def write_article(folder: Path, name: str, title: str, body: str) -> Path:
    """A small .txt article (title on the first line)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"{title}\n\n{body}\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium missing: run `make browser-deps` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, server: Server) -> Iterator[Any]:
    """A fresh page on the app at 1280×800; fails the test if any dialog opens."""
    context = browser.new_context(viewport=DESKTOP)
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    dialogs: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    pg.on("dialog", on_dialog)
    pg.goto(server.url, wait_until="domcontentloaded")
    pg.wait_for_selector("#nd-question textarea, #nd-question input")
    yield pg
    context.close()
    assert not dialogs, f"a dialog opened: {dialogs}"
