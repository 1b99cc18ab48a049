"""One file into its place in SharePoint (SPEC §6), safe to run again after a crash at any step.

domain/ says where the file belongs (domain.sharepoint.layout.Placement, with the Graph ids it remembers);
this module makes that place exist (content type, library, folders), puts the bytes there, fills the
list item, and says which ids it used so the caller can remember them on its rows.

Running it twice never makes two items: before uploading, it looks in the folder for the name it is about
to use (and its numbered variants) and takes an item with the same contents (size and QuickXorHash) as the
earlier run's upload; another file that only shares the name gets a numbered name next to it.
"""
import contextlib
import dataclasses
import os
import tempfile
from pathlib import Path

from domain.sharepoint.client import TransferResult, TransferTarget
from domain.sharepoint.layout import FolderStep
from domain.sharepoint.names import numbered
from domain.sharepoint.errors import SharePointError
from integrations.sharepoint.graph import GraphSession
from integrations.sharepoint.upload import LocalContents, NameTaken, Uploader

# A folder with more clashing names than this is not a name clash but something to look at.
MAX_SUFFIX = 500


async def _library_by_name(graph: GraphSession, name: str, taken: frozenset[str]) -> str:
    """The library of that name, else a new one; one another customer owns is passed over for a numbered
    name ("Acme (1)"), as a file's name would be."""
    for number in range(0, MAX_SUFFIX + 1):
        candidate = numbered(name, number)
        list_id = await graph.find_library(candidate)
        if list_id is None:
            try:
                return await graph.create_library(candidate)
            except SharePointError as error:
                if error.status != 409:
                    raise
                # Made meanwhile by another worker.
                list_id = await graph.find_library(candidate)
                if list_id is None:
                    raise
        if list_id not in taken:
            return list_id
    raise SharePointError(f"more than {MAX_SUFFIX} libraries named like {name!r}", code="tooManyClashes")


async def ensure_library(graph: GraphSession, name: str, known_id: str | None,
                         taken: frozenset[str] = frozenset()) -> tuple[str, str | None]:
    """The library's list id: the remembered one while it exists, else one of that name that no other
    customer owns, else a new one; with the id of its copy of our content type when the configuration applies
    it (made on the site and added to the library when missing), else None."""
    if known_id in graph.learnt.libraries:
        return known_id, graph.learnt.libraries[known_id]  # made sure of earlier in this session
    if known_id and await graph.library_exists(known_id):
        list_id = known_id
    else:
        list_id = await _library_by_name(graph, name, taken)
    content_type_id = None
    if graph.connection.apply_content_type:
        content_type_id = await graph.add_content_type(list_id, await graph.ensure_content_type())
    graph.learnt.libraries[list_id] = content_type_id
    return list_id, content_type_id


async def ensure_folder(graph: GraphSession, drive_id: str, parent_id: str, step: FolderStep) -> str:
    """The folder's id: the remembered one while it exists in the drive (wherever it was moved, whatever it
    is called now), else the folder of that name in the parent, else a new one."""
    if step.graph_id and await graph.folder_exists(drive_id, step.graph_id):
        return step.graph_id
    for _ in range(3):
        existing = await graph.child(drive_id, parent_id, step.name)
        if existing is not None:
            if existing.folder is not None:
                graph.learnt.saw_folder(drive_id, existing.id)
                return existing.id
            raise SharePointError(f"a file named {step.name!r} stands where the folder should be", code="notAFolder")
        try:
            folder_id = (await graph.create_folder(drive_id, parent_id, step.name)).id
            graph.learnt.saw_folder(drive_id, folder_id)
            return folder_id
        except SharePointError as error:
            if error.code != "nameAlreadyExists":
                raise
    raise SharePointError(f"could not create the folder {step.name!r}", transient=True)


async def _earlier_or_free_name(graph: GraphSession, drive_id: str, folder_id: str, name: str,
                                contents: LocalContents):
    """(item, name): an earlier run's upload (same name or numbered variant, same contents), or (None, the
    first free name). Deterministic, so a run after a crash reaches the same item the crashed run made."""
    for number in range(0, MAX_SUFFIX + 1):
        candidate = numbered(name, number)
        item = await graph.child(drive_id, folder_id, candidate)
        if item is None:
            return None, candidate
        if await contents.matches(item):
            return item, candidate
    raise SharePointError(f"more than {MAX_SUFFIX} files named like {name!r} in the folder", code="tooManyClashes")


async def transfer_file(graph: GraphSession, target: TransferTarget, local_path: str | os.PathLike) -> TransferResult:
    placement = target.placement
    library_id, content_type_id = await ensure_library(graph, placement.library, target.library_id,
                                                       target.taken_library_ids)
    drive_id = target.drive_id if target.library_id == library_id and target.drive_id else None
    drive_id = drive_id or await graph.library_drive(library_id)
    parent_id = await graph.root_id(drive_id)
    folder_ids: dict[tuple[str, int], str] = {}
    for step in placement.folders:
        parent_id = await ensure_folder(graph, drive_id, parent_id, step)
        folder_ids[(step.kind, step.entity_id)] = parent_id

    found_existing = False
    contents = LocalContents(local_path, target.size)
    uploaded = None
    if target.size <= graph.connection.chunk_bytes:
        # One PUT under its own name (conflictBehavior fail) is all a small file costs while the name is free, as
        # it mostly is; a clash (an earlier run's upload, or another file) has the names looked at below.
        with contextlib.suppress(NameTaken):
            uploaded = await Uploader(graph, drive_id, parent_id, placement.file_name, local_path, target.size,
                                      contents=contents).run()
    while uploaded is None:
        item, name = await _earlier_or_free_name(graph, drive_id, parent_id, placement.file_name, contents)
        if item is not None:
            found_existing = True
            uploaded = {"id": item.id, "name": item.name, "webUrl": item.web_url}
            break
        with contextlib.suppress(NameTaken):  # someone took the name meanwhile: look again
            uploaded = await Uploader(graph, drive_id, parent_id, name, local_path, target.size,
                                      contents=contents).run()

    if content_type_id is not None:
        # Run again after a crash, this sets the same content type and values again: nothing changes.
        await graph.fill_list_item(drive_id, uploaded["id"], target.fields, content_type_id=content_type_id,
                                   new=not found_existing)
    return TransferResult(library_id, drive_id, uploaded["id"], uploaded["webUrl"], uploaded["name"], folder_ids,
                          found_existing, parent_id=parent_id)


async def rename_item(graph: GraphSession, drive_id: str, item_id: str, name: str) -> str | None:
    """Renames a folder (or file) by its id, wherever it is now (SPEC §6 item 7). On a clash the name gets a
    numbered suffix. Returns the name given, or None when the item no longer exists."""
    for number in range(0, MAX_SUFFIX + 1):
        try:
            item = await graph.update_item(drive_id, item_id, name=numbered(name, number))
        except SharePointError as error:
            if error.status == 404:
                return None
            if error.code != "nameAlreadyExists":
                raise
            continue
        return item.name
    raise SharePointError(f"more than {MAX_SUFFIX} items named like {name!r} in the folder", code="tooManyClashes")


async def move_item(graph: GraphSession, drive_id: str, item_id: str, parent_id: str, *,
                    name: str | None = None) -> str | None:
    """Moves an item under another folder of the same drive (optionally renaming it); None when it is gone."""
    try:
        item = await graph.update_item(drive_id, item_id, name=name, parent_id=parent_id)
    except SharePointError as error:
        if error.status == 404:
            return None
        raise
    return item.name


async def move_file(graph: GraphSession, drive_id: str, item_id: str, target: TransferTarget) -> TransferResult | None:
    """A file's item to where `target` says (domain.sharepoint.client.SharePoint.move_file): by id, PATCHing its
    name and parentReference within its library; copied into another library (Graph moves nothing across
    drives), the old item left for the caller. None when the item is gone."""
    placement = target.placement
    library_id, content_type_id = await ensure_library(graph, placement.library, target.library_id,
                                                       target.taken_library_ids)
    new_drive = target.drive_id if target.library_id == library_id and target.drive_id else None
    new_drive = new_drive or await graph.library_drive(library_id)
    item = await graph.item(drive_id, item_id)
    if item is None:
        return None
    if new_drive != drive_id:
        return await _copy_across(graph, drive_id, item, target)
    parent_id = await graph.root_id(drive_id)
    folder_ids: dict[tuple[str, int], str] = {}
    for step in placement.folders:
        parent_id = await ensure_folder(graph, drive_id, parent_id, step)
        folder_ids[(step.kind, step.entity_id)] = parent_id
    here = item.parent_reference.id if item.parent_reference is not None else None
    if (here, item.name) != (parent_id, placement.file_name):
        for number in range(0, MAX_SUFFIX + 1):
            try:
                item = await graph.update_item(drive_id, item_id, name=numbered(placement.file_name, number),
                                               parent_id=parent_id)
            except SharePointError as error:
                if error.status == 404:
                    return None
                if error.code != "nameAlreadyExists":
                    raise
                continue
            break
        else:
            raise SharePointError(f"more than {MAX_SUFFIX} files named like {placement.file_name!r} in the folder",
                                  code="tooManyClashes")
    if content_type_id is not None:
        # Its columns follow the new place (emptied where it has none) and the tags; set again, nothing changes.
        await graph.fill_list_item(drive_id, item_id, target.fields, content_type_id=content_type_id)
    return TransferResult(library_id, drive_id, item.id, item.web_url, item.name, folder_ids, parent_id=parent_id)


async def _copy_across(graph: GraphSession, drive_id: str, item, target: TransferTarget) -> TransferResult:
    """The item's contents, streamed to a scratch file, transferred into the other library as a new file would
    be (so a rerun finds its earlier copy by contents instead of making another)."""
    with tempfile.TemporaryDirectory(prefix="partnergraph-move-") as scratch:
        local = Path(scratch) / "contents"
        size = await graph.download(drive_id, item.id, local)
        return await transfer_file(graph, dataclasses.replace(target, size=size), local)
