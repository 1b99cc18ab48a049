"""Who asks: the signed-in user and their active co-worker records, one per company (ANONYMOUS: nobody)."""
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from domain.model import Role


@dataclass(frozen=True)
class Membership:
    company_id: int
    co_worker_id: int
    role: Role


@dataclass(frozen=True)
class Viewer:
    """The authenticated caller: a user and their active co-worker records."""

    user_id: int | None
    email: str | None = None
    name: str | None = None
    is_operator: bool = False
    memberships: tuple[Membership, ...] = ()
    # Set for an API token limited to one company: it acts there only, and answers no invitation elsewhere.
    limited_to_company_id: int | None = None
    _by_company: dict[int, Membership] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_company.update({m.company_id: m for m in self.memberships})

    def joined(self, membership: Membership) -> "Viewer":
        """The same caller after accepting an invitation: one membership more."""
        return replace(self, memberships=(*self.memberships, membership), _by_company={})

    @property
    def authenticated(self) -> bool:
        return self.user_id is not None

    def membership(self, company_id: int) -> Membership | None:
        return self._by_company.get(company_id)

    def role_in(self, company_id: int) -> Role | None:
        m = self._by_company.get(company_id)
        return m.role if m else None

    @property
    def company_ids(self) -> list[int]:
        return [m.company_id for m in self.memberships]

    @property
    def co_worker_ids(self) -> list[int]:
        return [m.co_worker_id for m in self.memberships]

    def companies_where(self, roles: Iterable[Role]) -> list[int]:
        roles = set(roles)
        return [m.company_id for m in self.memberships if m.role in roles]


ANONYMOUS = Viewer(user_id=None)
