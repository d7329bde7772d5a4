"""qa/library.py: uploads ingested and deleted through the Library service and the real store."""

from __future__ import annotations

import pytest


def test_uploads_are_ingested_then_deleted_with_their_copy(tmp_path, settings, embedder) -> None:
    from qa.assistant import Assistant, EmptyStoreError

    assistant = Assistant(settings, embedder=embedder)
    doc = tmp_path / "zorblat.txt"
    doc.write_text(
        "Zorblat names a new chief\n\nThe Zorblat company said on Friday that "
        "Pim Okafor will succeed Quenella Marsh as chief executive in March.\n",
        encoding="utf-8",
    )
    results = assistant.library.add_uploads([doc, tmp_path / "missing.txt"])
    by_file = {r["file"]: r for r in results}
    assert by_file["zorblat.txt"]["status"] == "added"
    assert by_file["zorblat.txt"]["title"] == "Zorblat names a new chief"
    assert by_file["missing.txt"]["status"] == "skipped"
    answer = assistant.ask("Who will succeed Quenella Marsh at Zorblat?", answerer="extractive")
    assert not answer.refused and "Pim Okafor" in answer.answer

    again = assistant.library.add_uploads([doc])
    assert [r["status"] for r in again] == ["unchanged"]

    doc_id = answer.citations[0].doc_id
    assert assistant.library.delete_with_upload(doc_id) == "Zorblat names a new chief"
    assert not (settings.data_dir / "uploads" / "zorblat.txt").exists()
    with pytest.raises(KeyError):
        assistant.library.delete_with_upload(doc_id)
    with pytest.raises(EmptyStoreError):
        assistant.ask("Who will succeed Quenella Marsh?", answerer="extractive")
