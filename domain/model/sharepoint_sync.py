"""SharePoint sync (SPEC §6): each library's delta link and folder tree, the daily runs, and every sync's record."""
import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.model.base import NEVER_REUSED_IDS, Base, Created, UtcDateTime, str_enum


class SyncDirection(enum.StrEnum):
    TO_SHAREPOINT = "TO_SHAREPOINT"
    FROM_SHAREPOINT = "FROM_SHAREPOINT"


class SyncTrigger(enum.StrEnum):
    DAILY = "DAILY"
    MANUAL = "MANUAL"


class SyncStatus(enum.StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"


class SharePointLibrarySync(Base):
    """Where the last sync from a customer's library got to: Graph's delta link, stored only once every change
    it follows has been applied, so a sync cut short starts again from the previous one."""

    __tablename__ = "sharepoint_library_syncs"
    __table_args__ = (NEVER_REUSED_IDS,)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), unique=True)
    drive_id: Mapped[str] = mapped_column(String(200))
    root_id: Mapped[str | None] = mapped_column(String(200))
    delta_link: Mapped[str | None] = mapped_column(Text)
    synced_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class SharePointFolder(Base):
    """A folder of a library as the last delta left it (id and parent): a delta lists only what changed, so
    the nearest entity folder above a new file is found through this tree."""

    __tablename__ = "sharepoint_folders"

    drive_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    parent_id: Mapped[str | None] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(400))


class SharePointDailySync(Base):
    """One row per company and day the daily sync was queued: several workers queue it once."""

    __tablename__ = "sharepoint_daily_syncs"

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    queued_at: Mapped[Created]


class SharePointSyncRun(Base):
    """One sync of a customer or project in one direction, and what it did."""

    __tablename__ = "sharepoint_sync_runs"
    __table_args__ = (NEVER_REUSED_IDS,)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    direction: Mapped[SyncDirection] = mapped_column(str_enum(SyncDirection))
    trigger: Mapped[SyncTrigger] = mapped_column(str_enum(SyncTrigger))
    status: Mapped[SyncStatus] = mapped_column(str_enum(SyncStatus), default=SyncStatus.QUEUED)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("co_workers.id", ondelete="SET NULL"))
    created_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    updated_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    moved_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    deleted_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    failed_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    errors: Mapped[list[str]] = mapped_column(JSON, default=list)
    # TO_SHAREPOINT: the files it handed to the transfer queue; its counts follow their transfers.
    file_ids: Mapped[list[int] | None] = mapped_column(JSON)
    queued_at: Mapped[Created]
    started_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)

    @property
    def scope(self) -> dict[str, Any]:
        return {"customer_id": self.customer_id, "project_id": self.project_id}


class SharePointDeletedItem(Base):
    """A tombstone: the Graph item of a file deleted here (SPEC §6). The `sharepoint.item_delete` job sends the
    item to SharePoint's recycle bin; until then, and after, a sync from SharePoint ignores the item, so an edit
    made there meanwhile never brings the file back. A cross-library move leaves one for the item it left."""

    __tablename__ = "sharepoint_deleted_items"
    __table_args__ = (UniqueConstraint("drive_id", "item_id"), NEVER_REUSED_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    drive_id: Mapped[str] = mapped_column(String(200))
    item_id: Mapped[str] = mapped_column(String(200))
    deleted_at: Mapped[Created]
    # When the item reached the recycle bin (or was found gone); None while the job is queued.
    removed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
