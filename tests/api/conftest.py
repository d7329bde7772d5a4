"""A real ``newsdesk serve`` with API keys, and httpx clients that record every response.

Every response body the tests see is kept, so one test can check that none of them reveals a
server path.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT
from tests.ui.conftest import Server, start_server, stop_server

KEYS = ("nd-test-key-alpha-7f3e", "nd-test-key-beta-91c2")
AMBASSADOR = "Who is Russia's ambassador to the US?"
SEEN: list[tuple[str, str]] = []  # (url, body) of every response of the recording clients


def record(response: httpx.Response) -> None:
    """Keep a response's body (streamed ones are read first)."""
    response.read()
    SEEN.append((str(response.url), response.text))


@pytest.fixture(scope="session")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server whose /api and /v1 need one of ``KEYS`` (keys given as a file and a variable)."""
    data = tmp_path_factory.mktemp("api")
    keys_file = data / "keys.txt"
    keys_file.write_text(f"# API keys\n{KEYS[1]}\n", encoding="utf-8")
    running = start_server(
        data / "data",
        env={"NEWSDESK_API_KEYS": KEYS[0], "NEWSDESK_API_KEYS_FILE": str(keys_file)},
    )
    yield running
    stop_server(running)


@pytest.fixture(scope="session")
def api(api_server: Server) -> Iterator[httpx.Client]:
    """An httpx client with a valid key, recording every response."""
    with httpx.Client(
        base_url=api_server.url,
        headers={"Authorization": f"Bearer {KEYS[0]}"},
        timeout=120,
        event_hooks={"response": [record]},
    ) as client:
        yield client


@pytest.fixture(scope="session")
def anonymous(api_server: Server) -> Iterator[httpx.Client]:
    """An httpx client without a key."""
    with httpx.Client(
        base_url=api_server.url, timeout=60, event_hooks={"response": [record]}
    ) as client:
        yield client


def server_paths(server: Server) -> list[str]:
    """Absolute paths of this machine that a response must never contain."""
    return [str(server.data_dir.resolve()), str(Path(ROOT).resolve()), "/tmp/"]
