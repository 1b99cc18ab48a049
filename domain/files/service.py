"""Files: upload (metadata + placing the received contents), rename, retag, move, delete, download lookup.

Contents are content-addressed (domain.files.content_store): files with the same bytes share one blob, and a blob
is removed with the last file that points at it. Every change of a blob's references and the blob itself
happens inside the write transaction holding that blob's lock (SQLite: the database write lock, taken at
BEGIN IMMEDIATE; PostgreSQL: a transaction advisory lock per SHA-256), so an upload and a delete of the
same contents in two processes cannot interleave and lose a blob a file still needs.
"""
import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from domain.events import log as events
from domain.files import transfers
from domain.files.content_store import ContentStore, IncomingContent, is_sha256
from domain.platform.db import Database
from domain.platform.errors import InputWarning, InvalidInput
from domain.files.rules import (
    EntityKind, clean_file_name, clean_tags, content_type_of, owner_columns, owner_of, upload_file_name,
)
from domain.files.placement import ENTITY_MODELS, owners_of, storage_locations
from domain.model import File, FileTransferState, Project, StorageLocation, Tag, file_tags, utcnow
from domain.access.policy import require_file_adder, require_file_changer, visible
from domain.access.viewer import Viewer
from domain.access.lookup import load_visible

log = logging.getLogger("partnergraph.files")



@dataclass(frozen=True)
class EntityRef:
    """The customer, project, activity or task a file belongs to (from a global id)."""

    kind: EntityKind
    id: int


@dataclass(frozen=True)
class Placement:
    """An entity as the file rules need it: its company, and the project whose leader manages its files."""

    ref: EntityRef
    company_id: int
    project: Project | None

    @property
    def customer_level(self) -> bool:
        return self.ref.kind is EntityKind.CUSTOMER


@dataclass(frozen=True)
class SavedFile:
    """A file as an upload or a change left it, and the warnings about what was given (a name shortened, or
    without an extension)."""

    file: File
    warnings: tuple[InputWarning, ...] = ()


@dataclass
class FileDraft:
    entity: EntityRef
    content: IncomingContent
    name: str | None = None
    tags: list[str] | None = None


async def _placement(session: AsyncSession, viewer: Viewer, ref: EntityRef, *, field: str) -> Placement:
    """An entity the viewer can see (else NOT_FOUND, as for a missing one)."""
    row = await load_visible(session, viewer, ENTITY_MODELS[ref.kind], ref.id, field=field, noun=ref.kind.value.lower())
    project = (await owners_of(session, ref.kind, row)).project
    # Activities have no company column of their own: theirs is their project's.
    company_id = row.company_id if ref.kind is not EntityKind.ACTIVITY else project.company_id  # type: ignore[union-attr]
    return Placement(ref, company_id, project)


async def _placement_of_file(session: AsyncSession, file: File) -> Placement:
    kind, pk = owner_of(file)
    row = await session.get(ENTITY_MODELS[kind], pk)
    return Placement(EntityRef(kind, pk), file.company_id, (await owners_of(session, kind, row)).project)


async def _tag_ids(session: AsyncSession, company_id: int, names: list[str]) -> list[int]:
    """The company's tags with these names (case-insensitive), created when missing; two uploads creating
    the same new tag at once both end up with the one row."""
    if not names:
        return []

    async def existing() -> dict[str, int]:
        # lower() in SQL matches case-insensitively (SQLite's only for ASCII letters); the exact names are
        # asked for as well, so a tag is always found again right after it was inserted.
        rows = await session.execute(
            select(Tag.name, Tag.id)
            .where(Tag.company_id == company_id,
                   or_(Tag.name.in_(names), func.lower(Tag.name).in_([n.lower() for n in names])))
            .order_by(Tag.id)
        )
        found: dict[str, int] = {}
        for name, pk in rows:
            found.setdefault(name.casefold(), pk)
        return found

    found = await existing()
    missing = [n for n in names if n.casefold() not in found]
    if missing:
        dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
        await session.execute(
            dialect.insert(Tag).on_conflict_do_nothing(), [{"company_id": company_id, "name": n} for n in missing]
        )
        found = await existing()
    return list(dict.fromkeys(found[n.casefold()] for n in names))


async def set_tags(session: AsyncSession, file: File, names: list[str]) -> None:
    """Replaces a file's tags with the company's tags of these names (made when missing), in the caller's
    transaction: an upload, a change, and a sync from SharePoint."""
    await session.execute(delete(file_tags).where(file_tags.c.file_id == file.id))
    ids = await _tag_ids(session, file.company_id, names)
    if ids:
        await session.execute(insert(file_tags), [{"file_id": file.id, "tag_id": t} for t in ids])


async def _release_if_unreferenced(db: Database, store: ContentStore, sha256: str) -> None:
    """Removes a blob no file points at (after an upload whose transaction failed once it had placed it)."""
    aside: Path | None = None
    try:
        async with db.transaction() as session:
            await transfers.lock_blob(session, sha256)
            if not await session.scalar(select(func.count(File.id)).where(File.sha256 == sha256)):
                aside = await asyncio.to_thread(store.set_aside, sha256)
    except Exception:
        if aside is not None:
            await asyncio.to_thread(store.restore, sha256, aside)
        log.exception("could not release blob %s; it stays until a sweep", sha256)
        return
    if aside is not None:
        await asyncio.to_thread(store.purge, aside)


async def upload_file(db: Database, viewer: Viewer, store: ContentStore, draft: FileDraft) -> SavedFile:
    """Records a received upload under its entity and moves its contents to their address, in one transaction."""
    content = draft.content
    if not content.finished:
        raise InvalidInput("The file was not received completely.", field="file")
    given = clean_file_name(draft.name) if draft.name is not None else upload_file_name(content.filename)
    name = given.value
    tags = clean_tags(draft.tags)
    sha256 = content.sha256
    assert sha256 is not None
    placed = False
    try:
        async with db.transaction() as session:
            placement = await _placement(session, viewer, draft.entity, field="entityId")
            membership = require_file_adder(
                viewer, placement.company_id, customer_level=placement.customer_level, field="entityId"
            )
            await transfers.lock_blob(session, sha256)
            file = File(
                company_id=placement.company_id, name=name, size=content.size,
                content_type=content_type_of(content.content_type, name), sha256=sha256,
                uploaded_by_id=membership.co_worker_id, **owner_columns(draft.entity.kind, draft.entity.id),
            )
            session.add(file)
            await session.flush()
            await set_tags(session, file, tags)
            # Into SharePoint where its entity stores there: PENDING, and the job commits with the upload.
            await transfers.schedule_transfer(session, file)
            events.record(session, events.FileAction.UPLOADED, file)
            await asyncio.to_thread(store.place, content)
            placed = True
    except BaseException:
        if placed:
            await _release_if_unreferenced(db, store, sha256)
        raise
    return SavedFile(file, given.warnings)


async def load_file_to_change(session: AsyncSession, viewer: Viewer, file_id: int) -> tuple[File, Placement]:
    file = await load_visible(session, viewer, File, file_id, field="id", noun="file")
    placement = await _placement_of_file(session, file)
    require_file_changer(viewer, file, placement.project)
    return file, placement


async def update_file(db: Database, viewer: Viewer, file_id: int, changes: Mapping[str, Any]) -> SavedFile:
    """Rename (`name`), retag (`tags` replaces the list) and move (`entity`, within the file's company)."""
    given = clean_file_name(changes["name"]) if "name" in changes else None
    name = given.value if given is not None else None
    tags = clean_tags(changes["tags"]) if changes.get("tags") is not None else None
    async with db.transaction() as session:
        file, _ = await load_file_to_change(session, viewer, file_id)
        changed = tags is not None or (name is not None and name != file.name)
        if name is not None:
            file.name = name
        entity: EntityRef | None = changes.get("entity")
        if entity is not None and entity != EntityRef(*owner_of(file)):
            changed = True
            target = await _placement(session, viewer, entity, field="entityId")
            if target.company_id != file.company_id:
                raise InvalidInput("A file can only move to a customer, project, activity or task of its own company.",
                                   field="entityId")
            require_file_adder(viewer, target.company_id, customer_level=target.customer_level, field="entityId")
            for column, value in owner_columns(entity.kind, entity.id).items():
                setattr(file, column, value)
        if tags is not None:
            await set_tags(session, file, tags)
        await session.flush()
        if entity is not None and transfers.in_sharepoint(file):
            await _stays_in_sharepoint(session, file)
        elif entity is not None:
            await transfers.schedule_transfer(session, file)
        if changed:
            file.changed_at = utcnow()
            if transfers.in_sharepoint(file):
                # Carried to SharePoint by item id; until then a sync leaves the file as it is here (SPEC §6).
                transfers.schedule_change(session, file)
        await session.flush()
        events.record(session, events.FileAction.UPDATED, file)
    return SavedFile(file, given.warnings if given is not None else ())


async def _stays_in_sharepoint(session: AsyncSession, file: File) -> None:
    """A file already in SharePoint moves only where files are kept in SharePoint: its contents are there, not
    here, and it is not brought back into cloud storage by a move."""
    location = (await storage_locations(session, [file.id])).get(file.id, StorageLocation.CLOUD)
    if location is not StorageLocation.SHAREPOINT:
        raise InvalidInput("This file is in SharePoint: it can only move to a customer, project, activity or task "
                           "whose files are kept in SharePoint.", field="entityId")


async def delete_file(db: Database, viewer: Viewer, store: ContentStore, file_id: int) -> int:
    """Deletes a file; its contents go with the last file that points at them. Returns the file's id."""
    aside: Path | None = None
    sha256 = ""
    try:
        async with db.transaction() as session:
            file, _ = await load_file_to_change(session, viewer, file_id)
            sha256 = file.sha256
            await transfers.lock_blob(session, sha256)
            events.record(session, events.FileAction.DELETED, file)
            if transfers.in_sharepoint(file):
                # Its item goes to SharePoint's recycle bin by a queued job; its tombstone keeps a sync from
                # bringing the file back meanwhile or after.
                await transfers.schedule_item_delete(session, company_id=file.company_id,
                                                     drive_id=file.sharepoint_drive_id,
                                                     item_id=file.sharepoint_item_id)
            await session.delete(file)
            await session.flush()
            if not await session.scalar(select(func.count(File.id)).where(File.sha256 == sha256)):
                # Set aside, not deleted, until the transaction has committed: a failed commit puts it back.
                aside = await asyncio.to_thread(store.set_aside, sha256)
    except BaseException:
        if aside is not None:
            await asyncio.to_thread(store.restore, sha256, aside)
        raise
    if aside is not None:
        await asyncio.to_thread(store.purge, aside)
    return file_id


async def file_to_download(db: Database, viewer: Viewer, file_id: int) -> File | None:
    """The file if the viewer may read it (exactly as its entity), else None: a refused one looks missing."""
    async with db.read() as session:
        return await session.scalar(select(File).where(File.id == file_id, visible(viewer, File)))


async def sweep_storage(db: Database, store: ContentStore, *, older_than_seconds: float = 24 * 3600) -> int:
    """Tidies what crashed processes left: old partial uploads are deleted; a blob set aside by a delete
    whose transaction never committed goes back in place when a file still points at it."""
    trash = store.root / "trash"
    if trash.is_dir():
        for aside in list(trash.iterdir()):
            sha256 = aside.name.split(".")[0]
            if not is_sha256(sha256):
                continue
            async with db.transaction() as session:
                await transfers.lock_blob(session, sha256)
                referenced = await session.scalar(select(func.count(File.id)).where(File.sha256 == sha256))
                if referenced:
                    await asyncio.to_thread(store.restore, sha256, aside)
    return await asyncio.to_thread(store.sweep, older_than_seconds=older_than_seconds)


async def retry_transfer(db: Database, viewer: Viewer, file_id: int) -> File:
    """Sends a FAILED file again (who may change the file may retry it)."""
    async with db.transaction() as session:
        file, _ = await load_file_to_change(session, viewer, file_id)
        if file.transfer_state is not FileTransferState.FAILED:
            raise transfers.TransferNotFailed(
                f"Only a file whose transfer failed can be retried; this one is {file.transfer_state.value}.",
                field="id",
            )
        location = (await storage_locations(session, [file.id])).get(file.id, StorageLocation.CLOUD)
        if location is not StorageLocation.SHAREPOINT:
            # Its entity stores in cloud storage now: nothing to send, it is simply local again.
            file.transfer_state, file.transfer_error = FileTransferState.LOCAL, None
        else:
            transfers.enqueue(session, file)
        await session.flush()
        events.record(session, events.FileAction.UPDATED, file)
    return file
