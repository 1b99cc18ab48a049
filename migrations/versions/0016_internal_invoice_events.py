"""Internal invoices have events (issue 19 with issue 20): the event log takes the INTERNAL_INVOICE kind, which
webhook endpoints may choose.

Revision ID: 0016_internal_invoice_events
Revises: 0015_sharepoint_file_changes
"""
from collections.abc import Sequence

import json

import sqlalchemy as sa
from alembic import op

revision: str = "0016_internal_invoice_events"
down_revision: str | Sequence[str] | None = "0015_sharepoint_file_changes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVENT_KINDS = ("PROJECT", "TIME_RECORD", "FILE", "CUSTOMER", "EXPENSE")
NEW_EVENT_KINDS = ("INTERNAL_INVOICE",)


def _event_kinds(kinds: tuple[str, ...]) -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_constraint(batch.f("ck_events_eventkind"), type_="check")
        batch.create_check_constraint("eventkind", "kind IN (%s)" % ", ".join(f"'{kind}'" for kind in kinds))


def upgrade() -> None:
    _event_kinds(EVENT_KINDS + NEW_EVENT_KINDS)


def downgrade() -> None:
    op.execute("DELETE FROM events WHERE kind = 'INTERNAL_INVOICE'")
    # Endpoints lose the kind; one that chose only internal invoices would be sent nothing, and goes.
    connection = op.get_bind()
    for endpoint_id, kinds in connection.execute(sa.text("SELECT id, event_kinds FROM webhook_endpoints")).all():
        kinds = json.loads(kinds) if isinstance(kinds, str) else kinds
        if "INTERNAL_INVOICE" not in kinds:
            continue
        left = [kind for kind in kinds if kind != "INTERNAL_INVOICE"]
        if left:
            connection.execute(sa.text("UPDATE webhook_endpoints SET event_kinds = :kinds WHERE id = :id")
                               .bindparams(sa.bindparam("kinds", type_=sa.JSON())), {"kinds": left, "id": endpoint_id})
        else:
            connection.execute(sa.text("DELETE FROM webhook_attempts WHERE endpoint_id = :id"), {"id": endpoint_id})
            connection.execute(sa.text("DELETE FROM webhook_endpoints WHERE id = :id"), {"id": endpoint_id})
    _event_kinds(EVENT_KINDS)
