"""An incremental BM25 (bm25s' "lucene" scoring) that grows and shrinks without a re-fit.

bm25s re-fits its whole score matrix on every change (~10–30 s at 100k chunks here), so a
replica catching up with a few new articles would pay for the whole archive. This inverted
index appends the postings of new chunks and tombstones deleted ones; term statistics (df,
document count, average length) are kept up to date and the score is computed at query time
with the same formula as bm25s (``idf = ln(1 + (N - df + .5) / (df + .5))``,
``tf / (tf + k1 * (1 - b + b * len / avglen))``), so rankings equal bm25s' on the same corpus.

Readers take a :class:`Snapshot`: later appends never change what a snapshot scores.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

import numpy as np

K1, B = 1.2, 0.75
_MAX_PIECES = 16  # postings of one term are kept in at most this many arrays


class Postings:
    """Term → (rows, term frequencies), appended to in place; one writer at a time."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self.rows: list[list[np.ndarray]] = []  # per term: pieces of row numbers (int32)
        self.tfs: list[list[np.ndarray]] = []  # per term: the matching term frequencies
        self.df = np.zeros(0, dtype=np.int64)
        self.lengths = np.zeros(0, dtype=np.float32)
        self.alive = np.zeros(0, dtype=bool)
        self.total_length = 0.0

    @property
    def n_rows(self) -> int:
        """Rows ever added (alive or not)."""
        return len(self.alive)

    def empty_copy(self) -> Postings:
        """A postings with the same vocabulary (term ids) and no rows."""
        out = Postings()
        out.vocab = dict(self.vocab)
        out.rows = [[] for _ in self.rows]
        out.tfs = [[] for _ in self.tfs]
        out.df = np.zeros(len(self.rows), dtype=np.int64)
        return out

    def encode(self, tokens: Sequence[str]) -> np.ndarray:
        """Term ids of tokens (new terms get new ids): 4 bytes a token instead of a str."""
        ids = np.empty(len(tokens), dtype=np.int32)
        for i, tok in enumerate(tokens):
            tid = self.vocab.get(tok)
            if tid is None:
                tid = self.vocab[tok] = len(self.rows)
                self.rows.append([])
                self.tfs.append([])
            ids[i] = tid
        return ids

    def add(self, token_lists: Sequence[Sequence[str]]) -> list[np.ndarray]:
        """Append one row per token list; returns the rows as term-id arrays."""
        encoded = [self.encode(tokens) for tokens in token_lists]
        self.add_ids(encoded)
        return encoded

    def add_ids(self, rows_ids: Sequence[np.ndarray]) -> None:
        """Append one row per array of term ids (from :meth:`encode`)."""
        start = self.n_rows
        new: dict[int, tuple[list[int], list[int]]] = {}
        for j, ids in enumerate(rows_ids):
            terms, counts = np.unique(ids, return_counts=True)
            for tid, count in zip(terms.tolist(), counts.tolist(), strict=True):
                rows, tfs = new.setdefault(tid, ([], []))
                rows.append(start + j)
                tfs.append(count)
        df = np.zeros(len(self.rows), dtype=np.int64)
        df[: len(self.df)] = self.df
        for tid, (rows, tfs) in new.items():
            self._append(tid, np.array(rows, dtype=np.int32), np.array(tfs, dtype=np.float32))
            df[tid] += len(rows)
        self.df = df  # a new array: snapshots keep theirs
        lengths = np.array([len(ids) for ids in rows_ids], dtype=np.float32)
        self.lengths = np.concatenate([self.lengths, lengths])
        self.alive = np.concatenate([self.alive, np.ones(len(rows_ids), dtype=bool)])
        self.total_length += float(lengths.sum())

    def _append(self, tid: int, rows: np.ndarray, tfs: np.ndarray) -> None:
        pieces_r, pieces_t = self.rows[tid], self.tfs[tid]
        if len(pieces_r) >= _MAX_PIECES:  # merge into one array (new lists: readers unaffected)
            self.rows[tid] = [np.concatenate([*pieces_r, rows])]
            self.tfs[tid] = [np.concatenate([*pieces_t, tfs])]
        else:
            pieces_r.append(rows)
            pieces_t.append(tfs)

    def remove(self, rows: Sequence[int], rows_ids: Sequence[np.ndarray]) -> None:
        """Tombstone rows (``rows_ids`` are their term ids, to correct the df)."""
        df = self.df.copy()
        alive = self.alive.copy()
        for row, ids in zip(rows, rows_ids, strict=True):
            if alive[row]:
                alive[row] = False
                self.total_length -= float(self.lengths[row])
                df[np.unique(ids)] -= 1
        self.df, self.alive = df, alive

    @property
    def dead(self) -> int:
        """Tombstoned rows."""
        return int(self.n_rows - self.alive.sum())

    def snapshot(self) -> Snapshot:
        """A frozen view for scoring."""
        return Snapshot(self, self.n_rows, self.alive, self.df, self.lengths, self.total_length)


class Snapshot:
    """BM25 scores of the rows present when it was taken."""

    def __init__(
        self,
        postings: Postings,
        n_rows: int,
        alive: np.ndarray,
        df: np.ndarray,
        lengths: np.ndarray,
        total_length: float,
    ) -> None:
        self._p = postings
        self.n_rows = n_rows
        self.alive = alive
        self.df = df
        self.n_docs = int(alive.sum())
        avg = total_length / self.n_docs if self.n_docs else 1.0
        self._norm = K1 * ((1 - B) + B * lengths[:n_rows] / (avg or 1.0))

    def idf_of(self, tid: int) -> float:
        """Lucene idf of a term id (0 when no live row has it)."""
        if tid >= len(self.df) or self.df[tid] <= 0:
            return 0.0
        df = float(self.df[tid])
        return float(np.log(1 + (self.n_docs - df + 0.5) / (df + 0.5)))

    def scores(self, tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of every row for the query tokens (repeats count, as in bm25s)."""
        out = np.zeros(self.n_rows, dtype=np.float32)
        for tok in tokens:
            tid = self._p.vocab.get(tok)
            if tid is None or (idf := self.idf_of(tid)) == 0.0:
                continue
            rows = np.concatenate(list(self._p.rows[tid]))
            tfs = np.concatenate(list(self._p.tfs[tid]))
            keep = rows < self.n_rows
            rows, tfs = rows[keep], tfs[keep]
            out[rows] += idf * tfs / (tfs + self._norm[rows])
        out[~self.alive] = 0.0
        return out

    def has(self, token: str) -> bool:
        """True when a live row contains the token."""
        tid = self._p.vocab.get(token)
        return tid is not None and tid < len(self.df) and self.df[tid] > 0


class IdfView(Mapping[str, float]):
    """``{token: idf}`` computed on demand from a snapshot (no dict of the whole vocabulary)."""

    def __init__(self, snapshot: Snapshot) -> None:
        self._s = snapshot

    def __getitem__(self, token: str) -> float:
        tid = self._s._p.vocab.get(token)
        if tid is None or not self._s.has(token):
            raise KeyError(token)
        return round(self._s.idf_of(tid), 4)

    def __iter__(self) -> Iterator[str]:
        return (t for t in list(self._s._p.vocab) if self._s.has(t))

    def __len__(self) -> int:
        return int((self._s.df > 0).sum())
