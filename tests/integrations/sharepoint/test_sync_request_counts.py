"""A library of files that did not change costs a sync its delta pages and nothing else: the emulator counts
every request the integration makes. The emulator serves 25 items a delta page here (SharePoint's pages hold 200), so
200 files take nine pages: what is checked is one request per page and none per item, whatever a page holds (a
10,000-item library cost this test most of a minute, nearly all of it parsing pages)."""
from sqlalchemy import insert, select

from domain import model as m
from tests.graph_emulator.delta import book, etag
from tests.integrations.sharepoint.sync_seeds import a_library, sharepoint_db, sync  # noqa: F401

ITEMS = 200
PAGE_SIZE = 25


async def test_a_sync_of_many_unchanged_items_reads_only_the_delta_pages(sharepoint_db, graph_emulator):
    db = sharepoint_db
    library = await a_library(db, graph_emulator)
    book(graph_emulator.state).page_size = PAGE_SIZE
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

    # The first sync enumerates the library once (PAGE_SIZE items a page) and reads no item on its own, except the two
    # files our transfers put there, whose eTags it had never seen (after the site and the library's columns, once).
    ops = [op for op, *_ in graph_emulator.calls()[before:]]
    pages = (ITEMS + 2 + 3 + 1 + PAGE_SIZE - 1) // PAGE_SIZE  # files, folders (Harbour, 10 Design, Archive), root
    assert pages == 9
    assert ops.count("delta") == pages and ops.count("list_item") == 2
    assert ops.count("site") == ops.count("list_columns") == 1 and len(ops) == pages + 4
    assert (first.created, first.updated, first.moved, first.deleted, first.failed) == (0, 0, 0, 0, 0)

    before = len(graph_emulator.calls())
    second = await sync(db, graph_emulator, library)

    assert [op for op, *_ in graph_emulator.calls()[before:]] == ["delta"]
    assert (second.created, second.updated, second.deleted) == (0, 0, 0)

    # One of them retagged in SharePoint: one delta page, the site and library's columns (a new session here)
    # and that one item's fields.
    library.user.set_fields(items[123], momentTags="Archived")
    before = len(graph_emulator.calls())
    third = await sync(db, graph_emulator, library)
    assert [op for op, *_ in graph_emulator.calls()[before:]] == ["delta", "site", "list_columns", "list_item"]
    assert third.updated == 1
    async with db.read() as session:
        assert await session.scalar(select(m.File.name).join(m.file_tags).join(m.Tag).where(
            m.Tag.name == "Archived")) == items[123].name
