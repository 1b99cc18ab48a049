"""What a transfer handler commits when the file is in SharePoint (domain.files.transfers.complete_transfer), and
the local copy released after it."""
import hashlib

from sqlalchemy import select, update

from domain import model as m
from domain.platform import jobs
from domain.files import transfers
from domain.files.content_store import ContentStore
from domain.sharepoint.transfer import transfer_job_kind
from integrations.sharepoint.client import graph_opener
from tests.factories import add_customer, add_file, add_project, company_with_staff

POLICY = jobs.Policy()


async def pending_file(db, *, sha256: str = "0" * 64):
    acme = await company_with_staff(db)
    customer_id = await add_customer(db, acme)
    project_id = await add_project(db, acme, customer_id)
    file_id = await add_file(db, acme, project_id=project_id)
    async with db.transaction() as session:
        await session.execute(update(m.Customer).where(m.Customer.id == customer_id)
                              .values(storage_location=m.StorageLocation.SHAREPOINT))
        await session.execute(update(m.File).where(m.File.id == file_id)
                              .values(transfer_state=m.FileTransferState.PENDING, sha256=sha256))
        jobs.enqueue(session, transfers.TRANSFER_JOB, {"file_id": file_id})
    return acme, customer_id, project_id, file_id


def registry() -> jobs.Registry:
    kinds = jobs.Registry()
    kinds.register(transfer_job_kind(graph_opener()))
    return kinds


async def test_completing_a_transfer_remembers_the_graph_ids_marks_the_file_and_finishes_the_job_at_once(db):
    _, customer_id, project_id, file_id = await pending_file(db)
    job = await jobs.claim(db, registry(), "w", POLICY)

    async with db.transaction() as session:
        done = await transfers.complete_transfer(
            session, job, file_id=file_id, customer_id=customer_id, library_id="list-1", drive_id="b!drive",
            item_id="01ITEM", web_url="https://contoso.sharepoint.com/x/contract.pdf", name="contract (1).pdf",
            folder_ids={("project", project_id): "01FOLDER"},
        )

    assert done is True
    async with db.read() as session:
        file = await session.get(m.File, file_id)
        customer = await session.get(m.Customer, customer_id)
        project = await session.get(m.Project, project_id)
        job_row = await session.get(m.Job, job.id)
        actions = list(await session.scalars(select(m.Event.action).where(m.Event.node_id == file_id,
                                                                          m.Event.kind == m.EventKind.FILE)))
    assert (file.transfer_state, file.sharepoint_item_id, file.sharepoint_drive_id, file.name) == (
        m.FileTransferState.TRANSFERRED, "01ITEM", "b!drive", "contract (1).pdf")
    assert (customer.sharepoint_library_id, customer.sharepoint_drive_id, project.sharepoint_folder_id) == (
        "list-1", "b!drive", "01FOLDER")
    assert job_row.state is m.JobState.DONE
    assert actions == ["TRANSFERRED"]


async def test_a_rolled_back_completion_leaves_the_file_pending_and_the_job_to_run_again(db):
    _, customer_id, _, file_id = await pending_file(db)
    job = await jobs.claim(db, registry(), "w", POLICY)
    try:
        async with db.transaction() as session:
            await transfers.complete_transfer(session, job, file_id=file_id, customer_id=customer_id,
                                              library_id="l", drive_id="d", item_id="i", web_url="https://x/y")
            # The process dies before COMMIT (a lost connection would be an outage: DatabaseUnavailable).
            raise RuntimeError("the worker died before COMMIT")
    except RuntimeError:
        pass
    async with db.read() as session:
        assert (await session.get(m.File, file_id)).transfer_state is m.FileTransferState.PENDING
        assert (await session.get(m.Job, job.id)).state is m.JobState.RUNNING  # claimed again when the lease ends


async def test_completing_for_a_file_that_no_longer_waits_changes_nothing_but_the_job(db):
    _, customer_id, _, file_id = await pending_file(db)
    async with db.transaction() as session:
        await session.execute(update(m.File).where(m.File.id == file_id)
                              .values(transfer_state=m.FileTransferState.LOCAL))
    job = await jobs.claim(db, registry(), "w", POLICY)
    async with db.transaction() as session:
        assert await transfers.complete_transfer(session, job, file_id=file_id, customer_id=customer_id,
                                                 library_id="l", drive_id="d", item_id="i", web_url="u") is False
    async with db.read() as session:
        assert (await session.get(m.File, file_id)).sharepoint_item_id is None
        assert (await session.get(m.Job, job.id)).state is m.JobState.DONE


async def test_the_local_copy_goes_only_when_no_file_with_the_same_bytes_still_needs_it(db, tmp_path):
    store = ContentStore(tmp_path, max_upload_bytes=1024)
    contents = b"the same bytes"
    sha256 = hashlib.sha256(contents).hexdigest()
    path = store.path_of(sha256)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(contents)
    acme, _, project_id, file_id = await pending_file(db, sha256=sha256)
    twin = await add_file(db, acme, "twin.pdf", project_id=project_id)
    async with db.transaction() as session:
        await session.execute(update(m.File).where(m.File.id.in_([file_id, twin])).values(sha256=sha256))
        await session.execute(update(m.File).where(m.File.id == file_id)
                              .values(transfer_state=m.FileTransferState.TRANSFERRED))

    # a twin in cloud storage still needs the bytes
    assert await transfers.release_local_copy(db, store, sha256) is False
    assert path.exists()

    async with db.transaction() as session:
        await session.execute(update(m.File).where(m.File.id == twin)
                              .values(transfer_state=m.FileTransferState.TRANSFERRED))
    assert await transfers.release_local_copy(db, store, sha256) is True
    assert not path.exists()
