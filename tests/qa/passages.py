"""Retrieved passages built by hand, for unit tests of what is done with them."""

from __future__ import annotations

from qa.answer import Passage


def passage(rank: int, text: str, *, start: int = 0, doc: str = "d") -> Passage:
    """Passage ``rank`` (chunk ``c<rank>`` of article ``<doc><rank>``) holding ``text``."""
    return Passage(
        rank=rank,
        chunk_id=f"c{rank}",
        doc_id=f"{doc}{rank}",
        title=f"T{rank}",
        source="s",
        start=start,
        end=start + len(text),
        text=text,
        score=1.0,
    )
