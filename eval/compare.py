"""Two runs of ``newsdesk eval`` on the same gold set, question by question.

A change is judged by the questions it turned (wrong → right, right → wrong), not by the
difference of two accuracies: on the 202 dev questions a prompt change can turn 16 answers
and move the total by 2. :func:`compare` pairs the runs' questions by id and gives, overall
and per question type, the counts and the exact p-value of the paired test
(:func:`eval.stats.sign_test`). Question ids are listed only for dev runs: a test split's
questions are not read while changing code.

Example::

    before, after = load_run("eval/runs/dev-a"), load_run("eval/runs/dev-b")
    print(render(compare(before, after), ids=True))
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.stats import sign_test


@dataclass(frozen=True)
class Paired:
    """How the questions of one group fared in two runs."""

    group: str
    both_right: int
    both_wrong: int
    gained: tuple[str, ...]
    lost: tuple[str, ...]

    @property
    def n(self) -> int:
        """Questions in the group (present in both runs)."""
        return self.both_right + self.both_wrong + len(self.gained) + len(self.lost)

    @property
    def before(self) -> float:
        """Accuracy of the first run."""
        return (self.both_right + len(self.lost)) / self.n if self.n else float("nan")

    @property
    def after(self) -> float:
        """Accuracy of the second run."""
        return (self.both_right + len(self.gained)) / self.n if self.n else float("nan")

    @property
    def p(self) -> float:
        """Exact two-sided p-value of "the change turned as many right as wrong"."""
        return sign_test(len(self.gained), len(self.lost))


@dataclass(frozen=True)
class Comparison:
    """Both runs' questions paired: overall first, then by type; what could not be paired."""

    groups: list[Paired]
    only_before: int
    only_after: int
    test_split: bool


class RunError(ValueError):
    """A results.json that cannot be compared (missing, not an answers run, no such system)."""


def load_run(path: str | Path) -> dict[str, Any]:
    """A run's results: ``path`` is its results.json or the directory holding it."""
    file = Path(path)
    if file.is_dir():
        file = file / "results.json"
    if not file.is_file():
        raise RunError(f"no results.json at {path}: give a `newsdesk eval --out` directory")
    try:
        results: dict[str, Any] = json.loads(file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RunError(f"{file} is not a results.json ({exc})") from None
    if results.get("retrieval_only"):
        raise RunError(f"{file} is a --retrieval-only run: it has no answers to compare")
    return results


def _right(results: dict[str, Any], system: str) -> dict[str, tuple[str, bool]]:
    """Question id → (type, answered right) for one system."""
    out = {}
    for q in results.get("questions", []):
        got = q.get("systems", {}).get(system)
        if got is not None:
            out[str(q["id"])] = (str(q.get("type", "")), got["scores"].get("accuracy") == 1.0)
    if not out:
        raise RunError(f"the run has no answers from '{system}'")
    return out


def _pair(group: str, ids: Iterable[str], a: dict[str, Any], b: dict[str, Any]) -> Paired:
    ids = sorted(ids)
    return Paired(
        group=group,
        both_right=sum(a[i][1] and b[i][1] for i in ids),
        both_wrong=sum(not a[i][1] and not b[i][1] for i in ids),
        gained=tuple(i for i in ids if not a[i][1] and b[i][1]),
        lost=tuple(i for i in ids if a[i][1] and not b[i][1]),
    )


def _is_test(results: dict[str, Any]) -> bool:
    return Path(str(results.get("config", {}).get("gold", ""))).name == "test.jsonl"


def compare(
    before: dict[str, Any], after: dict[str, Any], *, system: str = "newsdesk"
) -> Comparison:
    """Pair two runs' answers by question id, overall and per question type."""
    a, b = _right(before, system), _right(after, system)
    common = a.keys() & b.keys()
    if not common:
        raise RunError("the two runs share no question ids: were they run on the same gold set?")
    groups = [_pair("all", common, a, b)]
    for kind in sorted({a[i][0] for i in common}):
        groups.append(_pair(kind, (i for i in common if a[i][0] == kind), a, b))
    return Comparison(
        groups=groups,
        only_before=len(a.keys() - common),
        only_after=len(b.keys() - common),
        test_split=_is_test(before) or _is_test(after),
    )


def render(comparison: Comparison, *, ids: bool = False) -> str:
    """A markdown table of the comparison; with ``ids``, which questions turned (dev only)."""
    if ids and comparison.test_split:
        raise RunError("question ids of a test-split run are not shown: compare dev runs")
    lines = [
        "| group | n | before | after | gained | lost | p (exact, paired) |",
        "|---|---|---|---|---|---|---|",
    ]
    for g in comparison.groups:
        lines.append(
            f"| {g.group} | {g.n} | {g.before:.3f} | {g.after:.3f} | {len(g.gained)} "
            f"| {len(g.lost)} | {g.p:.3f} |"
        )
    if comparison.only_before or comparison.only_after:
        lines.append("")
        lines.append(
            f"Not paired: {comparison.only_before} question(s) only in the first run, "
            f"{comparison.only_after} only in the second."
        )
    if ids:
        overall = comparison.groups[0]
        lines += ["", f"Gained: {' '.join(overall.gained) or '-'}"]
        lines += [f"Lost: {' '.join(overall.lost) or '-'}"]
    lines += [
        "",
        "p is the chance that a change doing nothing would turn the questions at least this "
        "unevenly (McNemar's exact test on the gained and lost ones); read p above 0.05 as "
        "no measured change.",
    ]
    return "\n".join(lines)
