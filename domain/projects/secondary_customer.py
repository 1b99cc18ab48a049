"""A secondary project's customer is the one its company attached to the partner link with the main company
(SPEC §2.3, §3; issue 19 item 5a): internal invoices go to that customer, so it is never set on the project itself.

Choices where the issue left it open:
- Attaching another customer to the link (partnerLinkAttachCustomer) moves every *open* secondary project of
  that partner (status not CLOSED) to it in the same transaction, with a project event each; a SharePoint
  folder-name clash under the new customer refuses the whole change (DUPLICATE_PROJECT_NAME on customerId).
- A closed secondary keeps the customer it had (its hours were invoiced there); reopened, it moves to the
  link's customer then (domain.projects.secondary.join_secondary_project).
- projectUpdate giving a secondary its own customer again is accepted (nothing changes); another one is
  INHERITED_FROM_MAIN on customerId.
"""
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain.events import log as events
from domain.platform.db import Database
from domain.platform.errors import InheritedFromMain
from domain.model import PartnerLink, Project, ProjectStatus
from domain.access.viewer import Viewer
from domain.partners import links as partner_links
from domain.sharepoint import folder_name_clashes as project_names


def refuse_customer_change(project: Project, customer_id: int) -> None:
    """INHERITED_FROM_MAIN when an edit gives a secondary project another customer than its own (pure)."""
    if project.main_project_id is not None and customer_id != project.customer_id:
        raise InheritedFromMain(
            "A secondary project's customer is the one its company attached to the partner link with the main "
            "project's company; attach another customer to that link instead (partnerLinkAttachCustomer).",
            field="customerId",
        )


async def move_to_customer(session: AsyncSession, secondary: Project, customer_id: int) -> None:
    """One secondary project to the link's customer: refused when its SharePoint folder name is taken there."""
    if secondary.customer_id == customer_id:
        return
    await project_names.refuse_duplicate_name(
        session, customer_id=customer_id, name=secondary.name, storage=secondary.storage, project_id=secondary.id,
        field="customerId", owner="the customer you attach (where the secondary project would move)")
    secondary.customer_id = customer_id
    events.record(session, events.ProjectAction.UPDATED, secondary)


async def open_secondaries_of_link(session: AsyncSession, link: PartnerLink) -> list[Project]:
    """The open secondary projects of `link`'s company whose main project is the partner's, in id order."""
    main = aliased(Project, name="main_project")
    return list(await session.scalars(
        select(Project).join(main, main.id == Project.main_project_id)
        .where(Project.company_id == link.company_id, main.company_id == link.partner_company_id,
               Project.status != ProjectStatus.CLOSED)
        .order_by(Project.id).with_for_update(of=Project)
    ))


async def attach_partner_customer(db: Database, viewer: Viewer, link_id: int, customer_id: int | None) -> PartnerLink:
    """partnerLinkAttachCustomer: attaches the customer and moves the open secondary projects to it, as one change."""
    async with db.transaction() as session:
        link = await partner_links.attach_partner_customer_in(session, viewer, link_id, customer_id)
        if link.customer_id is not None:
            for secondary in await open_secondaries_of_link(session, link):
                await move_to_customer(session, secondary, link.customer_id)
        return link
