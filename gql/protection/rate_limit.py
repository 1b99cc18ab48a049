"""A per-token rate limit over query cost: a token bucket of points per client, kept in this process's memory.

Each client (an API token, an OIDC subject, or an anonymous address) has a bucket that holds at most
`capacity` points and refills at `restore_rate` points a second. A query takes its requested cost
before it runs and gets back what it did not use (requested − actual), as Shopify's API does. Buckets
live in one process: with N server processes a client gets up to N times the rate (README says so).
"""
import math
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Bucket:
    available: float
    updated: float


@dataclass(frozen=True)
class Decision:
    allowed: bool
    available: float
    # Seconds until the bucket holds enough points for the refused query; 0 when allowed.
    retry_after: float


class RateLimiter:
    """Token buckets by client key. Not thread-safe: one event loop per process calls it, without awaiting."""

    # Full buckets are forgotten once there are this many, so a flood of anonymous addresses cannot grow memory.
    SWEEP_AT = 10_000

    def __init__(self, capacity: int, restore_rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity, self.restore_rate, self.clock = capacity, restore_rate, clock
        self._buckets: dict[str, Bucket] = {}

    def _bucket(self, key: str) -> Bucket:
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.SWEEP_AT:
                self._sweep(now)
            bucket = self._buckets[key] = Bucket(float(self.capacity), now)
        else:
            bucket.available = min(self.capacity, bucket.available + (now - bucket.updated) * self.restore_rate)
            bucket.updated = now
        return bucket

    def _sweep(self, now: float) -> None:
        full = [k for k, b in self._buckets.items() if b.available + (now - b.updated) * self.restore_rate >= self.capacity]
        for key in full:
            del self._buckets[key]

    def take(self, key: str, cost: int) -> Decision:
        """Takes `cost` points if the bucket holds them; otherwise takes nothing and says how long to wait."""
        bucket = self._bucket(key)
        if cost <= bucket.available:
            bucket.available -= cost
            return Decision(True, bucket.available, 0.0)
        wait = (cost - bucket.available) / self.restore_rate
        return Decision(False, bucket.available, math.ceil(wait * 1000) / 1000)

    def give_back(self, key: str, points: int) -> float:
        bucket = self._bucket(key)
        bucket.available = min(self.capacity, bucket.available + max(points, 0))
        return bucket.available

    def available(self, key: str) -> float:
        return self._bucket(key).available


@dataclass(frozen=True)
class Throttle:
    """One request's view of the limiter: whose bucket it draws from."""

    limiter: RateLimiter
    key: str
