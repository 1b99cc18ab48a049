"""Benchmark: the time from a mutation's commit to its webhook's arrival, under a steady write load.

    .venv/bin/python -m bench.webhooks                          # SQLite in a temporary folder
    .venv/bin/python -m bench.webhooks --postgres               # a throwaway PostgreSQL cluster (Debian binaries)
    .venv/bin/python -m bench.webhooks --rate 10 --seconds 20 --dispatch-seconds 0.1

One `uvicorn` process serves the API with its in-process worker (the webhook deliveries). This process runs a
receiver on 127.0.0.1 that verifies every signature (standardwebhooks), registers one endpoint for TIME_RECORD
events, then registers time records over HTTP at a steady rate (`timeRecordCreate`, one at a time per tick) and
records, for each, the time from the mutation's response (its commit) to the arrival of the webhook whose
`nodeId` is the new record. Not part of the test suite; results go in bench/README.md.
"""
import argparse
import asyncio
import datetime as dt
import os
import platform
import statistics
import sys
import time

import httpx
from cryptography.fernet import Fernet

from bench import common
from bench.subscriptions import global_id, seed
from domain.platform.db import Database
from domain.platform.migrations import upgrade
from domain.platform.settings import Settings
from tests.webhook_receiver import Receiver, receiver_server

CREATE_ENDPOINT = """
mutation Create($input: WebhookEndpointCreateInput!) {
  webhookEndpointCreate(input: $input) { secret userErrors { field code message } }
}
"""
REGISTER = """
mutation Register($input: TimeRecordCreateInput!) {
  timeRecordCreate(input: $input) { timeRecord { id } userErrors { field code message } }
}
"""
COMPANY = "{ viewer { coWorkers { company { id } } } }"


class TimedReceiver(Receiver):
    """The test receiver, noting when each node's webhook arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived_at: dict[str, float] = {}

    async def __call__(self, scope, receive, send) -> None:
        await super().__call__(scope, receive, send)
        if self.received and scope["type"] == "http":
            self.arrived_at.setdefault(self.received[-1].body["data"]["nodeId"], time.monotonic())


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def measure(args: argparse.Namespace, url: str) -> tuple[int, float, dict[str, float], "TimedReceiver"]:
    """Seeds the database at `url`, serves it, registers `args.rate` hours a second and waits for their webhooks:
    how many were registered, in how long, when each committed, and the receiver (when each arrived)."""
    settings = Settings(database_url=url, _env_file=None)
    db = Database(settings)
    await upgrade(db.engine)
    seeded = await seed(db, settings, 2)
    await db.dispose()

    port = common.free_port()
    server = await common.start_server(settings.database_url, port, env={
        "PARTNERGRAPH_RATE_LIMIT": "false", "PARTNERGRAPH_SHAREPOINT_SECRET_KEY": Fernet.generate_key().decode(),
        "PARTNERGRAPH_WEBHOOK_ALLOW_PRIVATE_ADDRESSES": "true",
        "PARTNERGRAPH_WEBHOOK_DISPATCH_SECONDS": str(args.dispatch_seconds),
        "PARTNERGRAPH_JOB_POLL_SECONDS": str(args.dispatch_seconds)})
    admin = {"Authorization": f"Bearer {seeded['tokens'][0]}"}
    committed: dict[str, float] = {}
    try:
        async with receiver_server(TimedReceiver()) as receiver, \
                httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60, headers=admin) as http:
            company = (await http.post("/graphql", json={"query": COMPANY})).json()
            company_id = company["data"]["viewer"]["coWorkers"][0]["company"]["id"]
            created = (await http.post("/graphql", json={"query": CREATE_ENDPOINT, "variables": {"input": {
                "companyId": company_id, "url": receiver.url, "eventKinds": ["TIME_RECORD"]}}})).json()
            payload = created["data"]["webhookEndpointCreate"]
            assert not payload["userErrors"], payload
            receiver.secrets = [payload["secret"]]

            count = int(args.rate * args.seconds)
            start = time.monotonic()
            for n in range(count):
                await asyncio.sleep(max(0.0, start + n / args.rate - time.monotonic()))
                variables = {"input": {"projectId": global_id("Project", seeded["project"]),
                                       "activityId": global_id("Activity", seeded["activity"]),
                                       "date": (dt.date(2020, 1, 1) + dt.timedelta(days=n)).isoformat(),
                                       "hours": "1"}}
                answer = (await http.post("/graphql", json={"query": REGISTER, "variables": variables})).json()
                committed_at = time.monotonic()
                result = answer["data"]["timeRecordCreate"]
                assert not result["userErrors"], result
                committed[result["timeRecord"]["id"]] = committed_at
            load_seconds = time.monotonic() - start
            deadline = time.monotonic() + 60
            while len(receiver.arrived_at) < count and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
    finally:
        await common.stop_server(server)
    return count, load_seconds, committed, receiver


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=10, help="mutations per second")
    parser.add_argument("--seconds", type=float, default=20, help="how long the load lasts")
    parser.add_argument("--dispatch-seconds", type=float, default=1.0,
                        help="PARTNERGRAPH_WEBHOOK_DISPATCH_SECONDS (and the worker's poll) for the server")
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL cluster instead of SQLite")
    args = parser.parse_args()

    async with common.throwaway_database("postgresql" if args.postgres else "sqlite") as url:
        count, load_seconds, committed, receiver = await measure(args, url)
    latencies = [(receiver.arrived_at[node] - at) * 1000 for node, at in committed.items() if node in receiver.arrived_at]
    unverified = sum(not d.verified for d in receiver.received)
    print(f"machine: {platform.machine()} {os.cpu_count()} cores, {platform.platform()}, Python {sys.version.split()[0]}")
    print(f"database: {'PostgreSQL' if args.postgres else 'SQLite'}; {count} mutations in {load_seconds:.1f} s "
          f"({count / load_seconds:.1f}/s); dispatch every {args.dispatch_seconds:g} s")
    print(f"delivered {len(latencies)}/{count}, unverified signatures {unverified}, "
          f"webhooks received {len(receiver.received)}")
    if latencies:
        print(f"commit -> arrival ms: p50 {statistics.median(latencies):.0f}, p95 {percentile(latencies, 95):.0f}, "
              f"max {max(latencies):.0f}")


if __name__ == "__main__":
    asyncio.run(main())
