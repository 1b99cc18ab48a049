"""Creating and changing projects: number, customer, leader, dates, status and price model."""
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.events import log as events
from domain.sharepoint import folder_renames
from domain.platform.db import Database
from domain.platform.errors import InvalidInput, NotFound
from domain.model import CoWorker, Customer, PriceModel, Project, ProjectStatus, ProjectStorage, Role, SeriesKind
from domain.partners.numbering import allocate_number
from domain.access.policy import MANAGERS, require_company_role, require_project_manager
from domain.access.viewer import Viewer
from domain.sharepoint.folder_names import folder_key
from domain.projects import cascade as project_cascade
from domain.sharepoint import folder_name_clashes as project_names
from domain.access.lookup import load_visible
from domain.access.people import active_co_worker
from domain.projects.cascade import refuse_inherited_edit
from domain.projects import secondary_customer
from domain.platform.validation import check_dates_in_order, clean_money, clean_name, not_null

# The columns a project edit may set directly (customer and leader are checked against the database).
PROJECT_FIELDS = ("name", "start_date", "end_date", "status", "price_model", "hourly_rate", "fixed_price", "storage")
# What a secondary project inherits from its main project (SPEC §3): the partner cascade copies these.
INHERITED_FIELDS = project_cascade.INHERITED_FIELDS
# The input's names of the fields, for userErrors.
FIELD_NAMES = {"name": "name", "start_date": "startDate", "end_date": "endDate", "status": "status",
               "price_model": "priceModel", "hourly_rate": "hourlyRate", "fixed_price": "fixedPrice"}

NEW_PROJECT: dict[str, Any] = {
    "name": None, "start_date": None, "end_date": None, "status": ProjectStatus.ACTIVE,
    "price_model": PriceModel.HOURLY, "hourly_rate": None, "fixed_price": None, "storage": ProjectStorage.INHERIT,
}


@dataclass
class ProjectDraft:
    company_id: int
    customer_id: int
    name: str
    leader_id: int | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    status: ProjectStatus = ProjectStatus.ACTIVE
    price_model: PriceModel = PriceModel.HOURLY
    hourly_rate: Decimal | None = None
    fixed_price: Decimal | None = None
    storage: ProjectStorage = ProjectStorage.INHERIT


def project_values(current: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """The validated column values an edit sets, checked together with the values it keeps.

    Pure: `current` holds the project's values (NEW_PROJECT for a new one), `changes` only
    what the caller gave. A required field given as None is refused, a nullable one cleared.
    """
    values: dict[str, Any] = {}
    if "name" in changes:
        values["name"] = clean_name(changes["name"])
    for key in ("start_date", "end_date"):
        if key in changes:
            values[key] = changes[key]
    for key, field in (("status", "status"), ("price_model", "priceModel"), ("storage", "storage")):
        if key in changes:
            values[key] = not_null(changes[key], field=field)
    for key, field in (("hourly_rate", "hourlyRate"), ("fixed_price", "fixedPrice")):
        if key in changes:
            values[key] = clean_money(changes[key], field=field)
    merged = {**current, **values}
    check_dates_in_order(merged["start_date"], merged["end_date"],
                         field="endDate" if "end_date" in changes else "startDate")
    if merged["price_model"] == PriceModel.FIXED and merged["fixed_price"] is None:
        raise InvalidInput("A fixed-price project needs its price.", field="fixedPrice")
    return values


async def _customer_of(session: AsyncSession, viewer: Viewer, company_id: int, customer_id: int) -> Customer:
    customer = await load_visible(session, viewer, Customer, customer_id, field="customerId", noun="customer")
    if customer.company_id != company_id:
        raise NotFound("No such customer.", field="customerId")
    return customer


async def _leader_of(session: AsyncSession, company_id: int, co_worker_id: int) -> CoWorker:
    """A project leader is an active admin or project leader of the project's company."""
    leader = await active_co_worker(session, company_id, co_worker_id, field="leaderId")
    if leader.role not in MANAGERS:
        raise InvalidInput("A project leader must be an admin or a project leader.", field="leaderId")
    return leader


async def create_project(db: Database, viewer: Viewer, draft: ProjectDraft) -> Project:
    """Admins and project leaders create projects; a project leader leads their new project unless told otherwise."""
    membership = require_company_role(viewer, draft.company_id, MANAGERS, field="companyId")
    given = {key: getattr(draft, key) for key in PROJECT_FIELDS}
    values = project_values(NEW_PROJECT, given)
    leader_id = draft.leader_id
    if leader_id is None and membership.role == Role.PROJECT_LEADER:
        leader_id = membership.co_worker_id
    async with db.transaction() as session:
        await _customer_of(session, viewer, draft.company_id, draft.customer_id)
        await project_names.refuse_duplicate_name(
            session, customer_id=draft.customer_id, name=values["name"], storage=values["storage"])
        if leader_id is not None:
            await _leader_of(session, draft.company_id, leader_id)
        project = Project(
            company_id=draft.company_id,
            customer_id=draft.customer_id,
            leader_id=leader_id,
            number=await allocate_number(session, draft.company_id, SeriesKind.PROJECT),
            **values,
        )
        session.add(project)
        events.record(session, events.ProjectAction.CREATED, project)
    return project


async def load_project_to_manage(session: AsyncSession, viewer: Viewer, project_id: int, *, field: str) -> Project:
    """A project the viewer manages: missing when they cannot see it, FORBIDDEN when they only see it."""
    project = await load_visible(session, viewer, Project, project_id, field=field, noun="project")
    require_project_manager(viewer, project, field=field)
    return project


async def update_project(db: Database, viewer: Viewer, project_id: int, changes: Mapping[str, Any]) -> Project:
    """`changes` holds only the fields the caller gave; None clears a nullable field."""
    async with db.transaction() as session:
        return await update_project_in(session, viewer, project_id, changes)


async def update_project_in(
    session: AsyncSession, viewer: Viewer, project_id: int, changes: Mapping[str, Any]
) -> Project:
    """update_project inside the caller's transaction (the demo loads everything in one)."""
    project = await load_project_to_manage(session, viewer, project_id, field="id")
    values = project_values({key: getattr(project, key) for key in PROJECT_FIELDS}, changes)
    if "customer_id" in changes:
        customer_id = not_null(changes["customer_id"], field="customerId")
        secondary_customer.refuse_customer_change(project, customer_id)
        values["customer_id"] = (await _customer_of(session, viewer, project.company_id, customer_id)).id
    if "leader_id" in changes:
        leader_id = changes["leader_id"]
        leader = None if leader_id is None else await _leader_of(session, project.company_id, leader_id)
        values["leader_id"] = leader.id if leader else None
    # An edit that turns priceModelFromMain off may set the secondary's own price fields at once.
    refuse_inherited_edit(project, values, field_names=FIELD_NAMES,
                          price_model_from_main=changes.get("price_model_from_main"))
    if "price_model_from_main" in changes:
        values.update(await _price_model_setting(session, project, changes["price_model_from_main"]))
    if "share_expenses" in changes:
        values["share_expenses"] = share_expenses_setting(project, changes["share_expenses"])
    await _refuse_duplicate_folder(session, project, values)
    old_name = project.name
    for key, value in values.items():
        setattr(project, key, value)
    if session.is_modified(project):
        events.record(session, events.ProjectAction.UPDATED, project)
        if project.name != old_name:
            await folder_renames.schedule_folder_rename(
                session, "project", project.id, folder_id=project.sharepoint_folder_id, project_id=project.id)
        if project.main_project_id is None:
            await project_cascade.cascade_project(session, project, values)
    return project


async def _refuse_duplicate_folder(session: AsyncSession, project: Project, values: Mapping[str, Any]) -> None:
    """DUPLICATE_PROJECT_NAME for an edit that gives the project (or, by the cascade, a secondary) another
    folder name, customer or a folder in SharePoint again; the field is the one the edit changed."""
    after = {key: values.get(key, getattr(project, key)) for key in ("customer_id", "name", "storage")}
    renamed = folder_key(after["name"]) != folder_key(project.name)
    moved = renamed or after["customer_id"] != project.customer_id or after["storage"] != project.storage
    cascades = renamed and project.main_project_id is None
    if not moved:
        return
    extra = await project_names.secondary_customer_ids(session, project.id) if cascades else []
    field = "name" if renamed else "customerId" if after["customer_id"] != project.customer_id else "storage"
    await project_names.refuse_duplicate_name(
        session, customer_id=after["customer_id"], name=after["name"], storage=after["storage"],
        project_id=project.id, extra_customer_ids=extra, field=field)
    if cascades:
        await project_names.refuse_duplicate_secondary_names(session, project, after["name"])


def share_expenses_setting(project: Project, share: Any) -> bool:
    """A main project's setting (SPEC §4): clone partners' expenses on its secondary projects into it."""
    share = not_null(share, field="shareExpenses")
    if project.main_project_id is not None:
        raise InvalidInput("A secondary project's expenses are shared by its main project's setting; set it there.",
                           field="shareExpenses")
    return share


async def _price_model_setting(session: AsyncSession, project: Project, follow: Any) -> dict[str, Any]:
    """A secondary project's setting: take the main project's price model and rates, or keep its own."""
    follow = not_null(follow, field="priceModelFromMain")
    if project.main_project_id is None:
        raise InvalidInput("Only a secondary project can follow its main project's price model.",
                           field="priceModelFromMain")
    values: dict[str, Any] = {"price_model_from_main": follow}
    if follow:
        main = await session.get(Project, project.main_project_id)
        values.update({key: getattr(main, key) for key in project_cascade.PRICE_FIELDS})
    return values
