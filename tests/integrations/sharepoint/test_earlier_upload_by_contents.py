"""An earlier run's upload is recognised by its contents (Graph's quickXorHash), not by name and size alone
(issue 7, weakness a): a stranger's file of the same name and size is left alone."""
from domain.sharepoint.layout import placement
from integrations.sharepoint.quick_xor_hash import quick_xor_hash
from domain.sharepoint.client import TransferTarget
from integrations.sharepoint.transfer import transfer_file
from tests.integrations.sharepoint.test_transfer import read, send, stored_files

OURS = b"minutes of the site meeting, 3 March"
THEIRS = b"minutes of the site meeting, 4 March"  # same size, other contents


async def test_graph_gives_each_file_its_quick_xor_hash(graph, graph_emulator, tmp_path):
    result = await send(graph, tmp_path, placement("Acme", "minutes.txt", project=(1, "Pier")), OURS)

    item = await graph.item(result.drive_id, result.item_id)

    assert item.file.hashes.quick_xor_hash == quick_xor_hash(OURS)


async def test_a_file_of_the_same_name_and_size_with_other_contents_is_not_taken_for_ours(graph, graph_emulator, tmp_path):
    spot = placement("Acme", "minutes.txt", project=(1, "Pier"))
    # given someone's file already in the folder, same name and size as ours
    theirs = await send(graph, tmp_path, spot, THEIRS)
    assert len(THEIRS) == len(OURS)

    # when our transfer runs (as a rerun after a crash would: looking for its own earlier upload first)
    ours = await send(graph, tmp_path, spot, OURS, library_id=theirs.library_id, drive_id=theirs.drive_id)

    # then ours is uploaded next to it under a numbered name, and theirs is untouched
    assert not ours.found_existing and ours.item_id != theirs.item_id
    files = stored_files(graph_emulator)
    assert sorted(files) == ["Pier/minutes (1).txt", "Pier/minutes.txt"]
    assert read(files["Pier/minutes.txt"]) == THEIRS and read(files["Pier/minutes (1).txt"]) == OURS


async def test_a_rerun_finds_its_own_earlier_upload_by_its_contents(graph, graph_emulator, tmp_path):
    spot = placement("Acme", "minutes.txt", project=(1, "Pier"))
    await send(graph, tmp_path, spot, THEIRS)
    first = await send(graph, tmp_path, spot, OURS)
    path = tmp_path / "again.txt"
    path.write_bytes(OURS)

    again = await transfer_file(graph, TransferTarget(spot, len(OURS), library_id=first.library_id,
                                                      drive_id=first.drive_id), path)

    assert again.found_existing and again.item_id == first.item_id and again.name == "minutes (1).txt"
    assert len(graph_emulator.state.files()) == 2
