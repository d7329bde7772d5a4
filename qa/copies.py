"""Wire copies at retrieval time: one passage per story, the other copies as ``also_in``.

Intake (``index/intake/dedupe.py``) gives near-duplicate articles one ``story`` id in their
chunk metadata. Here, before the top-k is cut, a hit whose story is already represented by
another article is dropped, and the kept hit lists the story's other copies (publisher, URL,
title), so copies neither fill the top-k nor look like several sources agreeing.

Example:
    >>> from qa.retriever import Hit
    >>> metas = [{"doc_id": "a", "story": "s", "publisher": "AP", "url": "https://ap/x"},
    ...          {"doc_id": "b", "story": "s", "publisher": "Daily", "url": "https://daily/x"}]
    >>> hits = [Hit("1", "t", metas[0], 2.0), Hit("2", "t", metas[1], 1.0)]
    >>> kept = collapse(hits, 3, story_members(metas))
    >>> [h.chunk_id for h in kept], kept[0].also_in
    (['1'], [{'publisher': 'Daily', 'url': 'https://daily/x', 'title': ''}])
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qa.retriever import Hit


def story_members(metas: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, dict[str, str]]]:
    """story → {doc_id: {publisher, url, title}} for stories held by two or more articles."""
    stories: dict[str, dict[str, dict[str, str]]] = {}
    for m in metas:
        story = str(m.get("story") or "")
        if not story:
            continue
        doc = str(m.get("doc_id", ""))
        members = stories.setdefault(story, {})
        if doc not in members:
            members[doc] = {
                "publisher": str(m.get("publisher") or ""),
                "url": str(m.get("url") or m.get("source") or ""),
                "title": str(m.get("title") or ""),
            }
    return {s: docs for s, docs in stories.items() if len(docs) > 1}


def collapse(
    hits: Iterable[Hit], k: int, members: Mapping[str, Mapping[str, dict[str, str]]]
) -> list[Hit]:
    """The first ``k`` hits (all with ``k=0``), one article per story; ``also_in`` set."""
    out: list[Hit] = []
    shown: dict[str, str] = {}  # story → the doc_id that represents it
    for hit in hits:
        story = str(hit.meta.get("story") or "")
        doc = str(hit.meta.get("doc_id", ""))
        if story in members:
            if shown.setdefault(story, doc) != doc:
                continue  # a copy of a story already in the list
            hit.also_in = [dict(v) for d, v in members[story].items() if d != doc]
        out.append(hit)
        if k and len(out) >= k:
            break
    return out
