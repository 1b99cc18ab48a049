"""Sending one webhook: an HTTP POST with a bounded time, a bounded answer read, and no reach into private networks."""
import asyncio
import datetime as dt
import email.utils
import time
from dataclasses import dataclass

import httpx

from domain.platform.settings import Settings
from domain.webhooks.addresses import AddressRefused, GuardedNetwork


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to; `error` is None only for a 2xx answer."""

    status_code: int | None
    duration_ms: int
    error: str | None
    # The receiver's Retry-After (on any failed answer), as a time.
    retry_after: dt.datetime | None = None

    @property
    def succeeded(self) -> bool:
        return self.error is None


def retry_after(value: str | None, *, now: dt.datetime) -> dt.datetime | None:
    """A Retry-After header (seconds or an HTTP date) as a time; None when absent or not understood."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return now + dt.timedelta(seconds=int(value[:9]))
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)


class Sender:
    """One per delivery run: an httpx client that connects only where `GuardedNetwork` allows."""

    def __init__(self, *, timeout_seconds: float, max_response_bytes: int, allow_private: bool) -> None:
        self.timeout_seconds, self.max_response_bytes = timeout_seconds, max_response_bytes
        transport = httpx.AsyncHTTPTransport(retries=0)
        # httpx has no parameter for httpcore's network backend; its pool keeps it here (httpcore 1.x).
        transport._pool._network_backend = GuardedNetwork(allow_private=allow_private)
        self._client = httpx.AsyncClient(transport=transport, timeout=timeout_seconds, follow_redirects=False,
                                         trust_env=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> "Sender":
        return cls(timeout_seconds=settings.webhook_timeout_seconds,
                   max_response_bytes=settings.webhook_max_response_bytes,
                   allow_private=settings.webhook_allow_private_addresses)

    async def __aenter__(self) -> "Sender":
        return self

    async def __aexit__(self, *_exc) -> None:
        await self._client.aclose()

    async def post(self, url: str, headers: dict[str, str], body: str) -> Outcome:
        started = time.monotonic()
        status: int | None = None
        header_retry: str | None = None
        try:
            # The whole attempt, answer included, within the timeout: a receiver that trickles bytes is cut off too.
            async with asyncio.timeout(self.timeout_seconds):
                async with self._client.stream("POST", url, headers=headers, content=body.encode()) as response:
                    status, header_retry = response.status_code, response.headers.get("retry-after")
                    excerpt = await self._excerpt(response)
        except TimeoutError:
            return self._outcome(started, status, f"Timed out after {self.timeout_seconds:g} s.")
        except (httpx.HTTPError, AddressRefused, OSError) as error:
            return self._outcome(started, status, f"{type(error).__name__}: {error}"[:1000])
        if 200 <= status < 300:
            return self._outcome(started, status, None)
        now = dt.datetime.now(dt.UTC)
        return self._outcome(started, status, f"HTTP {status}" + (f": {excerpt}" if excerpt else ""),
                             retry_after(header_retry, now=now))

    async def _excerpt(self, response: httpx.Response) -> str:
        """At most max_response_bytes of the answer; the rest is never read."""
        kept = bytearray()
        if self.max_response_bytes:
            async for chunk in response.aiter_raw():
                kept += chunk[: self.max_response_bytes - len(kept)]
                if len(kept) >= self.max_response_bytes:
                    break
        return kept.decode("utf-8", errors="replace").strip()

    @staticmethod
    def _outcome(started: float, status: int | None, error: str | None,
                 retry: dt.datetime | None = None) -> Outcome:
        return Outcome(status, int((time.monotonic() - started) * 1000), error, retry)
