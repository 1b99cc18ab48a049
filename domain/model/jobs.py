"""The durable job queue: work enqueued in the same transaction as the change that needs it (domain.platform.jobs)."""
import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from domain.model.base import NEVER_REUSED_IDS, Base, Created, UtcDateTime, str_enum


class JobState(enum.StrEnum):
    QUEUED = "QUEUED"    # waiting for run_after
    RUNNING = "RUNNING"  # claimed; the claim lasts until lease_expires_at unless the worker renews it
    DONE = "DONE"
    DEAD = "DEAD"        # the dead letters: out of attempts, or refused for good; kept with their last error


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (
        # The claim reads claimable jobs in due order.
        Index("ix_jobs_state_run_after", "state", "run_after"),
        NEVER_REUSED_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[JobState] = mapped_column(str_enum(JobState), default=JobState.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Not before: enqueue time, a back-off, or what the handler asked for (a Retry-After).
    run_after: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    # Who holds the claim, and until when; an expired claim (a killed worker) is claimed again.
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[Created]
    finished_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
