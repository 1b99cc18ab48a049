"""The server runs queued jobs itself by default (PARTNERGRAPH_WORKER_IN_PROCESS), and not when told not to."""
import asyncio
import time

import httpx
from sqlalchemy import select, update

from domain import model as m
from gql.background_jobs import in_process_worker
from partnergraph.composition import registry
from tests.factories import add_customer, add_project, company_with_staff, gid
from tests.live_server import live_server
from tests.uploads import upload, uploaded


async def test_a_running_server_works_off_a_transfer_job_queued_by_an_upload(db):
    # given a project of a SharePoint customer
    acme = await company_with_staff(db)
    customer_id = await add_customer(db, acme)
    async with db.transaction() as session:
        await session.execute(update(m.Customer).where(m.Customer.id == customer_id)
                              .values(storage_location=m.StorageLocation.SHAREPOINT))
    project_id = await add_project(db, acme, customer_id)

    async with live_server(db) as server, httpx.AsyncClient(base_url=server.http_url) as client:
        # when a file is uploaded to the running server
        file_id = uploaded(await upload(client, acme["admin"].token, gid("Project", project_id)))["file"]["id"]

        # then its own worker takes the job (no SharePoint configuration here: the transfer fails, with its reason)
        deadline = time.monotonic() + 20
        while True:
            async with db.read() as session:
                job = await session.scalar(select(m.Job))
            if job.state is m.JobState.DEAD:
                break
            assert time.monotonic() < deadline, job.state
            await asyncio.sleep(0.1)
    assert "SharePoint is not configured" in job.last_error
    assert file_id


async def test_no_worker_runs_in_the_server_when_it_is_turned_off(db):
    settings = db.settings.model_copy(update={"worker_in_process": False})
    async with in_process_worker(db, settings, registry()) as worker:
        assert worker is None
