"""The Graph request budget (issue 18, item 6): a worker keeps each company's Graph session and what it learnt of
the site, library, content type and folders, so a small file into a known folder costs three requests; what it
learnt is looked up again after a 404 (a library deleted in SharePoint) and after a configuration change. The
emulator on 127.0.0.1 counts every request."""
import asyncio

from sqlalchemy import select, update

from domain import model as m
from domain.platform.jobs import Policy, Registry
from domain.platform.job_worker import Worker
from domain.platform.settings import Settings
from domain.sharepoint.client import Site, TransferTarget
from domain.sharepoint.configuration import SecretBox
from domain.sharepoint.layout import placement
from domain.sharepoint.transfer import transfer_job_kind
from integrations.sharepoint.client import GraphSites, graph_opener
from integrations.sharepoint.graph import GraphSession
from tests.factories import gid
from tests.integrations.sharepoint.conftest import SITE_URL, FixedTokenCredential
from tests.integrations.sharepoint.sync_seeds import a_library, sharepoint_db, upload_to  # noqa: F401


def a_worker(db, sites: GraphSites) -> Worker:
    kinds = Registry()
    kinds.register(transfer_job_kind(sites))
    return Worker(db, kinds, Policy(max_attempts=3, backoff_seconds=0.01))


async def transfer(db, worker: Worker, library, filename: str) -> m.File:
    """Uploads a small file to the library's activity and runs its transfer job in `worker`."""
    file_id = await upload_to(db, library.acme, gid("Activity", library.activity_id), b"%PDF " + filename.encode(),
                              filename, tags=["Signed"])
    assert await worker.run_one() is not None
    async with db.read() as session:
        return await session.get(m.File, file_id)


def ops_since(emulator, before: int) -> list[str]:
    """Graph requests since `before`, sign-in (token renewal) left out."""
    return [op for op, *_ in emulator.calls()[before:] if op != "token"]


async def test_a_small_file_into_a_known_folder_costs_three_graph_requests(sharepoint_db, graph_emulator):
    db = sharepoint_db
    library = await a_library(db, graph_emulator)  # content type applied; project and activity folders made
    sites = graph_opener()  # the production opener: signs in against the emulator's token endpoint
    worker = a_worker(db, sites)
    try:
        # The worker's first file of the company learns the site, the library with its content type, the folders.
        await transfer(db, worker, library, "first.pdf")
        before = len(graph_emulator.calls())

        second = await transfer(db, worker, library, "second.pdf")

        assert ops_since(graph_emulator, before) == ["simple_upload", "update_list_item", "update_fields"]
        assert len(graph_emulator.calls("token")) == 1  # one sign-in, kept with the session
    finally:
        await sites.close()
    assert second.transfer_state == m.FileTransferState.TRANSFERRED
    item = graph_emulator.state.items[second.sharepoint_item_id]
    assert graph_emulator.state.path_of(item) == ["Harbour", "10 Design", "second.pdf"]
    assert item.fields["momentTags"] == "Signed" and item.fields["momentActivity"]


async def test_a_library_deleted_in_sharepoint_is_looked_up_again_after_the_404(sharepoint_db, graph_emulator):
    db = sharepoint_db
    library = await a_library(db, graph_emulator)
    sites = graph_opener()
    worker = a_worker(db, sites)
    try:
        first = await transfer(db, worker, library, "first.pdf")
        state = graph_emulator.state
        with state.lock:  # a SharePoint admin deletes the library, with everything in it
            gone = state.libraries.pop(state.library_of_drive(first.sharepoint_drive_id).id)
            for item_id in [i.id for i in state.items.values() if i.drive_id == gone.drive_id]:
                del state.items[item_id]

        again = await transfer(db, worker, library, "second.pdf")
    finally:
        await sites.close()
    assert again.transfer_state == m.FileTransferState.TRANSFERRED
    remade = state.library_of_drive(again.sharepoint_drive_id)
    assert remade.id != gone.id and remade.display_name == gone.display_name
    assert state.path_of(state.items[again.sharepoint_item_id]) == ["Harbour", "10 Design", "second.pdf"]
    async with db.read() as session:
        customer = await session.get(m.Customer, library.customer_id)
    assert (customer.sharepoint_library_id, customer.sharepoint_drive_id) == (remade.id, remade.drive_id)


async def test_a_configuration_change_signs_in_and_learns_the_site_again(sharepoint_db, graph_emulator):
    db = sharepoint_db
    library = await a_library(db, graph_emulator)
    sites = graph_opener()
    worker = a_worker(db, sites)

    def sign_ins_and_site_reads() -> tuple[int, int]:
        return len(graph_emulator.calls("token")), len(graph_emulator.calls("site"))

    try:
        tokens, site_reads = sign_ins_and_site_reads()
        await transfer(db, worker, library, "first.pdf")
        await transfer(db, worker, library, "second.pdf")
        assert sign_ins_and_site_reads() == (tokens + 1, site_reads + 1)
        async with db.transaction() as session:  # the admin gives the app registration a new secret
            await session.execute(update(m.SharePointConfiguration).where(
                m.SharePointConfiguration.company_id == library.acme.id).values(
                client_secret_encrypted=SecretBox.from_settings(db.settings).seal("the new secret")))

        third = await transfer(db, worker, library, "third.pdf")
    finally:
        await sites.close()
    assert third.transfer_state == m.FileTransferState.TRANSFERRED
    assert sign_ins_and_site_reads() == (tokens + 2, site_reads + 2)


def emulator_settings(emulator) -> Settings:
    return Settings(_env_file=None, sharepoint_graph_url=emulator.base_url, sharepoint_authority=emulator.origin)


async def test_jobs_of_one_company_at_the_same_time_share_one_session_and_learn_the_site_once(
    graph_emulator, tmp_path
):
    sites = graph_opener(lambda connection: GraphSession(connection, credential=FixedTokenCredential()))
    site = Site("tenant", "client", "secret", SITE_URL, apply_content_type=True)
    path = tmp_path / "a.txt"
    path.write_bytes(b"a")

    async def send(name: str):
        async with sites(emulator_settings(graph_emulator), site) as sharepoint:
            return await sharepoint.transfer_file(
                TransferTarget(placement("Acme", name, project=(1, "P")), 1, fields={"momentTags": "x"}), path)

    try:
        results = await asyncio.gather(*(send(f"{n}.txt") for n in range(3)))
    finally:
        await sites.close()
    assert len({result.library_id for result in results}) == 1
    for op in ("site", "site_columns", "site_content_types", "create_content_type"):
        assert len(graph_emulator.calls(op)) == 1, op


async def test_the_opener_keeps_a_bounded_number_of_sessions_and_closes_them_all_at_shutdown(graph_emulator):
    credentials: list[FixedTokenCredential] = []

    def graph_for(connection):
        credentials.append(FixedTokenCredential())
        return GraphSession(connection, credential=credentials[-1])

    sites = GraphSites(graph_for, max_sites=2)
    settings = emulator_settings(graph_emulator)
    a, b, c = (Site("tenant", "client", "secret", f"{SITE_URL}-{n}") for n in "abc")
    for site in (a, b, a, c):  # b is then the least recently used
        async with sites(settings, site):
            pass
    assert [credential.closed for credential in credentials] == [False, True, False]
    async with sites(settings, Site("tenant", "client", "another secret", f"{SITE_URL}-a")):
        pass  # the same site with another secret is another session
    assert len(credentials) == 4

    await sites.close()
    assert all(credential.closed for credential in credentials)


async def test_a_registry_is_closed_when_the_servers_own_worker_stops(db):
    from gql.background_jobs import in_process_worker

    closed: list[bool] = []

    async def close() -> None:
        closed.append(True)

    kinds = Registry()
    kinds.on_close(close)
    async with in_process_worker(db, db.settings.model_copy(update={"worker_in_process": True}), kinds):
        assert closed == []
    assert closed == [True]
