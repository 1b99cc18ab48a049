"""Operators create companies (tenants) with their number series and, optionally, a first admin."""
from dataclasses import dataclass

from sqlalchemy import select

from domain.platform.db import Database
from domain.platform.errors import Duplicate
from domain.model import CoWorker, Company, Role, Tier
from domain.partners.numbering import new_series
from domain.access.policy import require_operator
from domain.access.viewer import Viewer
from domain.companies.co_workers import clean_person, user_for_email
from domain.platform.validation import clean_database_name, clean_name, clean_optional_text


@dataclass
class CompanyDraft:
    database_name: str
    name: str
    organisation_number: str | None = None
    tier: Tier = Tier.STANDARD
    admin_email: str | None = None
    admin_name: str | None = None


async def create_company(db: Database, viewer: Viewer, draft: CompanyDraft) -> Company:
    require_operator(viewer)
    database_name = clean_database_name(draft.database_name)
    name = clean_name(draft.name)
    organisation_number = clean_optional_text(draft.organisation_number, field="organisationNumber")
    admin = None
    if draft.admin_email is not None and draft.admin_email.strip():
        admin = clean_person(draft.admin_email, draft.admin_name, email_field="adminEmail", name_field="adminName")
    async with db.transaction() as session:
        if await session.scalar(select(Company.id).where(Company.database_name == database_name)) is not None:
            raise Duplicate(f"A company already has the database name '{database_name}'.", field="databaseName")
        company = Company(
            database_name=database_name, name=name, organisation_number=organisation_number, tier=draft.tier
        )
        session.add(company)
        await session.flush()
        session.add_all(new_series(company.id))
        if admin is not None:
            user = await user_for_email(session, *admin)
            session.add(CoWorker(company_id=company.id, user=user, home_company_id=company.id, role=Role.ADMIN))
    return company
