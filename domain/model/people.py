"""Companies (tenants), users, their co-worker memberships and API tokens."""
import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.model.base import NEVER_REUSED_IDS, Base, Created, Money, Name, UtcDateTime, Versioned, str_enum
from domain.model.enums import Role, Tier


class Company(Versioned, Base):
    __tablename__ = "companies"
    __table_args__ = (
        CheckConstraint("length(database_name) BETWEEN 3 AND 63", name="database_name_length"),
        NEVER_REUSED_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    database_name: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[Name]
    organisation_number: Mapped[str | None] = mapped_column(String(40))
    tier: Mapped[Tier] = mapped_column(str_enum(Tier), default=Tier.STANDARD)
    # Settings; the partner issues give them their behaviour.
    partner_companies_enabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    share_customers: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    share_tasks: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    created_at: Mapped[Created]


class User(Base):
    __tablename__ = "users"
    __table_args__ = (NEVER_REUSED_IDS,)
    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased (domain.access.people.normalise_email), so the unique constraint is case-insensitive.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[Name]
    is_operator: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    created_at: Mapped[Created]


class CoWorker(Versioned, Base):
    """A user's membership in one company; external when the home company is another one."""

    __tablename__ = "co_workers"
    __table_args__ = (UniqueConstraint("company_id", "user_id"), NEVER_REUSED_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    home_company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    title: Mapped[str | None] = mapped_column(String(200))
    hourly_rate: Mapped[Money | None]
    hourly_cost: Mapped[Money | None]
    created_at: Mapped[Created]
    # A co-worker is always shown with its person's name and email: load them in the same statement.
    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)

    @property
    def is_external(self) -> bool:
        return self.home_company_id != self.company_id


class ApiToken(Base):
    """An opaque bearer token, stored only as its SHA-256 hash."""

    __tablename__ = "api_tokens"
    __table_args__ = (NEVER_REUSED_IDS,)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # A token may be limited to one company; without it, it acts in all the user's companies.
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[Created]
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
