"""Webhook endpoints of a company and the log of their delivery attempts (README: "Webhooks")."""
import datetime as dt
import enum

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from domain.model.base import NEVER_REUSED_IDS, Base, Created, UtcDateTime, str_enum


class WebhookState(enum.StrEnum):
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"      # by an admin: nothing is sent, the backlog waits
    DISABLED = "DISABLED"  # failed for longer than the setting allows: the backlog waits for a resume


class WebhookEndpoint(Base):
    """Where a company's events are sent, signed; it reads as the admin who created it."""

    __tablename__ = "webhook_endpoints"
    __table_args__ = NEVER_REUSED_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    created_by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str | None] = mapped_column(String(2000))
    # EventKind values to send.
    event_kinds: Mapped[list[str]] = mapped_column(JSON)
    # Only this project's events, when set.
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"))
    state: Mapped[WebhookState] = mapped_column(str_enum(WebhookState), default=WebhookState.ACTIVE)
    # Fernet tokens (domain.sharepoint.configuration.SecretBox); the previous secret signs too until it expires.
    secret_encrypted: Mapped[str] = mapped_column(Text)
    previous_secret_encrypted: Mapped[str | None] = mapped_column(Text)
    previous_secret_expires_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # The id of the last event delivered (or passed over); the next delivery starts after it.
    cursor: Mapped[int] = mapped_column(BigInteger, default=0)
    # A delivery job is queued or running for this endpoint (there is at most one, so events go in order).
    scheduled: Mapped[bool] = mapped_column(Boolean, default=False)
    # Since when every attempt has failed (null: the last one succeeded).
    failing_since: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    disabled_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[Created]
    updated_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class WebhookAttempt(Base):
    """One try at sending one event to one endpoint: the delivery log."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (
        Index("ix_webhook_attempts_endpoint_id_id", "endpoint_id", "id"),
        NEVER_REUSED_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(BigInteger)
    # The webhook-id header: the same for every attempt (and replay) of one event to one endpoint.
    message_id: Mapped[str] = mapped_column(String(100))
    attempted_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    succeeded: Mapped[bool] = mapped_column(Boolean)
    status_code: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
