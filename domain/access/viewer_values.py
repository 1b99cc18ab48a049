"""The viewer's values the read clauses use (domain.access.policy, partner_visibility), each as a named bind
parameter that carries the viewer's value: a clause works as it is, and a statement built once around it can run
for another viewer of the same access shape by passing that viewer's `parameters` (gql.compiled.run does so, so
SQLAlchemy builds and compiles each statement of a plan once, not per request)."""
from collections.abc import Callable
from typing import Any

from sqlalchemy import BindParameter, bindparam

from domain.access.viewer import Viewer
from domain.model import Role

MANAGERS = (Role.ADMIN, Role.PROJECT_LEADER)
STAFF = (Role.ADMIN, Role.PROJECT_LEADER, Role.EMPLOYEE)

# name -> the viewer's value; every name is a list (an expanding IN parameter) except `viewer_user_id`.
VALUES: dict[str, Callable[[Viewer], Any]] = {
    "viewer_company_ids": lambda viewer: viewer.company_ids,
    "viewer_co_worker_ids": lambda viewer: viewer.co_worker_ids,
    "viewer_admin_of": lambda viewer: viewer.companies_where([Role.ADMIN]),
    "viewer_manager_of": lambda viewer: viewer.companies_where(MANAGERS),
    "viewer_staff_of": lambda viewer: viewer.companies_where(STAFF),
    # Co-worker records through which the viewer leads projects: as an admin or project leader only.
    "viewer_leading": lambda viewer: [m.co_worker_id for m in viewer.memberships if m.role in MANAGERS],
    "viewer_user_id": lambda viewer: viewer.user_id,
}


def value(viewer: Viewer, name: str) -> BindParameter:
    """The viewer's value `name` as a bind parameter of that name."""
    return bindparam(name, VALUES[name](viewer), expanding=name != "viewer_user_id")


def parameters(viewer: Viewer) -> dict[str, Any]:
    """Every value of this viewer by its parameter's name: what a statement built for one viewer is run with for
    another (all of them, so none of the builder's values is left in)."""
    return {name: read(viewer) for name, read in VALUES.items()}


def access_shape(viewer: Viewer) -> tuple:
    """What, besides the values, decides the clauses' form (domain.access.policy.visible and
    partner_visibility.task_board_co_workers branch on it): statements are reused within one shape only."""
    return (viewer.is_operator, bool(viewer.memberships), viewer.user_id is None)
