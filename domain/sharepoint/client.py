"""What the SharePoint use cases (transfer, folder rename, sync) ask of Microsoft Graph (SPEC §6): a Protocol.

The use cases load, decide and commit in domain/; between their transactions they call Graph only through a
`SharePoint` that integrations/sharepoint/ implements on msgraph-sdk. The composition root
(partnergraph.composition) hands them the way to open one (`OpenSharePoint`) for a company's site.
"""
import datetime as dt
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from domain.model import SharePointConfiguration, utcnow
from domain.platform import jobs
from domain.platform.errors import DomainError
from domain.platform.settings import Settings
from domain.sharepoint.configuration import SecretBox
from domain.sharepoint.errors import SharePointError
from domain.sharepoint.layout import Placement
from domain.sharepoint.sync_rules import DriveChange

PageHook = Callable[[int], Awaitable[None]]


@dataclass(frozen=True)
class Site:
    """A company's way into its SharePoint site: its app registration (the secret decrypted) and the site."""

    tenant_id: str
    client_id: str
    client_secret: str
    site_url: str  # e.g. https://contoso.sharepoint.com/sites/partners
    apply_content_type: bool = False


@dataclass(frozen=True)
class TransferTarget:
    placement: Placement
    size: int
    # Remembered from an earlier transfer into the same library (None: found or created by name).
    library_id: str | None = None
    drive_id: str | None = None
    # List-item columns of the content type (momentActivity…), filled when the configuration applies it.
    fields: dict[str, object] = field(default_factory=dict)
    # Libraries other customers of the company remember as theirs: never taken for this customer's.
    taken_library_ids: frozenset[str] = frozenset()


@dataclass(frozen=True)
class TransferResult:
    library_id: str
    drive_id: str
    item_id: str
    web_url: str
    name: str  # differs from the placement's when a clash gave it a numbered suffix
    folder_ids: dict[tuple[str, int], str]
    # True when the item was an earlier run's upload (found, not uploaded again).
    found_existing: bool = False
    parent_id: str | None = None  # the Graph id of the folder it is in


@dataclass
class DeltaRead:
    changes: list[DriveChange]
    delta_link: str
    full: bool  # a full enumeration (first sync, or after 410 Gone): what was not seen is gone
    pages: int


class SharePoint(Protocol):
    """One signed-in conversation with a company's site. Every method raises SharePointError on a failure."""

    async def transfer_file(self, target: TransferTarget, local_path: Path) -> TransferResult:
        """Makes the target's place exist, puts the file there (once, however often it is run) and fills its
        list item."""

    async def rename_item(self, drive_id: str, item_id: str, name: str) -> str | None:
        """Renames an item by id, with a numbered suffix when the name is taken: the name it got (None: gone)."""

    async def move_file(self, drive_id: str, item_id: str, target: TransferTarget) -> TransferResult | None:
        """Puts a file's item where `target` says (its folders made when missing), under the target's name (with a
        numbered suffix on a clash), and fills its list item: in the same library by a PATCH of its name and
        parentReference, keeping its id; into another library, where Graph moves nothing, by copying its contents
        there (found again, not copied twice, when run again); the item left behind is the caller's to delete.
        None when the item is gone."""

    async def delete_item(self, drive_id: str, item_id: str) -> bool:
        """Deletes an item by id, which sends it to the site's recycle bin; False when it was gone already."""

    async def web_url(self, drive_id: str, item_id: str) -> str | None:
        """An item's webUrl (None: gone)."""

    async def find_library(self, name: str) -> str | None:
        """The document library of that name (its list id), if the site has one."""

    async def library_drive(self, library_id: str) -> str:
        """The drive id of a library."""

    async def read_delta(self, drive_id: str, delta_link: str | None, *,
                         on_page: PageHook | None = None) -> DeltaRead:
        """Every change of a library since `delta_link` (None: every item)."""

    async def library_columns(self, library_id: str) -> frozenset[str]:
        """The names of a library's columns (whether it has momentTags, say)."""

    async def read_fields(self, drive_id: str, item_id: str) -> dict[str, object] | None:
        """A file's list-item column values, as Graph gives them: a column with no value is left out
        (None: the item is gone)."""


# Opens a SharePoint for a site, with the settings that say where Graph is (the composition root's).
OpenSharePoint = Callable[[Settings, Site], AbstractAsyncContextManager[SharePoint]]


def site_of(settings: Settings, configuration: SharePointConfiguration | None) -> Site:
    """The company's site as its configuration has it; a job without one cannot succeed by waiting."""
    if configuration is None or not configuration.client_secret_encrypted:
        raise jobs.PermanentFailure("SharePoint is not configured for this company (or has no client secret).")
    try:
        secret = SecretBox.from_settings(settings).open(configuration.client_secret_encrypted)
    except DomainError as error:
        raise jobs.PermanentFailure(error.message) from None
    return Site(tenant_id=configuration.tenant_id, client_id=configuration.client_id, client_secret=secret,
                site_url=configuration.site_url, apply_content_type=configuration.apply_content_type)


def job_failure(error: SharePointError) -> Exception:
    """What the job queue makes of a Graph failure: transient ones again later (not before a Retry-After),
    others dead at once."""
    if not error.transient:
        return jobs.PermanentFailure(error.message)
    later = utcnow() + dt.timedelta(seconds=error.retry_after) if error.retry_after is not None else None
    return jobs.RetryLater(error.message, not_before=later)
