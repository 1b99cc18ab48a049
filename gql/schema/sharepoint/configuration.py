"""SharePoint (SPEC §6): a company's configuration (sharePointConfigure, sharePointConfiguration) and fileTransferRetry."""
import datetime as dt
import enum

import strawberry

from domain.sharepoint import configuration as service
from domain.files import service as files_service
from gql.context import Info
from gql.ids import decode_id
from gql.resolvers.mutation import given, payload
from gql.schema.common import UserError
from gql.schema.files.types import File
from gql.schema.companies.types import Company


@strawberry.enum(description="Which way the daily sync runs.")
class SharePointSyncDirection(enum.Enum):
    TO_SHAREPOINT = "TO_SHAREPOINT"
    FROM_SHAREPOINT = "FROM_SHAREPOINT"


@strawberry.type(description="A company's SharePoint configuration; admins only. The client secret is never shown.")
class SharePointConfiguration:
    tenant_id: str
    client_id: str
    site_url: str
    apply_content_type: bool = strawberry.field(
        description="Whether each customer library gets the content type with the moment* columns, filled per file."
    )
    daily_sync_time: dt.time | None = strawberry.field(description="When the daily sync runs (UTC); null: never.")
    sync_directions: list[SharePointSyncDirection]
    client_secret_set: bool = strawberry.field(description="Whether a client secret is stored (it is write-only).")
    updated_at: dt.datetime | None
    company_id: strawberry.Private[int]

    @strawberry.field
    async def company(self, info: Info) -> Company:
        return await Company.load(info, self.company_id)

    @classmethod
    def from_row(cls, row) -> "SharePointConfiguration":
        directions = [d for d, on in ((SharePointSyncDirection.TO_SHAREPOINT, row.sync_to_sharepoint),
                                      (SharePointSyncDirection.FROM_SHAREPOINT, row.sync_from_sharepoint)) if on]
        return cls(
            tenant_id=row.tenant_id, client_id=row.client_id, site_url=row.site_url,
            apply_content_type=row.apply_content_type, daily_sync_time=row.daily_sync_time, sync_directions=directions,
            client_secret_set=row.client_secret_encrypted is not None, updated_at=row.updated_at,
            company_id=row.company_id,
        )


@strawberry.input(description="Creates the configuration (tenantId, clientId and siteUrl required) or changes the "
                  "fields given. `clientSecret` is write-only; null removes it. Admins only.")
class SharePointConfigureInput:
    company_id: strawberry.ID
    tenant_id: str | None = strawberry.UNSET
    client_id: str | None = strawberry.UNSET
    client_secret: str | None = strawberry.UNSET
    site_url: str | None = strawberry.UNSET
    apply_content_type: bool | None = strawberry.UNSET
    daily_sync_time: dt.time | None = strawberry.UNSET
    sync_directions: list[SharePointSyncDirection] | None = strawberry.UNSET


@strawberry.type
class SharePointConfigurePayload:
    user_errors: list[UserError]
    configuration: SharePointConfiguration | None = None


@strawberry.input
class FileTransferRetryInput:
    id: strawberry.ID


@strawberry.type
class FileTransferRetryPayload:
    user_errors: list[UserError]
    file: File | None = None


@strawberry.type
class SharePointQueries:
    @strawberry.field(description="The company's SharePoint configuration; null when there is none or you are "
                      "not its admin.")
    async def share_point_configuration(self, info: Info, company_id: strawberry.ID) -> SharePointConfiguration | None:
        parsed = decode_id(company_id, "Company", field="companyId")
        row = await service.sharepoint_configuration(info.context.db, info.context.viewer, parsed)
        return None if row is None else SharePointConfiguration.from_row(row)


@strawberry.type
class SharePointMutations:
    @strawberry.mutation(description="Sets the company's SharePoint configuration (admins only).")
    async def share_point_configure(self, info: Info, input: SharePointConfigureInput) -> SharePointConfigurePayload:
        async def call():
            company_id = decode_id(input.company_id, "Company", field="companyId")
            changes = given(input, "tenant_id", "client_id", "client_secret", "site_url", "apply_content_type",
                            "daily_sync_time", "sync_directions")
            if changes.get("sync_directions") is not None:
                changes["sync_directions"] = {d.value for d in changes["sync_directions"]}
            box = service.SecretBox.from_settings(info.context.settings)
            row = await service.configure_sharepoint(info.context.db, info.context.viewer, company_id, changes, box=box)
            return {"configuration": SharePointConfiguration.from_row(row)}

        return await payload(SharePointConfigurePayload, call)

    @strawberry.mutation(description="Sends a file whose SharePoint transfer failed again (TRANSFER_NOT_FAILED otherwise).")
    async def file_transfer_retry(self, info: Info, input: FileTransferRetryInput) -> FileTransferRetryPayload:
        async def call():
            file_id = decode_id(input.id, "File", field="id")
            row = await files_service.retry_transfer(info.context.db, info.context.viewer, file_id)
            return {"file": File.from_row(row)}

        return await payload(FileTransferRetryPayload, call)
