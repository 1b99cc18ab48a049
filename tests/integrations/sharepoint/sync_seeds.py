"""Seeds for the sync tests: a customer in SharePoint with a project and an activity whose folders exist in the
Graph emulator (made by real transfers), and ways to run a sync against it."""
import asyncio
from dataclasses import dataclass

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, update

from domain import model as m
from domain.platform.job_worker import Worker
from domain.platform.jobs import Policy, Registry
from domain.sharepoint.configuration import SecretBox
from partnergraph.composition import create_app
from gql.ids import parse_global_id
from integrations.sharepoint.connection import SharePointConnection
from integrations.sharepoint.graph import GraphSession
from domain.sharepoint.sync import settle_job_kind, sync_job_kind, sync_library
from domain.sharepoint.transfer import transfer_job_kind
from integrations.sharepoint.client import GraphSharePoint, graph_opener
from tests.factories import SeededCompany, add_customer, add_project, company_with_staff, gid
from tests.graph_emulator import CHUNK_UNIT
from tests.graph_emulator.delta import SharePointUser
from tests.integrations.sharepoint.conftest import SITE_URL, FixedTokenCredential
from tests.uploads import upload, uploaded


@pytest.fixture
async def sharepoint_db(db, graph_emulator, monkeypatch, tmp_path):
    """The test database with SharePoint settings pointing at the emulator."""
    settings = db.settings.model_copy(update={
        "sharepoint_secret_key": Fernet.generate_key().decode(), "files_dir": tmp_path / "files",
        "sharepoint_graph_url": graph_emulator.base_url, "sharepoint_authority": graph_emulator.origin,
        "sharepoint_chunk_bytes": 2 * CHUNK_UNIT,
    })
    monkeypatch.setattr(db, "settings", settings)
    return db


async def no_wait(seconds: float) -> None:
    await asyncio.sleep(0)


def graph_for(connection: SharePointConnection) -> GraphSession:
    return GraphSession(connection, credential=FixedTokenCredential(), sleep=no_wait)


def session_to(emulator, *, apply_content_type: bool = True) -> GraphSession:
    connection = SharePointConnection(tenant_id="t", client_id="c", client_secret="s", site_url=SITE_URL,
                                      graph_url=emulator.base_url, authority=emulator.origin,
                                      apply_content_type=apply_content_type)
    return graph_for(connection)


@dataclass
class Library:
    """A customer in SharePoint: its project and activity, each with one transferred file."""

    acme: SeededCompany
    customer_id: int
    project_id: int
    activity_id: int
    offer_id: int  # offer.pdf, the project's
    plan_id: int  # plan.pdf, the activity's
    user: SharePointUser
    library: str = "Fjordkraft AS"

    def folder(self, *path: str):
        return self.user.item(self.library, *path)


def worker(db) -> Worker:
    kinds = Registry()
    for kind in (transfer_job_kind(graph_opener(graph_for)), sync_job_kind(graph_opener(graph_for)), settle_job_kind()):
        kinds.register(kind)
    return Worker(db, kinds, Policy(max_attempts=3, backoff_seconds=0.01))


async def run_jobs(db, *, limit: int = 50) -> int:
    """Runs due jobs until none is left (jobs a handler queues are due at once or soon)."""
    ran, the_worker = 0, worker(db)
    while ran < limit and await the_worker.run_one() is not None:
        ran += 1
    return ran


async def upload_to(db, acme, entity_id: str, contents: bytes, filename: str, tags=None) -> int:
    app = create_app(db.settings, db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        body = uploaded(await upload(client, acme["admin"].token, entity_id, contents, filename=filename, tags=tags))
    return parse_global_id(body["file"]["id"])[1]


async def a_library(db, emulator, *, apply_content_type: bool = True, daily: bool = False) -> Library:
    acme = await company_with_staff(db)
    customer_id = await add_customer(db, acme, "Fjordkraft AS")
    project_id = await add_project(db, acme, customer_id, name="Harbour", activities=0)
    async with db.transaction() as session:
        await session.execute(update(m.Customer).where(m.Customer.id == customer_id)
                              .values(storage_location=m.StorageLocation.SHAREPOINT))
        activity = m.Activity(project_id=project_id, number="10", name="Design")
        session.add(activity)
        session.add(m.SharePointConfiguration(
            company_id=acme.id, tenant_id="contoso.onmicrosoft.com", client_id="00000000-0000-0000-0000-000000000000",
            client_secret_encrypted=SecretBox.from_settings(db.settings).seal("secret"), site_url=SITE_URL,
            apply_content_type=apply_content_type, sync_from_sharepoint=True))
        await session.flush()
        activity_id = activity.id
    offer = await upload_to(db, acme, gid("Project", project_id), b"%PDF offer", "offer.pdf")
    plan = await upload_to(db, acme, gid("Activity", activity_id), b"%PDF plan", "plan.pdf")
    await run_jobs(db)
    async with db.read() as session:
        states = list(await session.scalars(select(m.File.transfer_state)))
    assert states == [m.FileTransferState.TRANSFERRED] * 2
    return Library(acme, customer_id, project_id, activity_id, offer, plan, SharePointUser(emulator.state))


async def sync(db, emulator, library: Library, **kwargs):
    async with session_to(emulator) as graph:
        return await sync_library(db, GraphSharePoint(graph), library.customer_id, **kwargs)


async def file_rows(db) -> dict[str, m.File]:
    async with db.read() as session:
        return {row.name: row for row in await session.scalars(select(m.File))}


async def tags_of(db, file_id: int) -> list[str]:
    async with db.read() as session:
        return list(await session.scalars(
            select(m.Tag.name).join(m.file_tags, m.file_tags.c.tag_id == m.Tag.id)
            .where(m.file_tags.c.file_id == file_id).order_by(m.Tag.name)))
