"""domain.sharepoint.client.SharePoint on msgraph-sdk: a signed-in GraphSession kept per company's site for the
life of the worker (GraphSites), with the transfer, rename and delta reads of this package behind the Protocol the
SharePoint use cases call."""
import contextlib
import dataclasses
import hashlib
import os
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable

from domain.platform.settings import Settings
from domain.sharepoint.client import DeltaRead, PageHook, Site, TransferResult, TransferTarget
from domain.sharepoint.errors import SharePointError
from integrations.sharepoint import sync, transfer
from integrations.sharepoint.connection import SharePointConnection
from integrations.sharepoint.graph import GraphSession


class GraphSharePoint:
    """One GraphSession, seen as the use cases' SharePoint."""

    def __init__(self, session: GraphSession) -> None:
        self.session = session

    async def transfer_file(self, target: TransferTarget, local_path: str | os.PathLike) -> TransferResult:
        """A 404 while the session trusted what it had learnt (a library or folder deleted in SharePoint since)
        runs the transfer once more with everything looked up again."""
        try:
            return await transfer.transfer_file(self.session, target, local_path)
        except SharePointError as error:
            if error.status != 404 or not self.session.learnt:
                raise
        self.session.forget()
        return await transfer.transfer_file(self.session, target, local_path)

    async def rename_item(self, drive_id: str, item_id: str, name: str) -> str | None:
        return await transfer.rename_item(self.session, drive_id, item_id, name)

    async def move_file(self, drive_id: str, item_id: str, target: TransferTarget) -> TransferResult | None:
        """As transfer_file: a 404 while the session trusted what it had learnt runs it once more afresh."""
        try:
            return await transfer.move_file(self.session, drive_id, item_id, target)
        except SharePointError as error:
            if error.status not in (400, 404) or not self.session.learnt:
                raise
        self.session.forget()
        return await transfer.move_file(self.session, drive_id, item_id, target)

    async def delete_item(self, drive_id: str, item_id: str) -> bool:
        return await self.session.delete_item(drive_id, item_id)

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


@dataclasses.dataclass(eq=False)
class _Kept:
    sharepoint: GraphSharePoint
    users: int = 0  # jobs using it now


class GraphSites:
    """The use cases' OpenSharePoint on msgraph-sdk, kept for the life of a worker: per company's Site (its
    identity: tenant, client id, secret fingerprint, site URL, applyContentType, and where Graph is) one signed-in
    GraphSession, which keeps its token and what it learnt of the site, libraries, content type and folders.

    A configuration change is another identity, so another session; the least recently used go beyond
    `max_sites`, each closed once no job uses it. Jobs of the same company may share a session at the same time
    (GraphSession learns under its own lock). `close()` on worker shutdown."""

    def __init__(self, graph_for: Callable[[SharePointConnection], GraphSession] = GraphSession, *,
                 max_sites: int = 64) -> None:
        self.graph_for, self.max_sites = graph_for, max_sites
        self._kept: OrderedDict[SharePointConnection, _Kept] = OrderedDict()
        self._dropped: list[_Kept] = []

    @contextlib.asynccontextmanager
    async def __call__(self, settings: Settings, site: Site) -> AsyncIterator[GraphSharePoint]:
        connection = SharePointConnection.from_settings(settings, site)
        kept = self._keep(connection)
        kept.users += 1
        try:
            yield kept.sharepoint
        finally:
            kept.users -= 1
            await self._close_dropped()

    def _keep(self, connection: SharePointConnection) -> _Kept:
        identity = dataclasses.replace(
            connection, client_secret=hashlib.sha256(connection.client_secret.encode()).hexdigest())
        kept = self._kept.get(identity)
        if kept is None:
            kept = self._kept[identity] = _Kept(GraphSharePoint(self.graph_for(connection)))
        self._kept.move_to_end(identity)
        while len(self._kept) > self.max_sites:
            self._dropped.append(self._kept.popitem(last=False)[1])
        return kept

    async def _close_dropped(self) -> None:
        idle = [kept for kept in self._dropped if kept.users == 0]
        self._dropped = [kept for kept in self._dropped if kept.users > 0]
        for kept in idle:
            await kept.sharepoint.session.close()

    async def close(self) -> None:
        """Closes every session (the worker has stopped)."""
        self._dropped.extend(self._kept.values())
        self._kept.clear()
        everything, self._dropped = self._dropped, []
        for kept in everything:
            await kept.sharepoint.session.close()


def graph_opener(graph_for: Callable[[SharePointConnection], GraphSession] = GraphSession) -> GraphSites:
    """How the use cases open a SharePoint: a kept GraphSession (`graph_for`, tests point it at the emulator) per
    site, with where Graph and its sign-in are from the settings."""
    return GraphSites(graph_for)
