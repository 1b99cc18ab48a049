"""Customers, their contact persons, and the number series projects and customers draw from."""
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.model.base import NEVER_REUSED_IDS, Base, Created, Name, Versioned, str_enum
from domain.model.enums import CustomerStatus, SeriesKind, SeriesPolicy, StorageLocation


class Customer(Versioned, Base):
    __tablename__ = "customers"
    __table_args__ = (UniqueConstraint("company_id", "number"), NEVER_REUSED_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    number: Mapped[int]
    name: Mapped[Name]
    organisation_number: Mapped[str | None] = mapped_column(String(40), index=True)
    status: Mapped[CustomerStatus] = mapped_column(str_enum(CustomerStatus), default=CustomerStatus.ACTIVE)
    storage_location: Mapped[StorageLocation] = mapped_column(
        str_enum(StorageLocation), default=StorageLocation.CLOUD
    )
    created_at: Mapped[Created]
    # Its SharePoint document library (SPEC §6), remembered by Graph ids: the list and its drive.
    sharepoint_library_id: Mapped[str | None] = mapped_column(String(200))
    sharepoint_drive_id: Mapped[str | None] = mapped_column(String(200))


class Contact(Base):
    __tablename__ = "contacts"
    __table_args__ = (NEVER_REUSED_IDS,)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    name: Mapped[Name]
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(40))


class NumberSeries(Base):
    """The next number of one series of one company; allocation locks this row."""

    __tablename__ = "number_series"
    __table_args__ = (UniqueConstraint("company_id", "kind"), NEVER_REUSED_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    kind: Mapped[SeriesKind] = mapped_column(str_enum(SeriesKind))
    policy: Mapped[SeriesPolicy] = mapped_column(str_enum(SeriesPolicy), default=SeriesPolicy.OWN)
    next_number: Mapped[int] = mapped_column(default=1)
