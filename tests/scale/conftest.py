"""Real parts for the several-replica tests: a throwaway PostgreSQL 15 cluster."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import free_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _as_postgres(*cmd: str) -> list[str]:
    """Run as the ``postgres`` user when we are root (initdb refuses root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return list(cmd)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL 15 cluster on a free port (trust auth, loopback); yields its URL."""
    if not (PG_BIN / "initdb").exists():
        pytest.skip("PostgreSQL 15 missing: run `make postgres-deps` (apt-get install postgresql)")
    if os.geteuid() == 0 and not shutil.which("runuser"):
        pytest.skip("running as root without runuser: cannot start PostgreSQL as postgres")
    # pytest's temp dirs are private to root (0700): postgres needs its own directory.
    root = Path(tempfile.mkdtemp(prefix="newsdesk-pg-"))
    data = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    port = free_port()
    run = dict(check=True, capture_output=True, text=True, timeout=120)
    subprocess.run(_as_postgres(str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust",
                                "-U", "postgres"), **run)  # fmt: skip
    log = root / "pg.log"
    subprocess.run(
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(log), "-w",
                     "-o", f"-p {port} -k {root} -c listen_addresses=127.0.0.1", "start"),
        **run,
    )  # fmt: skip
    try:
        subprocess.run(_as_postgres(str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p",
                                    str(port), "-U", "postgres", "newsdesk"), **run)  # fmt: skip
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/newsdesk"
    finally:
        subprocess.run(
            _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"),
            capture_output=True, timeout=60,
        )  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)


def wait_for(check, timeout_s: float, every_s: float = 0.25):  # type: ignore[no-untyped-def]
    """Poll ``check()`` until it returns something truthy; returns it (or the last value)."""
    deadline = time.monotonic() + timeout_s
    value = check()
    while not value and time.monotonic() < deadline:
        time.sleep(every_s)
        value = check()
    return value
