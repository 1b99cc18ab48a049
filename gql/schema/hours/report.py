"""The hoursReport query (SPEC §4): totals per co-worker, activity, project and month, summed in the database."""
import datetime as dt
from decimal import Decimal

import strawberry

from domain.hours import report as service
from gql.context import Info
from gql.ids import decode_id
from gql.resolvers import hours_report as shared, lists
from gql.schema.common import Connection
from gql.schema.hours.types import HourStatus, TimeRecord
from gql.schema.companies.types import CoWorker
from gql.schema.projects.types import Activity, Project


@strawberry.input(description="Which hours a report covers; every field left out (or null) means any.")
class HoursReportFilter:
    company_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Companies to report on (at most 100); null: every company you work in.")
    project_id: strawberry.ID | None = None
    co_worker_id: strawberry.ID | None = None
    external: bool | None = strawberry.field(
        default=None, description="true: external co-workers' hours only (a main project's mirrored partner "
        "hours); false: internal co-workers' hours only.")
    from_: dt.date | None = strawberry.field(name="from", default=None, description="First day, inclusive.")
    to: dt.date | None = strawberry.field(default=None, description="Last day, inclusive.")
    status: HourStatus | None = None
    invoiced: bool | None = strawberry.field(
        default=None, description="true: INVOICED hours only; false: hours not yet invoiced.")

    def to_domain(self) -> service.HoursFilter:
        company_ids = None if self.company_ids is None else tuple(
            decode_id(value, "Company", field=f"filter.companyIds.{index}") for index, value in enumerate(self.company_ids)
        )
        return service.HoursFilter(
            company_ids=company_ids,
            project_id=None if self.project_id is None else decode_id(self.project_id, "Project", field="filter.projectId"),
            co_worker_id=None if self.co_worker_id is None else decode_id(
                self.co_worker_id, "CoWorker", field="filter.coWorkerId"),
            external=self.external, date_from=self.from_, date_to=self.to, status=self.status, invoiced=self.invoiced,
        )


@strawberry.type(description="Hours and how many time records hold them.")
class HoursTotal:
    hours: Decimal
    record_count: int


@strawberry.type
class CoWorkerHours:
    hours: Decimal
    record_count: int
    co_worker_id: strawberry.Private[int]

    @strawberry.field(description="Null when you may not see the co-worker.")
    async def co_worker(self, info: Info) -> CoWorker | None:
        return await CoWorker.load(info, self.co_worker_id)


@strawberry.type
class ActivityHours:
    hours: Decimal
    record_count: int
    activity_id: strawberry.Private[int]

    @strawberry.field(description="Null when you may not see the activity's project.")
    async def activity(self, info: Info) -> Activity | None:
        return await Activity.load(info, self.activity_id)


@strawberry.type
class ProjectHours:
    hours: Decimal
    record_count: int
    project_id: strawberry.Private[int]

    @strawberry.field(description="Null when you may not see the project.")
    async def project(self, info: Info) -> Project | None:
        return await Project.load(info, self.project_id)


@strawberry.type
class MonthHours:
    month: str = strawberry.field(description="The calendar month, as YYYY-MM.")
    hours: Decimal
    record_count: int


@strawberry.type(description="The hours matching a filter, as you may see them (an employee: their own), with "
                 "totals per co-worker, activity, project and month. A main project's hours include the mirrors of "
                 "partner hours; a report over several companies counts a source and its mirror once (the source).")
class HoursReport:
    filter: strawberry.Private[service.HoursFilter]

    @strawberry.field(description="The grand total.")
    async def total(self, info: Info) -> HoursTotal:
        found = await service.total(info.context.db, info.context.viewer, self.filter)
        return HoursTotal(hours=found.hours, record_count=found.record_count)

    @strawberry.field
    async def by_co_worker(self, info: Info) -> list[CoWorkerHours]:
        found = await service.totals_by(info.context.db, info.context.viewer, self.filter, "co_worker")
        return [CoWorkerHours(co_worker_id=g.key, hours=g.hours, record_count=g.record_count) for g in found]

    @strawberry.field
    async def by_activity(self, info: Info) -> list[ActivityHours]:
        found = await service.totals_by(info.context.db, info.context.viewer, self.filter, "activity")
        return [ActivityHours(activity_id=g.key, hours=g.hours, record_count=g.record_count) for g in found]

    @strawberry.field
    async def by_project(self, info: Info) -> list[ProjectHours]:
        found = await service.totals_by(info.context.db, info.context.viewer, self.filter, "project")
        return [ProjectHours(project_id=g.key, hours=g.hours, record_count=g.record_count) for g in found]

    @strawberry.field(description="Oldest month first.")
    async def by_month(self, info: Info) -> list[MonthHours]:
        found = await service.totals_by_month(info.context.db, info.context.viewer, self.filter)
        return [MonthHours(month=shared.month(g), hours=g.hours, record_count=g.record_count) for g in found]

    @strawberry.field(description="The time records counted, newest first.")
    async def records(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[TimeRecord]:
        listing = shared.records(info.context.viewer, self.filter)
        page = await lists.page_of(info, listing, first, after)
        return Connection.of(page, TimeRecord.from_row, count=lambda: lists.count_of(info, listing))


@strawberry.type
class HoursReportQueries:
    @strawberry.field(description="Hours totalled per co-worker, activity, project and month, and overall.")
    def hours_report(self, filter: HoursReportFilter | None = None) -> HoursReport:
        hours_filter = (filter or HoursReportFilter()).to_domain()
        service.check_filter(hours_filter)
        return HoursReport(filter=hours_filter)
