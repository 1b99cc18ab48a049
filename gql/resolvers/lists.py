"""Top-level list queries with the filters a front end needs; every list is limited by the access policy."""
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute, contains_eager

from domain import model as m
from domain.access.policy import visible
from domain.access.viewer import Viewer
from gql.context import Info
from gql.ids import decode_id
from gql.loaders import TIME_RECORDS_ORDER, by_id_order
from gql.pagination import Order, Page, PageRequest, paged, to_page


@dataclass(frozen=True)
class Listing:
    """Rows of one model matching the filters and the access policy, in a keyset order."""

    model: type
    conditions: Sequence[ColumnElement[bool]]
    order: Order
    join: InstrumentedAttribute | None = None  # a many-to-one to load in the same statement

    def rows(self) -> Select:
        query = select(self.model)
        if self.join is not None:
            query = query.join(self.join).options(contains_eager(self.join))
        return query.where(*self.conditions)

    def count(self) -> Select:
        query = select(func.count()).select_from(self.model)
        if self.join is not None:
            query = query.join(self.join)
        return query.where(*self.conditions)


async def page_of(info: Info, listing: Listing, first: int | None, after: str | None) -> Page:
    request = PageRequest.of(first, after)
    query = paged(listing.rows(), listing.order, request)
    async with info.context.reads.read() as session:
        rows = list(await session.scalars(query))
    return to_page(rows, listing.order, request)


async def count_of(info: Info, listing: Listing) -> int:
    async with info.context.reads.read() as session:
        return await session.scalar(listing.count()) or 0


def _search(column, text: str | None):
    return func.lower(column).contains(text.strip().lower(), autoescape=True) if text and text.strip() else None


def _conditions(*conditions) -> list[ColumnElement[bool]]:
    return [c for c in conditions if c is not None]


def _id(value: str | None, type_name: str, field_name: str) -> int | None:
    return None if value is None else decode_id(value, type_name, field=field_name)


def company_filter(model, company_id: str | None):
    pk = _id(company_id, "Company", "companyId")
    return None if pk is None else model.company_id == pk


def companies(viewer: Viewer) -> Listing:
    # Operators see every company's name (they create companies and register groups), nothing inside them.
    # Partner companies, which a group or a link lets a viewer see as nodes, are not the viewer's companies:
    # they are reached through `partnerGroup` and `partners`, and this list stays the viewer's own.
    where = true() if viewer.is_operator else and_(visible(viewer, m.Company), m.Company.id.in_(viewer.company_ids))
    return Listing(m.Company, [where], by_id_order(m.Company))


def co_workers(viewer: Viewer, *, company_id=None, role=None, active=None, external=None, search=None) -> Listing:
    external_clause = None
    if external is not None:
        is_external = m.CoWorker.home_company_id != m.CoWorker.company_id
        external_clause = is_external if external else ~is_external
    name_match = _search(m.User.name, search)
    conditions = _conditions(
        visible(viewer, m.CoWorker),
        # The list is of the viewer's companies; their own record in a partner company shows only on a shared task.
        m.CoWorker.company_id.in_(viewer.company_ids),
        company_filter(m.CoWorker, company_id),
        None if role is None else m.CoWorker.role == role,
        None if active is None else m.CoWorker.active.is_(active),
        external_clause,
        None if name_match is None else or_(name_match, _search(m.User.email, search)),
    )
    return Listing(m.CoWorker, conditions, by_id_order(m.CoWorker), join=m.CoWorker.user)


def customers(viewer: Viewer, *, company_id=None, status=None, search=None) -> Listing:
    text = _search(m.Customer.name, search)
    conditions = _conditions(
        visible(viewer, m.Customer),
        company_filter(m.Customer, company_id),
        None if status is None else m.Customer.status == status,
        None if text is None else or_(text, m.Customer.organisation_number == search.strip()),
    )
    return Listing(m.Customer, conditions, by_id_order(m.Customer))


def projects(
    viewer: Viewer, *, company_id=None, customer_id=None, status=None, leader_id=None, member_id=None, search=None
) -> Listing:
    customer_pk = _id(customer_id, "Customer", "customerId")
    leader_pk = _id(leader_id, "CoWorker", "leaderId")
    member_pk = _id(member_id, "CoWorker", "memberId")
    conditions = _conditions(
        visible(viewer, m.Project),
        company_filter(m.Project, company_id),
        None if customer_pk is None else m.Project.customer_id == customer_pk,
        None if status is None else m.Project.status == status,
        None if leader_pk is None else m.Project.leader_id == leader_pk,
        None if member_pk is None else m.Project.id.in_(
            select(m.ProjectMember.project_id).where(m.ProjectMember.co_worker_id == member_pk)
        ),
        _search(m.Project.name, search),
    )
    return Listing(m.Project, conditions, by_id_order(m.Project))


def time_records(
    viewer: Viewer, *, company_id=None, project_id=None, activity_id=None, co_worker_id=None,
    date_from: dt.date | None = None, date_to: dt.date | None = None, status=None,
) -> Listing:
    project_pk = _id(project_id, "Project", "projectId")
    activity_pk = _id(activity_id, "Activity", "activityId")
    co_worker_pk = _id(co_worker_id, "CoWorker", "coWorkerId")
    conditions = _conditions(
        visible(viewer, m.TimeRecord),
        company_filter(m.TimeRecord, company_id),
        None if project_pk is None else m.TimeRecord.project_id == project_pk,
        None if activity_pk is None else m.TimeRecord.activity_id == activity_pk,
        None if co_worker_pk is None else m.TimeRecord.co_worker_id == co_worker_pk,
        None if date_from is None else m.TimeRecord.date >= date_from,
        None if date_to is None else m.TimeRecord.date <= date_to,
        None if status is None else m.TimeRecord.status == status,
    )
    return Listing(m.TimeRecord, conditions, TIME_RECORDS_ORDER)
