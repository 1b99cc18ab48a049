"""Creating and changing customers and their contact persons."""
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.events import log as events
from domain.platform.db import Database
from domain.platform.errors import Duplicate
from domain.model import Company, Contact, Customer, CustomerStatus, SeriesKind, StorageLocation
from domain.partners.numbering import allocate_number
from domain.access.policy import MANAGERS, require_company_role, require_member
from domain.access.viewer import Viewer
from domain.access.lookup import load_visible
from domain.sharepoint.folder_name_clashes import lock_customers, refuse_duplicates_on_switch
from domain.partners.shared_customers import (CustomerMatch, customer_matches_in, normalise_organisation_number,
                                              same_organisation_number, shared_customer_source)
from domain.platform.validation import clean_email, clean_name, clean_optional_text, not_null


@dataclass
class ContactDraft:
    name: str
    email: str | None = None
    phone: str | None = None


@dataclass
class CustomerDraft:
    company_id: int
    name: str
    organisation_number: str | None = None
    status: CustomerStatus = CustomerStatus.ACTIVE
    storage_location: StorageLocation = StorageLocation.CLOUD
    contacts: list[ContactDraft] = field(default_factory=list)
    # A match from another company of the partner group: its organisation number and contacts are copied.
    copy_from_customer_id: int | None = None


@dataclass
class CreatedCustomer:
    customer: Customer
    # The group's customers like it (customerMatches' rule: empty unless both companies share customers).
    matches: list[CustomerMatch]


async def refuse_duplicate_organisation_number(session: AsyncSession, company_id: int,
                                               organisation_number: str | None, *, without: int | None = None) -> None:
    """DUPLICATE on organisationNumber when another customer of the company has it (spaces ignored).

    The company row is locked first (PostgreSQL, FOR NO KEY UPDATE; SQLite has one writer anyway), so two
    creates or edits with one number at once run one after the other and the second is refused."""
    normalised = normalise_organisation_number(organisation_number)
    if normalised is None:
        return
    await session.execute(select(Company.id).where(Company.id == company_id).with_for_update(key_share=True))
    query = select(Customer.number, Customer.name).where(Customer.company_id == company_id,
                                                         same_organisation_number(normalised))
    if without is not None:
        query = query.where(Customer.id != without)
    clash = (await session.execute(query.order_by(Customer.number).limit(1))).first()
    if clash is not None:
        raise Duplicate(f"Customer {clash.number} ({clash.name}) of this company already has organisation number "
                        f"{organisation_number}.", field="organisationNumber")


def _contacts(drafts: list[ContactDraft]) -> list[Contact]:
    return [
        Contact(
            name=clean_name(d.name, field=f"contacts.{i}.name"),
            email=None if not d.email else clean_email(d.email, field=f"contacts.{i}.email"),
            phone=clean_optional_text(d.phone, field=f"contacts.{i}.phone"),
        )
        for i, d in enumerate(drafts)
    ]


async def create_customer(db: Database, viewer: Viewer, draft: CustomerDraft) -> CreatedCustomer:
    require_company_role(viewer, draft.company_id, MANAGERS, field="companyId")
    name = clean_name(draft.name)
    organisation_number = clean_optional_text(draft.organisation_number, field="organisationNumber")
    contacts = _contacts(draft.contacts)
    async with db.transaction() as session:
        if draft.copy_from_customer_id is not None:
            source, source_contacts = await shared_customer_source(
                session, viewer, draft.company_id, draft.copy_from_customer_id, field="copyFromCustomerId"
            )
            organisation_number = organisation_number or source.organisation_number
            contacts = [Contact(name=c.name, email=c.email, phone=c.phone) for c in source_contacts] + contacts
        await refuse_duplicate_organisation_number(session, draft.company_id, organisation_number)
        customer = Customer(
            company_id=draft.company_id,
            number=await allocate_number(session, draft.company_id, SeriesKind.CUSTOMER),
            name=name,
            organisation_number=organisation_number,
            status=draft.status,
            storage_location=draft.storage_location,
        )
        session.add(customer)
        await session.flush()
        events.record(session, events.CustomerAction.CREATED, customer)
        for contact in contacts:
            contact.customer_id = customer.id
        session.add_all(contacts)
        matches = await customer_matches_in(session, viewer, draft.company_id,
                                            organisation_number=organisation_number, name=name)
    return CreatedCustomer(customer, matches)


async def load_customer_for_change(session: AsyncSession, viewer: Viewer, customer_id: int, *, field: str) -> Customer:
    """A customer the viewer may change, or NotFound (a refused customer looks like a missing one)."""
    customer = await load_visible(session, viewer, Customer, customer_id, field=field, noun="customer")
    require_member(viewer, customer.company_id, MANAGERS, field=field)
    return customer


async def update_customer(db: Database, viewer: Viewer, customer_id: int, changes: Mapping[str, Any]) -> Customer:
    """`changes` holds only the fields the caller gave; `contacts`, when given, replaces the list."""
    async with db.transaction() as session:
        customer = await load_customer_for_change(session, viewer, customer_id, field="id")
        if "name" in changes:
            customer.name = clean_name(changes["name"])
        if "organisation_number" in changes:
            organisation_number = clean_optional_text(changes["organisation_number"], field="organisationNumber")
            await refuse_duplicate_organisation_number(session, customer.company_id, organisation_number,
                                                       without=customer.id)
            customer.organisation_number = organisation_number
        if "status" in changes:
            customer.status = not_null(changes["status"], field="status")
        if "storage_location" in changes:
            location = not_null(changes["storage_location"], field="storageLocation")
            if location == StorageLocation.SHAREPOINT:
                # Locked first, so no project of the customer is created or renamed while its names are compared.
                if (await lock_customers(session, [customer.id])).get(customer.id) != location:
                    await refuse_duplicates_on_switch(session, customer.id, field="storageLocation")
            customer.storage_location = location
        if changes.get("contacts") is not None:
            contacts = _contacts(changes["contacts"])
            await session.execute(delete(Contact).where(Contact.customer_id == customer.id))
            for contact in contacts:
                contact.customer_id = customer.id
            session.add_all(contacts)
        events.record(session, events.CustomerAction.UPDATED, customer)
    return customer
