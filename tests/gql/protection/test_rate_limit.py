"""The token bucket, without a server: take the requested cost, give back what was not used, refill with time."""
from gql.protection.rate_limit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_query_takes_its_cost_and_a_refused_one_takes_nothing_and_says_how_long_to_wait():
    clock = Clock()
    limiter = RateLimiter(100, 10, clock)
    assert limiter.take("a", 80).allowed
    refused = limiter.take("a", 50)
    assert not refused.allowed
    assert refused.available == 20
    assert refused.retry_after == 3.0  # 30 missing points at 10 a second
    clock.now = 3.0
    assert limiter.take("a", 50).allowed


def test_buckets_are_per_client_and_refill_only_up_to_capacity():
    clock = Clock()
    limiter = RateLimiter(100, 10, clock)
    limiter.take("a", 100)
    assert limiter.take("b", 100).allowed
    clock.now = 1000.0
    assert limiter.available("a") == 100


def test_unused_points_are_given_back():
    limiter = RateLimiter(100, 10, Clock())
    limiter.take("a", 90)
    assert limiter.give_back("a", 85) == 95


def test_full_buckets_are_forgotten_when_there_are_many():
    clock = Clock()
    limiter = RateLimiter(10, 1, clock)
    limiter.SWEEP_AT = 3
    for key in ("a", "b", "c"):
        limiter.take(key, 10)
    clock.now = 100.0
    limiter.take("d", 1)
    assert set(limiter._buckets) == {"d"}
