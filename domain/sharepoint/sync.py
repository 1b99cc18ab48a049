"""Sync from SharePoint (SPEC §6): the `sharepoint.sync` job brings partnergraph's files in step with a library's
drive delta; `sharepoint.sync_settle` ends a TO_SHAREPOINT run once its transfers are done.

FROM_SHAREPOINT reads every page of the change set since the library's stored delta link (no link: every item,
the first time) with no transaction open, then applies it here in short transactions, and stores the new delta
link last. So a sync cut short anywhere (between pages, between batches) leaves the old link, and the next run
reads the same changes again and applies them again to the same end (applying is idempotent). After a full
enumeration (the first sync, or a link Graph no longer accepts) our files whose items were not seen are deleted.
A project's sync brings its customer's whole library up to date, since the delta link is per library and a change
left unapplied would be lost. Only changes are read: an unchanged library costs one delta request; a file's
list-item fields (momentTags) are read only when its eTag differs from the one stored at its last sync, and only
when the library has a momentTags column (its column definitions, read once per sync that needs them: Graph
leaves an emptied column out of an item's fields, so only the library can say whether the column exists).
A file changed on both sides between two syncs follows one rule (sync_rules.sharepoint_wins): a change made here
and still queued for SharePoint is never overwritten by a sync; otherwise the later change wins (the item's
lastModifiedDateTime against the file's last change here). An item whose file was deleted here (its tombstone,
domain.files.transfers.schedule_item_delete) is never brought back.
TO_SHAREPOINT hands the scope's files to the transfer queue (domain.sharepoint.sync_runs). A transient Graph
failure is retried by the queue from the stored delta link; a job that finally fails leaves its run FAILED.
"""
import logging
from dataclasses import replace

from sqlalchemy import select

from domain.model import SharePointConfiguration, SyncDirection
from domain.platform import jobs
from domain.platform.db import Database
from domain.sharepoint import sync_runs as service
from domain.sharepoint import sync_store as store
from domain.sharepoint.client import OpenSharePoint, PageHook, SharePoint, job_failure, site_of
from domain.sharepoint.errors import SharePointError
from domain.sharepoint.layout import library_name
from domain.sharepoint.sync_rules import (
    TAGS_FIELD, DriveChange, Outcome, below, decide, moved_folders, owner_of_folder, tags_from_fields, tree_after,
)

log = logging.getLogger("partnergraph.sharepoint.sync")


async def run_sync(db: Database, job: jobs.ClaimedJob, open_sharepoint: OpenSharePoint, *,
                   on_page: PageHook | None = None) -> None:
    run_id = job.payload.get("run_id")
    run = await service.start_run(db, run_id)
    if run is None:
        return  # ended already (a rerun after the commit that closed it)
    if run.direction is SyncDirection.TO_SHAREPOINT:
        await service.send_to_sharepoint(db, run_id)
        return
    async with db.read() as session:
        configuration = await session.scalar(select(SharePointConfiguration).where(
            SharePointConfiguration.company_id == run.company_id))
    site = site_of(db.settings, configuration)
    try:
        async with open_sharepoint(db.settings, site) as sharepoint:
            counts = await sync_library(db, sharepoint, run.customer_id, on_page=on_page)
    except SharePointError as error:
        # Transient: again later from the stored delta link (not before a Retry-After); others end the run.
        raise job_failure(error) from None
    await service.finish_run(db, run_id, created=counts.created, updated=counts.updated, moved=counts.moved,
                             deleted=counts.deleted, failed=counts.failed, errors=counts.errors)


def sync_job_kind(open_sharepoint: OpenSharePoint) -> jobs.JobKind:
    async def run(db: Database, job: jobs.ClaimedJob) -> None:
        await run_sync(db, job, open_sharepoint)

    return jobs.JobKind(service.SYNC_JOB, run, on_dead=service.run_failed)


def settle_job_kind() -> jobs.JobKind:
    async def run(db: Database, job: jobs.ClaimedJob) -> None:
        await service.settle(db, job.payload.get("run_id"), round_=int(job.payload.get("round") or 0))

    return jobs.JobKind(service.SETTLE_JOB, run, on_dead=service.run_failed)


async def sync_library(db: Database, sharepoint: SharePoint, customer_id: int, *, on_page: PageHook | None = None,
                       batch: int = store.CHUNK) -> store.Counts:
    """Brings the customer's files in step with its library; returns what it changed."""
    counts = store.Counts()
    async with db.read() as session:
        state = await store.library_state(session, customer_id)
    if state.drive_id is None:
        library_id = await sharepoint.find_library(library_name(state.customer_name))
        if library_id is None:
            return counts  # nothing of this customer is in SharePoint yet
        drive_id = await sharepoint.library_drive(library_id)
        async with db.transaction() as session:
            await store.remember_library(session, customer_id, library_id, drive_id)
        state = replace(state, library_id=library_id, drive_id=drive_id, root_id=None, delta_link=None)

    read = await sharepoint.read_delta(state.drive_id, state.delta_link, on_page=on_page)
    root_id = next((c.item_id for c in read.changes if c.is_root), None) or state.root_id
    # The folder tree is written last, with the delta link: a sync cut short finds the old tree again, so it
    # sees the same renamed folders and owners as the run before it.
    async with db.read() as session:
        tree_before = await store.folder_tree(session, state.drive_id)
    parents = tree_after({i: parent for i, (parent, _) in tree_before.items()}, read.changes, full=read.full)

    files = [c for c in read.changes if c.is_file or c.deleted]
    async with db.read() as session:
        known = await store.known_files(session, state.company_id, state.drive_id, [c.item_id for c in files])
        known_etags = {item_id: row.sharepoint_etag for item_id, row in known.items()}
    # Fields only where something may have changed (a new item, or an eTag other than the one stored), and only
    # in a library with the tags column: without it there are no tags to read, and tags stay as they are.
    tags: dict[str, tuple[str, ...] | None] = {}
    changed = [c for c in files
               if c.is_file and (c.item_id not in known_etags or known_etags[c.item_id] != c.etag)]
    if changed and state.library_id is not None and TAGS_FIELD in await sharepoint.library_columns(state.library_id):
        for change in changed:
            fields = await sharepoint.read_fields(state.drive_id, change.item_id)
            tags[change.item_id] = tags_from_fields(fields, library_has_column=True)

    for part in store.chunks(files, batch):
        await _apply(db, state, root_id, parents, part, tags, counts)

    if not read.full:
        await _refresh_below_moved_folders(db, sharepoint, state, tree_before, parents, read.changes)
    if read.full:
        seen = {c.item_id for c in read.changes if not c.deleted}
        async with db.transaction() as session:
            counts.deleted += await store.delete_vanished(session, state.company_id, state.drive_id, seen)
    if counts.failed:
        # Keep the old link: the next sync reads these changes again and retries what failed (a file changed by
        # someone at the same moment, say); what was applied is applied again to the same end.
        log.warning("drive %s: %s change(s) failed; the delta link is kept for the next sync", state.drive_id,
                    counts.failed)
        return counts
    async with db.transaction() as session:
        await store.store_folders(session, state.drive_id, read.changes, full=read.full)
        await store.store_delta_link(session, state, root_id=root_id, delta_link=read.delta_link)
    return counts


async def _apply(db: Database, state: store.LibraryState, root_id: str | None, parents: dict[str, str | None],
                 changes: list[DriveChange], tags: dict[str, tuple[str, ...] | None], counts: store.Counts) -> None:
    async with db.transaction() as session:
        entities = await store.entity_folders(session, state.customer_id)
        rows = await store.known_files(session, state.company_id, state.drive_id, [c.item_id for c in changes])
        row_tags = await store.tags_of(session, [row.id for row in rows.values()])
        waiting = await store.waiting_uploads(session, state.company_id,
                                              [c.name for c in changes if c.item_id not in rows and c.name])
        tombstones = await store.deleted_here(session, state.drive_id,
                                              [c.item_id for c in changes if c.item_id not in rows])
        for change in changes:
            row = rows.get(change.item_id)
            owner = owner_of_folder(change.parent_id, parents=parents, entity_folders=entities, root_id=root_id,
                                    customer_id=state.customer_id) if change.is_file else None
            ours = owner is not None and (owner, change.name, change.size) in waiting
            decision = decide(change, store.as_known(row, row_tags.get(row.id, ())) if row is not None else None,
                              owner=owner, tags=tags.get(change.item_id), ours_on_the_way=ours,
                              deleted_here=change.item_id in tombstones)
            if decision.outcome in (Outcome.UNCHANGED, Outcome.SKIPPED):
                continue
            try:
                async with session.begin_nested():
                    await store.apply_file(session, state, change, row, decision)
            except Exception as error:  # one bad item must not hold up the rest of the library
                log.warning("drive %s item %s: %s", state.drive_id, change.item_id, error, exc_info=True)
                counts.failed += 1
                counts.errors.append(f"{change.name or change.item_id}: {error}"[:500])
                continue
            counts.add(decision.outcome)


async def _refresh_below_moved_folders(db: Database, sharepoint: SharePoint, state: store.LibraryState,
                                       tree_before: dict[str, tuple[str | None, str]],
                                       parents: dict[str, str | None], changes: list[DriveChange]) -> None:
    """A folder renamed or moved in SharePoint changes the webUrl of every file below it, and the delta lists
    only the folder: those files' items are read once each for their new webUrl."""
    moved = moved_folders(tree_before, changes)
    if not moved:
        return
    listed = {c.item_id for c in changes}
    async with db.read() as session:
        rows = await store.files_in_folders(session, state.company_id, state.drive_id, below(moved, parents))
        targets = [(row.id, row.sharepoint_item_id) for row in rows if row.sharepoint_item_id not in listed]
    urls: dict[int, str] = {}
    for pk, item_id in targets:
        if url := await sharepoint.web_url(state.drive_id, item_id):
            urls[pk] = url
    if urls:
        async with db.transaction() as session:
            await store.refresh_web_urls(session, urls)
