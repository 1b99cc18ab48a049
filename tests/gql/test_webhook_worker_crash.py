"""A worker process killed mid-delivery loses no webhook (issue 20, item 5): the next worker sends the same event
again with the same webhook-id (at least once), then the rest in order."""
import asyncio
import signal
from pathlib import Path

from tests.domain.platform.test_job_worker_processes import worker_processes
from tests.gql.test_webhooks import KEY, acme, create_endpoint, event_ids, hooks, logged, rename  # noqa: F401
from tests.webhook_receiver import Receiver, receiver_server

ROOT = Path(__file__).resolve().parents[2]
WORKER = [str(ROOT / ".venv/bin/partnergraph"), "worker"]


async def test_a_worker_killed_mid_delivery_loses_nothing_and_the_next_one_resends_the_same_webhook_id(
        db, acme, monkeypatch):  # noqa: F811
    for name, value in {"SHAREPOINT_SECRET_KEY": KEY, "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": "true",
                        "WEBHOOK_DISPATCH_SECONDS": "0.1", "WEBHOOK_BACKOFF_SECONDS": "0.1",
                        "WORKER_IN_PROCESS": "false"}.items():
        monkeypatch.setenv(f"PARTNERGRAPH_{name}", value)
    receiver = Receiver(hold=asyncio.Event())
    async with receiver_server(receiver), hooks(db, worker=False) as client:
        created = await create_endpoint(client, acme, receiver.url)
        receiver.secrets = [created["secret"]]
        with worker_processes(db.settings.database_url, 1, lease_seconds=2, command=WORKER) as [first]:
            for n in range(3):
                await rename(client, acme, acme.website_id, f"Website {n}")
            await asyncio.wait_for(receiver.arrived.wait(), 20)  # the first delivery is under way
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        held, gate = receiver.arrivals[0], receiver.hold
        receiver.hold = None  # (the killed worker's request stays unanswered until the end)
        with worker_processes(db.settings.database_url, 1, lease_seconds=2, command=WORKER):
            accepted = list(await receiver.wait_for(3, timeout=30))
        gate.set()

    assert accepted[0].webhook_id == held
    assert event_ids(accepted) == await logged(db, acme)
    assert all(d.verified for d in accepted)
