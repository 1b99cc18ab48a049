"""Persisted queries: GraphQL documents stored under their SHA-256, shared by every server process."""
import datetime as dt

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from domain.model.base import Base, Created


class PersistedQuery(Base):
    """A document a client may run by its hash alone (Apollo's automatic persisted queries, or an allow-list)."""

    __tablename__ = "persisted_queries"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    query: Mapped[str] = mapped_column(Text)
    # "apq": registered by a client's request; "cli": registered by an operator (`partnergraph persisted-query add`).
    source: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[Created]
