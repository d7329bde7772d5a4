"""Gold evidence as character spans of the *cleaned* article text, and their checker.

A gold record's ``evidence`` (and an unanswerable record's ``near``: what the articles do say
next to the missing fact) is a list of spans::

    {"file": "003_b5e0c7ee18c80093.txt", "doc_id": "5e3b7b95a3f4937d",
     "start": 2713, "end": 2790, "text": "Also on Tuesday, a car bomb struck ..."}

``start``/``end`` index the text the store keeps (``index.clean.clean_article``, the same text
``Store.get_doc_text`` returns), so ``cleaned[start:end] == text``; ``doc_id`` is that text's
content hash. ``python -m eval.evidence locate FILE`` fills ``start``/``end``/``doc_id`` from
``text`` (quotes and dashes may be typed plainly); ``python -m eval.evidence check FILE ...``
checks every span and every gold answer, exiting 1 on any problem.

Example:
    >>> overlaps(("d", 10, 20), ("d", 19, 30)), overlaps(("d", 10, 20), ("d", 20, 30))
    (True, False)
"""

from __future__ import annotations

import functools
import json
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "data" / "sample"
Span = tuple[str, int, int]  # (doc key, start, end)

_EQUIV = {"'": "['‘’]", "‘": "['‘’]", "’": "['‘’]", '"': '["“”]', "“": '["“”]', "”": '["“”]',
          "-": "[-–—]", "—": "[-–—]", "–": "[-–—]"}  # fmt: skip
# Gold answers that would match almost any text once normalised (the s037 "IS" bug: "IS"
# normalises to the word "is"). Yes/No are allowed only as verdicts, which are scored apart.
STOPWORD_ANSWERS = frozenset(
    "a an the is it its in on at of to by for and or but as be was are he she they we you i "
    "his her their this that there not no yes do does did has have had with from".split()
)


@functools.lru_cache(maxsize=64)
def cleaned(file: str, sample_dir: str = str(SAMPLE_DIR)) -> tuple[str, str]:
    """(doc_id, cleaned text) of a sample article, through the project's own loader and cleaner."""
    from index.clean import clean_article
    from index.documents import RawArticle
    from index.loaders import load_file

    path = Path(sample_dir) / file
    for raw in load_file(path):
        if isinstance(raw, RawArticle):
            art = clean_article(raw)
            return art.doc_id, art.text
    raise ValueError(f"{path}: could not be loaded")


def _pattern(quote: str) -> re.Pattern[str]:
    parts = []
    for word in quote.split():
        parts.append("".join(_EQUIV.get(ch, re.escape(ch)) for ch in word))
    return re.compile(r"\s+".join(parts))


def locate(text: str, quote: str) -> tuple[int, int]:
    """(start, end) of ``quote`` in ``text``; quotes/dashes/whitespace may differ in kind.

    Raises ValueError when the quote is absent or occurs more than once.

    >>> locate("He said “no” — twice.", 'said "no" - twice')
    (3, 20)
    """
    found = [m.span() for m in _pattern(quote).finditer(text)]
    if len(found) != 1:
        raise ValueError(f"quote found {len(found)} times: {quote[:60]!r}")
    return found[0]


def fill(span: dict[str, Any], sample_dir: str = str(SAMPLE_DIR)) -> dict[str, Any]:
    """The span with ``doc_id``, ``start``, ``end`` and the exact ``text`` filled from ``text``."""
    doc_id, text = cleaned(span["file"], sample_dir)
    start, end = locate(text, span["text"])
    return {"file": span["file"], "doc_id": doc_id, "start": start, "end": end,
            "text": text[start:end]}  # fmt: skip


def spans_of(rec: dict[str, Any], key: str = "evidence") -> list[dict[str, Any]]:
    """The span dicts of a record (a legacy string ``evidence`` has none)."""
    value = rec.get(key)
    return [e for e in value if isinstance(e, dict)] if isinstance(value, list) else []


def check_record(rec: dict[str, Any], sample_dir: str = str(SAMPLE_DIR)) -> list[str]:
    """Every problem with one gold record: spans that do not slice to their text, bad answers."""
    rid = rec.get("id", "?")
    problems: list[str] = []
    for key in ("evidence", "near"):
        for e in spans_of(rec, key):
            try:
                doc_id, text = cleaned(e["file"], sample_dir)
            except (OSError, ValueError, KeyError) as exc:
                problems.append(f"{rid}: {key} file {e.get('file')!r}: {exc}")
                continue
            start, end = e.get("start"), e.get("end")
            if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end):
                problems.append(f"{rid}: {key} span {start}..{end} is not a span")
            elif text[start:end] != e.get("text"):
                problems.append(f"{rid}: {key} {e['file']}[{start}:{end}] != its text")
            if e.get("doc_id") != doc_id:
                problems.append(f"{rid}: {key} doc_id {e.get('doc_id')} != {doc_id}")
    answers = rec.get("answers") or []
    verdict = is_verdict_gold(answers)
    for a in answers:
        norm = " ".join(re.sub(r"[^\w\s]", " ", a.lower()).split())
        if not verdict and (norm in STOPWORD_ANSWERS or (len(norm) < 2 and not norm.isdigit())):
            problems.append(f"{rid}: gold answer {a!r} is a stopword: it matches almost anything")
    if answers and not spans_of(rec):
        problems.append(f"{rid}: answerable but has no evidence spans")
    if not answers and not rec.get("refusal"):
        problems.append(f"{rid}: unanswerable but has no expected refusal")
    return problems


def is_verdict_gold(answers: Sequence[str]) -> bool:
    """True when the gold is a bare verdict (["Yes"] or ["No"]), scored by the answer's verdict."""
    return len(answers) == 1 and answers[0].strip().lower().rstrip(".") in ("yes", "no")


def overlaps(a: Span, b: Span) -> bool:
    """True when two (doc, start, end) spans share a document and at least one character."""
    return a[0] == b[0] and a[1] < b[2] and b[1] < a[2]


def gold_spans(rec: dict[str, Any]) -> list[tuple[set[str], int, int]]:
    """(doc keys, start, end) of every evidence span; the keys are the doc_id and the file name."""
    out = []
    for e in spans_of(rec):
        if not (isinstance(e.get("start"), int) and isinstance(e.get("end"), int)):
            continue  # e.g. MultiHop-RAG's facts: offsets into the raw body, not the cleaned text
        keys = {str(k) for k in (e.get("doc_id"), e.get("file")) if k}
        out.append((keys, int(e["start"]), int(e["end"])))
    return out


def load_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """The records of a JSONL file."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def write_jsonl(records: Iterable[dict[str, Any]], path: str | Path) -> None:
    """One compact JSON object per line, UTF-8 (typographic quotes kept as they are)."""
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    Path(path).write_text(text, encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    """``locate FILE`` fills spans in place; ``check FILE...`` prints problems (exit 1 if any)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) < 2 or args[0] not in ("locate", "check"):
        print("usage: python -m eval.evidence locate|check FILE.jsonl ...", file=sys.stderr)
        return 2
    if args[0] == "locate":
        for path in args[1:]:
            recs = load_jsonl(path)
            for r in recs:
                for key in ("evidence", "near"):
                    if spans_of(r, key):
                        r[key] = [fill(e) for e in spans_of(r, key)]
            write_jsonl(recs, path)
    problems = [p for path in args[1:] for r in load_jsonl(path) for p in check_record(r)]
    for p in problems:
        print(p)
    n = sum(len(load_jsonl(p)) for p in args[1:])
    print(f"{n} records, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
