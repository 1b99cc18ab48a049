"""Benchmark: delivery latency of one change to N concurrent subscribers on one server process.

    .venv/bin/python -m bench.subscriptions                    # SQLite in a temporary folder, 1,000 subscribers
    .venv/bin/python -m bench.subscriptions --postgres         # a throwaway PostgreSQL cluster (Debian binaries)
    .venv/bin/python -m bench.subscriptions --subscribers 200 --rounds 10

One `uvicorn` process serves the API (one worker). This process opens N graphql-transport-ws
connections (bearer tokens of several co-workers, round robin: all members of one project), each
subscribed to `projectChanged`, waits until a warm-up change has reached all of them, then makes
one change per round over HTTP (`projectUpdate`, a rename) and records, for every subscriber, the
time from the mutation's response to the event's arrival, and the server process's CPU time for the round (from
/proc). Not part of the test suite; results go in bench/README.md.
"""
import argparse
import asyncio
import json
import os
import platform
import resource
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from websockets.asyncio.client import connect

from bench import common
from domain import model as m
from domain.platform.db import Database
from domain.platform.migrations import upgrade
from domain.partners.numbering import allocate_number, new_series
from domain.platform.settings import Settings
from domain.access.tokens import create_token

SUBSCRIPTION = """
subscription Projects($after: String) {
  projectChanged(after: $after) { cursor action occurredAt node { id name status leader { id } } }
}
"""
RENAME = """
mutation Rename($input: ProjectUpdateInput!) {
  projectUpdate(input: $input) { project { id } userErrors { code message } }
}
"""


async def seed(db: Database, settings: Settings, people: int) -> dict:
    """One company, one project with every co-worker as a member; a token per co-worker."""
    async with db.transaction() as session:
        company = m.Company(database_name="bench-co", name="Bench Co", tier=m.Tier.PRO)
        session.add(company)
        await session.flush()
        session.add_all(new_series(company.id))
        customer = m.Customer(company_id=company.id, name="Customer",
                              number=await allocate_number(session, company.id, m.SeriesKind.CUSTOMER))
        session.add(customer)
        await session.flush()
        roles = [m.Role.ADMIN, m.Role.PROJECT_LEADER] + [m.Role.EMPLOYEE] * (people - 2)
        workers = []
        for i, role in enumerate(roles):
            user = m.User(email=f"person{i}@bench.test", name=f"Person {i}")
            session.add(user)
            await session.flush()
            worker = m.CoWorker(company_id=company.id, user_id=user.id, home_company_id=company.id, role=role)
            session.add(worker)
            workers.append(worker)
        await session.flush()
        project = m.Project(company_id=company.id, customer_id=customer.id, name="Benchmark",
                            number=await allocate_number(session, company.id, m.SeriesKind.PROJECT),
                            leader_id=workers[1].id)
        session.add(project)
        await session.flush()
        session.add_all(m.ProjectMember(project_id=project.id, co_worker_id=w.id) for w in workers)
        activity = m.Activity(project_id=project.id, name="Work")
        session.add(activity)
        await session.flush()
        ids = {"project": project.id, "activity": activity.id, "admin_email": "person0@bench.test"}
    ids["tokens"] = [
        (await create_token(db, settings, email=f"person{i}@bench.test", days=1))[0] for i in range(len(roles))
    ]
    return ids


def global_id(type_name: str, pk: int) -> str:
    import base64

    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


async def start_server(settings: Settings, port: int) -> asyncio.subprocess.Process:
    # The benchmark measures delivery, not the HTTP protections: 1,000 sign-ins from one address. No per-message
    # deflate, as `partnergraph serve` runs it.
    return await common.start_server(settings.database_url, port, env={"PARTNERGRAPH_RATE_LIMIT": "false"},
                                     profile=os.environ.get("BENCH_PROFILE"),
                                     uvicorn_args=("--ws-max-queue", "64", "--ws-per-message-deflate", "false"))


class Subscriber:
    def __init__(self, index: int) -> None:
        self.index = index
        self.arrivals: dict[str, float] = {}  # project name -> monotonic arrival time
        self.ready = asyncio.Event()

    async def run(self, url: str, token: str, after: str, stop: asyncio.Event) -> None:
        async with connect(url, subprotocols=["graphql-transport-ws"], open_timeout=60, ping_interval=None,
                           max_queue=None) as ws:
            await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
            ack = json.loads(await ws.recv())
            assert ack["type"] == "connection_ack", ack
            await ws.send(json.dumps({"id": "1", "type": "subscribe",
                                      "payload": {"query": SUBSCRIPTION, "variables": {"after": after}}}))
            self.ready.set()
            receiving = asyncio.ensure_future(self._receive(ws))
            await stop.wait()
            receiving.cancel()

    async def _receive(self, ws) -> None:
        async for raw in ws:
            now = time.monotonic()
            message = json.loads(raw)
            if message.get("type") == "next":
                node = message["payload"]["data"]["projectChanged"]["node"]
                self.arrivals[node["name"]] = now
            elif message.get("type") in ("error", "complete"):
                raise RuntimeError(f"subscriber {self.index}: {message}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def wait_until(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError
        await asyncio.sleep(0.005)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--people", type=int, default=20, help="co-workers whose tokens the subscribers use")
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL cluster instead of SQLite")
    args = parser.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # 1,000 sockets here and in the server

    cluster = None
    if args.postgres:
        from tests.pg_cluster import start_cluster

        cluster = start_cluster()
        if cluster is None:
            raise SystemExit("PostgreSQL is not installed (/usr/lib/postgresql/*/bin)")
        url = cluster.url
    else:
        url = f"sqlite+aiosqlite:///{tempfile.mkdtemp(prefix='bench-')}/bench.db"
    settings = Settings(database_url=url, _env_file=None)
    db = Database(settings)
    await upgrade(db.engine)
    seeded = await seed(db, settings, args.people)
    await db.dispose()

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = await start_server(settings, port)
    http = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60)
    admin = seeded["tokens"][0]
    stop = asyncio.Event()
    try:
        body = (await http.post("/graphql", json={"query": "{ latestEventCursor }"},
                                headers={"Authorization": f"Bearer {admin}"})).json()
        after = body["data"]["latestEventCursor"]
        subscribers = [Subscriber(i) for i in range(args.subscribers)]
        tokens = seeded["tokens"]
        started = time.monotonic()
        tasks = []
        for i, subscriber in enumerate(subscribers):  # in groups, as a crowd of integrators would connect
            tasks.append(asyncio.ensure_future(
                subscriber.run(f"ws://127.0.0.1:{port}/graphql", tokens[i % len(tokens)], after, stop)))
            if i % 50 == 49:
                await asyncio.sleep(0.05)
        await asyncio.wait_for(asyncio.gather(*(s.ready.wait() for s in subscribers)), 120)
        connected_in = time.monotonic() - started

        async def change(n: int) -> tuple[str, float]:
            name = f"Benchmark round {n}"
            variables = {"input": {"id": global_id("Project", seeded["project"]), "name": name}}
            response = await http.post("/graphql", json={"query": RENAME, "variables": variables},
                                       headers={"Authorization": f"Bearer {admin}"})
            committed = time.monotonic()
            payload = response.json()["data"]["projectUpdate"]
            assert not payload["userErrors"], payload
            return name, committed

        warm_id, _ = await change(0)  # every subscription is live once this has reached all of them
        await wait_until(lambda: all(warm_id in s.arrivals for s in subscribers), 120)

        rounds, cpu = [], []
        for n in range(1, args.rounds + 1):
            cpu_before = cpu_seconds(server.pid)
            node_id, committed = await change(n)
            await wait_until(lambda: all(node_id in s.arrivals for s in subscribers), 120)
            cpu.append((cpu_seconds(server.pid) - cpu_before) * 1000)
            latencies = sorted((s.arrivals[node_id] - committed) * 1000 for s in subscribers)
            rounds.append(latencies)
            await asyncio.sleep(0.5)

        def pct(values, q):
            return values[min(len(values) - 1, int(q * len(values)))]

        print(f"machine: {platform.node()} {os.cpu_count()} cores, Python {platform.python_version()}, "
              f"{'PostgreSQL' if args.postgres else 'SQLite'}")
        print(f"{args.subscribers} subscribers ({len(tokens)} co-workers' tokens) connected and subscribed in "
              f"{connected_in:.1f}s")
        print(f"load average at the end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
        print("round  first   p50    p95    p99    last (ms, from the mutation's HTTP response)  server CPU (ms)")
        for n, latencies in enumerate(rounds, 1):
            print(f"{n:>5}  {latencies[0]:>5.0f}  {statistics.median(latencies):>5.0f}  {pct(latencies, .95):>5.0f}  "
                  f"{pct(latencies, .99):>5.0f}  {latencies[-1]:>5.0f}  {cpu[n - 1]:>5.0f}")
        merged = sorted(v for r in rounds for v in r)
        print(f"all    {merged[0]:>5.0f}  {statistics.median(merged):>5.0f}  {pct(merged, .95):>5.0f}  "
              f"{pct(merged, .99):>5.0f}  {merged[-1]:>5.0f}  {statistics.median(cpu):>5.0f} (median)")
    finally:
        stop.set()
        await asyncio.sleep(0.2)
        await http.aclose()
        await common.stop_server(server)  # (SIGINT: a profiled server writes its profile on the way out)
        if cluster is not None and cluster.directory:
            cluster.stop()


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    asyncio.run(main())
