"""How sure a score is: a Wilson interval for a share, and an exact paired test for two runs.

A split of 108 questions pins an accuracy down to about ±0.09 (95 %), and a change that turns
7 wrong answers right and 9 right ones wrong has shown nothing. These two functions say so
in the report (:mod:`eval.report`) and when two runs are compared (:mod:`eval.compare`).

Example:
    >>> [round(x, 3) for x in wilson(69, 108)]
    [0.545, 0.723]
    >>> round(sign_test(7, 9), 2)
    0.8
"""

from __future__ import annotations

import math

#: The normal quantile of a two-sided 95 % interval.
Z95 = 1.959963984540054


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of ``k`` successes in ``n`` trials (95 % by default).

    Unlike the normal ("±1.96·√(p(1−p)/n)") interval it stays inside 0..1 and does not shrink
    to nothing at 0 or n successes. ``(nan, nan)`` when ``n`` is 0.

    >>> [round(x, 3) for x in wilson(0, 10)]
    [0.0, 0.278]
    >>> [round(x, 3) for x in wilson(10, 10)]
    [0.722, 1.0]
    """
    if not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    if n == 0:
        return (math.nan, math.nan)
    p, z2 = k / n, z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def sign_test(gained: int, lost: int) -> float:
    """Exact two-sided p-value of McNemar's test on paired right/wrong outcomes.

    Only the questions that changed count: ``gained`` (wrong before, right after) and
    ``lost`` (right before, wrong after). Under "the change does nothing", each of them went
    either way with probability 1/2; p is the chance of a split at least this uneven.

    >>> sign_test(0, 0), sign_test(6, 0), round(sign_test(10, 2), 4)
    (1.0, 0.03125, 0.0386)
    """
    if gained < 0 or lost < 0:
        raise ValueError("counts cannot be negative")
    n = gained + lost
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(gained, lost) + 1)) / 2**n
    return min(1.0, 2 * tail)
