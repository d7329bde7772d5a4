"""Sentence-aware chunking with overlap and exact character offsets.

Example:
    >>> from index.documents import Article
    >>> text = "One two. Three four. Five six."
    >>> art = Article(doc_id="d", title="T", text=text, file="f", source="f")
    >>> [c.text for c in chunk_article(art, target_words=4, overlap_words=2)]
    ['One two. Three four.', 'Three four. Five six.']
"""

from __future__ import annotations

from index.documents import Article, Chunk, content_hash
from index.sentences import split_sentences


def chunk_article(
    article: Article, target_words: int = 120, overlap_words: int = 30
) -> list[Chunk]:
    """Split an article into chunks of whole sentences, about ``target_words`` long.

    Consecutive chunks share trailing sentences totalling at most ``overlap_words`` words.
    A sentence longer than the target becomes a chunk of its own; it is never cut.
    A short tail is folded into the previous chunk rather than left as a scrap.
    """
    text = article.text
    spans = split_sentences(text)
    words = [len(text[s:e].split()) for s, e in spans]
    groups: list[tuple[int, int]] = []  # [i, j) sentence index ranges
    i = 0
    while i < len(spans):
        j, total = i, 0
        while j < len(spans) and (j == i or total + words[j] <= target_words):
            total += words[j]
            j += 1
        tail = sum(words[j:])
        if 0 < tail < target_words // 3 and total + tail <= target_words * 3 // 2:
            j = len(spans)
        groups.append((i, j))
        if j >= len(spans):
            break
        k, overlap = j, 0
        while k - 1 > i and overlap + words[k - 1] <= overlap_words:
            k -= 1
            overlap += words[k]
        i = k

    meta = article.metadata()
    chunks = []
    for position, (a, b) in enumerate(groups):
        start, end = spans[a][0], spans[b - 1][1]
        body = text[start:end]
        chunks.append(
            Chunk(
                chunk_id=content_hash(article.doc_id, str(start), str(end), body, length=24),
                doc_id=article.doc_id,
                position=position,
                start=start,
                end=end,
                text=body,
                metadata={**meta, "position": position, "start": start, "end": end},
            )
        )
    return chunks
