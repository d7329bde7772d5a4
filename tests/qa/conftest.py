"""Shared qa fixtures: a real OpenAI-compatible server over the bundled generator."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest

from index.settings import Settings
from tests.conftest import free_port, stop_process


@pytest.fixture(scope="session")
def openai_server(
    local_model_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A real ``llama_cpp.server`` over the bundled GGUF on a free loopback port.

    Yields its base URL (``http://127.0.0.1:<port>/v1``); the server is stopped by PID at the
    end of the session. Any model name is accepted (it serves the one it has).
    """
    from qa.model_files import local_model_path

    model = local_model_path(local_model_settings)
    port = free_port()
    log_path = tmp_path_factory.mktemp("openai_server") / "server.log"
    cmd = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(model),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_threads",
        "2",
        "--n_ctx",
        "2048",
    ]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llama_cpp.server exited: {log_path.read_text()[-800:]}")
            try:
                with urllib.request.urlopen(base_url + "/models", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"llama_cpp.server not up in 90 s: {log_path.read_text()[-800:]}")
            time.sleep(0.3)
        yield base_url
    finally:
        stop_process(proc, timeout=15)
