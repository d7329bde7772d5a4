"""Evaluation metrics for Newsdesk: answers, retrieval, citations, refusals and cost.

Pure Python (stdlib + numpy). Every function scores a single question unless noted;
aggregate per-question scores with :func:`mean`, which skips NaN ("not applicable").
"""

import math
import re
import string
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

import numpy as np

NAN = float("nan")

# ---------------------------------------------------------------------------
# Answers
# ---------------------------------------------------------------------------

_ARTICLES = re.compile(r"\b(a|an|the)\b")
# ASCII punctuation plus the typographic quotes and dashes news text uses ("Assad’s").
_PUNCT = frozenset(string.punctuation) | frozenset("‘’“”–—…")
# fmt: off
_NUMBER_WORD_LIST = (
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
    "eighteen", "nineteen", "twenty",
)
# fmt: on
_NUMBER_WORDS = {w: str(i) for i, w in enumerate(_NUMBER_WORD_LIST, start=1)}


def normalize_answer(s: str) -> str:
    """SQuAD normalisation: lowercase, drop punctuation and articles, collapse whitespace.

    Typographic quotes and dashes count as punctuation, so "Assad’s army" = "Assad's army".
    """
    s = s.lower()
    s = "".join(ch for ch in s if ch not in _PUNCT)
    s = _ARTICLES.sub(" ", s)
    return " ".join(s.split())


def _numbers_to_digits(normalized: str) -> str:
    """Replace the number words one..twenty by digits in an already normalised string."""
    return " ".join(_NUMBER_WORDS.get(tok, tok) for tok in normalized.split())


def exact_match(prediction: str, golds: Sequence[str]) -> float:
    """1.0 if the normalised prediction equals any normalised gold, else 0.0 (0.0 if no golds)."""
    pred = normalize_answer(prediction)
    return float(any(pred == normalize_answer(g) for g in golds))


def _f1_single(prediction: str, gold: str) -> float:
    pred_toks = normalize_answer(prediction).split()
    gold_toks = normalize_answer(gold).split()
    if not pred_toks or not gold_toks:  # SQuAD v2 convention for empty answers
        return float(pred_toks == gold_toks)
    num_same = sum((Counter(pred_toks) & Counter(gold_toks)).values())
    if num_same == 0:
        return 0.0
    precision = num_same / len(pred_toks)
    recall = num_same / len(gold_toks)
    return 2 * precision * recall / (precision + recall)


def token_f1(prediction: str, golds: Sequence[str]) -> float:
    """SQuAD token-level F1, maximised over the gold answers (0.0 if no golds)."""
    return max((_f1_single(prediction, g) for g in golds), default=0.0)


def contains_answer(prediction: str, golds: Sequence[str]) -> float:
    """1.0 if any normalised gold occurs in the normalised prediction as whole words.

    Number words one..twenty are mapped to digits on both sides first, so "ten" matches
    "10". Whole words only: a gold "no" is not found inside "not" or "know", nor "10" in
    "100". Golds that normalise to the empty string are ignored.
    """
    pred = f" {_numbers_to_digits(normalize_answer(prediction))} "
    for g in golds:
        gold = _numbers_to_digits(normalize_answer(g))
        if gold and f" {gold} " in pred:
            return 1.0
    return 0.0


def upstream_lenient(prediction: str, gold: str) -> float:
    """LENIENT MultiHop-RAG upstream QA rule (qa_evaluate.py ``has_intersection``).

    Correct (1.0) if the lowercased prediction and gold share at least one
    whitespace-separated token. No punctuation stripping: "yes." and "yes" do NOT match,
    while any shared word (even "the") does. Kept only for comparison with published numbers.
    """
    return float(bool(set(prediction.lower().split()) & set(gold.lower().split())))


# ---------------------------------------------------------------------------
# Retrieval: document level
# ---------------------------------------------------------------------------


def doc_recall_at_k(retrieved_docs: Sequence[str], gold_docs: Sequence[str], k: int) -> float:
    """Fraction of distinct gold doc keys found among the first ``k`` retrieved keys.

    Duplicated retrieved keys (several chunks of one article) count once. NaN if no gold docs.
    """
    gold = set(gold_docs)
    if not gold:
        return NAN
    top = set(retrieved_docs[: max(k, 0)])
    return len(gold & top) / len(gold)


def doc_mrr_at_k(retrieved_docs: Sequence[str], gold_docs: Sequence[str], k: int) -> float:
    """1/rank of the first gold doc within the first ``k`` retrieved keys, else 0.0.

    NaN if there are no gold docs.
    """
    gold = set(gold_docs)
    if not gold:
        return NAN
    for rank, doc in enumerate(retrieved_docs[: max(k, 0)], start=1):
        if doc in gold:
            return 1.0 / rank
    return 0.0


# ---------------------------------------------------------------------------
# Retrieval: chunk level (MultiHop-RAG retrieval_evaluate.py)
# ---------------------------------------------------------------------------


def _squash(s: str) -> str:
    """Remove all whitespace characters (upstream strips spaces and newlines)."""
    return "".join(s.split())


def _relevant_ranks(chunk_texts: Sequence[str], gold_facts: Sequence[str], k: int) -> list[int]:
    gold = [_squash(g) for g in gold_facts]
    return [
        rank
        for rank, chunk in enumerate(chunk_texts[: max(k, 0)], start=1)
        if any(g in _squash(chunk) for g in gold)
    ]


def chunk_hits_at_k(chunk_texts: Sequence[str], gold_facts: Sequence[str], k: int) -> float:
    """1.0 if any of the first ``k`` chunks contains a gold fact (whitespace-free), else 0.0.

    NaN if there are no gold facts (upstream skips such queries).
    """
    if not gold_facts:
        return NAN
    return float(bool(_relevant_ranks(chunk_texts, gold_facts, k)))


def chunk_mrr_at_k(chunk_texts: Sequence[str], gold_facts: Sequence[str], k: int = 10) -> float:
    """1/rank of the first chunk (within top ``k``) containing a gold fact, else 0.0.

    NaN if there are no gold facts.
    """
    if not gold_facts:
        return NAN
    ranks = _relevant_ranks(chunk_texts, gold_facts, k)
    return 1.0 / ranks[0] if ranks else 0.0


def chunk_map_at_k(chunk_texts: Sequence[str], gold_facts: Sequence[str], k: int = 10) -> float:
    """Upstream MAP@k: sum over ranks r<=k of (gold facts newly matched at r)/r,
    divided by min(len(gold_facts), k). NaN if there are no gold facts.
    """
    if not gold_facts:
        return NAN
    gold = [_squash(g) for g in gold_facts]
    found: list[str] = []
    total = 0.0
    for rank, chunk in enumerate(chunk_texts[: max(k, 0)], start=1):
        text = _squash(chunk)
        count = 0
        for g in gold:
            if g in text and g not in found:
                count += 1
                found.append(g)
        total += count / rank
    return total / min(len(gold_facts), k) if k > 0 else 0.0


# ---------------------------------------------------------------------------
# Citations (ALCE)
# ---------------------------------------------------------------------------

Supports = Callable[[str, str], bool]
CitedSentence = tuple[str, Sequence[str]]


def citation_recall(sentences: Sequence[CitedSentence], supports: Supports) -> float:
    """ALCE citation recall: share of sentences whose joined citations support them.

    A sentence without citations counts as not recalled. NaN if there are no sentences.
    """
    if not sentences:
        return NAN
    hits = sum(1 for sent, cited in sentences if cited and supports(sent, " ".join(cited)))
    return hits / len(sentences)


def citation_precision(sentences: Sequence[CitedSentence], supports: Supports) -> float:
    """ALCE citation precision: precise citations / all citations (NaN if no citations).

    Citations of a sentence not supported by its full citation set are all imprecise.
    For a supported sentence, citation c is irrelevant (imprecise) if c alone does not
    support the sentence AND the remaining citations alone still do; otherwise precise.
    """
    total = 0
    precise = 0
    for sent, cited in sentences:
        total += len(cited)
        if not cited or not supports(sent, " ".join(cited)):
            continue
        for i, passage in enumerate(cited):
            if supports(sent, passage):
                precise += 1
                continue
            others = [p for j, p in enumerate(cited) if j != i]
            if not supports(sent, " ".join(others)):
                precise += 1
    return precise / total if total else NAN


# ---------------------------------------------------------------------------
# Refusals
# ---------------------------------------------------------------------------


def _safe_div(num: float, den: float) -> float:
    return num / den if den else NAN


def refusal_scores(refused: Sequence[bool], unanswerable: Sequence[bool]) -> dict[str, float]:
    """Precision/recall/F1 of refusing, positive class = refused on an unanswerable question.

    Returns keys precision, recall, f1 (NaN when undefined) and the counts tp, fp, fn.
    """
    if len(refused) != len(unanswerable):
        raise ValueError("refused and unanswerable must have the same length")
    tp = sum(1 for r, u in zip(refused, unanswerable, strict=True) if r and u)
    fp = sum(1 for r, u in zip(refused, unanswerable, strict=True) if r and not u)
    fn = sum(1 for r, u in zip(refused, unanswerable, strict=True) if not r and u)
    precision = _safe_div(tp, tp + fp)
    recall = _safe_div(tp, tp + fn)
    if math.isnan(precision) or math.isnan(recall):
        f1 = NAN
    else:
        f1 = _safe_div(2 * precision * recall, precision + recall)
        if math.isnan(f1):
            f1 = 0.0  # both defined and zero
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn}


# ---------------------------------------------------------------------------
# Cost and aggregation
# ---------------------------------------------------------------------------


def percentiles(
    values: Iterable[float | None],
    qs: Sequence[float] = (50, 95),
    digits: int | None = None,
    empty: float | None = NAN,
) -> dict[str, float | None]:
    """The project's one percentile function: "p50", "p95", ... (linear interpolation), plus
    "max", "mean" and "n" (count used). Every eval, bench and load report uses it.

    None and NaN values are ignored; with no values every statistic is ``empty`` (NaN by
    default; None for JSON reports) and n is 0. ``digits`` rounds the statistics.

    >>> percentiles([1.0, 2.0, 3.0, 4.0], digits=3)
    {'p50': 2.5, 'p95': 3.85, 'max': 4.0, 'mean': 2.5, 'n': 4}
    >>> percentiles([None], empty=None)
    {'p50': None, 'p95': None, 'max': None, 'mean': None, 'n': 0}
    """
    data = [float(v) for v in values if v is not None and not math.isnan(v)]
    stats: dict[str, float | None] = {f"p{q:g}": empty for q in qs} | {"max": empty, "mean": empty}
    if data:
        stats = {f"p{q:g}": float(np.percentile(data, q, method="linear")) for q in qs}
        stats |= {"max": max(data), "mean": sum(data) / len(data)}
    out = {
        k: round(v, digits) if digits is not None and v is not None else v for k, v in stats.items()
    }
    return out | {"n": len(data)}


def mean(values: Iterable[float]) -> float:
    """Arithmetic mean ignoring NaN values; NaN if nothing remains."""
    data = [float(v) for v in values if not math.isnan(v)]
    return sum(data) / len(data) if data else NAN
