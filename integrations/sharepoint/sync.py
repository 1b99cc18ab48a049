"""What a sync from SharePoint reads of Graph (SPEC §6): a library's drive delta, page by page, and a file's
list-item fields. domain.sharepoint.sync decides and applies; this reads.

A link Graph no longer accepts (410 Gone) starts a full enumeration, which the caller sees as `full`.
"""
import datetime as dt
import logging
from urllib.parse import urlsplit

import httpx

from domain.sharepoint.client import DeltaRead, PageHook
from domain.sharepoint.sync_rules import DriveChange, latest
from domain.sharepoint.errors import SharePointError
from integrations.sharepoint.graph import ATTEMPTS, GraphSession, response_failure

log = logging.getLogger("partnergraph.sharepoint.sync")


def _timestamp(value: object) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def drive_change(item: dict) -> DriveChange:
    """One driveItem of a delta page (JSON) as plain values."""
    created_at = _timestamp(item.get("createdDateTime"))
    return DriveChange(
        item_id=item["id"], deleted="deleted" in item, name=item.get("name"),
        parent_id=(item.get("parentReference") or {}).get("id"), is_folder="folder" in item, is_root="root" in item,
        size=int(item.get("size") or 0), etag=item.get("eTag"), web_url=item.get("webUrl"),
        mime_type=(item.get("file") or {}).get("mimeType"), created_at=created_at,
        modified_at=_timestamp(item.get("lastModifiedDateTime")),
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
            failure = response_failure(response)
        await graph.pause_before_retry(failure, attempt)
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


async def read_fields(graph: GraphSession, drive_id: str, item_id: str) -> dict[str, object] | None:
    """The file's list-item fields (Graph leaves out a column with no value); None when the item is gone."""
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph.generated.drives.item.items.item.list_item.list_item_request_builder import ListItemRequestBuilder

    config = RequestConfiguration(
        query_parameters=ListItemRequestBuilder.ListItemRequestBuilderGetQueryParameters(expand=["fields"]))
    item = await graph.call(
        lambda: graph.client.drives.by_drive_id(drive_id).items.by_drive_item_id(item_id).list_item.get(
            request_configuration=config), missing_ok=True)
    if item is None:
        return None
    return dict(item.fields.additional_data or {}) if item.fields is not None else {}
