"""Sync from SharePoint (SPEC §6): read a library's drive delta and bring partnergraph's files in step with it.

A sync reads every page of the change set since the library's stored delta link (no link: every item, the
first time), then applies it here in short transactions, and stores the new delta link last. So a sync cut
short anywhere (between pages, between batches) leaves the old link, and the next run reads the same changes
again and applies them again to the same end (applying is idempotent). A link Graph no longer accepts
(410 Gone) starts a full enumeration, after which our files whose items were not seen are deleted.

Only changes are read: an unchanged library costs one delta request; a file's list-item fields (momentTags)
are read only when its eTag differs from the one stored at its last sync.
"""
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

import httpx

from domain.sharepoint import sync_store as store
from domain.platform.db import Database
from domain.sharepoint.layout import library_name
from domain.sharepoint.sync_rules import (
    DriveChange, Outcome, below, decide, latest, moved_folders, owner_of_folder, tags_from_fields, tree_after,
)
from integrations.sharepoint.errors import SharePointError, retry_after_seconds
from integrations.sharepoint.graph import ATTEMPTS, MAX_WAIT, GraphSession

log = logging.getLogger("partnergraph.sharepoint.sync")
PageHook = Callable[[int], Awaitable[None]]


@dataclass
class DeltaRead:
    changes: list[DriveChange]
    delta_link: str
    full: bool  # a full enumeration (first sync, or after 410 Gone): what was not seen is gone
    pages: int


def drive_change(item: dict) -> DriveChange:
    """One driveItem of a delta page (JSON) as plain values."""
    created = item.get("createdDateTime")
    try:
        created_at = dt.datetime.fromisoformat(created) if created else None
    except ValueError:
        created_at = None
    return DriveChange(
        item_id=item["id"], deleted="deleted" in item, name=item.get("name"),
        parent_id=(item.get("parentReference") or {}).get("id"), is_folder="folder" in item, is_root="root" in item,
        size=int(item.get("size") or 0), etag=item.get("eTag"), web_url=item.get("webUrl"),
        mime_type=(item.get("file") or {}).get("mimeType"), created_at=created_at,
    )


async def _page(graph: GraphSession, url: str) -> dict:
    """One delta page as JSON, retrying network errors, 429 and 5xx as GraphSession.call does.

    Read with the session's httpx client rather than msgraph-sdk: the SDK's model parsing costs about 11 ms per
    driveItem (msgraph's Entity.get_field_deserializers), 110 s for a library of 10,000 items."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            response = await graph.http.get(url, headers={"Authorization": f"Bearer {await graph.token()}"})
        except httpx.TransportError as error:
            failure = SharePointError(f"Graph unreachable: {error!r}", transient=True)
        else:
            if response.status_code == 200:
                return response.json()
            try:
                body = response.json().get("error") or {}
            except ValueError:
                body = {}
            failure = SharePointError.from_status(response.status_code, body.get("code"), body.get("message") or "",
                                                  retry_after=retry_after_seconds(response.headers.get("Retry-After")))
        if not failure.transient or attempt == ATTEMPTS:
            raise failure
        wait = failure.retry_after if failure.retry_after is not None else 0.5 * 2 ** (attempt - 1)
        if wait > MAX_WAIT:
            raise failure
        await graph.sleep(wait)
    raise AssertionError("unreachable")


def _same_origin(url: str, graph_url: str) -> bool:
    link, graph = urlsplit(url), urlsplit(graph_url)
    return (link.scheme, link.netloc) == (graph.scheme, graph.netloc)


async def read_delta(graph: GraphSession, drive_id: str, delta_link: str | None, *,
                     on_page: PageHook | None = None) -> DeltaRead:
    """Every page of the changes since `delta_link` (None: every item). A 410 Gone starts over from scratch."""
    start = f"{graph.connection.graph_url}/drives/{drive_id}/root/delta"
    link, full, changes, pages, resyncs = delta_link, delta_link is None, [], 0, 0
    while True:
        if link is not None and not _same_origin(link, graph.connection.graph_url):
            # Our bearer token goes with the request: only to the Graph we are configured for.
            raise SharePointError(f"a delta link points outside the configured Graph: {link[:200]}")
        try:
            page = await _page(graph, link or start)
        except SharePointError as error:
            if error.status != 410 or resyncs:
                raise
            log.info("drive %s: the delta link expired (410 Gone); reading the whole library again", drive_id)
            link, full, changes, pages, resyncs = None, True, [], 0, 1
            continue
        pages += 1
        changes.extend(drive_change(item) for item in page.get("value") or [])
        if on_page is not None:
            await on_page(pages)
        if page.get("@odata.nextLink"):
            link = page["@odata.nextLink"]
            continue
        if not page.get("@odata.deltaLink"):
            raise SharePointError("a delta page had neither @odata.nextLink nor @odata.deltaLink")
        return DeltaRead(latest(changes), page["@odata.deltaLink"], full, pages)


async def read_tags(graph: GraphSession, drive_id: str, item_id: str) -> tuple[str, ...] | None:
    """The file's tags from its list item's momentTags; None when the library has no such column."""
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph.generated.drives.item.items.item.list_item.list_item_request_builder import ListItemRequestBuilder

    config = RequestConfiguration(
        query_parameters=ListItemRequestBuilder.ListItemRequestBuilderGetQueryParameters(expand=["fields"]))
    item = await graph.call(
        lambda: graph.client.drives.by_drive_id(drive_id).items.by_drive_item_id(item_id).list_item.get(
            request_configuration=config), missing_ok=True)
    if item is None or item.fields is None:
        return None
    return tags_from_fields(item.fields.additional_data or {})


async def sync_library(db: Database, graph: GraphSession, customer_id: int, *, on_page: PageHook | None = None,
                       batch: int = store.CHUNK) -> store.Counts:
    """Brings the customer's files in step with its library; returns what it changed."""
    counts = store.Counts()
    async with db.read() as session:
        state = await store.library_state(session, customer_id)
    if state.drive_id is None:
        library_id = await graph.find_library(library_name(state.customer_name))
        if library_id is None:
            return counts  # nothing of this customer is in SharePoint yet
        drive_id = await graph.library_drive(library_id)
        async with db.transaction() as session:
            await store.remember_library(session, customer_id, library_id, drive_id)
        state = replace(state, library_id=library_id, drive_id=drive_id, root_id=None, delta_link=None)

    read = await read_delta(graph, state.drive_id, state.delta_link, on_page=on_page)
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
    # Fields only where something may have changed: a new item, or an eTag other than the one stored.
    tags: dict[str, tuple[str, ...] | None] = {}
    for change in files:
        if change.is_file and (change.item_id not in known_etags or known_etags[change.item_id] != change.etag):
            tags[change.item_id] = await read_tags(graph, state.drive_id, change.item_id)

    for part in store.chunks(files, batch):
        await _apply(db, state, root_id, parents, part, tags, counts)

    if not read.full:
        await _refresh_below_moved_folders(db, graph, state, tree_before, parents, read.changes)
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
        for change in changes:
            row = rows.get(change.item_id)
            owner = owner_of_folder(change.parent_id, parents=parents, entity_folders=entities, root_id=root_id,
                                    customer_id=state.customer_id) if change.is_file else None
            ours = owner is not None and (owner, change.name, change.size) in waiting
            decision = decide(change, store.as_known(row, row_tags.get(row.id, ())) if row is not None else None,
                              owner=owner, tags=tags.get(change.item_id), ours_on_the_way=ours)
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


async def _refresh_below_moved_folders(db: Database, graph: GraphSession, state: store.LibraryState,
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
        item = await graph.item(state.drive_id, item_id)
        if item is not None and item.web_url:
            urls[pk] = item.web_url
    if urls:
        async with db.transaction() as session:
            await store.refresh_web_urls(session, urls)
