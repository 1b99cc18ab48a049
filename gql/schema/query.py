"""The Query root: the viewer, Relay `node`/`nodes`, and the top-level lists."""
import asyncio
import datetime as dt
from collections.abc import Callable
from typing import Any

import strawberry
from strawberry import relay

from domain.platform.errors import InvalidInput
from gql.context import Info
from gql.ids import parse_global_id
from gql.pagination import MAX_PAGE
from gql.resolvers import lists
from gql.schema.common import Connection, RowNode
from gql.schema.customers import Contact, Customer, CustomerStatus
from gql.schema.files import File
from gql.schema.hours import HourStatus, TimeRecord
from gql.schema.organisation import Company, CoWorker, Role, Viewer
from gql.schema.partners import PartnerGroup, PartnerLink
from gql.schema.projects import Activity, Milestone, Project, ProjectStatus
from gql.schema.tasks import Task
from gql.schema.sharepoint_sync import SharePointSyncRun

NODE_TYPES: dict[str, type[RowNode]] = {
    t.__name__: t for t in (Company, CoWorker, Customer, Contact, Project, Activity, Milestone, TimeRecord, File)
}
NODE_TYPES.update({t.__name__: t for t in (PartnerGroup, PartnerLink, Task)})  # partner companies (SPEC §2)
NODE_TYPES["SharePointSyncRun"] = SharePointSyncRun  # SharePoint syncs (SPEC §6)


async def node_by_global_id(info: Info, value: str) -> RowNode | None:
    """The node a global id names, or None when it is malformed, of no node type, missing or hidden."""
    parsed = parse_global_id(value)
    node_type = NODE_TYPES.get(parsed[0]) if parsed else None
    if parsed is None or node_type is None:
        return None
    return await node_type.load(info, parsed[1])


async def _connection(info: Info, listing: lists.Listing, first, after, convert: Callable[[Any], Any]) -> Connection:
    page = await lists.page_of(info, listing, first, after)
    return Connection.of(page, convert, count=lambda: lists.count_of(info, listing))


@strawberry.type
class Query:
    @strawberry.field(
        description="Any object by its global id. Null when the id is malformed, names no object, or names one "
        "you may not see: the three cannot be told apart."
    )
    async def node(self, info: Info, id: strawberry.ID) -> relay.Node | None:
        return await node_by_global_id(info, id)

    @strawberry.field(
        description=f"Objects by global id (at most {MAX_PAGE}), in the order asked; null for each id that is "
        "malformed, names no object, or names one you may not see."
    )
    async def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[relay.Node | None]:
        if len(ids) > MAX_PAGE:
            raise InvalidInput(f"At most {MAX_PAGE} ids at once; {len(ids)} were given.", field="ids")
        # Gathered, so the loads of each type meet in one batch.
        return list(await asyncio.gather(*(node_by_global_id(info, value) for value in ids)))

    @strawberry.field(description="Who you are; every field is null or empty when you are not signed in.")
    def viewer(self, info: Info) -> Viewer:
        v = info.context.viewer
        return Viewer(email=v.email, name=v.name, is_operator=v.is_operator, co_worker_ids=v.co_worker_ids)

    @strawberry.field(description="Companies you are a co-worker of (operators: every company, but nothing in them).")
    async def companies(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[Company]:
        return await _connection(info, lists.companies(info.context.viewer), first, after, Company.from_row)

    @strawberry.field(description="Co-workers you may see. `search` matches name or email; `external` the home company.")
    async def co_workers(
        self, info: Info, first: int | None = None, after: str | None = None,
        company_id: strawberry.ID | None = None, role: Role | None = None, active: bool | None = None,
        external: bool | None = None, search: str | None = None,
    ) -> Connection[CoWorker]:
        listing = lists.co_workers(
            info.context.viewer, company_id=company_id, role=role, active=active, external=external, search=search
        )
        return await _connection(info, listing, first, after, CoWorker.from_row)

    @strawberry.field(description="Customers you may see. `search` matches the name, or the organisation number exactly.")
    async def customers(
        self, info: Info, first: int | None = None, after: str | None = None,
        company_id: strawberry.ID | None = None, status: CustomerStatus | None = None, search: str | None = None,
    ) -> Connection[Customer]:
        listing = lists.customers(info.context.viewer, company_id=company_id, status=status, search=search)
        return await _connection(info, listing, first, after, Customer.from_row)

    @strawberry.field(description="Projects you may see. `memberId` gives the projects a co-worker is a member of.")
    async def projects(
        self, info: Info, first: int | None = None, after: str | None = None,
        company_id: strawberry.ID | None = None, customer_id: strawberry.ID | None = None,
        status: ProjectStatus | None = None, leader_id: strawberry.ID | None = None,
        member_id: strawberry.ID | None = None, search: str | None = None,
    ) -> Connection[Project]:
        listing = lists.projects(
            info.context.viewer, company_id=company_id, customer_id=customer_id, status=status,
            leader_id=leader_id, member_id=member_id, search=search,
        )
        return await _connection(info, listing, first, after, Project.from_row)

    @strawberry.field(description="Time records you may see, newest first; `dateFrom` and `dateTo` are inclusive.")
    async def time_records(
        self, info: Info, first: int | None = None, after: str | None = None,
        company_id: strawberry.ID | None = None, project_id: strawberry.ID | None = None,
        activity_id: strawberry.ID | None = None, co_worker_id: strawberry.ID | None = None,
        date_from: dt.date | None = None, date_to: dt.date | None = None, status: HourStatus | None = None,
    ) -> Connection[TimeRecord]:
        listing = lists.time_records(
            info.context.viewer, company_id=company_id, project_id=project_id, activity_id=activity_id,
            co_worker_id=co_worker_id, date_from=date_from, date_to=date_to, status=status,
        )
        return await _connection(info, listing, first, after, TimeRecord.from_row)
