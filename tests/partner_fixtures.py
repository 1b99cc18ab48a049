"""A shared project to test against: a partner group with a main project, and (for hours) its secondary.

Used by the shared-project tests (issue 4) and the hours-across-companies tests (issue 5).
"""
from dataclasses import dataclass

from sqlalchemy import select

from domain import model as m
from domain.platform.db import Database
from domain.projects import members
from tests.factories import Person, SeededCompany, add_customer, add_person, add_project, gid
from tests.partner_seeds import admin_viewer, group_of_companies


@dataclass
class SharedProject:
    main: SeededCompany
    partner: SeededCompany
    main_project_id: int
    guest: Person  # the partner's employee, as an external co-worker of the main company
    colleague_guest: Person  # the partner's other employee, likewise
    partner_customer_id: int  # the partner's customer that stands for the main company

    @property
    def main_gid(self) -> str:
        return gid("Project", self.main_project_id)


async def shared_project_setup(db: Database, *, activities: int = 2, milestones: int = 1) -> SharedProject:
    """Two companies in a registered group; a main project in the first; two of the second's employees
    invited to the first as external co-workers (not yet on any project)."""
    (main, partner), _ = await group_of_companies(db, ("nordlys", "fjellvik"))
    project_id = await add_project(db, main, await add_customer(db, main, "Statkraft AS"), "Dam inspection",
                                   leader=main["leader"], activities=activities, milestones=milestones)
    guest = await add_person(db, main, "guest", m.Role.EXTERNAL, home=partner, email=partner["employee"].email)
    colleague = await add_person(db, main, "colleague_guest", m.Role.EXTERNAL, home=partner,
                                 email=partner["colleague"].email)
    async with db.read() as session:
        customer_id = await session.scalar(select(m.PartnerLink.customer_id).where(
            m.PartnerLink.company_id == partner.id, m.PartnerLink.partner_company_id == main.id))
    return SharedProject(main, partner, project_id, guest, colleague, customer_id)


@dataclass
class PartnerHours(SharedProject):
    """A shared project whose guest works on it: the partner's secondary project exists, led by the partner's
    project leader, with the partner's employee (the guest's home record) as member."""

    secondary_project_id: int = 0
    main_activity_ids: tuple[int, ...] = ()
    secondary_activity_ids: tuple[int, ...] = ()  # in the same order: the copy of main_activity_ids[i] is [i]

    @property
    def secondary_gid(self) -> str:
        return gid("Project", self.secondary_project_id)

    @property
    def worker(self) -> Person:
        """The guest's home record: who registers the hours, in the partner company."""
        return self.partner["employee"]


async def partner_hours_setup(db: Database) -> PartnerHours:
    shared = await shared_project_setup(db)
    await members.add_project_member(db, admin_viewer(shared.main), shared.main_project_id, shared.guest.co_worker_id)
    async with db.transaction() as session:
        secondary = await session.scalar(select(m.Project).where(m.Project.main_project_id == shared.main_project_id))
        secondary.leader_id = shared.partner["leader"].co_worker_id
        main_activities = tuple(await session.scalars(
            select(m.Activity.id).where(m.Activity.project_id == shared.main_project_id).order_by(m.Activity.id)))
        copies = dict((await session.execute(
            select(m.Activity.source_activity_id, m.Activity.id).where(m.Activity.project_id == secondary.id))).all())
        secondary_id = secondary.id
    return PartnerHours(**vars(shared), secondary_project_id=secondary_id, main_activity_ids=main_activities,
                        secondary_activity_ids=tuple(copies[a] for a in main_activities))
