"""The network transport of intake fetches: it connects only to addresses the SSRF policy
(:mod:`index.intake.ssrf`) allows, checked on the very address connected to."""

from __future__ import annotations

from typing import Any

import httpcore
import httpx

from index.intake.ssrf import BlockedURL, Policy, refusal_message, resolve


class GuardedBackend(httpcore.SyncBackend):
    """httpcore's network backend, connecting only to addresses the policy allows.

    The host is resolved here and the socket is opened to the vetted address itself, so the
    address checked is the address used (no DNS-rebinding gap between check and connect).
    """

    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = resolve(host, port)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host} ({exc})") from None
        for ip in addresses:
            reason = self.policy.refusal(host, ip)
            if reason:
                raise BlockedURL(refusal_message(f"//{host}:{port}", host, ip, reason))
        error: Exception | None = None
        for ip in addresses:
            try:
                return super().connect_tcp(str(ip), port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                error = exc
        raise error or httpcore.ConnectError(f"no address for {host}")


class GuardedTransport(httpx.HTTPTransport):
    """An httpx transport whose connections go through :class:`GuardedBackend`."""

    def __init__(self, policy: Policy) -> None:
        super().__init__(trust_env=False)  # no proxy from the environment: it would bypass checks
        ssl_context = httpx.create_ssl_context(trust_env=False)
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=20,
            max_keepalive_connections=10,
            keepalive_expiry=10.0,
            network_backend=GuardedBackend(policy),
        )
