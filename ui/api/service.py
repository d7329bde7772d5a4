"""What the API routes share: the assistant, the settings, the access rule, the database.

The routes stay thin: questions go to ``Assistant.stream``, files to the Library service
(``qa.library``), conversations and feedback to ``qa.conversations`` and ``qa.feedback``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from fastapi import Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from index.db import open_database
from index.settings import Settings
from qa.answer import Answer, Message
from qa.conversations import Conversations, turn_settings
from qa.feedback import FeedbackStore
from ui.api.auth import ApiAuth


def package_version() -> str:
    """The installed newsdesk version."""
    try:
        return version("newsdesk")
    except PackageNotFoundError:  # pragma: no cover - running from a plain checkout
        return "0"


@dataclass
class Service:
    """Everything a route needs; one per server."""

    assistant: Any
    settings: Settings
    answerers: list[str]
    default: str
    auth: ApiAuth = field(default_factory=ApiAuth)
    #: ``url -> SourceResult`` when the server can add articles from a web address (URL intake).
    url_intake: Callable[[str], Any] | None = None
    write_lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        #: The dependency every route uses: who is calling (or a 401). One object, so FastAPI
        #: runs it once per request.
        self.who = caller(self)

    def conversations(self) -> Conversations:
        """Saved conversations (raises DatabaseError when the database cannot be used)."""
        return Conversations(open_database(self.settings))

    def feedback(self) -> FeedbackStore:
        """Readers' verdicts (raises DatabaseError when the database cannot be used)."""
        return FeedbackStore(open_database(self.settings))

    def stream(
        self,
        question: str,
        history: Sequence[Message | dict[str, str]],
        answerer: str | None,
        top_k: int | None,
    ) -> Iterator[Any]:
        """``Assistant.stream`` with the server's default answerer."""
        return iter(self.assistant.stream(question, history, answerer or self.default, top_k))

    def turn_settings(self, answer: Answer, top_k: int | None) -> dict[str, Any]:
        """The settings an answer was made with, saved with its turn."""
        return turn_settings(answer, top_k, self.settings)


_bearer = HTTPBearer(auto_error=False, description="An API key (NEWSDESK_API_KEYS)")


def caller(service: Service) -> Callable[..., str]:
    """A FastAPI dependency that returns who is calling, or answers 401."""

    def dependency(
        request: Request, _credentials: HTTPAuthorizationCredentials | None = Security(_bearer)
    ) -> str:
        return service.auth.principal(request)

    return dependency
