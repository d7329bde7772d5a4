"""Chat history sent to the ``/ask`` API: a JSON string or a list of messages.

Example:
    >>> parse_history('[{"role": "user", "content": "Who is Kerry?"}]')
    [{'role': 'user', 'content': 'Who is Kerry?'}]
"""

from __future__ import annotations

import json
from typing import Any

from qa.assistant import QuestionError


def parse_history(history: Any) -> list[dict[str, str]]:
    """API history: a JSON string or a list of ``{"role", "content"}``; raises QuestionError."""
    if history in (None, "", []):
        return []
    if isinstance(history, str):
        try:
            history = json.loads(history)
        except ValueError as exc:
            raise QuestionError(f"history is not valid JSON ({exc})") from None
    if not isinstance(history, list) or not all(
        isinstance(m, dict)
        and m.get("role") in ("user", "assistant")
        and isinstance(m.get("content"), str)
        for m in history
    ):
        raise QuestionError(
            'history must be a list of {"role": "user"|"assistant", "content": "..."} messages'
        )
    return [{"role": m["role"], "content": m["content"]} for m in history]
