"""Unit tests for eval.metrics on hand-computed cases."""

import math

import pytest

from eval.metrics import (
    chunk_hits_at_k,
    chunk_map_at_k,
    chunk_mrr_at_k,
    citation_precision,
    citation_recall,
    contains_answer,
    doc_mrr_at_k,
    doc_recall_at_k,
    exact_match,
    mean,
    normalize_answer,
    percentiles,
    refusal_scores,
    token_f1,
    upstream_lenient,
)

# ---------------------------------------------------------------- answers


def test_normalize_answer_articles_punctuation_whitespace() -> None:
    assert normalize_answer("  The  quick, brown fox. ") == "quick brown fox"
    assert normalize_answer("An apple a DAY") == "apple day"
    # articles only as whole words: "theory" and "another" survive
    assert normalize_answer("theory of another") == "theory of another"


def test_typographic_quotes_are_punctuation() -> None:
    assert normalize_answer("Assad’s army") == normalize_answer("Assad's army") == "assads army"
    assert contains_answer("“Assad's army” could take it", ["Assad’s army"]) == 1.0


def test_exact_match_normalises_and_maxes_over_golds() -> None:
    assert exact_match("The Cat!", ["dog", "cat"]) == 1.0
    assert exact_match("a cat sat", ["cat"]) == 0.0
    assert exact_match("anything", []) == 0.0


def test_token_f1_hand_computed() -> None:
    # pred tokens [cat, sat]; gold [cat, sat, down]: P = 2/2, R = 2/3 -> F1 = 0.8
    assert token_f1("the cat sat", ["cat sat down"]) == pytest.approx(0.8)


def test_token_f1_max_over_golds_and_no_overlap() -> None:
    assert token_f1("cat", ["dog", "the cat"]) == pytest.approx(1.0)
    assert token_f1("cat", ["dog"]) == 0.0
    # repeated tokens are clipped by the gold counts: common = {cat: 1}
    # P = 1/2, R = 1/1 -> F1 = 2/3
    assert token_f1("cat cat", ["cat"]) == pytest.approx(2 / 3)


def test_contains_answer_number_words_and_digits() -> None:
    assert contains_answer("The answer is ten.", ["10"]) == 1.0
    assert contains_answer("There were 10 people", ["ten"]) == 1.0
    assert contains_answer("It was eleven.", ["ten"]) == 0.0  # 11 vs 10
    assert contains_answer("It was Twenty", ["20"]) == 1.0


def test_contains_answer_substring_after_normalisation() -> None:
    pred = "I think it is the Federal Reserve, clearly."
    assert contains_answer(pred, ["federal reserve"]) == 1.0
    assert contains_answer("No idea", ["Federal Reserve"]) == 0.0
    # a gold that normalises to "" must not match everything
    assert contains_answer("No idea", ["The"]) == 0.0


def test_upstream_lenient_keeps_punctuation() -> None:
    # whitespace split, punctuation kept: "yes." != "yes"
    assert upstream_lenient("Yes.", "yes") == 0.0
    assert upstream_lenient("Yes", "yes") == 1.0
    # lenient: any shared word counts, even an article
    assert upstream_lenient("The answer is no", "the Fed") == 1.0
    assert upstream_lenient("Apple", "Google") == 0.0


# ---------------------------------------------------------------- document retrieval

RETRIEVED = ["a", "a", "b", "c", "d"]
GOLD_DOCS = ["b", "d", "b"]  # distinct gold = {b, d}


def test_doc_recall_at_k_with_duplicates() -> None:
    assert doc_recall_at_k(RETRIEVED, GOLD_DOCS, 2) == 0.0  # top-2 = {a}
    assert doc_recall_at_k(RETRIEVED, GOLD_DOCS, 3) == pytest.approx(0.5)  # {a, b}
    assert doc_recall_at_k(RETRIEVED, GOLD_DOCS, 5) == pytest.approx(1.0)
    assert math.isnan(doc_recall_at_k(RETRIEVED, [], 5))


def test_doc_mrr_at_k_with_duplicates() -> None:
    # first gold ("b") sits at rank 3 because "a" is duplicated
    assert doc_mrr_at_k(RETRIEVED, GOLD_DOCS, 5) == pytest.approx(1 / 3)
    assert doc_mrr_at_k(RETRIEVED, GOLD_DOCS, 2) == 0.0
    assert doc_mrr_at_k(["d"], GOLD_DOCS, 1) == 1.0


# ---------------------------------------------------------------- chunk retrieval

GOLD_FACTS = ["Apple  reported\nrevenue", "CEO resigned", "shares fell"]
CHUNKS = [
    "Weather is nice today.",  # r1: no fact
    "Apple reported revenue of $1B. The CEO  resigned.",  # r2: facts 1 and 2 (new)
    "Apple reported\trevenue again",  # r3: fact 1 again (already found) -> 0 new
    "Its shares\n fell sharply",  # r4: fact 3 (new)
]


def test_chunk_hits_at_k_ignores_whitespace() -> None:
    assert chunk_hits_at_k(CHUNKS, GOLD_FACTS, 1) == 0.0
    assert chunk_hits_at_k(CHUNKS, GOLD_FACTS, 2) == 1.0
    # the tab in chunk 3 is removed too, so it alone is relevant
    assert chunk_hits_at_k(CHUNKS[2:3], GOLD_FACTS, 1) == 1.0


def test_chunk_mrr_at_k() -> None:
    assert chunk_mrr_at_k(CHUNKS, GOLD_FACTS) == pytest.approx(0.5)
    assert chunk_mrr_at_k(CHUNKS, GOLD_FACTS, k=1) == 0.0
    assert chunk_mrr_at_k(CHUNKS[3:], GOLD_FACTS) == 1.0


def test_chunk_map_at_k_hand_computed() -> None:
    # r1: 0/1, r2: 2 new facts -> 2/2 = 1.0, r3: 0 new -> 0/3, r4: 1 new -> 1/4 = 0.25
    # MAP@10 = (1.0 + 0.25) / min(3, 10) = 1.25 / 3
    assert chunk_map_at_k(CHUNKS, GOLD_FACTS) == pytest.approx(1.25 / 3)
    # MAP@3 stops before r4: 1.0 / min(3, 3)
    assert chunk_map_at_k(CHUNKS, GOLD_FACTS, k=3) == pytest.approx(1 / 3)
    # k smaller than the number of facts: denominator is k. MAP@2 = 1.0 / 2
    assert chunk_map_at_k(CHUNKS, GOLD_FACTS, k=2) == pytest.approx(0.5)


def test_chunk_metrics_nan_without_gold() -> None:
    assert math.isnan(chunk_hits_at_k(CHUNKS, [], 10))
    assert math.isnan(chunk_mrr_at_k(CHUNKS, []))
    assert math.isnan(chunk_map_at_k(CHUNKS, []))


# ---------------------------------------------------------------- citations


def _words(text: str) -> set[str]:
    return {w.strip(".,").lower() for w in text.split()}


def word_supports(sentence: str, passage: str) -> bool:
    """Toy judge: every word of the sentence appears in the passage."""
    return _words(sentence) <= _words(passage)


CITED = [
    # supported jointly; "unrelated stuff" is redundant (alone no, others still support)
    ("Paris hosts games.", ["Paris hosts", "games", "unrelated stuff"]),
    # both citations support alone -> both precise under ALCE
    ("Rome is old.", ["Rome is old", "Rome is old city"]),
    # unsupported sentence -> its citation is not precise
    ("Berlin is big.", ["Madrid is small"]),
    # no citation -> not recalled, adds no citations
    ("No citation here.", []),
]


def test_citation_recall_toy() -> None:
    # recalled: Paris, Rome; not: Berlin, no-citation -> 2/4
    assert citation_recall(CITED, word_supports) == pytest.approx(0.5)
    assert math.isnan(citation_recall([], word_supports))


def test_citation_precision_redundant_citation() -> None:
    # citations: 3 + 2 + 1 + 0 = 6; precise: Paris 2 (not "unrelated stuff") + Rome 2 = 4
    assert citation_precision(CITED, word_supports) == pytest.approx(4 / 6)
    # only the redundant-citation sentence: 2 of 3 precise
    assert citation_precision(CITED[:1], word_supports) == pytest.approx(2 / 3)
    assert math.isnan(citation_precision([("x", [])], word_supports))


def test_citation_precision_needed_pair() -> None:
    # each citation is needed (neither alone nor the other supports) -> both precise
    sents = [("Paris hosts games.", ["Paris hosts", "games"])]
    assert citation_precision(sents, word_supports) == pytest.approx(1.0)
    assert citation_recall(sents, word_supports) == 1.0


# ---------------------------------------------------------------- refusals


def test_refusal_scores_2x2() -> None:
    refused = [True, True, True, False, False]
    unanswerable = [True, False, False, True, False]
    # tp = 1 (idx 0), fp = 2 (idx 1, 2), fn = 1 (idx 3), tn = 1 (idx 4)
    s = refusal_scores(refused, unanswerable)
    assert (s["tp"], s["fp"], s["fn"]) == (1, 2, 1)
    assert s["precision"] == pytest.approx(1 / 3)
    assert s["recall"] == pytest.approx(1 / 2)
    # F1 = 2 * (1/3)(1/2) / (1/3 + 1/2) = (1/3) / (5/6) = 0.4
    assert s["f1"] == pytest.approx(0.4)


def test_refusal_scores_undefined_precision() -> None:
    s = refusal_scores([False, False], [True, False])
    assert math.isnan(s["precision"])
    assert s["recall"] == 0.0
    assert math.isnan(s["f1"])
    with pytest.raises(ValueError):
        refusal_scores([True], [True, False])


# ---------------------------------------------------------------- cost and aggregation


def test_percentiles_one_to_ten() -> None:
    p = percentiles([float(v) for v in range(1, 11)])
    # linear: p50 at index 4.5 -> 5.5; p95 at index 8.55 -> 9 + 0.55 = 9.55
    assert p["p50"] == pytest.approx(5.5)
    assert p["p95"] == pytest.approx(9.55)
    assert p["n"] == 10 and p["max"] == 10.0 and p["mean"] == pytest.approx(5.5)


def test_percentiles_empty() -> None:
    p = percentiles([])
    assert math.isnan(p["p50"]) and math.isnan(p["p95"])
    assert p["n"] == 0
    assert percentiles([float("nan"), None], empty=None)["p50"] is None  # for JSON reports


def test_percentiles_rounding_and_other_quantiles() -> None:
    # p90 at index 1.8: 0.5678 + 0.8 * (0.9 - 0.5678) = 0.8336
    p = percentiles([0.1234, 0.5678, 0.9], qs=(50, 90), digits=2)
    assert p == {"p50": 0.57, "p90": 0.83, "max": 0.9, "mean": 0.53, "n": 3}


def test_mean_ignores_nan() -> None:
    assert mean([1.0, float("nan"), 3.0]) == pytest.approx(2.0)
    assert math.isnan(mean([float("nan")]))
    assert math.isnan(mean([]))


def test_contains_answer_matches_whole_words_only():
    from eval.metrics import contains_answer

    assert contains_answer("I do not know.", ["no"]) == 0.0
    assert contains_answer("No, it did not.", ["no"]) == 1.0
    assert contains_answer("About 100 people.", ["10"]) == 0.0
    assert contains_answer("Vitaly Churkin [1].", ["Churkin"]) == 1.0
