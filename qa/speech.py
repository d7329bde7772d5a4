"""Questions about what someone said: the topic or occasion asked about, and whether a quote
is the asked-about speaker's own speech.

The verifier's near-miss checks (``qa.on_question``) use these: "What did Putin say about the
convoy strike?" is not answered by what he said of something else, nor by what someone else
said while naming him.

Example:
    >>> spoken_topic("What did Vladimir Putin say about the strike on the UN convoy?")
    'the strike on the UN convoy'
"""

from __future__ import annotations

import re


def _bare(word: str) -> str:
    """The word's key, lower-case, without a possessive ("Russia's" → "russia")."""
    return word.lower().strip(".'’-").removesuffix("'s").removesuffix("’s")


#: "What did <someone> say about <topic>?": the topic is what they must have spoken of.
_SPOKEN_OF = re.compile(
    r"\b(?:say|said|tell|told|think|thought|write|wrote|claim|warn)\w*\s+(?:about|regarding)"
    r"\s+([^?]+)",
    re.I,
)


#: "What did <someone> say (agree, decide) at / in / during <occasion>?"
_SPOKEN_AT = re.compile(
    r"\b(?:did|does|do|has|had)\s+.{2,60}?\s+(?:say|tell|claim|warn|announce|agree|decide)\s+"
    r"(?:at|in|during)\s+([^?]+)",
    re.I,
)


def spoken_occasion(question: str) -> str | None:
    """Where or when a question about someone's words asks them to have spoken, or None.

    >>> spoken_occasion("What did Sergei Lavrov say at the Munich meeting?")
    'the Munich meeting'
    >>> spoken_occasion("What did Kerry and Lavrov agree at their meeting in Vienna?")
    'their meeting in Vienna'
    >>> spoken_occasion("What did Ban say about the bombing at the Munich meeting?")
    'the Munich meeting'
    >>> spoken_occasion("What did Churkin say about the talks?") is None
    True
    """
    return _phrase(_SPOKEN_AT, question) or (
        _phrase(_EVENT, question) if _SPOKEN_OF.search(question) else None
    )


#: "… say about <topic> at the <Name> meeting": a named occasion inside the topic.
_EVENT = re.compile(
    r"\b(?:at|during)\s+((?:the|their|a)\s+[A-Z][^?,]*?\b(?:meeting|conference|summit|talks|"
    r"session|gathering|forum|briefing|debate))\b"
)


def spoken_topic(question: str) -> str | None:
    """What a question about someone's words asks them to have spoken of, or None.

    >>> spoken_topic("What did Vladimir Putin say about the strike on the UN convoy?")
    'the strike on the UN convoy'
    >>> spoken_topic("What did Churkin say?") is None
    True
    """
    return _phrase(_SPOKEN_OF, question)


def _phrase(pattern: re.Pattern[str], question: str) -> str | None:
    """The phrase ``pattern`` captures in the question, or None."""
    m = pattern.search(question)
    return m.group(1).strip() if m else None


#: Words that report speech ("said", "told", "according to", "in an interview").
_SPEECH = re.compile(
    r"^(?:say|says|said|saying|tell|tells|told|add|adds|added|state[sd]?|declared?|announced?|"
    r"warn(?:s|ed)?|insist(?:s|ed)?|argu(?:e|es|ed)|claim(?:s|ed)?|not(?:e|es|ed)|stress(?:es|ed)?|"
    r"urg(?:e|es|ed)|call(?:s|ed)?|describ(?:e|es|ed)|according|quoted?|wrote|writes|remark(?:s|ed)?|"
    r"repl(?:y|ies|ied)|explain(?:s|ed)?|ask(?:s|ed)?|acknowledged?|conceded?|suggest(?:s|ed)?|"
    r"accus(?:e|es|ed)|den(?:y|ies|ied)|dismiss(?:es|ed)?|allud(?:e|es|ed)|spoke|speaking|"
    r"comment(?:s|ed)?|statement|interview|remarks|vow(?:s|ed)?|predict(?:s|ed)?|"
    r"promis(?:e|es|ed)|threaten(?:s|ed)?|complain(?:s|ed)?|cited?|recalled?|voic(?:e|es|ed))$",
    re.I,
)


def _described(word: str) -> bool:
    """A lower-case word that is not a name particle ("authorities"; not "al-Assad", "bin")."""
    return word.split("-")[-1][:1].islower() and word not in ("al", "bin", "de", "van", "von")


#: Words between a speaker's name (or "he"/"she") and the word that reports the speech.
_NEAR_SPEECH = 8

#: Words inside quotation marks are what a speaker said, not who said it.
_CURLY = re.compile(r"“[^“”]*”")
_STRAIGHT = re.compile(r'"[^"\n]*"')


def unquoted(text: str) -> str:
    """The text with what is inside quotation marks blanked (same length, so a slice of the
    result is the same slice of the text). Straight quotes ("…") do not say which side they
    open, so a paragraph with an odd number of them (a quote left open for the next paragraph)
    keeps its straight-quoted words rather than pair them wrongly and blank the speaker named
    between two quotes. Blank a whole passage, then slice: a slice that starts inside a
    quotation would pair its straight quotes the wrong way round.

    >>> text = '“We agree,” Lavrov said. "No," Kerry said.'
    >>> unquoted(text).split(), len(unquoted(text)) == len(text)
    (['Lavrov', 'said.', 'Kerry', 'said.'], True)
    >>> unquoted('never," Putin said. "We will win," Malashenko said.')  # "never" ends a quote
    'never," Putin said. "We will win," Malashenko said.'
    """

    def blank(m: re.Match[str]) -> str:
        return " " * len(m.group(0))

    text = _CURLY.sub(blank, text)
    return "\n".join(
        line if line.count('"') % 2 else _STRAIGHT.sub(blank, line) for line in text.split("\n")
    )


def speaker_unquoted(speaker: str, texts: list[str]) -> bool:
    """What a person named by name alone said, answered from passages where no speech is theirs:
    none of the speaker's name words (nor "he"/"she" after the name) is within a few words of
    a word that reports speech (dev h034: "Bashar al-Assad clearly had a motive …" for what
    Assad said).
    ``texts`` are the quotes with the sentences before them, where the speaker is named, with
    what is inside quotation marks blanked (:func:`unquoted`): a name there is another
    speaker's words ("“Assad and Putin agree,” Malashenko said" is not Putin speaking; dev
    k042).

    >>> speaker_unquoted("Bashar al-Assad", ["Bashar al-Assad clearly had a motive to strike."])
    True
    >>> speaker_unquoted("Assad", ["Assad told reporters the truce would hold."])
    False
    >>> speaker_unquoted("Sergei Lavrov", ["Lavrov met Kerry. “We agree,” he said."])
    False
    >>> speaker_unquoted("the Turkish authorities", ["Ankara said that many more were coming."])
    False
    >>> speaker_unquoted("Putin", [unquoted("“Assad and Putin agree,” Malashenko said.")])
    True
    >>> speaker_unquoted("John Kerry", ["Secretary of State John Kerry will meet Lavrov."])
    True
    >>> speaker_unquoted("Lavrov", ["Talks were in Moscow. According to Lavrov, it holds."])
    False
    """
    words = re.findall(r"[\w'’-]+", speaker)
    if not words or any(_described(w) for w in words):
        return False  # a description ("the Turkish authorities"), not a person's name
    names = {_bare(w) for w in words if len(w) > 2 and not _described(w)} - {"bin", "van", "von"}
    for text in texts:
        raw = re.findall(r"[\w'’-]+", text)
        words = [_bare(w) for w in raw]
        named = [i for i, w in enumerate(words) if w in names]
        if not named:
            continue
        anchors = named + [i for i, w in enumerate(words) if w in ("he", "she") and i > named[0]]
        speech = [i for i, w in enumerate(raw) if _SPEECH.match(w) and not _in_title(raw, i)]
        if any(abs(a - b) <= _NEAR_SPEECH for a in anchors for b in speech):
            return False
    return True


def _in_title(words: list[str], i: int) -> bool:
    """The capitalised word ends a title ("Secretary of State"), not speech. Only after "of":
    after another capitalised word it may open a sentence ("… in Russia. According to …")."""
    return words[i][:1].isupper() and i > 0 and words[i - 1] == "of"
