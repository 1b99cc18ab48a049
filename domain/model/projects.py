"""Projects (main and secondary), their members, activities and milestones."""
import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.model.base import NEVER_REUSED_IDS, Base, Created, Money, Name, Versioned, str_enum
from domain.model.enums import PriceModel, ProjectStatus, ProjectStorage


class Project(Versioned, Base):
    __tablename__ = "projects"
    __table_args__ = (
        UniqueConstraint("company_id", "number"),
        CheckConstraint("end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="dates_in_order"),
        CheckConstraint("main_project_id IS NULL OR main_project_id <> id", name="not_own_main"),
        NEVER_REUSED_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    number: Mapped[int]
    name: Mapped[Name]
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[ProjectStatus] = mapped_column(str_enum(ProjectStatus), default=ProjectStatus.ACTIVE)
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("co_workers.id"), index=True)
    price_model: Mapped[PriceModel] = mapped_column(str_enum(PriceModel), default=PriceModel.HOURLY)
    hourly_rate: Mapped[Money | None]
    fixed_price: Mapped[Money | None]
    storage: Mapped[ProjectStorage] = mapped_column(str_enum(ProjectStorage), default=ProjectStorage.INHERIT)
    # Partner links: a secondary project points at its main project in another company.
    main_project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"), index=True)
    price_model_from_main: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    share_expenses: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    created_at: Mapped[Created]
    # Its SharePoint folder by Graph item id, so renames and moves on either side keep the link (SPEC §6).
    sharepoint_folder_id: Mapped[str | None] = mapped_column(String(200))


class ProjectMember(Base):
    __tablename__ = "project_members"
    __table_args__ = (UniqueConstraint("project_id", "co_worker_id"), NEVER_REUSED_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    co_worker_id: Mapped[int] = mapped_column(ForeignKey("co_workers.id"), index=True)
    hourly_rate: Mapped[Money | None]
    created_at: Mapped[Created]


class Activity(Versioned, Base):
    __tablename__ = "activities"
    __table_args__ = (NEVER_REUSED_IDS,)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    number: Mapped[str | None] = mapped_column(String(20))
    name: Mapped[Name]
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    hourly_rate: Mapped[Money | None]
    # Set on a secondary project's copy: the main project's activity it mirrors.
    source_activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"), index=True)
    created_at: Mapped[Created]
    sharepoint_folder_id: Mapped[str | None] = mapped_column(String(200))


class Milestone(Versioned, Base):
    __tablename__ = "milestones"
    __table_args__ = (NEVER_REUSED_IDS,)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    name: Mapped[Name]
    due_date: Mapped[dt.date] = mapped_column(Date)
    completed: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Copies on secondary projects are kept but hidden from the secondary's plan.
    shown_in_plan: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    source_milestone_id: Mapped[int | None] = mapped_column(ForeignKey("milestones.id"), index=True)
    created_at: Mapped[Created]
