"""The partner lists: registered groups, and the task board across a group's companies."""
from domain import model as m
from domain.access.partner_visibility import task_board_co_workers
from domain.access.policy import visible
from domain.access.viewer import Viewer
from gql.ids import decode_id
from gql.loaders import by_id_order
from gql.resolvers.lists import Listing


def partner_groups(viewer: Viewer) -> Listing:
    # Operators register groups and see all of them; co-workers the group their company is in now.
    return Listing(m.PartnerGroup, [visible(viewer, m.PartnerGroup)], by_id_order(m.PartnerGroup))


def task_board(viewer: Viewer, *, company_ids: list[str] | None = None, status: m.TaskStatus | None = None) -> Listing:
    """The viewer's tasks in every company of the board (SPEC §2.7); `company_ids` narrows it, None is all."""
    conditions = [visible(viewer, m.Task), m.Task.assignee_id.in_(task_board_co_workers(viewer))]
    if company_ids is not None:
        pks = [decode_id(value, "Company", field=f"companyIds.{i}") for i, value in enumerate(company_ids)]
        conditions.append(m.Task.company_id.in_(pks))
    if status is not None:
        conditions.append(m.Task.status == status)
    return Listing(m.Task, conditions, by_id_order(m.Task))
