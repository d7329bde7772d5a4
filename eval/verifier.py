"""The verifier on its own: how often ``qa.finalize`` discards a correct draft or shows a wrong one.

Input: a JSONL of real model drafts, each with the standalone question, the passages the model
saw, the draft, and the gold answers (``[]`` for an unanswerable question), such as
``eval/gold/drafts_dev.jsonl`` (67 drafts the bundled model wrote for dev questions). Each draft is
labelled from the gold answers, not by the verifier: *correct* when it contains a gold answer
(or, for an unanswerable question, when it is a refusal), else *wrong*.

    false rejection  = a correct draft that is not shown (outcome is not ``model``)
    false acceptance = a wrong draft that is shown (outcome ``model``)
    turned right / wrong = a "Yes" draft shown as "No" (``model+turned``): the draft is not
                          shown, so neither rate can see a wrong turn; it is counted apart
    shown answers right = the final answer (after fallback or rescue) contains a gold answer,
                          or refuses an unanswerable question: re-finalizing dev drafts with
                          a changed policy measures it without running the model again
                          (the second look after a refusal is a model call: not re-run here)

A run's second looks (the model re-asked after a refusal, ``Answer.second_look``) are drafts
too: ``--from-run`` writes them with ``"look": "second"``, and they are counted apart, by
whether the verifier would show them (the assistant shows a second look only as a ``model``
answer), so the first drafts' counts stay comparable with earlier runs.

Run: ``python -m eval.verifier DRAFTS.jsonl`` (prints the counts and the disagreeing drafts,
``--json`` for JSON, ``--summary`` for the counts alone: use it on test-split drafts). Make a
drafts file from a dev run of the local answerer (only ever a dev run):
``python -m eval.verifier --from-run eval/runs/dev-local/results.json DRAFTS.jsonl``; from an
RGB run (``newsdesk eval-rgb --skip 30 --limit 35``, the dev slice) it takes the drafts over
negative passages, where the right draft is a refusal.

Example:
    >>> label("Maria Zakharova", ["Zakharova"]), label("Paris", ["Zakharova"])
    ('correct', 'wrong')
    >>> label("The articles don't say.", [])
    'correct'
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from qa.answer import Passage
from qa.finalize import REFUSAL_RE, Final, clean_draft, finalize
from qa.policy import AnswerPolicy


def _norm(text: str) -> str:
    return " " + re.sub(r"[^\w]+", " ", text.lower()).strip() + " "


def label(draft: str, answers: list[str]) -> str:
    """``correct`` or ``wrong``, from the gold answers alone."""
    text = clean_draft(draft)
    if not answers:
        return "correct" if REFUSAL_RE.search(text) else "wrong"
    return "correct" if any(_norm(a) in _norm(text) for a in answers) else "wrong"


def final_right(final: Final, answers: list[str]) -> bool:
    """The shown answer is right: it contains a gold answer, or refuses an unanswerable
    question (the contains rule of ``label``, applied to what the user sees)."""
    if not answers:
        return final.refused
    return not final.refused and label(final.text, answers) == "correct"


def judge(records: Iterable[dict[str, Any]], policy: AnswerPolicy | None = None) -> dict[str, Any]:
    """Counts of correct/wrong drafts shown or not, and the two error rates."""
    policy = policy or AnswerPolicy()
    counts: Counter[str] = Counter()
    mistakes: list[dict[str, Any]] = []
    for rec in records:
        passages = [Passage.model_validate(p) for p in rec["passages"]]
        truth = label(rec["draft"], rec.get("answers") or [])
        final = finalize(rec["draft"], passages, rec["question"], policy, asked=rec.get("asked"))
        shown = final.outcome == "model"
        if truth == "correct" and not rec.get("answers"):  # a right refusal must stay one
            shown = final.outcome == "refused:model"
        counts[f"{truth}_{'shown' if shown else 'not_shown'}"] += 1
        right = final_right(final, rec.get("answers") or [])
        counts["final_right"] += right
        if final.outcome == "model+turned":  # not a shown draft: counted apart, right or wrong
            counts[f"turned_{'right' if right else 'wrong'}"] += 1
        if (truth == "correct") != shown:
            mistakes.append({"id": rec.get("id"), "truth": truth, "outcome": final.outcome,
                             "draft": rec["draft"][:160]})  # fmt: skip
    correct = counts["correct_shown"] + counts["correct_not_shown"]
    wrong = counts["wrong_shown"] + counts["wrong_not_shown"]
    return {
        "drafts": correct + wrong,
        "correct": correct,
        "wrong": wrong,
        **dict(counts),
        "false_rejection_rate": round(counts["correct_not_shown"] / correct, 3)
        if correct
        else None,
        "false_acceptance_rate": round(counts["wrong_shown"] / wrong, 3) if wrong else None,
        "final_accuracy": _rate(counts["final_right"], correct + wrong),
        "mistakes": mistakes,
    }


def drafts_of_run(results: dict[str, Any], system: str = "newsdesk") -> list[dict[str, Any]]:
    """The real drafts of an eval run (``results.json``), one per question the model ran on:
    id, type, standalone question, the user's own words (``asked``), passages, draft, answers."""
    if any("condition" in row for row in results["questions"]):
        return _drafts_of_rgb(results)
    out = []
    for row in results["questions"]:
        ans = row["systems"][system].get("answer") or {}
        if not ans.get("draft"):
            continue  # refused before any model call, or an error
        first = {"id": row["id"], "type": row["type"],
                 "question": ans["standalone_question"], "asked": row["question"],
                 "passages": ans["retrieved"], "draft": ans["draft"],
                 "answers": row["answers"]}  # fmt: skip
        out += [first, *_second_look(first, ans)]
    return out


def _second_look(first: dict[str, Any], ans: dict[str, Any]) -> list[dict[str, Any]]:
    """The model's reply when re-asked after a refusal (``Answer.second_look``), as a draft of
    its own (``look: "second"``): the verifier decides whether it is shown, too."""
    again = (ans.get("second_look") or "").strip()
    return [{**first, "draft": again, "look": "second"}] if again else []


def _drafts_of_rgb(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The drafts of an RGB run (``newsdesk eval-rgb``) over negative passages only, where the
    right draft is a refusal (``answers`` empty). Counterfactual passages state a false answer
    as fact, so a draft that repeats it is neither clearly right nor wrong here; and some of
    RGB's "negative" passages do hold the true answer: those whose passages contain a gold
    answer string are left out too (a paraphrased date, "Nov. 12", still gets through)."""
    out = []
    for row in results["questions"]:
        ans = row["systems"].get("newsdesk") or {}
        if row["condition"] != "negative" or not ans.get("draft"):
            continue
        seen = _norm(" ".join(p["text"] for p in ans["retrieved"]))
        if any(_norm(a) in seen for a in row.get("answers", [])):
            continue
        first = {"id": f"rgb-neg-{int(row['id']):03d}", "type": "rgb_negative",
                 "question": ans["question"], "passages": ans["retrieved"],
                 "draft": ans["draft"], "answers": []}  # fmt: skip
        out += [first, *_second_look(first, ans)]
    return out


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def main(argv: list[str] | None = None) -> int:
    """``python -m eval.verifier DRAFTS.jsonl [--json] [--summary]``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("drafts", type=Path)
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--from-run", type=Path, help="write DRAFTS from this run's results.json")
    parser.add_argument(
        "--summary",
        action="store_true",
        help="counts only, no draft texts (for test-split drafts, which nobody may read)",
    )
    args = parser.parse_args(argv)
    if args.from_run:
        if not args.from_run.is_file():
            print(f"error: no results.json at {args.from_run}", file=sys.stderr)
            return 2
        rows = drafts_of_run(json.loads(args.from_run.read_text(encoding="utf-8")))
        args.drafts.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        print(f"wrote {len(rows)} drafts to {args.drafts}")
        return 0
    if not args.drafts.is_file():
        print(f"error: no drafts file at {args.drafts}", file=sys.stderr)
        return 2
    rows = [json.loads(x) for x in args.drafts.read_text(encoding="utf-8").splitlines() if x]
    result = judge(r for r in rows if r.get("look") != "second")
    parts = [("drafts", result)]
    again = [r for r in rows if r.get("look") == "second"]
    if again:  # the second looks, apart: the first drafts' counts stay comparable
        result["second_looks"] = judge(again)
        parts.append(("second looks", result["second_looks"]))
    for _, part in parts:
        if args.summary:
            part.pop("mistakes")
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    for what, part in parts:
        print(_counts_line(what, part))
    for what, part in parts:
        look = " (second look)" if what == "second looks" else ""
        for m in part.get("mistakes", []):
            print(f"  {m['id']}{look}: {m['truth']} draft → {m['outcome']}: {m['draft']!r}")
    return 0


def _counts_line(what: str, result: dict[str, Any]) -> str:
    """One line of counts; a second look that is not shown leaves the first answer, so only
    the first drafts have "shown answers right"."""
    line = (
        f"{result['drafts']} {what} ({result['correct']} correct, {result['wrong']} wrong): "
        f"false rejections {result.get('correct_not_shown', 0)} "
        f"({result['false_rejection_rate']}), false acceptances {result.get('wrong_shown', 0)} "
        f"({result['false_acceptance_rate']})"
    )
    if what != "drafts":
        return line
    right, wrong = result.get("turned_right", 0), result.get("turned_wrong", 0)
    turned = f"; turned to No right {right}, wrong {wrong}"
    return (
        f"{line}; shown answers right {result['final_right']} ({result['final_accuracy']}){turned}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
