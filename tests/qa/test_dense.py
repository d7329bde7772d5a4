"""Dense search over a subset of chunks, through a real Store (embedded Chroma and a server)."""

import numpy as np
import pytest

from index.settings import Settings
from index.store import Store
from qa import dense
from qa.dense import dense_ids


def unit_vectors(n: int, seed: int) -> tuple[list[str], np.ndarray]:
    """Ids and n random 16-d unit vectors."""
    vectors = np.random.default_rng(seed).normal(size=(n, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return [f"c{i:04d}" for i in range(n)], vectors


def store_of(settings: Settings, ids: list[str], vectors: np.ndarray) -> Store:
    """A real Store whose chunk collection holds these vectors (cosine, as always)."""
    store = Store(settings)
    store.chunks.add(ids=ids, embeddings=vectors.tolist())
    return store


@pytest.fixture(scope="module")
def collection(tmp_path_factory):
    """2,000 random unit vectors in a real embedded store."""
    ids, vectors = unit_vectors(2000, seed=7)
    settings = Settings(data_dir=tmp_path_factory.mktemp("dense"), collection="dense")
    return store_of(settings, ids, vectors), ids, vectors


def exact(vectors, ids, query, mask, depth):
    """Brute-force reference: the depth nearest allowed rows."""
    scores = np.where(mask, vectors @ query, -np.inf)
    order = np.argsort(-scores)[:depth]
    return [ids[i] for i in order if mask[i]]


@pytest.mark.parametrize("allowed", [0, 1, 40, 250, 600, 1500, 2000])
def test_matches_brute_force_for_every_share(collection, allowed):
    col, ids, vectors = collection
    rng = np.random.default_rng(allowed)
    mask = np.zeros(len(ids), dtype=bool)
    mask[rng.choice(len(ids), allowed, replace=False)] = True
    query = vectors[3] + 0.1
    query /= np.linalg.norm(query)
    got = dense_ids(col, query.tolist(), 20, ids, mask)
    want = exact(vectors, ids, query, mask, 20)
    assert all(mask[ids.index(i)] for i in got)  # nothing outside the filter
    assert len(got) == min(20, allowed)
    # HNSW is approximate: allow one miss in twenty.
    assert len(set(got) & set(want)) >= len(want) - 1


def test_small_share_uses_an_id_restricted_query(collection, monkeypatch):
    """Between the exact and over-fetch regimes the query names the allowed ids."""
    col, ids, vectors = collection
    monkeypatch.setattr(dense, "OVERFETCH_MIN_SHARE", 0.9)
    mask = np.zeros(len(ids), dtype=bool)
    mask[::3] = True  # 667 rows: above EXACT_MAX, below the over-fetch share
    got = dense_ids(col, vectors[0].tolist(), 10, ids, mask)
    assert got[0] == ids[0]
    assert all(int(i[1:]) % 3 == 0 for i in got)


def test_no_mask_is_a_plain_query(collection):
    col, ids, vectors = collection
    assert dense_ids(col, vectors[5].tolist(), 5, ids)[0] == ids[5]


def test_every_path_works_against_a_chroma_server(chroma_server, monkeypatch):
    """The same calls through `chroma run` (HttpClient): exact, id-restricted and over-fetch."""
    ids, vectors = unit_vectors(1000, seed=3)
    col = store_of(Settings(chroma_url=chroma_server, collection="dense"), ids, vectors)
    monkeypatch.setattr(dense, "OVERFETCH_MIN_SHARE", 0.5)
    for allowed in (50, 400, 900, 1000):  # exact, id-restricted, over-fetch, unfiltered
        mask = np.zeros(len(ids), dtype=bool)
        mask[:allowed] = True
        query = vectors[7]
        got = dense_ids(col, query.tolist(), 10, ids, mask)
        want = exact(vectors, ids, query, mask, 10)
        assert got[0] == ids[7]
        assert len(set(got) & set(want)) >= 9
