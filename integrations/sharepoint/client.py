"""domain.sharepoint.client.SharePoint on msgraph-sdk: a signed-in GraphSession per use, the transfer, rename and
delta reads of this package behind the Protocol the SharePoint use cases call."""
import contextlib
import os
from collections.abc import AsyncIterator, Callable

from domain.platform.settings import Settings
from domain.sharepoint.client import DeltaRead, OpenSharePoint, PageHook, Site, TransferResult, TransferTarget
from integrations.sharepoint import sync, transfer
from integrations.sharepoint.connection import SharePointConnection
from integrations.sharepoint.graph import GraphSession


class GraphSharePoint:
    """One GraphSession, seen as the use cases' SharePoint."""

    def __init__(self, session: GraphSession) -> None:
        self.session = session

    async def transfer_file(self, target: TransferTarget, local_path: str | os.PathLike) -> TransferResult:
        return await transfer.transfer_file(self.session, target, local_path)

    async def rename_item(self, drive_id: str, item_id: str, name: str) -> str | None:
        return await transfer.rename_item(self.session, drive_id, item_id, name)

    async def web_url(self, drive_id: str, item_id: str) -> str | None:
        item = await self.session.item(drive_id, item_id)
        return item.web_url if item is not None else None

    async def find_library(self, name: str) -> str | None:
        return await self.session.find_library(name)

    async def library_drive(self, library_id: str) -> str:
        return await self.session.library_drive(library_id)

    async def read_delta(self, drive_id: str, delta_link: str | None, *,
                         on_page: PageHook | None = None) -> DeltaRead:
        return await sync.read_delta(self.session, drive_id, delta_link, on_page=on_page)

    async def library_columns(self, library_id: str) -> frozenset[str]:
        return await self.session.library_columns(library_id)

    async def read_fields(self, drive_id: str, item_id: str) -> dict[str, object] | None:
        return await sync.read_fields(self.session, drive_id, item_id)


def graph_opener(graph_for: Callable[[SharePointConnection], GraphSession] = GraphSession) -> OpenSharePoint:
    """How the use cases open a SharePoint: a GraphSession (`graph_for`, tests point it at the emulator) on the
    site's connection, with where Graph and its sign-in are from the settings."""

    @contextlib.asynccontextmanager
    async def open_sharepoint(settings: Settings, site: Site) -> AsyncIterator[GraphSharePoint]:
        connection = SharePointConnection.from_settings(
            settings, tenant_id=site.tenant_id, client_id=site.client_id, client_secret=site.client_secret,
            site_url=site.site_url, apply_content_type=site.apply_content_type)
        async with graph_for(connection) as session:
            yield GraphSharePoint(session)

    return open_sharepoint
