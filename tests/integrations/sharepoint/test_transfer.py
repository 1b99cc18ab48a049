"""Files into their place in SharePoint, against the Graph emulator over real HTTP."""
import asyncio
import datetime as dt

import pytest

from domain.sharepoint.layout import ActivityRef, TaskRef, content_type_values, placement
from integrations.sharepoint.graph import COLUMNS, CONTENT_TYPE_NAME
from domain.sharepoint.client import TransferTarget
from integrations.sharepoint.transfer import move_item, rename_item, transfer_file


def local_file(tmp_path, name: str, content: bytes):
    path = tmp_path / name
    path.write_bytes(content)
    return path


async def send(graph, tmp_path, spot, content: bytes, **target):
    path = local_file(tmp_path, "upload-" + spot.file_name, content)
    return await transfer_file(graph, TransferTarget(spot, len(content), **target), path)


def stored_files(emulator):
    return {"/".join(emulator.state.path_of(item)): item for item in emulator.state.files()}


def read(item) -> bytes:
    with open(item.content_path, "rb") as f:
        return f.read()


async def test_a_task_file_lands_in_library_project_activity_and_task_folders(graph, graph_emulator, tmp_path):
    spot = placement("Acme: AS", "plan.pdf", project=(1, "Bridge"), activity=ActivityRef(2, "Design", "010"),
                     task=TaskRef(3, 42, "Review"))
    result = await send(graph, tmp_path, spot, b"%PDF-1.7 plan")
    assert list(stored_files(graph_emulator)) == ["Bridge/010 Design/#42 Review/plan.pdf"]
    library = graph_emulator.state.libraries[result.library_id]
    assert library.display_name == "Acme_ AS" and library.drive_id == result.drive_id
    assert result.web_url == "https://contoso.sharepoint.com/sites/partners/Acme_%20AS/Bridge/010%20Design/%2342%20Review/plan.pdf"
    assert set(result.folder_ids) == {("project", 1), ("activity", 2), ("task", 3)}
    assert read(stored_files(graph_emulator)["Bridge/010 Design/#42 Review/plan.pdf"]) == b"%PDF-1.7 plan"


async def test_later_files_reuse_the_library_and_the_remembered_folders(graph, graph_emulator, tmp_path):
    first = await send(graph, tmp_path, placement("Acme", "a.txt", project=(1, "P"), activity=ActivityRef(2, "A")), b"a")
    folders_made = len(graph_emulator.calls("create_folder"))
    spot = placement("Acme", "b.txt", project=(1, "P"), activity=ActivityRef(2, "A"),
                     known_ids={("project", 1): first.folder_ids[("project", 1)],
                                ("activity", 2): first.folder_ids[("activity", 2)]})
    second = await send(graph, tmp_path, spot, b"b", library_id=first.library_id, drive_id=first.drive_id)
    assert len(graph_emulator.calls("create_folder")) == folders_made
    assert len(graph_emulator.calls("create_list")) == 1
    assert second.folder_ids == first.folder_ids
    assert sorted(stored_files(graph_emulator)) == ["P/A/a.txt", "P/A/b.txt"]


async def test_a_folder_renamed_or_moved_in_sharepoint_keeps_its_link_by_id(graph, graph_emulator, tmp_path):
    first = await send(graph, tmp_path, placement("Acme", "a.txt", project=(1, "P"), activity=ActivityRef(2, "A")), b"a")
    await graph.update_item(first.drive_id, first.folder_ids[("activity", 2)], name="Renamed by a user")
    ids = {key: value for key, value in first.folder_ids.items()}
    await send(graph, tmp_path, placement("Acme", "b.txt", project=(1, "P"), activity=ActivityRef(2, "A"), known_ids=ids),
               b"b", library_id=first.library_id)
    assert sorted(stored_files(graph_emulator)) == ["P/Renamed by a user/a.txt", "P/Renamed by a user/b.txt"]


async def test_a_forgotten_folder_id_falls_back_to_the_folder_of_that_name(graph, graph_emulator, tmp_path):
    first = await send(graph, tmp_path, placement("Acme", "a.txt", project=(1, "P")), b"a")
    await send(graph, tmp_path, placement("Acme", "b.txt", project=(1, "P"), known_ids={("project", 1): "01GONE"}), b"b")
    assert sorted(stored_files(graph_emulator)) == ["P/a.txt", "P/b.txt"]
    assert len(graph_emulator.calls("create_folder")) == 1
    assert first.folder_ids[("project", 1)] == graph_emulator.state.item_by_path("Acme", "P").id


async def test_recurring_tasks_share_one_series_folder(graph, graph_emulator, tmp_path):
    for number, month in ((100, 1), (101, 2)):
        task = TaskRef(number, number, "VAT report", series_id=7, series_name="VAT report",
                       period_start=dt.date(2026, month, 1))
        await send(graph, tmp_path, placement("Acme", f"vat-{month}.pdf", project=(1, "Tax"), task=task), b"x")
    assert sorted(stored_files(graph_emulator)) == ["Tax/VAT report/vat-1.pdf", "Tax/VAT report/vat-2.pdf"]


async def test_a_name_clash_gets_a_numbered_suffix(graph, graph_emulator, tmp_path):
    await send(graph, tmp_path, placement("Acme", "offer.pdf"), b"someone else's offer")
    result = await send(graph, tmp_path, placement("Acme", "offer.pdf"), b"our offer")
    assert result.name == "offer (1).pdf"
    assert sorted(stored_files(graph_emulator)) == ["offer (1).pdf", "offer.pdf"]


async def test_sending_the_same_file_again_finds_the_earlier_upload_instead_of_a_second_copy(graph, graph_emulator, tmp_path):
    await send(graph, tmp_path, placement("Acme", "offer.pdf"), b"different size")
    spot = placement("Acme", "offer.pdf", project=(1, "P"))
    first = await send(graph, tmp_path, spot, b"ours")
    again = await send(graph, tmp_path, spot, b"ours")
    assert (again.item_id, again.found_existing, first.found_existing) == (first.item_id, True, False)
    assert len(graph_emulator.state.files()) == 2


async def test_the_content_type_and_its_four_columns_are_created_and_each_file_is_filled_in(
    graph_with_content_type, graph_emulator, tmp_path
):
    task = TaskRef(9, 1, "VAT", series_id=5, series_name="VAT", period_start=dt.date(2026, 3, 1))
    values = content_type_values(activity=ActivityRef(2, "Design"), task=task, tags=["tax", "urgent"])
    spot = placement("Acme", "vat.pdf", project=(1, "P"), activity=ActivityRef(2, "Design"), task=task)
    result = await send(graph_with_content_type, tmp_path, spot, b"x", fields=values.as_fields())
    state = graph_emulator.state
    (content_type,) = state.content_types.values()
    assert content_type.name == CONTENT_TYPE_NAME and content_type.column_names == list(COLUMNS)
    library = state.libraries[result.library_id]
    assert [ct.parent_id for ct in library.content_types] == ["0x0101", content_type.id]
    item = state.items[result.item_id]
    assert item.fields == {"momentActivity": "Design", "momentYear": "2026", "momentPeriod": "03/2026",
                           "momentTags": "tax; urgent"}
    # A second library reuses the site's content type instead of making another.
    await send(graph_with_content_type, tmp_path, placement("Other", "a.txt"), b"y", fields={"momentTags": ""})
    assert len(state.content_types) == 1 and len(graph_emulator.calls("create_content_type")) == 1


async def test_each_transferred_file_gets_the_configured_content_type_once_however_often_it_is_sent(
    graph_with_content_type, graph_emulator, tmp_path
):
    spot = placement("Acme", "offer.pdf", project=(1, "P"))
    first = await send(graph_with_content_type, tmp_path, spot, b"offer", fields={"momentTags": "Contract"})
    library = graph_emulator.state.libraries[first.library_id]
    ours = next(ct for ct in library.content_types if ct.name == CONTENT_TYPE_NAME)
    # The library's own copy of the site content type (SharePoint gives it an id of its own), not Document.
    assert graph_emulator.state.items[first.item_id].content_type_id == ours.id
    graph = graph_with_content_type
    list_item = await graph.client.drives.by_drive_id(first.drive_id).items.by_drive_item_id(
        first.item_id).list_item.get()
    assert (list_item.content_type.id, list_item.content_type.name) == (ours.id, CONTENT_TYPE_NAME)
    # A rerun (after a crash, say) finds the item with it already and does not set it again.
    again = await send(graph, tmp_path, spot, b"offer", fields={"momentTags": "Contract"})
    assert (again.item_id, again.found_existing) == (first.item_id, True)
    assert len(graph_emulator.calls("update_list_item")) == 1


async def test_the_emulator_refuses_a_content_type_the_list_does_not_have(graph_with_content_type, graph_emulator,
                                                                          tmp_path):
    from domain.sharepoint.errors import SharePointError
    from integrations.sharepoint.graph import DOCUMENT_CONTENT_TYPE

    result = await send(graph_with_content_type, tmp_path, placement("Acme", "a.txt"), b"x")
    site_content_type = next(iter(graph_emulator.state.content_types))
    for wrong in (site_content_type, DOCUMENT_CONTENT_TYPE):  # a site content type's id is not the list's copy's
        with pytest.raises(SharePointError) as refused:
            await graph_with_content_type.fill_list_item(result.drive_id, result.item_id, {},
                                                         content_type_id=wrong)
        assert refused.value.status == 400


async def test_without_the_content_type_no_columns_are_touched(graph, graph_emulator, tmp_path):
    result = await send(graph, tmp_path, placement("Acme", "a.txt"), b"x", fields={"momentTags": "t"})
    assert graph_emulator.calls("create_content_type") == [] and graph_emulator.calls("update_fields") == []
    assert graph_emulator.calls("update_list_item") == []
    library = graph_emulator.state.libraries[result.library_id]
    assert graph_emulator.state.items[result.item_id].content_type_id is None
    assert [ct.name for ct in library.content_types] == ["Document"]


async def test_a_library_of_that_name_made_by_another_worker_is_used_not_duplicated(graph, graph_emulator, tmp_path):
    site_id, _ = await graph.site()
    made = await graph.create_library("Acme")
    result = await send(graph, tmp_path, placement("Acme", "a.txt"), b"x")
    assert result.library_id == made and len(graph_emulator.state.libraries) == 1


async def test_renaming_a_folder_by_id_follows_it_and_a_clash_gets_a_suffix(graph, graph_emulator, tmp_path):
    a = await send(graph, tmp_path, placement("Acme", "a.txt", project=(1, "Alpha")), b"a")
    await send(graph, tmp_path, placement("Acme", "b.txt", project=(2, "Beta")), b"b")
    folder = a.folder_ids[("project", 1)]
    assert await rename_item(graph, a.drive_id, folder, "Gamma") == "Gamma"
    assert await rename_item(graph, a.drive_id, folder, "Beta") == "Beta (1)"
    assert sorted(stored_files(graph_emulator)) == ["Beta (1)/a.txt", "Beta/b.txt"]
    assert await rename_item(graph, a.drive_id, "01GONE", "X") is None


async def test_moving_an_item_puts_it_under_another_folder(graph, graph_emulator, tmp_path):
    a = await send(graph, tmp_path, placement("Acme", "a.txt", project=(1, "Alpha")), b"a")
    b = await send(graph, tmp_path, placement("Acme", "b.txt", project=(2, "Beta")), b"b")
    assert await move_item(graph, a.drive_id, a.item_id, b.folder_ids[("project", 2)]) == "a.txt"
    assert sorted(stored_files(graph_emulator)) == ["Beta/a.txt", "Beta/b.txt"]


async def test_a_task_cancelled_mid_session_leaves_nothing_behind_that_a_rerun_duplicates(
    graph, graph_emulator, tmp_path
):
    chunk = graph.connection.chunk_bytes
    content = bytes(range(256)) * (chunk * 3 // 256 + 100)
    spot = placement("Acme", "big.bin", project=(1, "P"))
    path = local_file(tmp_path, "big.bin", content)
    # The worker dies with two fragments sent; its session is abandoned.
    run = asyncio.create_task(transfer_file(graph, TransferTarget(spot, len(content)), path))
    while len(graph_emulator.calls("chunk")) < 2:
        await asyncio.sleep(0.01)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    result = await transfer_file(graph, TransferTarget(spot, len(content)), path)
    (item,) = graph_emulator.state.files()
    assert (item.id, read(item)) == (result.item_id, content)
