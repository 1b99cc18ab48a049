"""What partner companies share with each other (SPEC §2), as SQL clauses domain.access.policy adds to its reads.

Everything here is keyed on *current* group membership: a company that left a group (or a group that
was dissolved) shares nothing from then on. A one-sided or unconfirmed link shares nothing either;
it only lets the two companies' admins see each other's name while they finish the handshake.
"""
from sqlalchemy import ColumnElement, Select, and_, or_, select

from domain.model import (
    CoWorker,
    Company,
    Customer,
    NumberSeries,
    PartnerGroup,
    PartnerGroupMember,
    PartnerLink,
    Role,
    Task,
)
from domain.access.viewer import Viewer
from domain.access.viewer_values import value

MATCH_VIEWERS = (Role.ADMIN, Role.PROJECT_LEADER)

# Operators register groups (SPEC §1): domain.access.policy.visible shows them every group, with its members
# (their names and settings) and the members' number series, and no row of any company.
OPERATOR_VISIBLE = (PartnerGroup, PartnerGroupMember, NumberSeries)


def current_member():
    return PartnerGroupMember.left_at.is_(None)


def current_groups_of(company_ids) -> Select:
    """The groups these companies are in now."""
    return select(PartnerGroupMember.group_id).where(PartnerGroupMember.company_id.in_(company_ids), current_member())


def group_companies_of(company_ids) -> Select:
    """Every company in the current groups of these companies (them included)."""
    return select(PartnerGroupMember.company_id).where(
        PartnerGroupMember.group_id.in_(current_groups_of(company_ids)), current_member()
    )


def linked_companies_of(company_ids) -> Select:
    """Companies with a partner link to or from these companies, in either direction, in any state."""
    return select(PartnerLink.partner_company_id).where(PartnerLink.company_id.in_(company_ids)).union(
        select(PartnerLink.company_id).where(PartnerLink.partner_company_id.in_(company_ids))
    )


def partner_companies_visible(viewer: Viewer) -> ColumnElement[bool]:
    """Co-workers see the companies of their companies' groups; admins also the companies they are
    setting up links with (to see who added them)."""
    admin_of = value(viewer, "viewer_admin_of")
    return or_(Company.id.in_(group_companies_of(value(viewer, "viewer_company_ids"))), Company.id.in_(linked_companies_of(admin_of)))


def partner_groups_visible(viewer: Viewer) -> ColumnElement[bool]:
    return PartnerGroup.id.in_(current_groups_of(value(viewer, "viewer_company_ids")))


def partner_group_members_visible(viewer: Viewer) -> ColumnElement[bool]:
    return PartnerGroupMember.group_id.in_(current_groups_of(value(viewer, "viewer_company_ids")))


def partner_links_visible(viewer: Viewer) -> ColumnElement[bool]:
    """A link is seen by the admins of both its companies: theirs, and the one made towards them."""
    admin_of = value(viewer, "viewer_admin_of")
    return or_(PartnerLink.company_id.in_(admin_of), PartnerLink.partner_company_id.in_(admin_of))


def number_series_visible(viewer: Viewer) -> ColumnElement[bool]:
    """A company's series policies are settings: seen with the company by its co-workers and its group."""
    return or_(
        NumberSeries.company_id.in_(value(viewer, "viewer_company_ids")),
        NumberSeries.company_id.in_(group_companies_of(value(viewer, "viewer_company_ids"))),
    )


# --- shared tasks (SPEC §2.7) -------------------------------------------------


def _sharing_tasks(company_ids) -> Select:
    return select(Company.id).where(Company.id.in_(company_ids), Company.share_tasks.is_(True))


def task_board_co_workers(viewer: Viewer) -> Select:
    """The viewer's own co-worker records, plus (shared tasks) the same person's active records in the other
    companies of the group of a company they are in, when both that company and the other share tasks."""
    if viewer.user_id is None:
        return select(CoWorker.id).where(False)
    partners = select(PartnerGroupMember.company_id).join(Company, Company.id == PartnerGroupMember.company_id).where(
        PartnerGroupMember.group_id.in_(current_groups_of(_sharing_tasks(value(viewer, "viewer_company_ids")))),
        current_member(),
        Company.share_tasks.is_(True),
    )
    return select(CoWorker.id).where(
        or_(
            CoWorker.id.in_(value(viewer, "viewer_co_worker_ids")),
            and_(CoWorker.user_id == value(viewer, "viewer_user_id"), CoWorker.active.is_(True), CoWorker.company_id.in_(partners)),
        )
    )


def shared_tasks_visible(viewer: Viewer) -> ColumnElement[bool]:
    return Task.assignee_id.in_(task_board_co_workers(viewer))


# --- shared customers (SPEC §2.6) ---------------------------------------------


def customer_sharing_companies(company_id: int) -> Select:
    """The other companies of `company_id`'s group whose customers it may be told about: only when both it
    and they share customers."""
    own = select(Company.id).where(Company.id == company_id, Company.share_customers.is_(True))
    return (
        select(PartnerGroupMember.company_id)
        .join(Company, Company.id == PartnerGroupMember.company_id)
        .where(
            PartnerGroupMember.group_id.in_(current_groups_of(own)),
            current_member(),
            Company.share_customers.is_(True),
            PartnerGroupMember.company_id != company_id,
        )
    )


def may_look_up_shared_customers(viewer: Viewer, company_id: int) -> bool:
    """Matches in other group companies are shown to admins and project leaders only."""
    return viewer.role_in(company_id) in MATCH_VIEWERS


def shared_customer_clause(company_id: int) -> ColumnElement[bool]:
    return Customer.company_id.in_(customer_sharing_companies(company_id))
