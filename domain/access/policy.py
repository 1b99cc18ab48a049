"""Who may see and do what (SPEC §1): the one place every read and write asks.

Reads are SQL clauses that loaders and list queries add to their WHERE, so a
refused row is simply never loaded and looks exactly like a missing one. Writes
are checks that raise Forbidden.
"""
from collections.abc import Iterable

from sqlalchemy import ColumnElement, false, or_, select, true

from domain.access import partner_visibility
from domain.access.viewer import Membership, Viewer
from domain.access.viewer_values import MANAGERS, value
from domain.platform.errors import Forbidden, NotFound
from domain.model import (
    Activity,
    CoWorker,
    Company,
    Contact,
    Customer,
    Expense,
    File,
    InternalInvoice,
    Milestone,
    NumberSeries,
    PartnerGroup,
    PartnerGroupMember,
    PartnerLink,
    Project,
    ProjectMember,
    RecurringTaskSeries,
    Role,
    SharePointSyncRun,
    Task,
    TimeRecord,
)





# --- reads ----------------------------------------------------------------


def _member_project_ids(viewer: Viewer):
    return select(ProjectMember.project_id).where(ProjectMember.co_worker_id.in_(value(viewer, "viewer_co_worker_ids")))


def _led_project_ids(viewer: Viewer):
    """Projects the viewer leads as an admin or project leader: an EMPLOYEE or EXTERNAL co-worker named
    leader (by mistake, or before a role change) gains no sight of others' hours by it."""
    return select(Project.id).where(Project.leader_id.in_(value(viewer, "viewer_leading")))


def companies_visible(viewer: Viewer) -> ColumnElement[bool]:
    # Partner groups and links share the partner companies themselves (name, settings), nothing inside them.
    return or_(Company.id.in_(value(viewer, "viewer_company_ids")), partner_visibility.partner_companies_visible(viewer))


def projects_visible(viewer: Viewer) -> ColumnElement[bool]:
    """Admins and project leaders see their company's projects; others only those they are members of."""
    return or_(Project.company_id.in_(value(viewer, "viewer_manager_of")), Project.id.in_(_member_project_ids(viewer)))


def _of_visible_project(viewer: Viewer, project_id: ColumnElement) -> ColumnElement[bool]:
    """The row's project (`project_id`) is one the viewer sees: that one project looked up by its key (EXISTS),
    not the list of every project the viewer sees, which SQLite would build afresh for each statement."""
    return select(Project.id).where(Project.id == project_id, projects_visible(viewer)).correlate_except(
        Project).exists()


def customers_visible(viewer: Viewer) -> ColumnElement[bool]:
    return or_(
        Customer.company_id.in_(value(viewer, "viewer_manager_of")),
        Customer.id.in_(select(Project.customer_id).where(Project.id.in_(_member_project_ids(viewer)))),
    )


def contacts_visible(viewer: Viewer) -> ColumnElement[bool]:
    """Contact persons: never to EXTERNAL co-workers."""
    staff_customers = select(Customer.id).where(
        customers_visible(viewer), Customer.company_id.in_(value(viewer, "viewer_staff_of"))
    )
    return Contact.customer_id.in_(staff_customers)


def co_workers_visible(viewer: Viewer) -> ColumnElement[bool]:
    """Staff see their company's co-workers; an EXTERNAL one sees themself and their projects' members; anyone
    sees their own records in the group companies whose tasks reach their task board (a shared task's assignee)."""
    return or_(
        CoWorker.company_id.in_(value(viewer, "viewer_staff_of")),
        CoWorker.id.in_(value(viewer, "viewer_co_worker_ids")),
        CoWorker.id.in_(
            select(ProjectMember.co_worker_id).where(ProjectMember.project_id.in_(_member_project_ids(viewer)))
        ),
        CoWorker.id.in_(partner_visibility.task_board_co_workers(viewer)),
    )


def project_members_visible(viewer: Viewer) -> ColumnElement[bool]:
    return _of_visible_project(viewer, ProjectMember.project_id)


def activities_visible(viewer: Viewer) -> ColumnElement[bool]:
    return _of_visible_project(viewer, Activity.project_id)


def milestones_visible(viewer: Viewer) -> ColumnElement[bool]:
    return _of_visible_project(viewer, Milestone.project_id)


def time_records_visible(viewer: Viewer) -> ColumnElement[bool]:
    """Admins see the company's hours, leaders those of projects they lead, everyone their own."""
    return or_(
        TimeRecord.company_id.in_(value(viewer, "viewer_admin_of")),
        TimeRecord.co_worker_id.in_(value(viewer, "viewer_co_worker_ids")),
        TimeRecord.project_id.in_(_led_project_ids(viewer)),
    )


def expenses_visible(viewer: Viewer) -> ColumnElement[bool]:
    return or_(
        Expense.company_id.in_(value(viewer, "viewer_admin_of")),
        Expense.co_worker_id.in_(value(viewer, "viewer_co_worker_ids")),
        Expense.project_id.in_(_led_project_ids(viewer)),
    )


def tasks_visible(viewer: Viewer) -> ColumnElement[bool]:
    return or_(
        Task.company_id.in_(value(viewer, "viewer_manager_of")),
        Task.assignee_id.in_(value(viewer, "viewer_co_worker_ids")),
        Task.project_id.in_(_member_project_ids(viewer)),
        partner_visibility.shared_tasks_visible(viewer),
    )


def task_series_visible(viewer: Viewer) -> ColumnElement[bool]:
    """A recurring series is read as its tasks are: by the company's managers, the project's members, its
    assignee, and whoever sees one of its tasks."""
    return or_(
        RecurringTaskSeries.company_id.in_(value(viewer, "viewer_manager_of")),
        RecurringTaskSeries.assignee_id.in_(value(viewer, "viewer_co_worker_ids")),
        RecurringTaskSeries.project_id.in_(_member_project_ids(viewer)),
        RecurringTaskSeries.id.in_(select(Task.series_id).where(tasks_visible(viewer))),
    )


def files_visible(viewer: Viewer) -> ColumnElement[bool]:
    """A file is visible with the entity it belongs to. A customer's own files (contracts, offers) are not
    "files of their projects": employees and externals, who see a customer only through a project, don't get them."""
    return or_(
        File.customer_id.in_(select(Customer.id).where(Customer.company_id.in_(value(viewer, "viewer_manager_of")))),
        _of_visible_project(viewer, File.project_id),
        File.activity_id.in_(select(Activity.id).where(activities_visible(viewer))),
        File.task_id.in_(select(Task.id).where(tasks_visible(viewer))),
    )


def sharepoint_sync_runs_visible(viewer: Viewer) -> ColumnElement[bool]:
    """SharePoint syncs: the company's admins see every run; project leaders the runs of the projects they lead."""
    return or_(
        SharePointSyncRun.company_id.in_(value(viewer, "viewer_admin_of")),
        SharePointSyncRun.project_id.in_(_led_project_ids(viewer)),
    )


def internal_invoices_visible(viewer: Viewer) -> ColumnElement[bool]:
    """Internal invoices (SPEC §4): the admins of the company that invoices and of the company invoiced."""
    admin_of = value(viewer, "viewer_admin_of")
    return or_(InternalInvoice.company_id.in_(admin_of), InternalInvoice.buyer_company_id.in_(admin_of))


VISIBLE = {
    Company: companies_visible,
    Project: projects_visible,
    Customer: customers_visible,
    Contact: contacts_visible,
    CoWorker: co_workers_visible,
    ProjectMember: project_members_visible,
    Activity: activities_visible,
    Milestone: milestones_visible,
    TimeRecord: time_records_visible,
    Expense: expenses_visible,
    Task: tasks_visible,
    RecurringTaskSeries: task_series_visible,
    File: files_visible,
    SharePointSyncRun: sharepoint_sync_runs_visible,
    InternalInvoice: internal_invoices_visible,
    NumberSeries: partner_visibility.number_series_visible,
    PartnerGroup: partner_visibility.partner_groups_visible,
    PartnerGroupMember: partner_visibility.partner_group_members_visible,
    PartnerLink: partner_visibility.partner_links_visible,
}


def visible(viewer: Viewer, model: type) -> ColumnElement[bool]:
    """The WHERE clause that limits `model` to what `viewer` may read: for an operator, every partner group
    with its members and their number series (they register groups), and no row of any company."""
    if viewer.is_operator and model in partner_visibility.OPERATOR_VISIBLE:
        return true()
    if not viewer.memberships:
        return false()
    return VISIBLE[model](viewer)


def can_see_company_details(viewer: Viewer, company_id: int) -> bool:
    """An operator reads the company directory (name, databaseName, tier, settings: what creating companies and
    registering groups needs), not a company's organisation number, unless they are a co-worker of it."""
    return not viewer.is_operator or company_id in viewer.company_ids


def can_see_rates(viewer: Viewer, company_id: int) -> bool:
    """Hourly rates and costs: admins and project leaders of that company."""
    return viewer.role_in(company_id) in MANAGERS


# --- writes ---------------------------------------------------------------


def require_member(viewer: Viewer, company_id: int, roles: Iterable[Role] = tuple(Role), *, field: str | None = None) -> Membership:
    membership = viewer.membership(company_id)
    if membership is None or membership.role not in set(roles):
        raise Forbidden("You are not allowed to do this in that company.", field=field)
    return membership


def require_operator(viewer: Viewer) -> None:
    if not viewer.is_operator:
        raise Forbidden("Only an operator can do this.")


def may_manage_project(viewer: Viewer, project: Project) -> bool:
    """Admins manage every project of their company; project leaders the projects they lead."""
    membership = viewer.membership(project.company_id)
    if membership is None:
        return False
    return membership.role == Role.ADMIN or (
        membership.role == Role.PROJECT_LEADER and project.leader_id == membership.co_worker_id
    )


def require_project_manager(viewer: Viewer, project: Project, *, field: str | None = None) -> Membership:
    if not may_manage_project(viewer, project):
        raise Forbidden("Only an admin or the project's leader can change this project.", field=field)
    return viewer.membership(project.company_id)  # type: ignore[return-value]


def require_time_writer(viewer: Viewer, project: Project, co_worker_id: int, *, field: str | None = None) -> None:
    """Hours are registered by the co-worker themself, or by an admin or the project's leader for them."""
    membership = viewer.membership(project.company_id)
    if membership is None:
        raise Forbidden("You are not allowed to register hours in that company.", field=field)
    if membership.co_worker_id != co_worker_id and not may_manage_project(viewer, project):
        raise Forbidden("You can only register your own hours.", field=field)


def require_approver(viewer: Viewer, project: Project, *, field: str | None = None) -> None:
    if not may_manage_project(viewer, project):
        raise Forbidden("Only an admin or the project's leader can approve its hours.", field=field)


# --- write checks added with the foundation mutations ----------------------


def require_company_role(viewer: Viewer, company_id: int, roles: Iterable[Role], *, field: str) -> Membership:
    """Like require_member for a company named by the input, but one the viewer is not in looks missing
    (NotFound), as a refused read does; a company they are in with too low a role is FORBIDDEN."""
    membership = viewer.membership(company_id)
    if membership is None:
        raise NotFound("No such company.", field=field)
    if membership.role not in set(roles):
        raise Forbidden("You are not allowed to do this in that company.", field=field)
    return membership


# --- files (SPEC §5) --------------------------------------------------------


def require_file_adder(viewer: Viewer, company_id: int, *, customer_level: bool, field: str) -> Membership:
    """Who sees an entity may add files to it (members upload to their projects, activities and tasks);
    a customer's own files, which only admins and project leaders see, are theirs to add."""
    roles = MANAGERS if customer_level else tuple(Role)
    membership = viewer.membership(company_id)
    if membership is None or membership.role not in roles:
        raise Forbidden("Only an admin or a project leader can add files to a customer.", field=field)
    return membership


def may_change_file(viewer: Viewer, file: File, project: Project | None) -> bool:
    """Renaming, retagging, moving and deleting a file: its uploader, an admin, or whoever manages the
    project it sits in (for a customer's or a project-less task's file: any project leader)."""
    membership = viewer.membership(file.company_id)
    if membership is None:
        return False
    if membership.role == Role.ADMIN or (file.uploaded_by_id is not None and file.uploaded_by_id == membership.co_worker_id):
        return True
    if project is None:
        return membership.role == Role.PROJECT_LEADER
    return may_manage_project(viewer, project)


def require_file_changer(viewer: Viewer, file: File, project: Project | None, *, field: str = "id") -> None:
    if not may_change_file(viewer, file, project):
        raise Forbidden("Only the uploader, an admin or the project's leader can change this file.", field=field)
