"""sharePointSync end to end: asked for over GraphQL, run by the worker against the Graph emulator over HTTP, and
its record read back; the to-SharePoint direction; the daily sync queued once per company and day."""
import asyncio
import datetime as dt

import httpx
from sqlalchemy import select, update

from domain import model as m
from domain.platform.jobs import ClaimedJob
from domain.sharepoint import sync_runs as service
from domain.sharepoint.sync import run_sync
from partnergraph.composition import create_app
from gql.ids import parse_global_id
from integrations.sharepoint.client import graph_opener
from tests.factories import gid, graphql
from tests.integrations.sharepoint.sync_seeds import (  # noqa: F401
    a_library, file_rows, run_jobs, sharepoint_db, upload_to, worker,
)

SYNC = """
mutation Sync($input: SharePointSyncInput!) {
  sharePointSync(input: $input) {
    run { id direction trigger status }
    userErrors { field message code }
  }
}
"""

RUN = """
query Run($id: ID!) {
  node(id: $id) {
    ... on SharePointSyncRun {
      direction trigger status created updated moved deleted failed errors durationSeconds
      startedAt finishedAt customer { name } project { name } requestedBy { id }
    }
  }
}
"""

RUNS = """
query Runs($customerId: ID, $projectId: ID) {
  sharePointSyncRuns(customerId: $customerId, projectId: $projectId, first: 10) {
    totalCount nodes { direction status created }
  }
}
"""

CUSTOMER_RUNS = """
query Customer($id: ID!) { node(id: $id) { ... on Customer { sharePointSyncRuns(first: 5) { nodes { id status } } } } }
"""
PROJECT_RUNS = """
query Project($id: ID!) { node(id: $id) { ... on Project { sharePointSyncRuns(first: 5) { nodes { id direction } } } } }
"""

PENDING = "query Customer($id: ID!) { node(id: $id) { ... on Customer { pendingTransferCount } } }"


async def as_person(db, person, query, variables):
    app = create_app(db.settings, db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        return await graphql(client, query, variables, token=person.token)


async def test_a_sync_from_sharepoint_runs_in_the_worker_and_its_result_is_queryable(sharepoint_db, graph_emulator):
    db = sharepoint_db
    library = await a_library(db, graph_emulator)
    library.user.add_file(library.folder("Harbour"), "minutes.docx")
    library.user.rename(library.folder("Harbour", "offer.pdf"), "offer v2.pdf")
    admin = library.acme["admin"]

    asked = (await as_person(db, admin, SYNC, {"input": {"customerId": gid("Customer", library.customer_id),
                                                          "direction": "FROM_SHAREPOINT"}}))["sharePointSync"]
    assert asked["userErrors"] == []
    assert (asked["run"]["status"], asked["run"]["trigger"]) == ("QUEUED", "MANUAL")
    await run_jobs(db)

    run = (await as_person(db, admin, RUN, {"id": asked["run"]["id"]}))["node"]
    assert (run["status"], run["created"], run["updated"], run["moved"], run["deleted"], run["failed"]) == \
        ("DONE", 1, 1, 0, 0, 0)
    assert run["errors"] == [] and run["durationSeconds"] >= 0 and run["finishedAt"] >= run["startedAt"]
    assert (run["customer"]["name"], run["project"], run["requestedBy"]["id"]) == ("Fjordkraft AS", None, admin.gid)
    runs = (await as_person(db, admin, RUNS, {"customerId": gid("Customer", library.customer_id)}))
    assert runs["sharePointSyncRuns"]["totalCount"] == 1
    on_customer = (await as_person(db, admin, CUSTOMER_RUNS, {"id": gid("Customer", library.customer_id)}))["node"]
    assert on_customer["sharePointSyncRuns"]["nodes"] == [{"id": asked["run"]["id"], "status": "DONE"}]
    assert sorted(await file_rows(db)) == ["minutes.docx", "offer v2.pdf", "plan.pdf"]
    app = create_app(db.settings, db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        response = await client.post("/graphql", json={"query": RUNS, "variables": {}},
                                     headers={"Authorization": f"Bearer {admin.token}"})
    (error,) = response.json()["errors"]
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("INVALID_INPUT", "customerId")
    # An employee sees no runs: a refused node is a missing one.
    assert (await as_person(db, library.acme["employee"], RUN, {"id": asked["run"]["id"]}))["node"] is None


async def test_a_sync_to_sharepoint_sends_every_pending_or_failed_file_and_counts_what_arrived(
    sharepoint_db, graph_emulator
):
    db = sharepoint_db
    library = await a_library(db, graph_emulator)
    admin = library.acme["admin"]
    # Two files that never went: one uploaded while the customer stored in the cloud, one whose transfer failed.
    async with db.transaction() as session:
        await session.execute(update(m.Customer).values(storage_location=m.StorageLocation.CLOUD))
    local = await upload_to(db, library.acme, gid("Project", library.project_id), b"local", "local.txt")
    async with db.transaction() as session:
        await session.execute(update(m.Customer).values(storage_location=m.StorageLocation.SHAREPOINT))
    failed = await upload_to(db, library.acme, gid("Activity", library.activity_id), b"failed", "failed.txt")
    async with db.transaction() as session:
        await session.execute(update(m.File).where(m.File.id == failed).values(
            transfer_state=m.FileTransferState.FAILED, transfer_error="Graph answered 500"))
        await session.execute(update(m.Job).values(state=m.JobState.DEAD))
    customer = gid("Customer", library.customer_id)
    assert (await as_person(db, admin, PENDING, {"id": customer}))["node"]["pendingTransferCount"] == 2

    asked = (await as_person(db, admin, SYNC, {"input": {"customerId": customer,
                                                          "direction": "TO_SHAREPOINT"}}))["sharePointSync"]
    assert asked["userErrors"] == []
    await run_jobs(db)

    run = (await as_person(db, admin, RUN, {"id": asked["run"]["id"]}))["node"]
    assert (run["status"], run["created"], run["failed"]) == ("DONE", 2, 0)
    rows = await file_rows(db)
    assert {rows["local.txt"].transfer_state, rows["failed.txt"].transfer_state} == {m.FileTransferState.TRANSFERRED}
    assert (await as_person(db, admin, PENDING, {"id": customer}))["node"]["pendingTransferCount"] == 0
    assert len(graph_emulator.state.files()) == 4 and local != failed


async def test_nothing_pending_refuses_the_to_sharepoint_direction(sharepoint_db, graph_emulator):
    db = sharepoint_db
    library = await a_library(db, graph_emulator)
    asked = (await as_person(db, library.acme["admin"], SYNC, {"input": {
        "projectId": gid("Project", library.project_id), "direction": "TO_SHAREPOINT"}}))["sharePointSync"]
    assert asked["run"] is None
    assert [(e["field"], e["code"]) for e in asked["userErrors"]] == [("projectId", "NOTHING_PENDING")]
    project = gid("Project", library.project_id)
    asked = (await as_person(db, library.acme["admin"], SYNC, {"input": {
        "projectId": project, "direction": "FROM_SHAREPOINT"}}))["sharePointSync"]
    on_project = (await as_person(db, library.acme["admin"], PROJECT_RUNS, {"id": project}))["node"]
    assert on_project["sharePointSyncRuns"]["nodes"] == [{"id": asked["run"]["id"], "direction": "FROM_SHAREPOINT"}]
    await run_jobs(db)
    async with db.read() as session:
        assert [r.direction for r in await session.scalars(select(m.SharePointSyncRun))] == \
            [m.SyncDirection.FROM_SHAREPOINT]


async def test_bad_requests_for_a_sync_are_refused_with_the_field_at_fault(sharepoint_db, graph_emulator):
    db = sharepoint_db
    library = await a_library(db, graph_emulator)
    acme, customer = library.acme, gid("Customer", library.customer_id)

    async def errors(person, given):
        body = await as_person(db, person, SYNC, {"input": {"direction": "FROM_SHAREPOINT", **given}})
        return [(e["field"], e["code"]) for e in body["sharePointSync"]["userErrors"]]

    assert await errors(acme["admin"], {}) == [("customerId", "INVALID_INPUT")]
    assert await errors(acme["admin"], {"customerId": customer, "projectId": gid("Project", library.project_id)}) == \
        [("customerId", "INVALID_INPUT")]
    assert await errors(acme["admin"], {"customerId": "nonsense"}) == [("customerId", "INVALID_INPUT")]
    assert await errors(acme["leader"], {"customerId": customer}) == [("customerId", "FORBIDDEN")]
    assert await errors(acme["employee"], {"projectId": gid("Project", library.project_id)}) == \
        [("projectId", "NOT_FOUND")]
    assert await errors(acme["admin"], {"customerId": customer}) == []
    assert await errors(acme["admin"], {"customerId": customer}) == [("customerId", "SYNC_IN_PROGRESS")]
    async with db.transaction() as session:
        await session.execute(update(m.Project).values(storage=m.ProjectStorage.CLOUD))
    assert await errors(acme["admin"], {"projectId": gid("Project", library.project_id)}) == \
        [("projectId", "NOT_IN_SHAREPOINT")]


async def test_a_sync_that_cannot_reach_sharepoint_for_good_ends_failed_with_its_error(sharepoint_db, graph_emulator):
    db = sharepoint_db
    library = await a_library(db, graph_emulator)
    async with db.transaction() as session:
        await session.execute(update(m.SharePointConfiguration).values(client_secret_encrypted=None))
    asked = (await as_person(db, library.acme["admin"], SYNC, {"input": {
        "customerId": gid("Customer", library.customer_id), "direction": "FROM_SHAREPOINT"}}))["sharePointSync"]
    await run_jobs(db)
    run = (await as_person(db, library.acme["admin"], RUN, {"id": asked["run"]["id"]}))["node"]
    assert run["status"] == "FAILED" and "client secret" in run["errors"][0]


async def test_the_daily_sync_is_queued_once_per_company_and_day_after_its_time_in_the_enabled_directions(
    sharepoint_db, graph_emulator
):
    db = sharepoint_db
    library = await a_library(db, graph_emulator)
    async with db.transaction() as session:
        await session.execute(update(m.SharePointConfiguration).values(
            daily_sync_time=dt.time(2, 30), sync_from_sharepoint=True, sync_to_sharepoint=True))
    today = dt.datetime.now(dt.UTC).replace(hour=1, minute=0)

    assert await service.queue_daily_syncs(db, now=today) == 0  # not yet its time
    later = today.replace(hour=3)
    # Several workers at once: one of them queues it.
    queued = await asyncio.gather(*(service.queue_daily_syncs(db, now=later) for _ in range(3)))
    assert sorted(queued) == [0, 0, 1]  # FROM only: nothing is pending to go TO SharePoint
    assert await service.queue_daily_syncs(db, now=later + dt.timedelta(hours=5)) == 0
    assert await service.queue_daily_syncs(db, now=later + dt.timedelta(days=1)) == 1
    async with db.read() as session:
        runs = list(await session.scalars(select(m.SharePointSyncRun)))
    assert {(r.direction, r.trigger, r.customer_id) for r in runs} == \
        {(m.SyncDirection.FROM_SHAREPOINT, m.SyncTrigger.DAILY, library.customer_id)}
    await run_jobs(db)
    async with db.read() as session:
        assert {r.status for r in await session.scalars(select(m.SharePointSyncRun))} == {m.SyncStatus.DONE}



async def test_a_to_sharepoint_run_waits_for_its_transfers_looking_less_and_less_often(sharepoint_db, graph_emulator):
    db = sharepoint_db
    library = await a_library(db, graph_emulator)
    async with db.transaction() as session:
        await session.execute(update(m.Customer).values(storage_location=m.StorageLocation.CLOUD))
    await upload_to(db, library.acme, gid("Project", library.project_id), b"local", "local.txt")
    async with db.transaction() as session:
        await session.execute(update(m.Customer).values(storage_location=m.StorageLocation.SHAREPOINT))
    admin = library.acme["admin"]
    asked = (await as_person(db, admin, SYNC, {"input": {"customerId": gid("Customer", library.customer_id),
                                                          "direction": "TO_SHAREPOINT"}}))["sharePointSync"]
    run_id = parse_global_id(asked["run"]["id"])[1]
    # The sync job queues the transfer and the first look; the transfer has not run when it looks.
    async with db.read() as session:
        first = await session.scalar(select(m.Job).where(m.Job.kind == service.SYNC_JOB))
    # TO_SHAREPOINT asks nothing of Graph: the opener is never used.
    await run_sync(db, ClaimedJob(first.id, first.kind, first.payload, 1, 3, "test"), graph_opener())
    now = dt.datetime.now(dt.UTC)
    assert await service.settle(db, run_id, round_=3, now=now) is False
    async with db.read() as session:
        later = list(await session.scalars(select(m.Job).where(m.Job.kind == service.SETTLE_JOB)
                                           .order_by(m.Job.id)))[-1]
    assert later.payload == {"run_id": run_id, "round": 4}
    assert later.run_after - now == service.settle_delay(3) == dt.timedelta(seconds=2 * 1.5 ** 3)
    assert service.settle_delay(20) == dt.timedelta(seconds=60)

    await run_jobs(db)

    async with db.read() as session:
        run = await session.get(m.SharePointSyncRun, run_id)
    assert (run.status, run.created_count, run.failed_count) == (m.SyncStatus.DONE, 1, 0)


async def test_a_sharepoint_outage_during_a_sync_is_retried_by_the_queue_and_the_run_still_ends_done(
    sharepoint_db, graph_emulator
):
    db = sharepoint_db
    library = await a_library(db, graph_emulator)
    library.user.add_file(library.folder("Harbour"), "minutes.docx")
    # More 503s than one attempt of the job retries by itself.
    graph_emulator.inject("delta", "unavailable", times=5, retry_after=0)
    asked = (await as_person(db, library.acme["admin"], SYNC, {"input": {
        "customerId": gid("Customer", library.customer_id), "direction": "FROM_SHAREPOINT"}}))["sharePointSync"]

    # The first attempt gives up after five 503s and hands the job back to the queue.
    assert (await worker(db).run_one()).kind == service.SYNC_JOB
    running = (await as_person(db, library.acme["admin"], RUN, {"id": asked["run"]["id"]}))["node"]
    async with db.transaction() as session:
        job = await session.scalar(select(m.Job).where(m.Job.kind == service.SYNC_JOB))
        assert (job.state, job.attempts) == (m.JobState.QUEUED, 1)
        job.run_after = dt.datetime.now(dt.UTC)  # its back-off is over
    await run_jobs(db)

    run = (await as_person(db, library.acme["admin"], RUN, {"id": asked["run"]["id"]}))["node"]
    assert (running["status"], run["status"], run["created"]) == ("RUNNING", "DONE", 1)
    async with db.read() as session:
        job = await session.scalar(select(m.Job).where(m.Job.kind == service.SYNC_JOB))
    assert (job.state, job.attempts) == (m.JobState.DONE, 2)
    assert len(graph_emulator.calls("delta")) == 5 + 1
