"""Irregular past forms of verbs common in news, mapped to the verb ("struck" → "strike"):
the stemmer leaves them apart, so "Where did it strike?" would not be answered by "It struck
near a market". Words that are as often something else ("left", "found", "shot") are left out.

Example:
    >>> lemma("struck"), lemma("fled"), lemma("missiles")
    ('strike', 'flee', 'missiles')
"""

from __future__ import annotations

_PAST = {
    "strike": "struck",
    "say": "said",
    "tell": "told",
    "take": "took taken",
    "meet": "met",
    "fight": "fought",
    "lead": "led",
    "hold": "held",
    "begin": "began begun",
    "flee": "fled",
    "give": "gave given",
    "send": "sent",
    "speak": "spoke spoken",
    "win": "won",
    "lose": "lost",
    "bring": "brought",
    "think": "thought",
    "seek": "sought",
    "catch": "caught",
    "fall": "fell fallen",
    "rise": "rose risen",
    "go": "went gone",
    "come": "came",
    "see": "seen",
    "make": "made",
    "keep": "kept",
    "know": "knew known",
    "drive": "drove driven",
    "write": "wrote written",
    "choose": "chose chosen",
    "break": "broke broken",
    "build": "built",
    "pay": "paid",
    "sell": "sold",
    "stand": "stood",
    "withdraw": "withdrew withdrawn",
    "grow": "grew grown",
    "draw": "drew drawn",
    "throw": "threw thrown",
    "fly": "flew flown",
    "hide": "hid hidden",
    "feel": "felt",
    "hear": "heard",
    "mean": "meant",
    "deal": "dealt",
    "undertake": "undertook undertaken",
    "overtake": "overtook overtaken",
    "shake": "shook shaken",
    "forbid": "forbade forbidden",
    "swear": "swore sworn",
}
_LEMMA = {past: verb for verb, forms in _PAST.items() for past in forms.split()}


def lemma(word: str) -> str:
    """The verb an irregular past form belongs to; any other word as it is."""
    return _LEMMA.get(word, word)
