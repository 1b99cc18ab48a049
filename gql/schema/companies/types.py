"""Company, CoWorker and the viewer."""
import datetime as dt
from decimal import Decimal
from typing import Annotated

import strawberry
from strawberry import relay

from domain import model as m
from domain.access.policy import can_see_company_details, can_see_rates
from domain.companies import invitations as company_invitations
from domain.partners import invitations
from gql.context import Info
from gql.ids import to_global_id
from gql.loaders import window
from gql.schema.common import Connection, RowNode, child_connection, node_type, prefetch_time_record_relations
from gql.schema.partners.types import CompanySettings, PartnerGroup, PartnerStatus, partner_group_of

Tier = strawberry.enum(m.Tier)
Role = strawberry.enum(m.Role)
TimeRecordRef = Annotated["TimeRecord", strawberry.lazy("gql.schema.hours.types")]

def _time_record(row: m.TimeRecord):
    return node_type("TimeRecord").from_row(row)


@strawberry.federation.type(keys=["id"], description="A company: one tenant.")
class Company(RowNode):
    loader = "company_by_id"
    id: relay.NodeID[int]
    database_name: str
    name: str
    organisation_number_value: strawberry.Private[str | None]
    tier: Tier
    partner_companies_enabled: strawberry.Private[bool]
    share_customers: strawberry.Private[bool]
    share_tasks: strawberry.Private[bool]
    created_at: dt.datetime

    @classmethod
    def from_row(cls, row: m.Company) -> "Company":
        return cls(id=row.id, database_name=row.database_name, name=row.name, tier=row.tier,
                   organisation_number_value=row.organisation_number,
                   partner_companies_enabled=row.partner_companies_enabled, share_customers=row.share_customers,
                   share_tasks=row.share_tasks, created_at=row.created_at)

    @strawberry.field(description="Null for an operator: they read the company list, not a company's details.")
    def organisation_number(self, info: Info) -> str | None:
        return self.organisation_number_value if can_see_company_details(info.context.viewer, self.id) else None

    @strawberry.field
    def settings(self) -> CompanySettings:
        return CompanySettings.of(self)

    @strawberry.field(description="The partner group the company is in now; null when none (or you cannot see it).")
    async def partner_group(self, info: Info) -> PartnerGroup | None:
        return partner_group_of(await info.context.loaders.partners.group_by_company.load(self.id))

    @strawberry.field(description="Admins only (empty for anyone else): every company this one has a partner link "
                      "with, in either direction, with what each side has done and what is still missing.")
    async def partners(self, info: Info) -> list[PartnerStatus]:
        return [PartnerStatus.of(pair) for pair in await info.context.loaders.partners.pairs_by_company.load(self.id)]


@strawberry.federation.type(keys=["id"], description="A user's membership in one company, with a role.")
class CoWorker(RowNode):
    loader = "co_worker_by_id"
    id: relay.NodeID[int]
    role: Role
    active: bool
    title: str | None
    created_at: dt.datetime
    company_id: strawberry.Private[int]
    home_company_id: strawberry.Private[int]
    user_id: strawberry.Private[int]
    hourly_rate_value: strawberry.Private[Decimal | None] = None
    hourly_cost_value: strawberry.Private[Decimal | None] = None
    name: str = ""
    email: str = ""

    @classmethod
    def from_row(cls, row: m.CoWorker) -> "CoWorker":
        return cls(
            id=row.id, role=row.role, active=row.active, title=row.title, created_at=row.created_at,
            company_id=row.company_id, home_company_id=row.home_company_id, user_id=row.user_id,
            hourly_rate_value=row.hourly_rate, hourly_cost_value=row.hourly_cost,
            name=row.user.name, email=row.user.email,
        )

    @strawberry.field(description="True when the co-worker's home company is another company.")
    def is_external(self) -> bool:
        return self.home_company_id != self.company_id

    @strawberry.field
    async def company(self, info: Info) -> Company:
        return await Company.load(info, self.company_id)

    @strawberry.field(description="The company the co-worker is employed in; null when you cannot see it.")
    async def home_company(self, info: Info) -> Company | None:
        return await Company.load(info, self.home_company_id)

    @strawberry.field(description="Null unless you are an admin or project leader of the co-worker's company.")
    def hourly_rate(self, info: Info) -> Decimal | None:
        return self.hourly_rate_value if can_see_rates(info.context.viewer, self.company_id) else None

    @strawberry.field(description="Null unless you are an admin or project leader of the co-worker's company.")
    def hourly_cost(self, info: Info) -> Decimal | None:
        return self.hourly_cost_value if can_see_rates(info.context.viewer, self.company_id) else None

    @strawberry.field(
        description="The co-worker's hours that you may see (all of them for yourself), newest first: a timesheet. "
        "`dateFrom` and `dateTo` are inclusive."
    )
    async def time_records(
        self, info: Info, first: int | None = None, after: str | None = None,
        date_from: dt.date | None = None, date_to: dt.date | None = None,
    ) -> Connection[TimeRecordRef]:
        return await child_connection(
            info.context.loaders.time_records_by_co_worker, (self.id,), first, after, _time_record,
            criteria=window(date_from, date_to), prefetch=lambda rows: prefetch_time_record_relations(info, rows),
        )


@strawberry.type(description="An invitation to be a co-worker of a company. One from `coWorkerCreate` grants "
                 "nothing until the invited person accepts it (`coWorker` is null until then); one from a partner "
                 "company (`coWorkerInvite`) made the external co-worker record at once.")
class CoWorkerInvitation:
    company_id: strawberry.ID = strawberry.field(
        description="The inviting company: what `coWorkerInvitationAccept` and `coWorkerInvitationDecline` take.")
    company_name: str
    email: str
    role: Role
    title: str | None
    delivery: str = strawberry.field(description="SMTP (mailed) or LOG (no SMTP server configured: logged).")
    created_at: dt.datetime
    accepted_at: dt.datetime | None = strawberry.field(description="When the invited person accepted.")
    declined_at: dt.datetime | None = strawberry.field(description="When the invited person declined.")
    co_worker: CoWorker | None = strawberry.field(
        description="The co-worker record: from acceptance on (at once for a partner company's invitation).")
    company_pk: strawberry.Private[int]
    hourly_rate_value: strawberry.Private[Decimal | None]
    hourly_cost_value: strawberry.Private[Decimal | None]

    @classmethod
    def of(cls, item: invitations.Invitation) -> "CoWorkerInvitation":
        row = item.invitation
        return cls(
            company_id=strawberry.ID(to_global_id("Company", row.company_id)), company_name=item.company_name,
            email=row.email, role=row.role, title=row.title, delivery=row.delivery, created_at=row.created_at,
            accepted_at=row.accepted_at, declined_at=row.declined_at,
            co_worker=None if item.co_worker is None else CoWorker.from_row(item.co_worker),
            company_pk=row.company_id, hourly_rate_value=row.hourly_rate, hourly_cost_value=row.hourly_cost,
        )

    @strawberry.field(description="The rate offered; null unless you are an admin or project leader of the company.")
    def hourly_rate(self, info: Info) -> Decimal | None:
        return self.hourly_rate_value if can_see_rates(info.context.viewer, self.company_pk) else None

    @strawberry.field(description="The cost offered; null unless you are an admin or project leader of the company.")
    def hourly_cost(self, info: Info) -> Decimal | None:
        return self.hourly_cost_value if can_see_rates(info.context.viewer, self.company_pk) else None


@strawberry.type(description="The caller: their user and their memberships.")
class Viewer:
    email: str | None
    name: str | None
    is_operator: bool
    co_worker_ids: strawberry.Private[list[int]]

    @strawberry.field(description="The viewer's active co-worker records, one per company.")
    async def co_workers(self, info: Info) -> list[CoWorker]:
        rows = await info.context.loaders.co_worker_by_id.load_many(self.co_worker_ids)
        return [CoWorker.from_row(row) for row in rows if row is not None]

    @strawberry.field(description="Invitations waiting for your answer, newest first: accept or decline them with "
                      "`coWorkerInvitationAccept` / `coWorkerInvitationDecline`. Until you accept one from "
                      "`coWorkerCreate`, that company is not yours to see or act in.")
    async def invitations(self, info: Info) -> list[CoWorkerInvitation]:
        items = await company_invitations.open_invitations(info.context.db, info.context.viewer)
        return [CoWorkerInvitation.of(item) for item in items]
