"""Top-level list queries with the filters a front end needs; every list is limited by the access policy."""
import datetime as dt

from sqlalchemy import Select, func, or_, select

from domain import model as m
from domain.policy import visible
from gql.context import Info
from gql.ids import decode_id
from gql.pagination import Order, Page, PageRequest, paged, to_page


async def page_of(info: Info, query: Select, order: Order, first: int | None, after: str | None) -> Page:
    request = PageRequest.of(first, after)
    async with info.context.db.read() as session:
        rows = list(await session.scalars(paged(query, order, request)))
    return to_page(rows, order, request)


def _search(column, text: str | None):
    return func.lower(column).contains(text.strip().lower(), autoescape=True) if text else None


def _where(query: Select, *conditions) -> Select:
    return query.where(*(c for c in conditions if c is not None))


def company_filter(model, company_id: str | None):
    return None if company_id is None else model.company_id == decode_id(company_id, "Company", field="companyId")


async def companies(info: Info, first: int | None, after: str | None) -> Page:
    viewer = info.context.viewer
    # Operators see every company's name (they create companies and register groups), nothing inside them.
    query = select(m.Company) if viewer.is_operator else select(m.Company).where(visible(viewer, m.Company))
    return await page_of(info, query, Order(((m.Company.id, False),)), first, after)


async def co_workers(
    info: Info, first, after, *, company_id=None, role=None, active=None, external=None, search=None
) -> Page:
    query = select(m.CoWorker).join(m.User).where(visible(info.context.viewer, m.CoWorker))
    query = _where(
        query,
        company_filter(m.CoWorker, company_id),
        None if role is None else m.CoWorker.role == role,
        None if active is None else m.CoWorker.active.is_(active),
        None if external is None else (
            m.CoWorker.home_company_id != m.CoWorker.company_id if external
            else m.CoWorker.home_company_id == m.CoWorker.company_id
        ),
        None if not search else or_(_search(m.User.name, search), _search(m.User.email, search)),
    )
    return await page_of(info, query, Order(((m.CoWorker.id, False),)), first, after)


async def customers(info: Info, first, after, *, company_id=None, status=None, search=None) -> Page:
    query = select(m.Customer).where(visible(info.context.viewer, m.Customer))
    query = _where(
        query,
        company_filter(m.Customer, company_id),
        None if status is None else m.Customer.status == status,
        None if not search else or_(_search(m.Customer.name, search), m.Customer.organisation_number == search),
    )
    return await page_of(info, query, Order(((m.Customer.id, False),)), first, after)


async def projects(
    info: Info, first, after, *, company_id=None, customer_id=None, status=None, leader_id=None, member_id=None,
    search=None,
) -> Page:
    query = select(m.Project).where(visible(info.context.viewer, m.Project))
    query = _where(
        query,
        company_filter(m.Project, company_id),
        None if customer_id is None else m.Project.customer_id == decode_id(customer_id, "Customer", field="customerId"),
        None if status is None else m.Project.status == status,
        None if leader_id is None else m.Project.leader_id == decode_id(leader_id, "CoWorker", field="leaderId"),
        None if member_id is None else m.Project.id.in_(
            select(m.ProjectMember.project_id).where(
                m.ProjectMember.co_worker_id == decode_id(member_id, "CoWorker", field="memberId")
            )
        ),
        None if not search else _search(m.Project.name, search),
    )
    return await page_of(info, query, Order(((m.Project.id, False),)), first, after)


TIME_ORDER = Order(((m.TimeRecord.date, True), (m.TimeRecord.id, True)))


async def time_records(
    info: Info, first, after, *, company_id=None, project_id=None, co_worker_id=None,
    date_from: dt.date | None = None, date_to: dt.date | None = None, status=None,
) -> Page:
    query = select(m.TimeRecord).where(visible(info.context.viewer, m.TimeRecord))
    query = _where(
        query,
        company_filter(m.TimeRecord, company_id),
        None if project_id is None else m.TimeRecord.project_id == decode_id(project_id, "Project", field="projectId"),
        None if co_worker_id is None
        else m.TimeRecord.co_worker_id == decode_id(co_worker_id, "CoWorker", field="coWorkerId"),
        None if date_from is None else m.TimeRecord.date >= date_from,
        None if date_to is None else m.TimeRecord.date <= date_to,
        None if status is None else m.TimeRecord.status == status,
    )
    return await page_of(info, query, TIME_ORDER, first, after)
