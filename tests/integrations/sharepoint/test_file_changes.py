"""Changes made in partnergraph to files already in SharePoint reach SharePoint (issue 18, items 1 and 2): fileUpdate
(rename, retag, move within a library and to another customer's library) and fileDelete through the API, the job
queue and the Graph emulator over HTTP; and the rule for a file changed on both sides between two syncs."""
import asyncio

import pytest
from sqlalchemy import select, update

from domain import model as m
from domain.files.transfers import CHANGE_JOB, ITEM_DELETE_JOB
from domain.platform.job_worker import Worker
from domain.platform.jobs import Policy, Registry
from domain.sharepoint import file_changes
from domain.sharepoint.file_changes import file_change_job_kind, item_delete_job_kind
from domain.sharepoint.sync import settle_job_kind, sync_job_kind
from domain.sharepoint.transfer import transfer_job_kind
from integrations.sharepoint import transfer as transfer_module
from integrations.sharepoint.client import graph_opener
from tests.factories import add_customer, add_project, gid
from tests.graph_emulator.delta import etag
from tests.integrations.sharepoint.sync_seeds import (  # noqa: F401 - fixtures
    a_library, file_rows, graph_for, sharepoint_db, sync, tags_of, upload_to,
)
from tests.integrations.sharepoint.test_transfer_job import graphql_as

UPDATE = """
mutation Update($input: FileUpdateInput!) {
  fileUpdate(input: $input) {
    file { id name tags entityId url transferState sharePointChangePending }
    userErrors { field message code }
  }
}
"""
DELETE = """
mutation Delete($input: FileDeleteInput!) { fileDelete(input: $input) { deletedId userErrors { field code } } }
"""
FILE = """
query File($id: ID!) { node(id: $id) { ... on File { id name url tags transferError sharePointChangePending } } }
"""


def worker(db) -> Worker:
    kinds = Registry()
    opener = graph_opener(graph_for)
    for kind in (transfer_job_kind(opener), sync_job_kind(opener), settle_job_kind(), file_change_job_kind(opener),
                 item_delete_job_kind(opener)):
        kinds.register(kind)
    return Worker(db, kinds, Policy(max_attempts=3, backoff_seconds=0.01))


async def run_jobs(db, *, limit: int = 50) -> None:
    """Runs jobs until none is due or waiting for a retry (a retry is due after a short back-off)."""
    the_worker = worker(db)
    for _ in range(limit):
        if await the_worker.run_one() is None:
            async with db.read() as session:
                if not await session.scalar(select(m.Job.id).where(m.Job.state == m.JobState.QUEUED).limit(1)):
                    return
            await asyncio.sleep(0.02)
    raise AssertionError("jobs kept coming")


async def jobs_of(db, kind: str) -> list[m.Job]:
    async with db.read() as session:
        return list(await session.scalars(select(m.Job).where(m.Job.kind == kind).order_by(m.Job.id)))


async def change(db, library, file_id: int, **changes) -> dict:
    body = await graphql_as(db, library.acme, UPDATE, {"input": {"id": gid("File", file_id), **changes}})
    return body["fileUpdate"]


async def row(db, file_id: int) -> m.File | None:
    async with db.read() as session:
        return await session.get(m.File, file_id)


def test_every_worker_of_this_build_carries_file_changes_and_deletions():
    from partnergraph.composition import registry

    assert {CHANGE_JOB, ITEM_DELETE_JOB} <= set(registry().names())


async def test_a_rename_and_retag_is_queued_with_the_change_and_reaches_the_same_item(sharepoint_db, graph_emulator):
    db = sharepoint_db
    library = await a_library(db, graph_emulator)
    item = library.folder("Harbour", "offer.pdf")

    payload = await change(db, library, library.offer_id, name="offer v2.pdf", tags=["Contract", "Signed"])

    assert payload["userErrors"] == []
    # queued in the change's own transaction, and shown on the file until it is carried
    assert payload["file"]["sharePointChangePending"] is True
    assert [job.payload for job in await jobs_of(db, CHANGE_JOB)] == [{"file_id": library.offer_id}]
    assert item.name == "offer.pdf"

    await run_jobs(db)

    assert graph_emulator.state.items[item.id] is item  # the same item, by id
    assert item.name == "offer v2.pdf" and item.fields["momentTags"] == "Contract; Signed"
    node = (await graphql_as(db, library.acme, FILE, {"id": gid("File", library.offer_id)}))["node"]
    assert node["sharePointChangePending"] is False and node["transferError"] is None
    assert node["url"] == graph_emulator.state.web_url(item) and node["url"].endswith("/Harbour/offer%20v2.pdf")


async def test_a_move_to_an_activity_moves_the_item_and_its_columns_follow_there_and_back(
    sharepoint_db, graph_emulator
):
    db = sharepoint_db
    library = await a_library(db, graph_emulator)
    item = library.folder("Harbour", "offer.pdf")
    design = library.folder("Harbour", "10 Design")

    await change(db, library, library.offer_id, entityId=gid("Activity", library.activity_id))
    await run_jobs(db)

    assert (item.parent_id, item.name) == (design.id, "offer.pdf")
    assert item.fields.get("momentActivity") == "Design"
    file = await row(db, library.offer_id)
    assert (file.activity_id, file.sharepoint_item_id, file.sharepoint_parent_id) == (
        library.activity_id, item.id, design.id)
    assert file.sharepoint_web_url == graph_emulator.state.web_url(item)

    # and back to the project: the activity's column is emptied
    await change(db, library, library.offer_id, entityId=gid("Project", library.project_id))
    await run_jobs(db)
    assert item.parent_id == library.folder("Harbour").id
    assert "momentActivity" not in item.fields
    assert (await row(db, library.offer_id)).sharepoint_web_url.endswith("/Harbour/offer.pdf")


async def test_a_move_into_a_folder_with_that_name_gets_a_numbered_name_here_too(sharepoint_db, graph_emulator):
    db = sharepoint_db
    library = await a_library(db, graph_emulator)
    await change(db, library, library.plan_id, name="offer.pdf")
    await run_jobs(db)
    await change(db, library, library.plan_id, entityId=gid("Project", library.project_id))
    await run_jobs(db)

    names = sorted(i.name for i in graph_emulator.state.children(library.folder("Harbour").id) if not i.is_folder)
    assert names == ["offer (1).pdf", "offer.pdf"] or names == ["offer 1.pdf", "offer.pdf"]
    assert (await row(db, library.plan_id)).name == names[0]


async def test_a_move_to_another_customers_library_copies_the_file_there_and_recycles_the_old_item(
    sharepoint_db, graph_emulator
):
    db = sharepoint_db
    library = await a_library(db, graph_emulator)
    birch = await add_customer(db, library.acme, "Birch Ltd")
    pier = await add_project(db, library.acme, birch, name="Pier", activities=0)
    async with db.transaction() as session:
        await session.execute(update(m.Customer).where(m.Customer.id == birch)
                              .values(storage_location=m.StorageLocation.SHAREPOINT))
    old = library.folder("Harbour", "offer.pdf")

    payload = await change(db, library, library.offer_id, entityId=gid("Project", pier))
    assert payload["userErrors"] == [] and payload["file"]["sharePointChangePending"] is True
    await run_jobs(db)

    new = library.user.item("Birch Ltd", "Pier", "offer.pdf")
    assert open(new.content_path, "rb").read() == b"%PDF offer"  # the contents came along, nothing lost
    assert old.id not in graph_emulator.state.items and old in graph_emulator.state.recycle_bin
    file = await row(db, library.offer_id)
    assert (file.project_id, file.sharepoint_item_id, file.sharepoint_drive_id) == (pier, new.id, new.drive_id)
    assert file.sharepoint_web_url == graph_emulator.state.web_url(new) and file.sharepoint_changes_queued == 0
    async with db.read() as session:
        customer = await session.get(m.Customer, birch)
        tombstones = list(await session.scalars(select(m.SharePointDeletedItem)))
    assert customer.sharepoint_drive_id == new.drive_id
    assert [(t.item_id, t.removed_at is not None) for t in tombstones] == [(old.id, True)]
    # a sync of the first library afterwards does not bring the old item's file back
    counts = await sync(db, graph_emulator, library)
    assert (counts.created, counts.deleted) == (0, 0) and sorted(await file_rows(db)) == ["offer.pdf", "plan.pdf"]


async def test_a_move_across_libraries_run_again_after_a_crash_makes_one_copy(
    sharepoint_db, graph_emulator, monkeypatch
):
    db = sharepoint_db
    library = await a_library(db, graph_emulator)
    birch = await add_customer(db, library.acme, "Birch Ltd")
    pier = await add_project(db, library.acme, birch, name="Pier", activities=0)
    async with db.transaction() as session:
        await session.execute(update(m.Customer).where(m.Customer.id == birch)
                              .values(storage_location=m.StorageLocation.SHAREPOINT))
    await change(db, library, library.offer_id, entityId=gid("Project", pier))
    real = file_changes.complete_change

    async def crash(*args, **kwargs):
        raise RuntimeError("killed between the copy and its commit")

    monkeypatch.setattr(file_changes, "complete_change", crash)
    await worker(db).run_one()
    assert (await row(db, library.offer_id)).sharepoint_changes_queued == 1
    monkeypatch.setattr(file_changes, "complete_change", real)
    await run_jobs(db)

    pier_folder = library.user.item("Birch Ltd", "Pier")
    assert [i.name for i in graph_emulator.state.children(pier_folder.id)] == ["offer.pdf"]
    assert (await row(db, library.offer_id)).sharepoint_changes_queued == 0


async def test_a_move_of_a_file_in_sharepoint_to_an_entity_kept_in_cloud_storage_is_refused(
    sharepoint_db, graph_emulator
):
    db = sharepoint_db
    library = await a_library(db, graph_emulator)
    cloud = await add_customer(db, library.acme, "Cloudy AS")

    payload = await change(db, library, library.offer_id, entityId=gid("Customer", cloud), name="x.pdf")

    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [("entityId", "INVALID_INPUT")]
    file = await row(db, library.offer_id)
    assert (file.name, file.project_id, file.sharepoint_changes_queued) == ("offer.pdf", library.project_id, 0)
    assert await jobs_of(db, CHANGE_JOB) == []


async def test_a_change_waits_out_a_sharepoint_outage_and_is_retried_by_the_queue(sharepoint_db, graph_emulator):
    db = sharepoint_db
    library = await a_library(db, graph_emulator)
    graph_emulator.inject("patch_item", "unavailable", times=5, retry_after=0)
    await change(db, library, library.offer_id, name="late.pdf")

    await run_jobs(db)

    (job,) = await jobs_of(db, CHANGE_JOB)
    assert (job.state, job.attempts) == (m.JobState.DONE, 2)
    assert library.folder("Harbour", "late.pdf").id == (await row(db, library.offer_id)).sharepoint_item_id


async def test_a_change_that_finally_fails_shows_its_error_and_is_no_longer_pending(sharepoint_db, graph_emulator):
    db = sharepoint_db
    library = await a_library(db, graph_emulator)
    graph_emulator.inject("patch_item", "unavailable", times=100, retry_after=0)
    await change(db, library, library.offer_id, name="never.pdf")

    await run_jobs(db)

    node = (await graphql_as(db, library.acme, FILE, {"id": gid("File", library.offer_id)}))["node"]
    assert node["sharePointChangePending"] is False and "could not be carried" in node["transferError"]


async def test_a_deleted_file_goes_to_the_recycle_bin_and_an_edit_in_sharepoint_does_not_bring_it_back(
    sharepoint_db, graph_emulator
):
    db = sharepoint_db
    library = await a_library(db, graph_emulator)
    await sync(db, graph_emulator, library)
    item = library.folder("Harbour", "offer.pdf")

    body = await graphql_as(db, library.acme, DELETE, {"input": {"id": gid("File", library.offer_id)}})
    assert body["fileDelete"]["userErrors"] == []
    assert [job.payload["item_id"] for job in await jobs_of(db, ITEM_DELETE_JOB)] == [item.id]
    # someone edits the item in SharePoint before the deletion reached it, and a sync runs first
    library.user.rename(item, "offer (edited).pdf")
    library.user.set_fields(item, momentTags="Edited")
    counts = await sync(db, graph_emulator, library)
    assert (counts.created, counts.failed) == (0, 0) and sorted(await file_rows(db)) == ["plan.pdf"]

    await run_jobs(db)

    assert item.id not in graph_emulator.state.items and item in graph_emulator.state.recycle_bin
    counts = await sync(db, graph_emulator, library)
    assert counts.created == 0 and sorted(await file_rows(db)) == ["plan.pdf"]
    # run again, the deletion finds the item gone and is done
    async with db.transaction() as session:
        await session.execute(update(m.Job).where(m.Job.kind == ITEM_DELETE_JOB)
                              .values(state=m.JobState.QUEUED, finished_at=None))
    await run_jobs(db)
    assert [job.state for job in await jobs_of(db, ITEM_DELETE_JOB)] == [m.JobState.DONE]


async def test_an_edit_in_sharepoint_before_a_change_still_queued_here_loses_to_it(sharepoint_db, graph_emulator):
    """Both sides changed between syncs, SharePoint first: the change queued here is not overwritten by the sync,
    and its job carries it over SharePoint's edit."""
    db = sharepoint_db
    library = await a_library(db, graph_emulator)
    await sync(db, graph_emulator, library)
    item = library.folder("Harbour", "offer.pdf")
    library.user.rename(item, "offer (theirs).pdf")
    library.user.set_fields(item, momentTags="Theirs")
    await change(db, library, library.offer_id, name="offer (ours).pdf", tags=["Ours"])

    counts = await sync(db, graph_emulator, library)

    assert (counts.updated, counts.moved, counts.failed) == (0, 0, 0)
    assert (await row(db, library.offer_id)).name == "offer (ours).pdf"
    assert await tags_of(db, library.offer_id) == ["Ours"]
    await run_jobs(db)
    assert (item.name, item.fields["momentTags"]) == ("offer (ours).pdf", "Ours")
    await sync(db, graph_emulator, library)
    assert (await row(db, library.offer_id)).name == "offer (ours).pdf"
    assert await tags_of(db, library.offer_id) == ["Ours"]


async def test_an_edit_in_sharepoint_after_a_change_carried_there_wins_at_the_next_sync(sharepoint_db, graph_emulator):
    """Both sides changed between syncs, partnergraph first (its change already carried): the later edit, in
    SharePoint, wins."""
    db = sharepoint_db
    library = await a_library(db, graph_emulator)
    await sync(db, graph_emulator, library)
    item = library.folder("Harbour", "offer.pdf")
    await change(db, library, library.offer_id, name="offer (ours).pdf", tags=["Ours"])
    await run_jobs(db)
    library.user.rename(item, "offer (theirs).pdf")
    library.user.set_fields(item, momentTags="Theirs")

    counts = await sync(db, graph_emulator, library)

    assert (counts.updated, counts.failed) == (1, 0)
    file = await row(db, library.offer_id)
    assert (file.name, file.sharepoint_etag) == ("offer (theirs).pdf", etag(item))
    assert await tags_of(db, library.offer_id) == ["Theirs"]


async def test_a_delta_read_before_a_later_change_here_does_not_undo_it(sharepoint_db, graph_emulator, monkeypatch):
    """A sync reads the delta with no transaction open; a change made and carried here meanwhile is later than
    what it read, so the sync leaves it."""
    db = sharepoint_db
    library = await a_library(db, graph_emulator)
    await sync(db, graph_emulator, library)
    item = library.folder("Harbour", "offer.pdf")
    library.user.rename(item, "offer (theirs).pdf")
    from domain.sharepoint import sync as sync_module

    real_apply = sync_module._apply

    async def change_first(*args, **kwargs):
        await change(db, library, library.offer_id, name="offer (ours).pdf")
        await run_jobs(db)
        await real_apply(*args, **kwargs)

    monkeypatch.setattr(sync_module, "_apply", change_first)
    await sync(db, graph_emulator, library)
    monkeypatch.setattr(sync_module, "_apply", real_apply)

    assert (await row(db, library.offer_id)).name == "offer (ours).pdf" and item.name == "offer (ours).pdf"


async def test_a_change_made_while_the_file_was_on_its_way_follows_it_into_sharepoint(
    sharepoint_db, graph_emulator, monkeypatch
):
    """Renamed and moved after its transfer read where it goes: the transfer lands at the old place, and a change
    job then carries the change there."""
    db = sharepoint_db
    library = await a_library(db, graph_emulator)
    real = transfer_module.transfer_file

    async def changed_on_the_way(*args, **kwargs):
        await change(db, library, memo_id, name="memo v2.pdf", entityId=gid("Activity", library.activity_id))
        return await real(*args, **kwargs)

    memo_id = await upload_to(db, library.acme, gid("Project", library.project_id), b"memo", "memo.pdf")
    monkeypatch.setattr(transfer_module, "transfer_file", changed_on_the_way)
    await run_jobs(db)

    item = library.folder("Harbour", "10 Design", "memo v2.pdf")
    file = await row(db, memo_id)
    assert (file.name, file.activity_id, file.sharepoint_item_id) == ("memo v2.pdf", library.activity_id, item.id)
    assert file.sharepoint_changes_queued == 0
