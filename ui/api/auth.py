"""Who may call the API and open the chat, and when the server may be exposed at all.

* API keys: ``NEWSDESK_API_KEYS`` (comma-separated) and/or ``NEWSDESK_API_KEYS_FILE`` (one key
  a line, ``#`` comments). When any key is set, every ``/api/`` and ``/v1/`` call needs
  ``Authorization: Bearer KEY`` (401 otherwise). Keys are compared in constant time and never
  logged or echoed.
* The chat's password: ``--auth``, ``NEWSDESK_AUTH`` or ``NEWSDESK_AUTH_FILE`` (``USER:PASS``).
  With a password and no API keys, the API takes the same ``USER:PASS`` as HTTP Basic auth, so
  it is never open while the chat is closed.
* Exposure: serving beyond the loopback interface with neither refuses to start unless
  ``--insecure`` (see :func:`exposure_error`).

Example:
    >>> bearer_token("Bearer abc123"), bearer_token("Basic xyz"), bearer_token(None)
    ('abc123', None, None)
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fastapi import HTTPException, Request

from index.errors import NewsdeskError
from index.settings import Settings


class AuthConfigError(NewsdeskError, ValueError):
    """A key or password file cannot be read or holds nothing usable (one-line message)."""


def _read(path: Path, what: str) -> list[str]:
    try:
        text = Path(path).expanduser().read_text(encoding="utf-8")
    except OSError as exc:
        raise AuthConfigError(f"cannot read the {what} file {path} ({exc.strerror})") from None
    return [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def load_api_keys(settings: Settings) -> list[str]:
    """The API keys from ``NEWSDESK_API_KEYS`` and ``NEWSDESK_API_KEYS_FILE`` (may be empty)."""
    keys: list[str] = []
    if settings.api_keys is not None:
        keys += [k.strip() for k in settings.api_keys.get_secret_value().split(",") if k.strip()]
    if settings.api_keys_file is not None:
        found = _read(settings.api_keys_file, "API keys")
        if not found:
            raise AuthConfigError(f"the API keys file {settings.api_keys_file} holds no key")
        keys += found
    return list(dict.fromkeys(keys))


def load_password(settings: Settings, cli_auth: str | None = None) -> str | None:
    """The chat's ``USER:PASS``: ``--auth``, else ``NEWSDESK_AUTH``, else ``NEWSDESK_AUTH_FILE``."""
    if cli_auth or settings.auth:
        return cli_auth or settings.auth
    if settings.auth_file is not None:
        lines = _read(settings.auth_file, "password")
        if not lines:
            raise AuthConfigError(f"the password file {settings.auth_file} is empty")
        return lines[0]
    return None


def bearer_token(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer TOKEN`` header, else None."""
    scheme, _, token = (header or "").partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


def key_id(key: str) -> str:
    """A short, non-reversible name for a key (to tell callers apart without storing keys)."""
    return hashlib.sha256(key.encode()).hexdigest()[:8]


@dataclass(frozen=True)
class ApiAuth:
    """The API's access rule: bearer keys, else the chat's password as Basic auth, else open."""

    keys: tuple[str, ...] = ()
    basic: tuple[str, str] | None = None

    @property
    def open(self) -> bool:
        """True when anyone who reaches the port may call the API."""
        return not self.keys and self.basic is None

    def principal(self, request: Request) -> str:
        """Who is calling (``api``, ``api:KEYID`` or ``user:NAME``); raises a 401 otherwise."""
        header = request.headers.get("authorization")
        if self.keys:
            token = bearer_token(header)
            if token is not None:
                for key in self.keys:
                    if hmac.compare_digest(token.encode(), key.encode()):
                        return f"api:{key_id(key)}"
            raise _unauthorized(
                "Bearer", "a valid API key is required: send Authorization: Bearer KEY"
            )
        if self.basic is not None:
            user = _basic_user(header, self.basic)
            if user is None:
                raise _unauthorized(
                    "Basic", "sign in with the chat's USER:PASS (HTTP Basic) or set API keys"
                )
            return f"user:{user}"
        return "api"


def _basic_user(header: str | None, expected: tuple[str, str]) -> str | None:
    scheme, _, blob = (header or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, sep, password = base64.b64decode(blob.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    ok_user = hmac.compare_digest(user.encode(), expected[0].encode())
    ok_pass = hmac.compare_digest(password.encode(), expected[1].encode())
    return user if sep and ok_user and ok_pass else None


def _unauthorized(scheme: str, message: str) -> HTTPException:
    realm = ' realm="newsdesk"' if scheme == "Basic" else ""
    return HTTPException(401, message, headers={"WWW-Authenticate": scheme + realm})


def exposure_error(
    host: str, password: tuple[str, str] | None, keys: Sequence[str], insecure: bool
) -> str | None:
    """Why the server must not start, or None.

    >>> exposure_error("0.0.0.0", None, [], False)[:40]
    'refusing to serve on 0.0.0.0 with neithe'
    >>> exposure_error("0.0.0.0", None, ["k"], False), exposure_error("::1", None, [], False)
    (None, None)
    """
    from ui.serve import is_loopback

    if is_loopback(host) or password is not None or keys or insecure:
        return None
    return (
        f"refusing to serve on {host} with neither a password nor API keys: set NEWSDESK_AUTH "
        "(or --auth / NEWSDESK_AUTH_FILE) and/or NEWSDESK_API_KEYS, or pass --insecure"
    )
