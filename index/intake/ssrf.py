"""Which addresses Newsdesk may fetch: no server-side request forgery.

A URL is fetched only when its scheme is ``http`` or ``https`` and every address its host
resolves to is a public (globally routable, unicast) address. Loopback, private, shared,
link-local (cloud metadata: 169.254.169.254), ULA (fc00::/7), multicast and reserved addresses
are refused, unless ``NEWSDESK_FETCH_ALLOW_PRIVATE=true`` (tests, a newsroom's intranet) or the
host is listed in ``NEWSDESK_FETCH_ALLOW_HOSTS``. Link-local addresses stay refused even then:
nothing a newsroom reads lives on the metadata address.

The check runs before every request (each redirect hop included), and again at connection
time on the address actually connected to (:class:`index.intake.transport.GuardedBackend`),
so a host that re-resolves to a private address between the two cannot slip through.

Example:
    >>> blocked_reason(ipaddress.ip_address("10.1.2.3"))
    'a private address'
    >>> blocked_reason(ipaddress.ip_address("93.184.216.34")) is None
    True
    >>> blocked_reason(ipaddress.ip_address("::ffff:127.0.0.1"))
    'a loopback address'
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from index.errors import NewsdeskError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

ALLOWED_SCHEMES = ("http", "https")
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT


class BlockedURL(NewsdeskError, ValueError):
    """A URL that must not be fetched; the message is one line naming the URL and why."""


def blocked_reason(ip: IPAddress) -> str | None:
    """Why an address may not be fetched from (None when it is public)."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local (cloud metadata) address"
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_multicast:
        return "a multicast address"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED:
        return "a shared (carrier-grade NAT) address"
    if isinstance(ip, ipaddress.IPv6Address) and ip in ipaddress.ip_network("fc00::/7"):
        return "a unique-local (ULA) address"
    if ip.is_private:
        return "a private address"
    if ip.is_reserved or not ip.is_global:
        return "a reserved address"
    return None


@dataclass(frozen=True)
class Policy:
    """What may be fetched: the SSRF switches of the settings."""

    allow_private: bool = False
    allow_hosts: frozenset[str] = frozenset()

    @classmethod
    def from_settings(cls, settings: object) -> Policy:
        """The policy of ``NEWSDESK_FETCH_ALLOW_PRIVATE`` and ``NEWSDESK_FETCH_ALLOW_HOSTS``."""
        hosts = str(getattr(settings, "fetch_allow_hosts", "") or "")
        return cls(
            allow_private=bool(getattr(settings, "fetch_allow_private", False)),
            allow_hosts=frozenset(h.strip().lower() for h in hosts.split(",") if h.strip()),
        )

    def refusal(self, host: str, ip: IPAddress) -> str | None:
        """Why ``ip`` (an address of ``host``) may not be connected to, or None."""
        reason = blocked_reason(ip)
        if reason is None:
            return None
        if host.lower().strip("[]") in self.allow_hosts:
            return None
        mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
        if self.allow_private and not (mapped or ip).is_link_local:
            return None
        return reason


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (an IP literal resolves to itself).

    Raises:
        OSError: the name does not resolve.
    """
    literal = host.strip("[]")
    try:
        return [ipaddress.ip_address(literal)]
    except ValueError:
        pass
    infos = socket.getaddrinfo(literal, port, type=socket.SOCK_STREAM)
    seen: dict[str, IPAddress] = {}
    for info in infos:
        addr = str(info[4][0]).split("%")[0]
        seen.setdefault(addr, ipaddress.ip_address(addr))
    return list(seen.values())


def split_url(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an http(s) URL, or BlockedURL naming what is wrong."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise BlockedURL(f"{url}: not a valid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise BlockedURL(
            f"{url}: only http and https URLs can be fetched"
            + (f" (not {scheme})" if scheme else "")
        )
    host = parts.hostname or ""
    if not host:
        raise BlockedURL(f"{url}: the URL has no host name")
    if parts.username or parts.password:
        raise BlockedURL(f"{url}: URLs with a user name or password are not fetched")
    return scheme, host, port or (443 if scheme == "https" else 80)


def check_url(url: str, policy: Policy) -> list[IPAddress]:
    """Refuse (BlockedURL) a URL that must not be fetched; returns its host's addresses.

    Raises:
        BlockedURL: wrong scheme, no host, a host that does not resolve, or an address that
            the policy refuses.
    """
    _, host, port = split_url(url)
    try:
        addresses = resolve(host, port)
    except OSError as exc:
        raise BlockedURL(
            f"{url}: cannot resolve the host {host} ({exc.strerror or exc}): "
            "check the address and the network"
        ) from None
    if not addresses:
        raise BlockedURL(f"{url}: the host {host} has no address")
    for ip in addresses:
        reason = policy.refusal(host, ip)
        if reason:
            raise BlockedURL(refusal_message(url, host, ip, reason))
    return addresses


def refusal_message(url: str, host: str, ip: IPAddress, reason: str) -> str:
    """The one-line refusal for an address the policy does not allow."""
    shown = host if host.strip("[]") == str(ip) else f"{host} ({ip})"
    return (
        f"{url}: refused, {shown} is {reason}; set NEWSDESK_FETCH_ALLOW_PRIVATE=true "
        "(or list the host in NEWSDESK_FETCH_ALLOW_HOSTS) to fetch from a private network"
    )
