"""Turn a follow-up question into a standalone one, without a model call when possible.

A greeting or a self-contained question passes through unchanged. A follow-up that refers back
("What did he say about terrorists?") is first resolved in code against the conversation: a
personal pronoun becomes the person the previous turn named ("he" → "Sergey Kislyak"), and
other references ("it", "that", "what about …") get the previous question as context. Only
when the conversation names nothing is the model asked to rewrite (a second model call: ~5 s
on a 2-core CPU); a rewrite that is empty, rambling or not a question is discarded.

Example:
    >>> needs_context("What did he say about it?")
    True
    >>> needs_context("Who is Russia's ambassador to the UN?")
    False
    >>> history = [Message(role="user", content="Who is Russia's ambassador to the US?"),
    ...            Message(role="assistant", content="Sergey Kislyak [1].")]
    >>> resolve("What did he say about terrorists?", history)
    'What did Sergey Kislyak say about terrorists?'
"""

from __future__ import annotations

import re
from collections.abc import Callable

from qa.answer import Message

_GREETING = re.compile(
    r"^\s*(hi|hello|hey|thanks|thank you|good (morning|afternoon|evening)|bye|ok(ay)?)\b[\s!.,?]*$",
    re.I,
)
_ANAPHORA = re.compile(
    r"\b(he|she|it|they|him|her|them|his|hers|its|their|theirs|this|that|these|those|there|"
    r"then|the same|such|the former|the latter|the other|what about|how about|and what|why|"
    r"also|else|more)\b",
    re.I,
)
_PERSONAL = re.compile(r"\b(he|she|him|her|his|hers)\b", re.I)
_SUBJECT = re.compile(r"\b(he|she)\b", re.I)
#: A question that asks for a person: "Who …", "Whom …", "Which … spokeswoman …".
_ASKS_PERSON = re.compile(
    r"^\W*(?:who|whom|whose)\b|^\W*(?:which|what)\s+(?:[\w'’.-]+\s+){0,4}?(?:spokes\w*|minister|"
    r"leader|commander|official|expert|ambassador|envoy|president|diplomat|analyst|general|"
    r"secretary|chief|head|director|journalist|author|person|man|woman|politician|senator)s?\b",
    re.I,
)
_WHAT_NAME = re.compile(
    r"\bwhat(?:'s| is| was)\s+(?:his|her)\s+name\b|^\W*who\s+(?:is|was)\s+(?:he|she)\b", re.I
)
#: A run of capitalised words ("Sergey Kislyak", "John Kerry", "Bashar al-Assad").
_NAME = re.compile(r"\b[A-Z][a-z][\w'’-]*(?:\s+(?:al-|bin\s+|de\s+|van\s+|von\s+)?[A-Z][\w'’-]+)+")
#: Capitalised words that start organisations, places and titles, not people.
_NOT_PERSON = frozenset(
    "the un us uk eu nato foreign defense defence security state states united nations ministry "
    "council department house white kremlin army forces syrian russian american british "
    "secretary minister president ambassador general spokesman spokeswoman monday tuesday "
    "wednesday thursday friday saturday sunday january february march april may june july "
    "august september october november december geneva munich aleppo syria russia turkey "
    "which what who whom whose where when why how did does do is was and according".split()
)


#: A follow-up that goes on from the last turn: "And on what day?", "But the Kremlin?".
_GOES_ON = re.compile(r"^\W*(?:and|but|so|or|plus)\b", re.I)


def needs_context(question: str) -> bool:
    """True when the question refers back to the conversation (pronouns, "what about", a
    leading "and"/"but", ...).

    >>> needs_context("And the Foreign Ministry?"), needs_context("Android sales in 2015?")
    (True, False)
    """
    if _GREETING.match(question):
        return False
    return (
        bool(_ANAPHORA.search(question) or _GOES_ON.match(question)) or len(question.split()) <= 3
    )


def format_history(history: list[Message], max_turns: int = 4, max_chars: int = 400) -> str:
    """The last few turns as 'User: …' / 'Assistant: …' lines, each trimmed."""
    lines = []
    for m in history[-max_turns:]:
        text = re.sub(r"\s*\[\d+\]", "", m.content).strip()
        lines.append(f"{'User' if m.role == 'user' else 'Assistant'}: {text[:max_chars]}")
    return "\n".join(lines)


def people(text: str) -> list[str]:
    """Names of people in a text, in order (runs of capitalised words that are not places,
    organisations or titles).

    >>> people("US Secretary of State John Kerry met Sergei Lavrov in Munich.")
    ['John Kerry', 'Sergei Lavrov']
    >>> people("Saudi Foreign Minister Adel al-Jubeir spoke.")  # the name after the title
    ['Adel al-Jubeir']
    """
    found = []
    for m in _NAME.finditer(text):
        words = m.group(0).split()
        titled = [i for i, w in enumerate(words) if _plain(w) in _NOT_PERSON]
        if titled and titled[-1] < len(words) - 2:
            words = words[titled[-1] + 1 :]  # "Saudi Foreign Minister Adel al-Jubeir"
        while words and _plain(words[0]) in _NOT_PERSON:
            words = words[1:]  # "Secretary John Kerry" → "John Kerry"
        if len(words) >= 2 and not any(_plain(w) in _NOT_PERSON for w in words):
            name = " ".join(words)
            if name not in found:
                found.append(name)
    return found


def _plain(word: str) -> str:
    return word.lower().replace("’", "'").removesuffix("'s")


def resolve(question: str, history: list[Message]) -> str | None:
    """The follow-up made standalone from the conversation alone, or None when it cannot be.

    A personal pronoun becomes the person the conversation is about (:func:`subject`); any
    other reference gets the question that opened the topic as context (:func:`topic`).
    """
    if not any(m.role == "user" and m.content.strip() for m in history):
        return None
    if _PERSONAL.search(question):
        name = subject(history) or role_asked(history)
        return _substitute(question, name) if name else None
    if _GOES_ON.match(question):  # "And the Foreign Ministry?" asks the last question again
        return f"{question} ({last_question(history)})"
    return f"{question} ({topic(history)})"


def last_question(history: list[Message]) -> str:
    """The latest question of the conversation, its "he"/"she" made the person it meant.

    >>> last_question([Message(role="user", content="Who is Kerry's spokesman?"),
    ...                Message(role="assistant", content="John Kirby [1]"),
    ...                Message(role="user", content="What did he say?")])
    'What did John Kirby say?'
    """
    users = [i for i, m in enumerate(history) if m.role == "user" and m.content.strip()]
    if not users:
        return ""
    question = history[users[-1]].content.strip()
    if _PERSONAL.search(question) and (name := subject(history[: users[-1]])):
        return _substitute(question, name)
    return question


def _turns(history: list[Message]) -> list[tuple[str, str]]:
    """(question, answer) pairs, most recent first, citation markers removed."""
    pairs: list[tuple[str, str]] = []
    answer = ""
    for m in reversed(history):
        if m.role == "assistant":
            answer = re.sub(r"\s*\[\d+\]", "", m.content)
        elif m.content.strip():
            pairs.append((m.content.strip(), answer))
            answer = ""
    return pairs


def _identifies_person(question: str) -> bool:
    """The question asks who someone is, so its answer introduces the person talked about next.

    "Who blamed the terrorists?" and "What is his name?" do; "Whom did he blast?" does not (its
    answer is the object: the next "he" is still the one who blasted).
    """
    if _WHAT_NAME.search(question):
        return True
    return bool(_ASKS_PERSON.search(question)) and not _SUBJECT.search(question)


def subject(history: list[Message], max_turns: int = 4) -> str | None:
    """The one person a pronoun in the next question refers to, walking back the turns.

    A turn that asked who someone is names them in its answer; otherwise a person named in the
    question carries over; a question that itself said "he" points further back.

    >>> subject([Message(role="user", content="Who is Saudi Arabia's foreign minister?"),
    ...          Message(role="assistant", content="Adel al-Jubeir [1]"),
    ...          Message(role="user", content="Which German weekly did he talk to?"),
    ...          Message(role="assistant", content="Der Spiegel [1]")])
    'Adel al-Jubeir'
    """
    for question, answer in _turns(history)[:max_turns]:
        named = _WHO_IS.match(question)
        if named and people(named.group("role")) == [named.group("role").strip()]:
            return named.group("role").strip()  # "Who is Husam Salameh?": his, not his group's
        if _identifies_person(question) and len(found := people(answer)) == 1:
            return found[0]
        if len(found := people(question)) == 1:
            return found[0]
        if _PERSONAL.search(question):
            continue  # this turn's "he" was someone earlier
        found = people(answer)
        return found[0] if len(found) == 1 else None
    return None


#: "Who is France's ambassador to the UN (quoted on …)?": the role a person was asked by.
_WHO_IS = re.compile(r"^\W*who\s+(?:is|was)\s+(?P<role>[^?]{3,80}?)\s*\??\s*$", re.I)
_ROLE_END = re.compile(r"\s+(?:who|that|quoted|named|mentioned|cited|in the article)\b.*$", re.I)


def role_asked(history: list[Message], max_turns: int = 4) -> str | None:
    """The role of the person a pronoun refers to when no one was named: the latest "Who is
    <role>?" that the answers left unnamed (a refusal), so "Whom did he blast?" after it asks
    about "France's ambassador to the UN" rather than about nobody.

    >>> role_asked([Message(role="user", content="Who is France's ambassador to the UN "
    ...                     "quoted on the Aleppo offensive?"),
    ...             Message(role="assistant", content="The articles don't say.")])
    "France's ambassador to the UN"
    """
    for question, answer in _turns(history)[:max_turns]:
        if _PERSONAL.search(question):
            continue  # "Whom did he blast?": its "he" is the one asked about earlier
        m = _WHO_IS.match(question)
        if m is None or people(answer):
            return None  # someone was named, or no one was asked for
        return _ROLE_END.sub("", m.group("role")).strip()
    return None


def topic(history: list[Message]) -> str:
    """The latest question of the conversation made standalone, for a follow-up's context.

    A question that needed no context (or opened the conversation: "How many sorties did the
    ministry say its planes flew?") is taken as asked; one that said "he" gets its person
    substituted; one that said "it" defers to the question before it. "How many rebel groups is
    it made of?" after "Which countries support it?" is about what the first question asked.
    """
    users = [i for i, m in enumerate(history) if m.role == "user" and m.content.strip()]
    for i in reversed(users):
        question = history[i].content.strip()
        if not needs_context(question) or i == users[0]:  # the first had nothing to refer to
            return question
        if _PERSONAL.search(question) and (name := subject(history[:i])):
            return _substitute(question, name)
    return history[users[-1]].content.strip() if users else ""


def _substitute(question: str, name: str) -> str:
    possessive = f"{name}'s"

    def repl(m: re.Match[str]) -> str:
        word = m.group(0).lower()
        return possessive if word in ("his", "hers") else name

    # Only the first reference becomes the name: "What did he say when he left?" reads fine.
    return _PERSONAL.sub(repl, question, count=1)


def condense(
    question: str, history: list[Message], rewrite: Callable[[str, str], str] | None
) -> str:
    """The standalone question for retrieval and answering.

    ``rewrite(history_text, question)`` calls a model; it is used only when the conversation
    alone does not resolve the question. Without one, the previous user question is appended
    so retrieval still sees what "it" refers to.
    """
    if not history or not needs_context(question):
        return question
    resolved = resolve(question, history)
    if resolved is not None:
        return resolved
    previous = topic(history)
    guard = f"{question} ({previous})" if previous else question
    if rewrite is None:
        return guard
    out = rewrite(format_history(history), question).strip().strip('"').strip()
    out = out.splitlines()[0].strip() if out else ""
    out = re.sub(r"^(rewritten question|question)\s*:\s*", "", out, flags=re.I)
    if not out or len(out) > 3 * len(question) + 80 or not out.endswith("?"):
        return guard
    return out
