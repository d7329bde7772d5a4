"""A labelled set of wire copies, and near-duplicate precision/recall on it.

Wire copies are made the way outlets republish agency stories: a new headline, a dateline
and agency credit in front, the tail cut (outlets trim to fit), a few words changed (house
style: spelling, "said" → "says"), promo and copyright lines added, a "Related" link inserted.
Every original article stays in the set too, so the negatives include the hard cases of a
real news corpus: different outlets' own reports of the same event (MultiHop-RAG is built
around them) and one publisher's articles sharing its boilerplate.

Scoring is over pairs: two articles are predicted to be one story when the intake, reading
them one at a time in a random order, gives them the same story id (exactly as
``index/intake/service.py`` does); precision and recall compare those pairs with the truth.

Example:
    >>> import random
    >>> t, ps = make_copy("Title", ["One two three four five six."] * 6, random.Random(0))
    >>> t != "Title" and len(ps) >= 3
    True
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

AGENCIES = ["Reuters", "AP", "AFP", "Bloomberg", "PA Media"]
OUTLETS = ["The Daily Reprint", "Morning Ledger", "City Gazette", "Valley Tribune", "Wire Digest"]
PROMOS = [
    "Sign up for our morning newsletter to get the day's top stories.",
    "Copyright {agency}. All rights reserved. This material may not be published, broadcast, "
    "rewritten or redistributed.",
    "Reporting by {agency} staff; editing by the {outlet} news desk.",
    "Follow {outlet} on social media for the latest updates.",
    "This article was originally published by {agency}.",
]
VARIANTS = {
    "said": "says",
    "says": "said",
    "percent": "per cent",
    "organization": "organisation",
    "center": "centre",
    "program": "programme",
    "while": "whilst",
    "about": "around",
    "also": "additionally",
    "after": "following",
    "before": "ahead of",
    "but": "however",
}


def make_copy(
    title: str, paragraphs: Sequence[str], rng: random.Random, agency: str = "", outlet: str = ""
) -> tuple[str, list[str]]:
    """A republished copy of an article: (new headline, paragraphs)."""
    agency = agency or rng.choice(AGENCIES)
    outlet = outlet or rng.choice(OUTLETS)
    words = title.split()
    headline = " ".join(words[: max(3, len(words) - rng.randint(1, 3))])
    headline = f"{headline} – {outlet}" if rng.random() < 0.5 else f"{agency}: {headline}"
    paras = [p for p in paragraphs if p.strip()]
    keep = max(3, round(len(paras) * rng.uniform(0.7, 1.0)))  # trimmed to fit
    paras = paras[:keep]
    edited = []
    for p in paras:
        out = []
        for w in p.split():
            core = w.lower().strip(".,;:")
            if core in VARIANTS and rng.random() < 0.6:
                w = w.lower().replace(core, VARIANTS[core])
            elif rng.random() < 0.02:  # a stray house-style edit
                w = w.upper() if rng.random() < 0.5 else w + ","
            out.append(w)
        edited.append(" ".join(out))
    if edited:
        edited[0] = (
            f"{rng.choice(['LONDON', 'NEW YORK', 'SYDNEY', 'WASHINGTON'])} ({agency}) — "
            + (edited[0])
        )
    if len(edited) > 4 and rng.random() < 0.5:
        edited.insert(len(edited) // 2, f"Related: {rng.choice(OUTLETS)} coverage of the story")
    for promo in rng.sample(PROMOS, rng.randint(1, 2)):
        edited.append(promo.format(agency=agency, outlet=outlet))
    return headline, edited


@dataclass
class Doc:
    """One article of the labelled set."""

    key: str
    text: str  # title line, blank line, body
    story: str  # the true story id (the original's key)


def labelled_set(
    articles: Sequence[dict[str, Any]],
    stories: int,
    seed: int = 0,
    copies: tuple[int, int] = (1, 3),
) -> list[Doc]:
    """Every article as itself, plus 1–3 copies of ``stories`` of them (random order)."""
    rng = random.Random(seed)
    docs = [
        Doc(a["id"], a["title"] + "\n\n" + "\n".join(a["paragraphs"]), a["id"]) for a in articles
    ]
    for a in rng.sample(list(articles), min(stories, len(articles))):
        for j in range(rng.randint(*copies)):
            title, paras = make_copy(a["title"], a["paragraphs"], rng)
            docs.append(Doc(f"{a['id']}~copy{j}", title + "\n\n" + "\n".join(paras), a["id"]))
    rng.shuffle(docs)
    return docs


def assign(docs: Sequence[Doc], threshold: float, shingle: int) -> tuple[dict[str, str], float]:
    """Story ids the intake would give, reading the docs in order; and seconds per doc."""
    from index.intake import dedupe

    index = dedupe.CopyIndex(threshold)
    got: dict[str, str] = {}
    t0 = time.perf_counter()
    for d in docs:
        sig = dedupe.signature(d.text, k=shingle)
        match = index.best(sig, exclude=d.key)
        story = match.story if match else d.key
        index.add(d.key, sig, story)
        got[d.key] = story
    return got, (time.perf_counter() - t0) / max(1, len(docs))


def pair_scores(docs: Sequence[Doc], predicted: dict[str, str]) -> dict[str, float]:
    """Pairwise precision, recall and F1 of predicted stories against the true ones."""
    truth = {(a.key, b.key) for a, b in itertools.combinations(docs, 2) if a.story == b.story}
    pred = {
        (a.key, b.key)
        for a, b in itertools.combinations(docs, 2)
        if predicted[a.key] == predicted[b.key]
    }
    tp = len(truth & pred)
    precision = tp / len(pred) if pred else 1.0
    recall = tp / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "true_pairs": len(truth),
        "predicted_pairs": len(pred),
    }


def sweep(
    docs: Sequence[Doc], thresholds: Sequence[float], shingles: Sequence[int]
) -> list[dict[str, Any]]:
    """Precision/recall and cost per article for each (shingle size, threshold)."""
    rows = []
    for k in shingles:
        for t in thresholds:
            predicted, per_doc = assign(docs, t, k)
            rows.append({"shingle": k, "threshold": t, "ms_per_article": round(per_doc * 1000, 3),
                         **pair_scores(docs, predicted)})  # fmt: skip
    return rows
