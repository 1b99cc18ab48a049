"""A sync from SharePoint over real HTTP against the Graph emulator: each kind of change made in SharePoint itself
reaches partnergraph, a sync cut short converges when run again, and an expired delta link (410) re-reads all."""
import datetime as dt

import pytest
from sqlalchemy import select, update

from domain import model as m
from domain.files.service import set_tags
from domain.sharepoint import sync_store as store
from domain.sharepoint import sync as sync_module
from domain.sharepoint.errors import SharePointError
from tests.graph_emulator.delta import book, expire_tokens
from tests.integrations.sharepoint.sync_seeds import a_library, file_rows, sharepoint_db, sync, tags_of  # noqa: F401


async def test_a_first_sync_of_a_library_holding_only_our_own_transfers_changes_nothing(sharepoint_db, graph_emulator):
    library = await a_library(sharepoint_db, graph_emulator)
    before = await file_rows(sharepoint_db)

    counts = await sync(sharepoint_db, graph_emulator, library)

    assert (counts.created, counts.updated, counts.moved, counts.deleted, counts.failed) == (0, 0, 0, 0, 0)
    after = await file_rows(sharepoint_db)
    assert sorted(after) == ["offer.pdf", "plan.pdf"] and after["offer.pdf"].id == before["offer.pdf"].id
    async with sharepoint_db.read() as session:
        link = await session.scalar(select(m.SharePointLibrarySync.delta_link))
    assert "token=" in link


async def test_files_added_in_sharepoint_in_an_entity_folder_or_below_it_become_that_entitys_files(
    sharepoint_db, graph_emulator
):
    db = sharepoint_db
    library = await a_library(db, graph_emulator)
    await sync(db, graph_emulator, library)
    user = library.user
    user.add_file(library.folder("Harbour"), "minutes.docx", b"minutes")
    drafts = user.add_folder(library.folder("Harbour", "10 Design"), "Drafts")
    user.add_file(user.add_folder(drafts, "2026"), "sketch.png", b"png", fields={"momentTags": "Draft; Sketch"})
    user.add_file(library.folder(), "framework agreement.pdf", b"pdf")
    loose = user.add_folder(library.folder(), "Scans")
    user.add_file(loose, "scan.pdf", b"scan")

    counts = await sync(db, graph_emulator, library)

    assert (counts.created, counts.failed) == (4, 0)
    rows = await file_rows(db)
    assert rows["minutes.docx"].project_id == library.project_id
    assert rows["sketch.png"].activity_id == library.activity_id
    # The library root, and folders no entity owns, belong to the customer.
    assert rows["framework agreement.pdf"].customer_id == library.customer_id
    assert rows["scan.pdf"].customer_id == library.customer_id
    sketch = rows["sketch.png"]
    item = library.folder("Harbour", "10 Design", "Drafts", "2026", "sketch.png")
    assert (sketch.transfer_state, sketch.sharepoint_item_id) == (m.FileTransferState.TRANSFERRED, item.id)
    assert sketch.sharepoint_web_url == graph_emulator.state.web_url(item)
    assert (sketch.size, sketch.content_type, sketch.uploaded_by_id) == (3, "image/png", None)
    assert await tags_of(db, sketch.id) == ["Draft", "Sketch"]
    # Run again with nothing changed: one delta request, nothing read item by item, nothing applied.
    calls = len(graph_emulator.calls())
    again = await sync(db, graph_emulator, library)
    assert (again.created, again.updated) == (0, 0)
    assert [c[0] for c in graph_emulator.calls()[calls:]] == ["delta"]


async def test_renames_moves_tag_edits_and_deletions_in_sharepoint_update_partnergraph(sharepoint_db, graph_emulator):
    db = sharepoint_db
    library = await a_library(db, graph_emulator)
    await sync(db, graph_emulator, library)
    user = library.user
    offer = library.folder("Harbour", "offer.pdf")
    plan = library.folder("Harbour", "10 Design", "plan.pdf")
    user.rename(offer, "offer v2.pdf")
    user.set_fields(offer, momentTags="Contract; Signed")
    user.move(plan, library.folder("Harbour"))
    doomed = user.add_file(library.folder("Harbour"), "old.txt")
    await sync(db, graph_emulator, library)
    doomed_id = (await file_rows(db))["old.txt"].id
    user.delete(doomed)

    counts = await sync(db, graph_emulator, library)

    assert (counts.created, counts.updated, counts.moved, counts.deleted) == (0, 0, 0, 1)
    rows = await file_rows(db)
    assert sorted(rows) == ["offer v2.pdf", "plan.pdf"]
    assert rows["offer v2.pdf"].id == library.offer_id and await tags_of(db, library.offer_id) == ["Contract", "Signed"]
    assert (rows["plan.pdf"].project_id, rows["plan.pdf"].activity_id) == (library.project_id, None)
    assert rows["offer v2.pdf"].sharepoint_web_url == graph_emulator.state.web_url(offer)
    # Integrators hear of each: fileChanged SYNCED for the changes, DELETED for the deletion.
    async with db.read() as session:
        actions = [(e.node_id, e.action) for e in await session.scalars(
            select(m.Event).where(m.Event.kind == m.EventKind.FILE).order_by(m.Event.id))]
    assert (library.offer_id, "SYNCED") in actions and (library.plan_id, "SYNCED") in actions
    assert actions[-1] == (doomed_id, "DELETED")


async def test_tags_emptied_in_sharepoint_are_emptied_here_though_graph_leaves_the_empty_column_out(
    sharepoint_db, graph_emulator
):
    db = sharepoint_db
    library = await a_library(db, graph_emulator)
    offer = library.folder("Harbour", "offer.pdf")
    library.user.set_fields(offer, momentTags="Contract; Signed")
    await sync(db, graph_emulator, library)
    assert await tags_of(db, library.offer_id) == ["Contract", "Signed"]
    library.user.set_fields(offer, momentTags="")
    assert "momentTags" not in offer.fields  # as Graph answers: an emptied column is not in `fields` at all

    counts = await sync(db, graph_emulator, library)

    assert (counts.updated, counts.failed) == (1, 0)
    assert await tags_of(db, library.offer_id) == []


async def test_a_library_without_the_tags_column_leaves_tags_alone_and_reads_no_item_fields(
    sharepoint_db, graph_emulator
):
    db = sharepoint_db
    library = await a_library(db, graph_emulator, apply_content_type=False)
    async with db.transaction() as session:
        offer = await session.get(m.File, library.offer_id)
        await set_tags(session, offer, ["Contract"])
    library.user.rename(library.folder("Harbour", "offer.pdf"), "offer v2.pdf")
    before = len(graph_emulator.calls())

    counts = await sync(db, graph_emulator, library)

    assert counts.updated == 1 and (await file_rows(db))["offer v2.pdf"].id == library.offer_id
    assert await tags_of(db, library.offer_id) == ["Contract"]
    ops = [op for op, *_ in graph_emulator.calls()[before:]]
    assert "list_columns" in ops and "list_item" not in ops


async def test_each_kind_of_change_is_counted_once(sharepoint_db, graph_emulator):
    db = sharepoint_db
    library = await a_library(db, graph_emulator)
    await sync(db, graph_emulator, library)
    user = library.user
    user.rename(library.folder("Harbour", "offer.pdf"), "offer v2.pdf")
    user.move(library.folder("Harbour", "10 Design", "plan.pdf"), library.folder())
    user.add_file(library.folder("Harbour"), "new.txt")

    counts = await sync(db, graph_emulator, library)

    assert (counts.created, counts.updated, counts.moved, counts.deleted) == (1, 1, 1, 0)
    assert (await file_rows(db))["plan.pdf"].customer_id == library.customer_id


async def test_a_folder_renamed_or_moved_in_sharepoint_keeps_its_link(sharepoint_db, graph_emulator):
    db = sharepoint_db
    library = await a_library(db, graph_emulator)
    await sync(db, graph_emulator, library)
    user = library.user
    project_folder = library.folder("Harbour")
    activity_folder = library.folder("Harbour", "10 Design")
    user.rename(project_folder, "Harbour (2026)")
    archive = user.add_folder(library.folder(), "Archive")
    user.move(activity_folder, archive, name="Design, old")
    calls = len(graph_emulator.calls())
    await sync(db, graph_emulator, library)
    # The delta lists the two folders, not the files below them: each file's item is read once for its webUrl.
    assert sorted(op for op, *_ in graph_emulator.calls()[calls:]) == ["delta", "item", "item"]
    rows = await file_rows(db)
    state = graph_emulator.state
    assert rows["offer.pdf"].sharepoint_web_url == state.web_url(library.folder("Harbour (2026)", "offer.pdf"))
    assert rows["plan.pdf"].sharepoint_web_url.endswith("/Archive/Design%2C%20old/plan.pdf")
    user.add_file(project_folder, "after rename.txt")
    user.add_file(activity_folder, "after move.txt")

    counts = await sync(db, graph_emulator, library)

    assert counts.created == 2
    rows = await file_rows(db)
    assert rows["after rename.txt"].project_id == library.project_id
    assert rows["after move.txt"].activity_id == library.activity_id
    # Files already there keep their entity: their items did not change.
    assert rows["plan.pdf"].activity_id == library.activity_id
    async with db.read() as session:
        assert (await session.get(m.Project, library.project_id)).sharepoint_folder_id == project_folder.id


async def test_a_sync_killed_between_delta_pages_converges_when_run_again(sharepoint_db, graph_emulator):
    db = sharepoint_db
    library = await a_library(db, graph_emulator)
    await sync(db, graph_emulator, library)
    user = library.user
    for n in range(5):
        user.add_file(library.folder("Harbour"), f"page {n}.txt")
    user.rename(library.folder("Harbour", "offer.pdf"), "offer v2.pdf")
    book(graph_emulator.state).page_size = 2

    async def killed_after_the_second_page(pages: int) -> None:
        if pages == 2:
            raise KeyboardInterrupt("killed between delta pages")

    with pytest.raises(KeyboardInterrupt):
        await sync(db, graph_emulator, library, on_page=killed_after_the_second_page)
    assert sorted(await file_rows(db)) == ["offer.pdf", "plan.pdf"]

    counts = await sync(db, graph_emulator, library)

    assert (counts.created, counts.updated) == (5, 1)
    assert sorted(await file_rows(db)) == ["offer v2.pdf", "page 0.txt", "page 1.txt", "page 2.txt", "page 3.txt",
                                           "page 4.txt", "plan.pdf"]


async def test_a_sync_killed_between_applied_batches_converges_without_duplicates(
    sharepoint_db, graph_emulator, monkeypatch
):
    db = sharepoint_db
    library = await a_library(db, graph_emulator)
    await sync(db, graph_emulator, library)
    for n in range(6):
        library.user.add_file(library.folder("Harbour"), f"batch {n}.txt")
    real, applied = sync_module._apply, []

    async def dying_after_two_batches(*args, **kwargs):
        if len(applied) == 2:
            raise KeyboardInterrupt("killed between batches")
        applied.append(1)
        await real(*args, **kwargs)

    monkeypatch.setattr(sync_module, "_apply", dying_after_two_batches)
    with pytest.raises(KeyboardInterrupt):
        await sync(db, graph_emulator, library, batch=2)
    monkeypatch.setattr(sync_module, "_apply", real)
    assert len(await file_rows(db)) == 2 + 4

    counts = await sync(db, graph_emulator, library, batch=2)

    # The rerun read the same change set again (the link was not stored) and made only what was missing.
    assert counts.created == 2
    names = [row.name for row in (await file_rows(db)).values()]
    assert sorted(names) == sorted(["offer.pdf", "plan.pdf", *(f"batch {n}.txt" for n in range(6))])
    async with db.read() as session:
        assert len(list(await session.scalars(select(m.File)))) == 8


async def test_an_expired_delta_link_re_reads_the_library_and_converges_to_the_same_state(
    sharepoint_db, graph_emulator
):
    db = sharepoint_db
    library = await a_library(db, graph_emulator)
    await sync(db, graph_emulator, library)
    user = library.user
    user.delete(library.folder("Harbour", "offer.pdf"))
    user.add_file(library.folder("Harbour", "10 Design"), "late.txt")
    user.set_fields(library.folder("Harbour", "10 Design", "plan.pdf"), momentTags="Final")
    expire_tokens(graph_emulator.state)

    counts = await sync(db, graph_emulator, library)

    assert [c for c in graph_emulator.calls("delta")][-2][1].count("token=") == 1  # the refused link
    assert (counts.created, counts.updated, counts.deleted) == (1, 1, 1)
    rows = await file_rows(db)
    assert sorted(rows) == ["late.txt", "plan.pdf"]
    assert rows["late.txt"].activity_id == library.activity_id and await tags_of(db, library.plan_id) == ["Final"]
    # And the library is followed again from the fresh link: nothing more to do.
    again = await sync(db, graph_emulator, library)
    assert (again.created, again.updated, again.deleted) == (0, 0, 0)


async def test_our_own_upload_seen_before_its_transfer_recorded_it_is_not_made_a_second_file(
    sharepoint_db, graph_emulator
):
    db = sharepoint_db
    library = await a_library(db, graph_emulator)
    await sync(db, graph_emulator, library)
    async with db.transaction() as session:
        waiting = m.File(company_id=library.acme.id, name="report.pdf", size=6, content_type="application/pdf",
                         sha256="0" * 64, project_id=library.project_id, transfer_state=m.FileTransferState.PENDING)
        session.add(waiting)
    library.user.add_file(library.folder("Harbour"), "report.pdf", b"report")

    counts = await sync(db, graph_emulator, library)

    assert counts.created == 0 and sorted(await file_rows(db)) == ["offer.pdf", "plan.pdf", "report.pdf"]


def test_the_store_reads_changes_in_chunks_that_fit_any_database():
    assert [len(part) for part in store.chunks(list(range(1201)))] == [500, 500, 201]


async def test_a_file_added_to_a_recurring_series_folder_belongs_to_the_series_latest_task(
    sharepoint_db, graph_emulator
):
    db = sharepoint_db
    library = await a_library(db, graph_emulator)
    await sync(db, graph_emulator, library)
    series_folder = library.user.add_folder(library.folder("Harbour"), "VAT return")
    async with db.transaction() as session:
        series = m.RecurringTaskSeries(company_id=library.acme.id, name="VAT return", recurrence=m.Recurrence.MONTHLY,
                                       first_period=dt.date(2026, 1, 1),
                                       sharepoint_folder_id=series_folder.id)
        session.add(series)
        await session.flush()
        tasks = [m.Task(company_id=library.acme.id, number=n, name="VAT return", project_id=library.project_id,
                        series_id=series.id, period_start=dt.date(2026, month, 1))
                 for n, month in ((101, 3), (102, 5), (103, 4))]
        session.add_all(tasks)
        await session.flush()
        may = tasks[1].id
    library.user.add_file(series_folder, "vat may.pdf")

    await sync(db, graph_emulator, library)

    assert (await file_rows(db))["vat may.pdf"].task_id == may


async def test_a_folder_deleted_in_sharepoint_deletes_its_files_and_its_entity_forgets_it(
    sharepoint_db, graph_emulator
):
    db = sharepoint_db
    library = await a_library(db, graph_emulator)
    await sync(db, graph_emulator, library)
    library.user.add_file(library.folder("Harbour", "10 Design"), "sketch.png")
    await sync(db, graph_emulator, library)
    library.user.delete(library.folder("Harbour", "10 Design"))

    counts = await sync(db, graph_emulator, library)

    assert counts.deleted == 2 and sorted(await file_rows(db)) == ["offer.pdf"]
    async with db.read() as session:
        assert (await session.get(m.Activity, library.activity_id)).sharepoint_folder_id is None
        assert (await session.get(m.Project, library.project_id)).sharepoint_folder_id is not None


async def test_a_change_that_fails_is_counted_with_its_error_and_retried_by_the_next_sync(
    sharepoint_db, graph_emulator, monkeypatch
):
    db = sharepoint_db
    library = await a_library(db, graph_emulator)
    await sync(db, graph_emulator, library)
    library.user.rename(library.folder("Harbour", "offer.pdf"), "offer v2.pdf")
    library.user.add_file(library.folder("Harbour"), "new.txt")
    real = store.apply_file

    async def refusing_the_rename(session, state, change, row, decision):
        if change.name == "offer v2.pdf":
            raise RuntimeError("someone else changed this file at the same moment")
        await real(session, state, change, row, decision)

    monkeypatch.setattr(store, "apply_file", refusing_the_rename)
    first = await sync(db, graph_emulator, library)
    monkeypatch.setattr(store, "apply_file", real)

    assert (first.created, first.updated, first.failed) == (1, 0, 1)
    assert "offer v2.pdf: someone else changed this file" in first.errors[0]
    again = await sync(db, graph_emulator, library)
    assert (again.created, again.updated, again.failed) == (0, 1, 0)
    assert sorted(await file_rows(db)) == ["new.txt", "offer v2.pdf", "plan.pdf"]


async def test_a_stored_delta_link_outside_the_configured_graph_is_not_followed(sharepoint_db, graph_emulator):
    db = sharepoint_db
    library = await a_library(db, graph_emulator)
    await sync(db, graph_emulator, library)
    async with db.transaction() as session:
        await session.execute(update(m.SharePointLibrarySync).values(delta_link="https://evil.example/delta?token=x"))
    calls = len(graph_emulator.calls())
    with pytest.raises(SharePointError, match="outside the configured Graph"):
        await sync(db, graph_emulator, library)
    assert graph_emulator.calls()[calls:] == []


async def test_a_sync_killed_after_its_files_before_the_folder_urls_refreshes_them_when_run_again(
    sharepoint_db, graph_emulator, monkeypatch
):
    db = sharepoint_db
    library = await a_library(db, graph_emulator)
    await sync(db, graph_emulator, library)
    library.user.rename(library.folder("Harbour"), "Harbour (2026)")
    real = sync_module._refresh_below_moved_folders

    async def killed(*args, **kwargs):
        raise KeyboardInterrupt("killed before the webUrls were refreshed")

    monkeypatch.setattr(sync_module, "_refresh_below_moved_folders", killed)
    with pytest.raises(KeyboardInterrupt):
        await sync(db, graph_emulator, library)
    monkeypatch.setattr(sync_module, "_refresh_below_moved_folders", real)

    await sync(db, graph_emulator, library)

    offer = (await file_rows(db))["offer.pdf"]
    assert offer.sharepoint_web_url == graph_emulator.state.web_url(library.folder("Harbour (2026)", "offer.pdf"))
