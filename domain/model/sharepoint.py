"""A company's SharePoint configuration (SPEC §6); the client secret is stored only encrypted."""
import datetime as dt

from sqlalchemy import Boolean, ForeignKey, String, Text, Time
from sqlalchemy.orm import Mapped, mapped_column

from domain.model.base import NEVER_REUSED_IDS, Base, Created, UtcDateTime, Versioned


class SharePointConfiguration(Versioned, Base):
    __tablename__ = "sharepoint_configurations"
    __table_args__ = (NEVER_REUSED_IDS,)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), unique=True)
    tenant_id: Mapped[str] = mapped_column(String(100))
    client_id: Mapped[str] = mapped_column(String(100))
    # Fernet token (domain.sharepoint.configuration.SecretBox); never returned by the API.
    client_secret_encrypted: Mapped[str | None] = mapped_column(Text)
    site_url: Mapped[str] = mapped_column(String(2000))
    apply_content_type: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # When the daily sync runs (UTC); null: no daily sync.
    daily_sync_time: Mapped[dt.time | None] = mapped_column(Time)
    sync_to_sharepoint: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    sync_from_sharepoint: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    created_at: Mapped[Created]
    updated_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
