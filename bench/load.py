"""The load driver: N workers in this process send requests to the server over loopback, each waiting for its
answer before sending the next (bounded concurrency), and record each request's latency and SQL statements."""
import asyncio
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from gql.http.sql_statements import HEADER

# (worker, index) -> (the GraphQL request's JSON body, the bearer token)
RequestFor = Callable[[int, int], tuple[dict[str, Any], str]]


class RequestFailed(RuntimeError):
    """A benchmark request got an error or a userError: its timing would measure the wrong thing."""


@dataclass
class Phase:
    concurrency: int
    latencies: list[float] = field(default_factory=list)  # seconds
    statements: list[int] = field(default_factory=list)
    elapsed: float = 0.0
    answers: list[dict] = field(default_factory=list)

    def summary(self) -> dict:
        return {"requests": len(self.latencies), "concurrency": self.concurrency, **latency_summary(self.latencies),
                "throughput_rps": round(len(self.latencies) / self.elapsed, 1) if self.elapsed else None}


def percentile(values: list[float], q: float) -> float:
    """Nearest rank: the smallest value with at least q of all values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def latency_summary(seconds: list[float]) -> dict:
    if not seconds:
        return {}
    return {f"p{round(q * 100)}_ms": round(percentile(seconds, q) * 1000, 2) for q in (0.5, 0.95, 0.99)}


def statement_summary(counts: list[int]) -> dict:
    return {"min": min(counts), "median": percentile(counts, 0.5), "max": max(counts)} if counts else {}


def _failure(body: dict) -> str | None:
    if body.get("errors"):
        return str(body["errors"])[:500]
    for value in (body.get("data") or {}).values():
        if isinstance(value, dict) and value.get("userErrors"):
            return str(value["userErrors"])[:500]
    return None


async def run_phase(client: httpx.AsyncClient, request_for: RequestFor, *, count: int, concurrency: int,
                    first_index: int = 0, keep_answers: bool = False, seconds: float | None = None) -> Phase:
    """`count` requests (indexes first_index..) over `concurrency` workers, or fewer when `seconds` pass
    first (no request starts after that); fails on any error."""
    phase = Phase(concurrency)
    indexes = iter(range(first_index, first_index + count))
    deadline = None if seconds is None else time.perf_counter() + seconds

    async def worker(number: int) -> None:
        for index in indexes:
            if deadline is not None and time.perf_counter() > deadline:
                return
            body, token = request_for(number, index)
            started = time.perf_counter()
            response = await client.post("/graphql", json=body, headers={"Authorization": f"Bearer {token}"})
            latency = time.perf_counter() - started
            answer = response.json()
            if response.status_code != 200 or (failure := _failure(answer)):
                raise RequestFailed(f"request {index}: HTTP {response.status_code}: {_failure(answer) or answer}")
            phase.latencies.append(latency)
            if HEADER.decode() in response.headers:
                phase.statements.append(int(response.headers[HEADER.decode()]))
            if keep_answers:
                phase.answers.append(answer["data"])

    started = time.perf_counter()
    await asyncio.gather(*(worker(n) for n in range(concurrency)))
    phase.elapsed = time.perf_counter() - started
    return phase
