"""Partner links (one company's side of the handshake), registered partner groups with their members, and
co-worker invitations (of partner companies' co-workers, and of anyone added who must consent first)."""
import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from domain.model.base import NEVER_REUSED_IDS, Base, Created, Money, Name, UtcDateTime, Versioned, str_enum
from domain.model.enums import Role
from domain.model.projects import Project

OPEN_INVITATION = "co_worker_id IS NULL AND declined_at IS NULL"


class PartnerLink(Versioned, Base):
    """Company → partner company, as the company's admins set it up: added, confirmed, customer attached.

    A pair of companies is linked when both directions exist, are confirmed and have their customer
    attached; one direction alone shares nothing (SPEC §2.2).
    """

    __tablename__ = "partner_links"
    __table_args__ = (
        UniqueConstraint("company_id", "partner_company_id"),
        CheckConstraint("company_id <> partner_company_id", name="not_own_partner"),
        NEVER_REUSED_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    partner_company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("co_workers.id"))
    added_at: Mapped[Created]
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("co_workers.id"))
    # The company's own customer that stands for the partner: internal invoices go to it, and a
    # secondary project in this company is made for it.
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None


class PartnerGroup(Versioned, Base):
    """A group the operator registered once every pair of its companies was linked; its main company's
    number series is the group's series."""

    __tablename__ = "partner_groups"
    __table_args__ = (NEVER_REUSED_IDS,)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[Name]
    main_company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    registered_at: Mapped[Created]
    # Set when the main company left or fewer than two members remained; the group is kept as history.
    dissolved_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class PartnerGroupMember(Base):
    """A company's membership in a group; leaving sets `left_at` and keeps the row."""

    __tablename__ = "partner_group_members"
    __table_args__ = (
        # A company is in at most one group at a time.
        Index(
            "uq_partner_group_members_current_company", "company_id", unique=True,
            sqlite_where=text("left_at IS NULL"), postgresql_where=text("left_at IS NULL"),
        ),
        NEVER_REUSED_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("partner_groups.id"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    joined_at: Mapped[Created]
    left_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class CoWorkerInvitation(Base):
    """An invitation to be a co-worker of a company. A partner company's co-worker (SPEC §3) gets their external
    co-worker record at once, so they can be put on projects before they accept. Anyone else (coWorkerCreate)
    gets it only when they accept (SPEC §8): until then the invitation grants nothing, and `co_worker_id` is
    null; the role, title and rates wait here."""

    __tablename__ = "co_worker_invitations"
    __table_args__ = (
        # At most one open invitation without a record per person and company.
        Index(
            "uq_co_worker_invitations_open", "company_id", "user_id", unique=True,
            sqlite_where=text(OPEN_INVITATION), postgresql_where=text(OPEN_INVITATION),
        ),
        NEVER_REUSED_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    co_worker_id: Mapped[int | None] = mapped_column(ForeignKey("co_workers.id"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    title: Mapped[str | None] = mapped_column(String(200))
    hourly_rate: Mapped[Money | None]
    hourly_cost: Mapped[Money | None]
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("co_workers.id"))
    created_at: Mapped[Created]
    # "SMTP" when an email went out, "LOG" when no SMTP server is configured and it was only logged.
    delivery: Mapped[str] = mapped_column(String(8))
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    declined_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


# One secondary project per partner company per main project (SPEC §3): two concurrent adds of co-workers
# from one partner company make one secondary project, not two.
Index("uq_projects_main_project_id_company_id", Project.main_project_id, Project.company_id, unique=True)
