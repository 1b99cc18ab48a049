"""A library of 10,000 files that did not change costs a sync its delta pages and nothing else: the emulator
counts every request the integration makes."""
from sqlalchemy import insert, select

from domain import model as m
from tests.graph_emulator.delta import etag
from tests.integrations.sharepoint.sync_seeds import a_library, sharepoint_db, sync  # noqa: F401

ITEMS = 10_000


async def test_a_sync_of_10000_unchanged_items_reads_only_the_delta_pages(sharepoint_db, graph_emulator):
    db = sharepoint_db
    library = await a_library(db, graph_emulator)
    project_folder = library.folder("Harbour")
    # Generated in the emulator's state, not uploaded; partnergraph already knows them as they are.
    items = library.user.add_files(library.user.add_folder(project_folder, "Archive"), ITEMS)
    async with db.transaction() as session:
        await session.execute(insert(m.File), [
            {"company_id": library.acme.id, "name": item.name, "size": item.size, "content_type": "text/plain",
             "sha256": "", "project_id": library.project_id, "transfer_state": m.FileTransferState.TRANSFERRED,
             "sharepoint_drive_id": item.drive_id, "sharepoint_item_id": item.id,
             "sharepoint_web_url": graph_emulator.state.web_url(item), "sharepoint_etag": etag(item)}
            for item in items])
    before = len(graph_emulator.calls())

    first = await sync(db, graph_emulator, library)

    # The first sync enumerates the library once (200 items a page) and reads no item on its own, except the two
    # files our transfers put there, whose eTags it had never seen (after the site and the library's columns, once).
    ops = [op for op, *_ in graph_emulator.calls()[before:]]
    pages = (ITEMS + 2 + 3 + 1 + 199) // 200  # files, folders (Harbour, 10 Design, Archive) and the root
    assert ops.count("delta") == pages and ops.count("list_item") == 2
    assert ops.count("site") == ops.count("list_columns") == 1 and len(ops) == pages + 4
    assert (first.created, first.updated, first.moved, first.deleted, first.failed) == (0, 0, 0, 0, 0)

    before = len(graph_emulator.calls())
    second = await sync(db, graph_emulator, library)

    assert [op for op, *_ in graph_emulator.calls()[before:]] == ["delta"]
    assert (second.created, second.updated, second.deleted) == (0, 0, 0)

    # One of them retagged in SharePoint: one delta page, the site and library's columns (a new session here)
    # and that one item's fields.
    library.user.set_fields(items[1234], momentTags="Archived")
    before = len(graph_emulator.calls())
    third = await sync(db, graph_emulator, library)
    assert [op for op, *_ in graph_emulator.calls()[before:]] == ["delta", "site", "list_columns", "list_item"]
    assert third.updated == 1
    async with db.read() as session:
        assert await session.scalar(select(m.File.name).join(m.file_tags).join(m.Tag).where(
            m.Tag.name == "Archived")) == items[1234].name
