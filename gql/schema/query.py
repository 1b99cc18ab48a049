"""The Query root."""
import datetime as dt

import strawberry
from strawberry import relay

from gql.context import Info
from gql.resolvers import lists
from gql.schema.common import Connection
from gql.schema.customers import Customer, CustomerStatus
from gql.schema.hours import HourStatus, TimeRecord
from gql.schema.organisation import Company, CoWorker, Role, Viewer
from gql.schema.projects import Project, ProjectStatus


@strawberry.type
class Query:
    node: relay.Node | None = relay.node(description="Any object by its global id; null when missing or not yours to see.")
    nodes: list[relay.Node | None] = relay.node(description="Objects by global id, in order; null where missing or hidden.")

    @strawberry.field(description="Who you are. Null fields when unauthenticated.")
    def viewer(self, info: Info) -> Viewer:
        v = info.context.viewer
        return Viewer(email=v.email, name=v.name, is_operator=v.is_operator, co_worker_ids=v.co_worker_ids)

    @strawberry.field(description="Companies you are a co-worker of (operators: every company).")
    async def companies(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[Company]:
        return Connection.of(await lists.companies(info, first, after), Company.from_row)

    @strawberry.field
    async def co_workers(
        self, info: Info, first: int | None = None, after: str | None = None,
        company_id: strawberry.ID | None = None, role: Role | None = None, active: bool | None = None,
        external: bool | None = None, search: str | None = None,
    ) -> Connection[CoWorker]:
        page = await lists.co_workers(
            info, first, after, company_id=company_id, role=role, active=active, external=external, search=search
        )
        return Connection.of(page, CoWorker.from_row)

    @strawberry.field
    async def customers(
        self, info: Info, first: int | None = None, after: str | None = None,
        company_id: strawberry.ID | None = None, status: CustomerStatus | None = None, search: str | None = None,
    ) -> Connection[Customer]:
        page = await lists.customers(info, first, after, company_id=company_id, status=status, search=search)
        return Connection.of(page, Customer.from_row)

    @strawberry.field
    async def projects(
        self, info: Info, first: int | None = None, after: str | None = None,
        company_id: strawberry.ID | None = None, customer_id: strawberry.ID | None = None,
        status: ProjectStatus | None = None, leader_id: strawberry.ID | None = None,
        member_id: strawberry.ID | None = None, search: str | None = None,
    ) -> Connection[Project]:
        page = await lists.projects(
            info, first, after, company_id=company_id, customer_id=customer_id, status=status,
            leader_id=leader_id, member_id=member_id, search=search,
        )
        return Connection.of(page, Project.from_row)

    @strawberry.field(description="Time records you may see, newest first.")
    async def time_records(
        self, info: Info, first: int | None = None, after: str | None = None,
        company_id: strawberry.ID | None = None, project_id: strawberry.ID | None = None,
        co_worker_id: strawberry.ID | None = None, date_from: dt.date | None = None,
        date_to: dt.date | None = None, status: HourStatus | None = None,
    ) -> Connection[TimeRecord]:
        page = await lists.time_records(
            info, first, after, company_id=company_id, project_id=project_id, co_worker_id=co_worker_id,
            date_from=date_from, date_to=date_to, status=status,
        )
        return Connection.of(page, TimeRecord.from_row)
