"""DUPLICATE_PROJECT_NAME (SPEC §6): the database side of the project folder name rule, inside the caller's
transaction. Each check first takes the customers concerned FOR UPDATE (PostgreSQL; SQLite serialises writers
at BEGIN IMMEDIATE), in id order, so two concurrent creates, renames or storage switches of one customer run
one after the other and the second sees the first's project.
"""
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.platform.errors import DuplicateProjectName
from domain.model import Company, Customer, Project, ProjectStorage, StorageLocation
from domain.sharepoint.folder_names import clashing_pair, first_clash


async def lock_customers(session: AsyncSession, customer_ids: Iterable[int]) -> dict[int, StorageLocation]:
    """Locks the customers in id order and returns each one's storage location as committed now."""
    rows = await session.execute(
        select(Customer.id, Customer.storage_location).where(Customer.id.in_(set(customer_ids)))
        .order_by(Customer.id).with_for_update()
    )
    return {pk: location for pk, location in rows}


def stores_in_sharepoint(location: StorageLocation | None, storage: ProjectStorage) -> bool:
    return location == StorageLocation.SHAREPOINT and storage == ProjectStorage.INHERIT


async def _folders_of(session: AsyncSession, customer_id: int, *, without: Iterable[int] = ()) -> list[tuple[int, str]]:
    """(number, name) of the customer's projects with a folder in its library (storage inherited), by number."""
    query = select(Project.number, Project.name).where(
        Project.customer_id == customer_id, Project.storage == ProjectStorage.INHERIT)
    excluded = [pk for pk in without if pk is not None]
    if excluded:
        query = query.where(Project.id.not_in(excluded))
    return [(number, name) for number, name in await session.execute(query.order_by(Project.number))]


async def refuse_duplicate_name(
    session: AsyncSession, *, customer_id: int, name: str, storage: ProjectStorage, project_id: int | None = None,
    extra_customer_ids: Iterable[int] = (), field: str = "name", owner: str = "this customer",
) -> None:
    """DUPLICATE_PROJECT_NAME when a project called `name` of the customer, stored in SharePoint, would get the
    folder of another of the customer's projects. Locks the customer (with `extra_customer_ids`, for a cascade)."""
    locations = await lock_customers(session, [customer_id, *extra_customer_ids])
    if not stores_in_sharepoint(locations.get(customer_id), storage):
        return
    clash = first_clash(name, await _folders_of(session, customer_id, without=[project_id]))
    if clash is not None:
        raise DuplicateProjectName(
            f"Project {clash} of {owner} already has the SharePoint folder name '{name}' "
            "(names are compared as SharePoint does, ignoring case); choose another name.", field=field)


async def refuse_duplicate_secondary_names(session: AsyncSession, main: Project, name: str) -> None:
    """A main project's rename is copied to its secondaries, each a project of its own company's customer:
    refused (naming the partner's project) when one of those customers stores in SharePoint and already has
    a project with that folder name. Expects the customers locked (refuse_duplicate_name's extra_customer_ids)."""
    rows = await session.execute(
        select(Project.id, Project.customer_id, Project.storage, Customer.storage_location, Company.name)
        .join(Customer, Customer.id == Project.customer_id).join(Company, Company.id == Project.company_id)
        .where(Project.main_project_id == main.id).order_by(Project.id)
    )
    for secondary_id, customer_id, storage, location, company_name in rows.all():
        if not stores_in_sharepoint(location, storage):
            continue
        clash = first_clash(name, await _folders_of(session, customer_id, without=[secondary_id]))
        if clash is not None:
            raise DuplicateProjectName(
                f"The secondary project in {company_name} would be renamed too, and {company_name}'s project "
                f"{clash} of that customer already has the SharePoint folder name '{name}'; choose another name.",
                field="name")


async def secondary_customer_ids(session: AsyncSession, main_project_id: int) -> list[int]:
    return list(await session.scalars(select(Project.customer_id).where(Project.main_project_id == main_project_id)))


async def refuse_duplicates_on_switch(session: AsyncSession, customer_id: int, *, field: str) -> None:
    """A customer switched to SharePoint: refused while two of its projects would share a folder name.
    Expects the customer locked."""
    pair = clashing_pair(await _folders_of(session, customer_id))
    if pair is not None:
        raise DuplicateProjectName(
            f"Projects {pair[0]} and {pair[1]} of this customer would have the same SharePoint folder name; "
            "rename one of them (or set it to CLOUD) first.", field=field)

