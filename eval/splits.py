"""Fixed dev/test splits: tune on dev, report test (see eval/README.md).

* MultiHop-RAG: a query is in dev when the sha256 of its id falls in the first
  ``DEV_SHARE`` of the hash space (:func:`split_of`), so the split never depends on file order,
  sampling or the code that reads it.
* The sample gold set: :func:`split_gold` assigns units (a record, or a whole conversation)
  per ``type``, by hash order, ~40 % dev. Records restating a fact of the old ``sample.jsonl``
  (``"pin"``) count toward dev's share and go to dev; the old records themselves (``"legacy"``)
  were tuned on and all go to dev, outside the shares, as do records written for dev after the
  split was fixed (``"dev_only"``: fresh questions to measure how tuning generalises).
  ``eval/gold/dev.jsonl`` and ``test.jsonl`` hold the result; a test checks they still match
  this function.

Example:
    >>> split_of("mhr-q0000"), split_of("mhr-q0001")
    ('test', 'dev')
    >>> sum(split_of(f"mhr-q{i:04d}") == "dev" for i in range(2556))
    771
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any, Literal

Split = Literal["dev", "test"]
DEV_SHARE = 0.30  # MultiHop-RAG
GOLD_DEV_SHARE = 0.40  # the sample gold set


def _unit_hash(key: str) -> float:
    """A number in [0, 1) fixed by ``key`` alone."""
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:12], 16) / 16**12


def split_of(key: str, dev_share: float = DEV_SHARE) -> Split:
    """``dev`` for a fixed ``dev_share`` of keys (by sha256), else ``test``."""
    return "dev" if _unit_hash(key) < dev_share else "test"


def in_split(records: Sequence[dict[str, Any]], split: str) -> list[dict[str, Any]]:
    """MultiHop-RAG records of ``split`` (``dev``, ``test`` or ``all``), file order kept."""
    if split == "all":
        return list(records)
    if split not in ("dev", "test"):
        raise ValueError(f"unknown split {split!r}: use dev, test or all")
    return [r for r in records if split_of(str(r["id"])) == split]


def unit_of(rec: dict[str, Any]) -> str:
    """What is split as a whole: the conversation of a turn, else the record."""
    return str(rec.get("conversation") or rec["id"])


def split_gold(
    records: Sequence[dict[str, Any]], dev_share: float = GOLD_DEV_SHARE
) -> dict[str, Split]:
    """``{record id: "dev"|"test"}``, stratified by ``type``, conversations kept whole."""
    units: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        units.setdefault(unit_of(r), []).append(r)
    by_type: dict[str, list[str]] = {}
    assign: dict[str, Split] = {}
    for key, recs in units.items():
        if any(r.get("legacy") or r.get("dev_only") for r in recs):
            assign[key] = "dev"
        else:
            by_type.setdefault(str(recs[0]["type"]), []).append(key)
    for keys in by_type.values():
        pinned = [k for k in keys if any(r.get("pin") for r in units[k])]
        free = sorted((k for k in keys if k not in pinned), key=_unit_hash)
        n_dev = max(0, round(dev_share * len(keys)) - len(pinned))
        assign.update({k: "dev" for k in pinned})
        assign.update({k: "dev" if i < n_dev else "test" for i, k in enumerate(free)})
    return {r["id"]: assign[unit_of(r)] for r in records}
