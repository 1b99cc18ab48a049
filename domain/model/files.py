"""File metadata and tags; contents live in storage, not here."""
import datetime as dt

from sqlalchemy import BigInteger, CheckConstraint, Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.model.base import NEVER_REUSED_IDS, Base, Created, UtcDateTime, Versioned, str_enum
from domain.model.enums import FileTransferState

OWNER_COLUMNS = ("customer_id", "project_id", "activity_id", "task_id")

file_tags = Table(
    "file_tags",
    Base.metadata,
    Column("file_id", ForeignKey("files.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Tag(Base):
    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("company_id", "name"), NEVER_REUSED_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    name: Mapped[str] = mapped_column(String(100))


class File(Versioned, Base):
    __tablename__ = "files"
    __table_args__ = (
        CheckConstraint("size >= 0", name="size_not_negative"),
        CheckConstraint(
            " + ".join(f"(CASE WHEN {c} IS NULL THEN 0 ELSE 1 END)" for c in OWNER_COLUMNS) + " = 1",
            name="one_owner",
        ),
        NEVER_REUSED_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("co_workers.id"))
    uploaded_at: Mapped[Created]
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), index=True)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"), index=True)
    # The SharePoint transfer (SPEC §6): its state, the last error of a failed one, and where the file went.
    transfer_state: Mapped[FileTransferState] = mapped_column(
        str_enum(FileTransferState), default=FileTransferState.LOCAL, server_default="LOCAL", index=True
    )
    transfer_error: Mapped[str | None] = mapped_column(Text)
    sharepoint_drive_id: Mapped[str | None] = mapped_column(String(200))
    sharepoint_item_id: Mapped[str | None] = mapped_column(String(200), index=True)
    sharepoint_web_url: Mapped[str | None] = mapped_column(String(2000))
    transferred_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # The item's eTag when a sync from SharePoint last read it: an unchanged eTag needs no read of its fields.
    sharepoint_etag: Mapped[str | None] = mapped_column(String(200))
    # Its folder's Graph id as the last sync saw it: a folder renamed or moved in SharePoint changes the webUrl
    # of the files below it, which the delta does not list.
    sharepoint_parent_id: Mapped[str | None] = mapped_column(String(200), index=True)
    # Changes made here to a transferred file (rename, retag, move) not yet carried to SharePoint: each queued
    # `sharepoint.file_change` job counts one until it is done or dead (domain.files.transfers). While any is
    # queued, a sync from SharePoint leaves the file as it is here (SPEC §6).
    sharepoint_changes_queued: Mapped[int] = mapped_column(default=0, server_default="0")
    # When the file was last renamed, retagged or moved here: a sync from SharePoint applies an item's state only
    # when its lastModifiedDateTime is later (the later change wins).
    changed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
