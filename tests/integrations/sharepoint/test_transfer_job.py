"""The transfer job end to end: an upload through the API, the worker, the Graph emulator over HTTP."""
import asyncio

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, update

from domain import model as m
from domain.files import transfers
from domain.platform.job_worker import Worker
from domain.platform.jobs import ClaimedJob, Policy, Registry
from domain.sharepoint.configuration import SecretBox
from partnergraph.composition import create_app
from integrations.sharepoint.graph import GraphSession
from domain.sharepoint.transfer import run_transfer, transfer_job_kind
from integrations.sharepoint.client import graph_opener
from tests.factories import add_customer, add_project, company_with_staff, gid, graphql
from tests.graph_emulator import CHUNK_UNIT
from tests.integrations.sharepoint.conftest import SITE_URL, FixedTokenCredential
from tests.uploads import upload, uploaded

FILE = """
query File($id: ID!) { node(id: $id) { ... on File { id name url transferState transferError } } }
"""


@pytest.fixture
async def sharepoint_db(db, graph_emulator, monkeypatch, tmp_path):
    """The test database with SharePoint settings pointing at the emulator, and small upload fragments."""
    settings = db.settings.model_copy(update={
        "sharepoint_secret_key": Fernet.generate_key().decode(), "files_dir": tmp_path / "files",
        "sharepoint_graph_url": graph_emulator.base_url, "sharepoint_authority": graph_emulator.origin,
        "sharepoint_chunk_bytes": 2 * CHUNK_UNIT,
    })
    monkeypatch.setattr(db, "settings", settings)
    return db


async def no_wait(seconds: float) -> None:
    await asyncio.sleep(0)


def graph_for(connection):
    return GraphSession(connection, credential=FixedTokenCredential(), sleep=no_wait)


async def a_sharepoint_project(db, *, apply_content_type=False):
    acme = await company_with_staff(db)
    customer_id = await add_customer(db, acme, "Fjordkraft: AS")
    project_id = await add_project(db, acme, customer_id)
    async with db.transaction() as session:
        await session.execute(update(m.Customer).where(m.Customer.id == customer_id)
                              .values(storage_location=m.StorageLocation.SHAREPOINT))
        session.add(m.SharePointConfiguration(
            company_id=acme.id, tenant_id="contoso.onmicrosoft.com", client_id="00000000-0000-0000-0000-000000000000",
            client_secret_encrypted=SecretBox.from_settings(db.settings).seal("secret"), site_url=SITE_URL,
            apply_content_type=apply_content_type))
    return acme, customer_id, project_id


async def upload_to(db, acme, entity_id, contents: bytes, filename="offer.pdf", tags=None) -> str:
    app = create_app(db.settings, db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        return uploaded(await upload(client, acme["admin"].token, entity_id, contents, filename=filename,
                                     tags=tags))["file"]["id"]


def worker(db) -> Worker:
    registry = Registry()
    registry.register(transfer_job_kind(graph_opener(graph_for)))
    return Worker(db, registry, Policy(max_attempts=3, backoff_seconds=0.01))


async def file_row(db, file_id: str) -> m.File:
    from gql.ids import parse_global_id

    async with db.read() as session:
        return await session.get(m.File, parse_global_id(file_id)[1])


async def the_job(db) -> ClaimedJob:
    async with db.read() as session:
        job = await session.scalar(select(m.Job))
    return ClaimedJob(job.id, job.kind, job.payload, job.attempts, 3, "test")


async def test_an_uploaded_file_ends_in_its_project_folder_with_its_web_url_and_no_local_copy(sharepoint_db, graph_emulator):
    db = sharepoint_db
    acme, customer_id, project_id = await a_sharepoint_project(db)
    file_id = await upload_to(db, acme, gid("Project", project_id), b"%PDF-1.7 offer")

    assert (await worker(db).run_one()) is not None

    (item,) = graph_emulator.state.files()
    async with db.read() as session:
        customer = await session.get(m.Customer, customer_id)
        project = await session.get(m.Project, project_id)
    assert graph_emulator.state.path_of(item) == [project.name, "offer.pdf"]
    assert graph_emulator.state.libraries[customer.sharepoint_library_id].display_name == "Fjordkraft_ AS"
    assert project.sharepoint_folder_id == item.parent_id
    body = (await graphql_as(db, acme, FILE, {"id": file_id}))["node"]
    assert body["transferState"] == "TRANSFERRED" and body["url"] == graph_emulator.state.web_url(item)
    row = await file_row(db, file_id)
    assert not (db.settings.files_dir / row.sha256[:2] / row.sha256).exists()
    assert not any(p.is_file() and p.name == row.sha256 for p in db.settings.files_dir.rglob("*"))


async def graphql_as(db, acme, query, variables):
    app = create_app(db.settings, db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        return await graphql(client, query, variables, token=acme["admin"].token)


async def test_a_worker_dying_after_the_upload_before_its_commit_leaves_one_item_after_the_rerun(
    sharepoint_db, graph_emulator, monkeypatch
):
    db = sharepoint_db
    acme, _, project_id = await a_sharepoint_project(db)
    file_id = await upload_to(db, acme, gid("Project", project_id), b"x" * 1000)
    job = await the_job(db)
    real = transfers.mark_transferred

    def crash(*args, **kwargs):
        raise KeyboardInterrupt("killed between the upload and the commit")

    monkeypatch.setattr(transfers, "mark_transferred", crash)
    with pytest.raises(KeyboardInterrupt):
        await run_transfer(db, job, graph_opener(graph_for))
    monkeypatch.setattr(transfers, "mark_transferred", real)
    assert (await file_row(db, file_id)).transfer_state is m.FileTransferState.PENDING

    await run_transfer(db, job, graph_opener(graph_for))

    (item,) = graph_emulator.state.files()
    row = await file_row(db, file_id)
    assert (row.transfer_state, row.sharepoint_item_id) == (m.FileTransferState.TRANSFERRED, item.id)


async def test_a_worker_killed_mid_session_leaves_one_item_after_the_rerun(sharepoint_db, graph_emulator):
    db = sharepoint_db
    acme, _, project_id = await a_sharepoint_project(db)
    contents = bytes(range(256)) * (5 * CHUNK_UNIT // 256 + 3)
    file_id = await upload_to(db, acme, gid("Project", project_id), contents, filename="big.bin")
    job = await the_job(db)
    run = asyncio.create_task(run_transfer(db, job, graph_opener(graph_for)))
    while len(graph_emulator.calls("chunk")) < 1:
        await asyncio.sleep(0.005)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run

    await run_transfer(db, job, graph_opener(graph_for))

    (item,) = graph_emulator.state.files()
    with open(item.content_path, "rb") as f:
        assert f.read() == contents
    assert (await file_row(db, file_id)).transfer_state is m.FileTransferState.TRANSFERRED


async def test_a_worker_killed_before_the_upload_transfers_the_file_on_the_rerun(sharepoint_db, graph_emulator):
    db = sharepoint_db
    acme, _, project_id = await a_sharepoint_project(db)
    file_id = await upload_to(db, acme, gid("Project", project_id), b"y" * 10)
    job = await the_job(db)
    run = asyncio.create_task(run_transfer(db, job, graph_opener(graph_for)))
    while not graph_emulator.calls("site"):
        await asyncio.sleep(0.001)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    assert graph_emulator.state.files() == []

    await run_transfer(db, job, graph_opener(graph_for))
    assert len(graph_emulator.state.files()) == 1
    assert (await file_row(db, file_id)).transfer_state is m.FileTransferState.TRANSFERRED


async def test_a_configuration_without_a_secret_fails_the_transfer_at_once_with_its_error(sharepoint_db, graph_emulator):
    db = sharepoint_db
    acme, _, project_id = await a_sharepoint_project(db)
    async with db.transaction() as session:
        await session.execute(update(m.SharePointConfiguration).values(client_secret_encrypted=None))
    file_id = await upload_to(db, acme, gid("Project", project_id), b"z")

    await worker(db).run_one()

    row = await file_row(db, file_id)
    assert row.transfer_state is m.FileTransferState.FAILED and "client secret" in row.transfer_error
    assert graph_emulator.calls() == []


async def test_a_long_name_is_shortened_to_fit_sharepoints_400_character_path_and_that_name_is_kept(
    sharepoint_db, graph_emulator
):
    db = sharepoint_db
    acme, customer_id, _ = await a_sharepoint_project(db)
    project_id = await add_project(db, acme, customer_id, name="Prosjekt " + "lang " * 38)
    given = "Rapport " + "svært lang del " * 30 + ".pdf"  # 460 characters
    file_id = await upload_to(db, acme, gid("Project", project_id), b"%PDF-1.7 report", filename=given)
    assert len((await file_row(db, file_id)).name) == 255  # kept at 255 at upload, with a warning

    assert (await worker(db).run_one()) is not None

    (item,) = graph_emulator.state.files()
    library = graph_emulator.state.library_of_drive(item.drive_id)
    path = [library.display_name, *graph_emulator.state.path_of(item)]
    assert sum(len(part) + 1 for part in path) <= 400 and item.name.endswith(".pdf") and len(item.name) < 255
    assert given.startswith(item.name[:-4].rstrip())
    row = await file_row(db, file_id)
    assert (row.transfer_state, row.name) == (m.FileTransferState.TRANSFERRED, item.name)
