"""Tasks, one-off or part of a recurring series with a period."""
import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.model.base import NEVER_REUSED_IDS, Base, Created, Name, Versioned, str_enum
from domain.model.enums import Recurrence, TaskStatus


class RecurringTaskSeries(Versioned, Base):
    """A task that comes back every week, month, quarter or year: one task per period, from the first period
    to the last (none: until stopped), made by the daily job (domain.task_series)."""

    __tablename__ = "recurring_task_series"
    __table_args__ = (
        CheckConstraint("last_period IS NULL OR last_period >= first_period", name="last_not_before_first"),
        NEVER_REUSED_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    name: Mapped[Name]
    recurrence: Mapped[Recurrence] = mapped_column(str_enum(Recurrence))
    # Where each period's task goes and who gets it (project may be empty only for series made before the API).
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), index=True)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("co_workers.id"), index=True)
    # The first day of the first period, and of the last period that gets a task (None: no end yet).
    first_period: Mapped[dt.date] = mapped_column(Date)
    last_period: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[Created]
    # The one SharePoint folder the whole series shares (SPEC §6), by Graph item id.
    sharepoint_folder_id: Mapped[str | None] = mapped_column(String(200))


class Task(Versioned, Base):
    __tablename__ = "tasks"
    __table_args__ = (
        UniqueConstraint("company_id", "number"),
        # A series' period gets one task, however many workers make it at once.
        UniqueConstraint("series_id", "period_start"),
        # A task under an activity is also under that activity's project: visibility and the
        # SharePoint folder layout follow the project.
        CheckConstraint("activity_id IS NULL OR project_id IS NOT NULL", name="activity_has_project"),
        NEVER_REUSED_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    number: Mapped[int]
    name: Mapped[Name]
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), index=True)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("co_workers.id"), index=True)
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[TaskStatus] = mapped_column(str_enum(TaskStatus), default=TaskStatus.OPEN)
    series_id: Mapped[int | None] = mapped_column(ForeignKey("recurring_task_series.id"), index=True)
    # The first day of the period a recurring task is for (its week, month, quarter or year).
    period_start: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[Created]
    sharepoint_folder_id: Mapped[str | None] = mapped_column(String(200))


class TaskSeriesDailyRun(Base):
    """One row per company and day the series' tasks were queued to be made: several workers queue it once."""

    __tablename__ = "task_series_daily_runs"

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    queued_at: Mapped[Created]
