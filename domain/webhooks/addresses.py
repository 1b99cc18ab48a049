"""Where a webhook may be sent: an https URL whose host resolves only to public addresses (no SSRF).

Checked when an endpoint is saved (a userError naming `url`) and again at each connection, on the addresses the
connection actually uses (`GuardedNetwork`), so a name that later resolves to an internal address (DNS rebinding)
reaches nothing. PARTNERGRAPH_WEBHOOK_ALLOW_PRIVATE_ADDRESSES lifts the address rule, and allows plain http, for
tests and local development.
"""
import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

import httpcore

from domain.platform.errors import DomainError, InvalidInput
from domain.platform.validation import MAX_LENGTH

# Cloud instance-metadata services; most are link-local already, these are not all.
METADATA = {ipaddress.ip_address(a) for a in ("169.254.169.254", "169.254.170.2", "100.100.100.200",
                                              "fd00:ec2::254", "192.0.0.192")}


class UrlNotAllowed(DomainError):
    """A webhook URL whose host webhooks may not reach."""

    code = "URL_NOT_ALLOWED"


class AddressRefused(Exception):
    """The host resolves to an address webhooks may not reach (or does not resolve)."""


def refused_address(address: str) -> bool:
    """Whether webhooks must not reach `address`: private, loopback, link-local, metadata, or otherwise not global."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip in METADATA or not ip.is_global or ip.is_multicast


def clean_url(value: str, *, allow_private: bool, field: str = "url") -> str:
    """The endpoint URL as stored: https (http only where private addresses are allowed), a host, no credentials,
    no fragment, at most MAX_LENGTH["url"] characters."""
    url = (value or "").strip()
    if len(url) > MAX_LENGTH["url"]:
        raise InvalidInput(f"At most {MAX_LENGTH['url']} characters.", field=field)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise InvalidInput("Not a URL.", field=field) from None
    schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in schemes or not parts.hostname or parts.username or parts.password or parts.fragment:
        raise InvalidInput("A webhook URL is an https address without credentials or fragment, e.g. "
                           "https://hooks.example.com/partnergraph.", field=field)
    if port == 0:
        raise InvalidInput("Not a URL.", field=field)
    return url


async def resolve(host: str, port: int) -> list[str]:
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise AddressRefused(f"{host} does not resolve: {error}") from None
    return list(dict.fromkeys(info[4][0] for info in infos))


async def public_addresses(host: str, port: int, *, allow_private: bool) -> list[str]:
    """The addresses of `host`; AddressRefused when it has none, or any webhooks may not reach."""
    addresses = await resolve(host, port)
    if not addresses:
        raise AddressRefused(f"{host} does not resolve.")
    if not allow_private:
        refused = [a for a in addresses if refused_address(a)]
        if refused:
            raise AddressRefused(f"{host} resolves to {refused[0]}, a private, loopback, link-local or metadata "
                                 "address, which webhooks may not reach.")
    return addresses


async def check_url_host(url: str, *, allow_private: bool, field: str = "url") -> None:
    """The save-time check of a cleaned URL's host (a userError naming `field`)."""
    parts = urlsplit(url)
    try:
        await public_addresses(parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80),
                               allow_private=allow_private)
    except AddressRefused as refusal:
        raise UrlNotAllowed(str(refusal), field=field) from None


class GuardedNetwork(httpcore.AnyIOBackend):
    """httpcore's network backend, connecting only to addresses `public_addresses` allows: the check is made on
    the very addresses connected to (TLS still verifies the certificate against the URL's host name)."""

    def __init__(self, *, allow_private: bool) -> None:
        self.allow_private = allow_private

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        last: Exception | None = None
        for address in await public_addresses(host, port, allow_private=self.allow_private):
            try:
                return await super().connect_tcp(address, port, timeout=timeout, local_address=local_address,
                                                  socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                last = error
        raise last or httpcore.ConnectError(f"could not connect to {host}")
