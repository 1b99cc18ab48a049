"""Project, its members, activities and milestones."""
import datetime as dt
from decimal import Decimal
from typing import Annotated

import strawberry
from strawberry import relay

from domain import model as m
from domain.files.rules import effective_storage_location
from domain.access.policy import can_see_rates
from gql.context import Info
from gql.ids import to_global_id
from gql.loaders import window
from gql.schema.common import Connection, RowNode, child_connection, node_type, prefetch_time_record_relations
from gql.schema.customers.types import Customer, StorageLocation
from gql.schema.companies.types import Company, CoWorker
from gql.schema.projects.shared import LinkedProject, main_project_of, secondary_projects_of

ProjectStatus = strawberry.enum(m.ProjectStatus)
PriceModel = strawberry.enum(m.PriceModel)
ProjectStorage = strawberry.enum(m.ProjectStorage)
TimeRecordRef = Annotated["TimeRecord", strawberry.lazy("gql.schema.hours.types")]
FileRef = Annotated["File", strawberry.lazy("gql.schema.files.types")]
SyncRunRef = Annotated["SharePointSyncRun", strawberry.lazy("gql.schema.sharepoint.sync")]
ExpenseRef = Annotated["Expense", strawberry.lazy("gql.schema.hours.expenses")]
TaskSeriesRef = Annotated["RecurringTaskSeries", strawberry.lazy("gql.schema.projects.tasks")]


def _file(row: m.File):
    return node_type("File").from_row(row)


def _sync_run(row):
    return node_type("SharePointSyncRun").from_row(row)


def _expense(row):
    return node_type("Expense").from_row(row)


def _time_record(row):
    return node_type("TimeRecord").from_row(row)


@strawberry.federation.type(keys=["id"], description="A project: ordinary, main (shared with partners) or secondary.")
class Project(RowNode):
    loader = "project_by_id"
    id: relay.NodeID[int]
    number: int
    name: str
    start_date: dt.date | None
    end_date: dt.date | None
    status: ProjectStatus
    price_model: PriceModel
    storage: ProjectStorage
    price_model_from_main: bool
    share_expenses: bool
    created_at: dt.datetime
    company_id: strawberry.Private[int]
    customer_id: strawberry.Private[int]
    leader_id: strawberry.Private[int | None]
    main_project_id: strawberry.Private[int | None]
    hourly_rate_value: strawberry.Private[Decimal | None]
    fixed_price_value: strawberry.Private[Decimal | None]

    @classmethod
    def from_row(cls, row: m.Project) -> "Project":
        return cls(
            id=row.id, number=row.number, name=row.name, start_date=row.start_date, end_date=row.end_date,
            status=row.status, price_model=row.price_model, storage=row.storage,
            price_model_from_main=row.price_model_from_main, share_expenses=row.share_expenses,
            created_at=row.created_at, company_id=row.company_id, customer_id=row.customer_id,
            leader_id=row.leader_id, main_project_id=row.main_project_id,
            hourly_rate_value=row.hourly_rate, fixed_price_value=row.fixed_price,
        )

    @strawberry.field
    async def company(self, info: Info) -> Company:
        return await Company.load(info, self.company_id)

    @strawberry.field
    async def customer(self, info: Info) -> Customer:
        return await Customer.load(info, self.customer_id)

    @strawberry.field(description="The project leader; null when none is set or you cannot see them.")
    async def leader(self, info: Info) -> CoWorker | None:
        return await CoWorker.load(info, self.leader_id)

    @strawberry.field(description="For a secondary project: the main project it belongs to, if you can see it.")
    async def main_project(self, info: Info) -> "Project | None":
        return await Project.load(info, self.main_project_id)

    @strawberry.field(description="For a secondary project: its main project as this company sees it (the partner "
                      "link a timesheet shows); null for other projects.")
    async def main_project_link(self, info: Info) -> LinkedProject | None:
        return await main_project_of(info, self.main_project_id)

    @strawberry.field(description="For a main project: its secondary projects in partner companies, with the "
                      "co-workers from each company; empty for other projects.")
    async def secondary_projects(self, info: Info) -> list[LinkedProject]:
        return await secondary_projects_of(info, self.id)

    @strawberry.field(description="Null unless you are an admin or project leader of the project's company.")
    def hourly_rate(self, info: Info) -> Decimal | None:
        return self.hourly_rate_value if can_see_rates(info.context.viewer, self.company_id) else None

    @strawberry.field(description="Null unless you are an admin or project leader of the project's company.")
    def fixed_price(self, info: Info) -> Decimal | None:
        return self.fixed_price_value if can_see_rates(info.context.viewer, self.company_id) else None

    @strawberry.field(description="Where the project's files are stored: its customer's location, unless `storage` is CLOUD.")
    async def effective_storage_location(self, info: Info) -> StorageLocation:
        customer = await info.context.loaders.customer_by_id.load(self.customer_id)
        return effective_storage_location(customer.storage_location if customer else None, self.storage)

    @strawberry.field(description="True for a secondary project: the partner-company copy of a main project.")
    def is_secondary(self) -> bool:
        return self.main_project_id is not None

    @strawberry.field
    async def members(self, info: Info, first: int | None = None, after: str | None = None) -> Connection["ProjectMember"]:
        return await child_connection(
            info.context.loaders.members_by_project, (self.id,), first, after,
            lambda row: ProjectMember.from_row(row, self.company_id),
        )

    @strawberry.field
    async def activities(self, info: Info, first: int | None = None, after: str | None = None) -> Connection["Activity"]:
        return await child_connection(info.context.loaders.activities_by_project, (self.id,), first, after, Activity.from_row)

    @strawberry.field(description="All milestones, including copies from the main project hidden from the plan.")
    async def milestones(self, info: Info, first: int | None = None, after: str | None = None) -> Connection["Milestone"]:
        return await child_connection(info.context.loaders.milestones_by_project, (self.id,), first, after, Milestone.from_row)

    @strawberry.field(description="Time records on this project that you may see, newest first; dates inclusive.")
    async def time_records(
        self, info: Info, first: int | None = None, after: str | None = None,
        date_from: dt.date | None = None, date_to: dt.date | None = None,
    ) -> Connection[TimeRecordRef]:
        return await child_connection(
            info.context.loaders.time_records_by_project, (self.id,), first, after, _time_record,
            criteria=window(date_from, date_to), prefetch=lambda rows: prefetch_time_record_relations(info, rows),
        )

    @strawberry.field(description="Expenses on this project that you may see (a main project's include clones of "
                      "partner expenses), newest first.")
    async def expenses(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[ExpenseRef]:
        return await child_connection(info.context.loaders.expenses_by_project, (self.id,), first, after, _expense)

    @strawberry.field(description="The recurring task series of this project that you may see, oldest first.")
    async def task_series(self, info: Info, first: int | None = None,
                          after: str | None = None) -> Connection[TaskSeriesRef]:
        return await child_connection(info.context.loaders.task_series_by_project, (self.id,), first, after,
                                      node_type("RecurringTaskSeries").from_row)

    @strawberry.field(description="Files that belong to the project itself (not its activities), newest first.")
    async def files(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[FileRef]:
        return await child_connection(info.context.loaders.files_by_project, (self.id,), first, after, _file)

    @strawberry.field(description="Files (its own and those below it) that belong in SharePoint and are not "
                      "there yet: pending, failed, or uploaded before the storage location changed.")
    async def pending_transfer_count(self, info: Info) -> int:
        return await info.context.loaders.pending_transfers_by_project.load(self.id)

    @strawberry.field(description="This project's SharePoint syncs, newest first; admins and its leader.")
    async def share_point_sync_runs(self, info: Info, first: int | None = None,
                                    after: str | None = None) -> Connection[SyncRunRef]:
        return await child_connection(info.context.loaders.sharepoint_sync_runs_by_project, (self.id,), first, after,
                                      _sync_run)


@strawberry.type(description="A co-worker's membership in a project.")
class ProjectMember:
    project_id: strawberry.Private[int]
    co_worker_id: strawberry.Private[int]
    hourly_rate_value: strawberry.Private[Decimal | None]
    company_id: strawberry.Private[int]
    created_at: dt.datetime

    @classmethod
    def from_row(cls, row: m.ProjectMember, company_id: int) -> "ProjectMember":
        return cls(
            project_id=row.project_id, co_worker_id=row.co_worker_id, hourly_rate_value=row.hourly_rate,
            company_id=company_id, created_at=row.created_at,
        )

    @strawberry.field
    async def co_worker(self, info: Info) -> CoWorker:
        return await CoWorker.load(info, self.co_worker_id)

    @strawberry.field
    async def project(self, info: Info) -> Project:
        return await Project.load(info, self.project_id)

    @strawberry.field(description="The member's own rate on this project; null unless you are an admin or project leader.")
    def hourly_rate(self, info: Info) -> Decimal | None:
        return self.hourly_rate_value if can_see_rates(info.context.viewer, self.company_id) else None

    @strawberry.field(description="This member's time records on this project that you may see, newest first.")
    async def time_records(
        self, info: Info, first: int | None = None, after: str | None = None,
        date_from: dt.date | None = None, date_to: dt.date | None = None,
    ) -> Connection[TimeRecordRef]:
        return await child_connection(
            info.context.loaders.time_records_by_member, (self.project_id, self.co_worker_id), first, after,
            _time_record, criteria=window(date_from, date_to),
            prefetch=lambda rows: prefetch_time_record_relations(info, rows),
        )


@strawberry.federation.type(keys=["id"])
class Activity(RowNode):
    loader = "activity_by_id"
    id: relay.NodeID[int]
    number: str | None
    name: str
    active: bool
    created_at: dt.datetime
    project_id: strawberry.Private[int]
    source_activity_id: strawberry.Private[int | None]

    @strawberry.field
    async def project(self, info: Info) -> Project:
        return await Project.load(info, self.project_id)

    @strawberry.field(description="On a secondary project: the main project's activity this one is copied from, "
                      "when you may see it.")
    async def copied_from(self, info: Info) -> "Activity | None":
        return await Activity.load(info, self.source_activity_id)

    @strawberry.field(description="On a secondary project: the id of the main project's activity this one is copied "
                      "from, also when you may not see that activity (see Project.mainProjectLink).")
    def copied_from_id(self) -> strawberry.ID | None:
        if self.source_activity_id is None:
            return None
        return strawberry.ID(to_global_id("Activity", self.source_activity_id))


@strawberry.federation.type(keys=["id"])
class Milestone(RowNode):
    loader = "milestone_by_id"
    id: relay.NodeID[int]
    name: str
    due_date: dt.date
    completed: bool
    shown_in_plan: bool
    created_at: dt.datetime
    project_id: strawberry.Private[int]
    source_milestone_id: strawberry.Private[int | None]

    @strawberry.field
    async def project(self, info: Info) -> Project:
        return await Project.load(info, self.project_id)

    @strawberry.field(description="On a secondary project: the main project's milestone this one is copied from, "
                      "when you may see it.")
    async def copied_from(self, info: Info) -> "Milestone | None":
        return await Milestone.load(info, self.source_milestone_id)

    @strawberry.field(description="On a secondary project: the id of the main project's milestone this one is "
                      "copied from, also when you may not see that milestone.")
    def copied_from_id(self) -> strawberry.ID | None:
        if self.source_milestone_id is None:
            return None
        return strawberry.ID(to_global_id("Milestone", self.source_milestone_id))
