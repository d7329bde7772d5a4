"""ui/serve.py helpers: auth parsing and the warning about exposed servers."""

from __future__ import annotations

import pytest

from ui.serve import ServeError, exposure_warning, is_loopback, parse_auth


def test_parse_auth() -> None:
    assert parse_auth(None) is None and parse_auth("") is None
    assert parse_auth("ann:s3:cret") == ("ann", "s3:cret")
    for bad in ("ann", ":pw", "ann:"):
        with pytest.raises(ServeError, match="USER:PASSWORD"):
            parse_auth(bad)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.0.1", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.5", False),
        ("example.org", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_warns_only_when_exposed_without_a_password() -> None:
    assert exposure_warning("127.0.0.1", None) is None
    assert exposure_warning("0.0.0.0", ("ann", "pw")) is None
    warning = exposure_warning("0.0.0.0", None)
    assert warning and "0.0.0.0" in warning and "--auth" in warning
