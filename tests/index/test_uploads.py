"""index/uploads.py: safe upload names, the upload limits, copies only inside the uploads folder."""

from __future__ import annotations

import pytest

from index.uploads import sanitize_filename, save_uploads


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("/abs/path/a.md", "a.md"),
        ("..\\..\\win\\b.html", "b.html"),
        ("..", "upload"),
        (".hidden.txt", "hidden.txt"),
        ("a b<c>.jsonl", "a_b_c_.jsonl"),
        ("", "upload"),
        ("x" * 300 + ".txt", "x" * 116 + ".txt"),
    ],
)
def test_sanitize_filename(raw: str, safe: str) -> None:
    assert sanitize_filename(raw) == safe


def test_save_uploads_stays_inside_and_enforces_limits(tmp_path, settings) -> None:
    settings = settings.model_copy(update={"max_upload_files": 3, "max_upload_mb": 0.001})
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    small = src / "sub" / "..evil.txt"
    small.write_text("Title\n\nBody text.", encoding="utf-8")
    big = src / "big.txt"
    big.write_text("x" * 5000, encoding="utf-8")
    exe = src / "run.sh"
    exe.write_text("echo hi", encoding="utf-8")
    extra = src / "extra.txt"
    extra.write_text("Extra\n\nMore text.", encoding="utf-8")

    saved, rejected = save_uploads([small, big, exe, extra], settings)
    uploads = (settings.data_dir / "uploads").resolve()
    assert [name for name, _ in saved] == ["evil.txt"]
    assert all(path.parent == uploads for _, path in saved)
    reasons = {r["file"]: r["detail"] for r in rejected}
    assert "upload limit" in reasons["big.txt"]
    assert "unsupported file type" in reasons["run.sh"]
    assert "limit of 3 files" in reasons["extra.txt"]
    assert sorted(p.name for p in uploads.iterdir()) == ["evil.txt"]


def test_same_name_twice_in_one_upload_gets_a_suffix(tmp_path, settings) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "n.txt").write_text("One\n\nFirst.", encoding="utf-8")
    (b / "n.txt").write_text("Two\n\nSecond.", encoding="utf-8")
    saved, _ = save_uploads([a / "n.txt", b / "n.txt"], settings)
    assert [name for name, _ in saved] == ["n.txt", "n-2.txt"]
