"""SharePoint sync (SPEC §6): sharePointSync (one customer or project, one direction) and the record of every run."""
import datetime as dt
import enum

import strawberry
from strawberry import relay

from domain import model as m
from domain.platform.errors import InvalidInput
from domain.sharepoint import sync_runs as service
from gql.context import Info
from gql.ids import decode_id
from gql.resolvers.mutation import decode_optional_id, payload
from gql.schema.common import Connection, RowNode, UserError, child_connection
from gql.schema.customers.types import Customer
from gql.schema.companies.types import CoWorker
from gql.schema.projects.types import Project
from gql.schema.sharepoint.configuration import SharePointSyncDirection


@strawberry.enum(description="Who started a sync: the daily schedule or a person.")
class SharePointSyncTrigger(enum.Enum):
    DAILY = "DAILY"
    MANUAL = "MANUAL"


@strawberry.enum(description="QUEUED until a worker takes it; RUNNING; DONE (see its counts and errors); FAILED "
                 "(it could not run to its end: see errors).")
class SharePointSyncStatus(enum.Enum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"


@strawberry.type(description="One sync of a customer or project with SharePoint, and what it did. FROM_SHAREPOINT: "
                 "files created, updated (renamed, retagged), moved to another entity and deleted after changes made "
                 "in SharePoint. TO_SHAREPOINT: `created` files arrived in SharePoint, `failed` did not (errors say "
                 "why). Admins see their company's runs, project leaders their projects'.")
class SharePointSyncRun(RowNode):
    loader = "sharepoint_sync_run_by_id"
    id: relay.NodeID[int]
    direction: SharePointSyncDirection
    trigger: SharePointSyncTrigger
    status: SharePointSyncStatus
    created: int
    updated: int
    moved: int
    deleted: int
    failed: int
    errors: list[str]
    queued_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    customer_id: strawberry.Private[int]
    project_id: strawberry.Private[int | None]
    requested_by_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: m.SharePointSyncRun) -> "SharePointSyncRun":
        return cls(
            id=row.id, direction=SharePointSyncDirection(row.direction.value),
            trigger=SharePointSyncTrigger(row.trigger.value), status=SharePointSyncStatus(row.status.value),
            created=row.created_count, updated=row.updated_count, moved=row.moved_count,
            deleted=row.deleted_count, failed=row.failed_count, errors=list(row.errors or []),
            queued_at=row.queued_at, started_at=row.started_at, finished_at=row.finished_at,
            customer_id=row.customer_id, project_id=row.project_id, requested_by_id=row.requested_by_id,
        )

    @strawberry.field(description="Seconds from start to finish; null until it has finished.")
    def duration_seconds(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return round((self.finished_at - self.started_at).total_seconds(), 3)

    @strawberry.field(description="The customer synced (for a project's sync, its customer).")
    async def customer(self, info: Info) -> Customer | None:
        return await Customer.load(info, self.customer_id)

    @strawberry.field(description="The project synced; null for a customer's sync.")
    async def project(self, info: Info) -> Project | None:
        return await Project.load(info, self.project_id)

    @strawberry.field(description="Who asked for it; null for the daily sync.")
    async def requested_by(self, info: Info) -> CoWorker | None:
        return await CoWorker.load(info, self.requested_by_id)


@strawberry.input(description="Give customerId or projectId. TO_SHAREPOINT sends every file that belongs in "
                  "SharePoint and is not there yet (refused with NOTHING_PENDING when there is none); "
                  "FROM_SHAREPOINT brings in the changes made in SharePoint (for a project: its customer's whole "
                  "library, which is followed as one).")
class SharePointSyncInput:
    customer_id: strawberry.ID | None = None
    project_id: strawberry.ID | None = None
    direction: SharePointSyncDirection


@strawberry.type
class SharePointSyncPayload:
    user_errors: list[UserError]
    run: SharePointSyncRun | None = None


def _run(row: m.SharePointSyncRun) -> SharePointSyncRun:
    return SharePointSyncRun.from_row(row)


@strawberry.type
class SharePointSyncQueries:
    @strawberry.field(description="The SharePoint syncs of a customer (all of them, its projects' included) or of "
                      "a project, newest first.")
    async def share_point_sync_runs(self, info: Info, customer_id: strawberry.ID | None = None,
                                    project_id: strawberry.ID | None = None, first: int | None = None,
                                    after: str | None = None) -> Connection[SharePointSyncRun]:
        loaders = info.context.loaders
        if (customer_id is None) == (project_id is None):
            raise InvalidInput("Give either customerId or projectId.", field="customerId")
        if project_id is not None:
            parent = decode_id(project_id, "Project", field="projectId")
            children = loaders.sharepoint_sync_runs_by_project
        else:
            parent = decode_id(customer_id, "Customer", field="customerId")
            children = loaders.sharepoint_sync_runs_by_customer
        return await child_connection(children, (parent,), first, after, _run)


@strawberry.type
class SharePointSyncMutations:
    @strawberry.mutation(description="Syncs one customer (admins) or project (admins and its leader) with SharePoint "
                         "in one direction; runs in the background: follow the returned run.")
    async def share_point_sync(self, info: Info, input: SharePointSyncInput) -> SharePointSyncPayload:
        async def call():
            customer_id = decode_optional_id(input.customer_id, "Customer", field="customerId")
            project_id = decode_optional_id(input.project_id, "Project", field="projectId")
            row = await service.request_sync(info.context.db, info.context.viewer, customer_id=customer_id,
                                             project_id=project_id,
                                             direction=m.SyncDirection(input.direction.value))
            return {"run": SharePointSyncRun.from_row(row)}

        return await payload(SharePointSyncPayload, call)
