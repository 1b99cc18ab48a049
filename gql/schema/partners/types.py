"""Partner companies: the links of the handshake, their state per partner, and registered groups."""
import datetime as dt
from typing import Annotated

import strawberry
from strawberry import relay

from domain import model as m
from domain.partners.setup import MissingStep
from domain.partners.setup import PartnerStep as DomainPartnerStep
from domain.partners.links import PartnerPair
from gql.context import Info
from gql.schema.common import RowNode, node_type

# The company types stand above these (a company's partners and group): named here, loaded by node_type.
CompanyRef = Annotated["Company", strawberry.lazy("gql.schema.companies.types")]
CoWorkerRef = Annotated["CoWorker", strawberry.lazy("gql.schema.companies.types")]
CustomerRef = Annotated["Customer", strawberry.lazy("gql.schema.customers.types")]

SeriesKind = strawberry.enum(m.SeriesKind)
SeriesPolicy = strawberry.enum(m.SeriesPolicy, description="OWN: the company's own series; GROUP: the series of "
                               "its partner group's main company (own series while in no group).")


@strawberry.type(description="Where one of a company's number series draws from.")
class NumberSeriesSetting:
    kind: SeriesKind
    policy: SeriesPolicy


@strawberry.type(description="A company's switches; the partner features give them their effect.")
class CompanySettings:
    partner_companies_enabled: bool
    share_customers: bool
    share_tasks: bool
    company_id: strawberry.Private[int] = 0

    @classmethod
    def of(cls, company) -> "CompanySettings":
        return cls(
            partner_companies_enabled=company.partner_companies_enabled, share_customers=company.share_customers,
            share_tasks=company.share_tasks, company_id=company.id,
        )

    @strawberry.field(description="Projects, customers and internal invoices: OWN or GROUP series (SPEC §2.5).")
    async def number_series(self, info: Info) -> list[NumberSeriesSetting]:
        rows = await info.context.loaders.partners.number_series_by_company.load(self.company_id)
        return [NumberSeriesSetting(kind=row.kind, policy=row.policy) for row in rows]


PartnerStep = strawberry.enum(
    DomainPartnerStep, description="A step of the partner setup: PRO and the setting, then per partner add, "
    "confirm and attach the customer; to join a group, leaving any other group."
)


@strawberry.type(description="A step still missing: what `company` has to do (towards `partnerCompany`, when set).")
class PartnerSetupStep:
    step: PartnerStep
    message: str
    company_database_name: str
    partner_database_name: str | None
    company_id: strawberry.Private[int]
    partner_company_id: strawberry.Private[int | None]

    @classmethod
    def of(cls, missing: MissingStep) -> "PartnerSetupStep":
        return cls(
            step=missing.step, message=missing.message, company_database_name=missing.company.database_name,
            partner_database_name=missing.partner.database_name if missing.partner else None,
            company_id=missing.company.id, partner_company_id=missing.partner.id if missing.partner else None,
        )

    @strawberry.field(description="The company that has to act; null when you cannot see it as a node (operators).")
    async def company(self, info: Info) -> CompanyRef | None:
        return await node_type("Company").load(info, self.company_id)

    @strawberry.field(description="The partner the step concerns; null for a step on the company's own settings.")
    async def partner_company(self, info: Info) -> CompanyRef | None:
        return await node_type("Company").load(info, self.partner_company_id)


@strawberry.type(description="One company's side of a partner link: it added the partner, may have confirmed it, "
                 "and attaches its own customer that represents the partner. Seen by both companies' admins.")
class PartnerLink(RowNode):
    loader = "partner_link_by_id"
    id: relay.NodeID[int]
    added_at: dt.datetime
    confirmed_at: dt.datetime | None
    company_id: strawberry.Private[int]
    partner_company_id: strawberry.Private[int]
    customer_id: strawberry.Private[int | None]
    added_by_id: strawberry.Private[int | None]

    @strawberry.field
    def confirmed(self) -> bool:
        return self.confirmed_at is not None

    @strawberry.field(description="Whether the company has attached the customer that represents the partner.")
    def customer_attached(self) -> bool:
        return self.customer_id is not None

    @strawberry.field(description="The company that made this link.")
    async def company(self, info: Info) -> CompanyRef:
        return await node_type("Company").load(info, self.company_id)

    @strawberry.field(description="The company it was made towards.")
    async def partner_company(self, info: Info) -> CompanyRef:
        return await node_type("Company").load(info, self.partner_company_id)

    @strawberry.field(description="The attached customer; null when none is attached or it is the partner's own.")
    async def customer(self, info: Info) -> CustomerRef | None:
        return await node_type("Customer").load(info, self.customer_id)

    @strawberry.field(description="The admin who added the partner; null when you cannot see them.")
    async def added_by(self, info: Info) -> CoWorkerRef | None:
        return await node_type("CoWorker").load(info, self.added_by_id)


@strawberry.type(description="A partner of the company, seen from the company: both links and what is missing.")
class PartnerStatus:
    outgoing: PartnerLink | None = strawberry.field(description="The link the company made; null until it adds the partner.")
    incoming: PartnerLink | None = strawberry.field(description="The link the partner made towards the company.")
    complete: bool = strawberry.field(description="Added, confirmed and customers attached both ways; both companies "
                                      "PRO with partner companies on. Only then can a group hold both.")
    missing_steps: list[PartnerSetupStep]
    partner_company_id: strawberry.Private[int]

    @classmethod
    def of(cls, pair: PartnerPair) -> "PartnerStatus":
        return cls(
            outgoing=PartnerLink.from_optional(pair.ours), incoming=PartnerLink.from_optional(pair.theirs),
            complete=pair.complete, missing_steps=[PartnerSetupStep.of(s) for s in pair.missing],
            partner_company_id=pair.partner_company_id,
        )

    @strawberry.field
    async def partner_company(self, info: Info) -> CompanyRef:
        return await node_type("Company").load(info, self.partner_company_id)


@strawberry.type(description="A company's membership in a partner group, with the company's name and settings.")
class PartnerGroupMember:
    database_name: str
    name: str
    is_main: bool
    joined_at: dt.datetime
    left_at: dt.datetime | None
    settings: CompanySettings
    company_id: strawberry.Private[int]

    @classmethod
    def of(cls, member: m.PartnerGroupMember, company: m.Company, main_company_id: int) -> "PartnerGroupMember":
        return cls(
            database_name=company.database_name, name=company.name, is_main=company.id == main_company_id,
            joined_at=member.joined_at, left_at=member.left_at, settings=CompanySettings.of(company),
            company_id=company.id,
        )

    @strawberry.field(description="The company as a node; null for an operator, who sees no company's insides.")
    async def company(self, info: Info) -> CompanyRef | None:
        return await node_type("Company").load(info, self.company_id)


@strawberry.federation.type(keys=["id"], description="A partner-company group the operator registered. Its main "
                            "company's number series is the group's series.")
class PartnerGroup(RowNode):
    loader = "partner_group_by_id"
    id: relay.NodeID[int]
    name: str
    registered_at: dt.datetime
    dissolved_at: dt.datetime | None = strawberry.field(
        description="Set when the main company left or one member remained; such a group shares nothing."
    )
    main_company_id: strawberry.Private[int]

    @strawberry.field(description="The main company; null for an operator (see `members` and `isMain`).")
    async def main_company(self, info: Info) -> CompanyRef | None:
        return await node_type("Company").load(info, self.main_company_id)

    @strawberry.field(description="The member companies, in the order they joined; `includeFormer` adds those that left.")
    async def members(self, info: Info, include_former: bool = False) -> list[PartnerGroupMember]:
        rows = await info.context.loaders.partners.members_by_group.load((self.id, include_former))
        return [PartnerGroupMember.of(member, company, self.main_company_id) for member, company in rows]


def partner_group_of(row: m.PartnerGroup | None) -> PartnerGroup | None:
    return PartnerGroup.from_optional(row)
