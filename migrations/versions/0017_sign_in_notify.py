"""Sign-in changes are announced (issue 17 item 5): on PostgreSQL, every insert, update or delete of a user, a
co-worker or an API token, and a TRUNCATE of those tables, sends NOTIFY on the channel `partnergraph_sign_in` with
the user's id ("*" for a TRUNCATE), at commit, to every server process's cache of viewers
(domain.access.viewer_cache). The triggers sit on the tables, so no write path can forget them.

SQLite needs nothing: its cache checks `PRAGMA data_version` (domain.access.viewer_cache).

Revision ID: 0017_sign_in_notify
Revises: 0016_internal_invoice_events
"""
from collections.abc import Sequence

from alembic import op

revision: str = "0017_sign_in_notify"
down_revision: str | Sequence[str] | None = "0016_internal_invoice_events"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Keep in step with domain.access.viewer_cache.CHANNEL (a migration does not import the app's code).
CHANNEL = "partnergraph_sign_in"
# Each table the sign-in statement reads, with its column naming the user a row is about.
TABLES = {"users": "id", "co_workers": "user_id", "api_tokens": "user_id"}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"""
CREATE FUNCTION partnergraph_sign_in_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_user text;
    new_user text;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_notify('{CHANNEL}', '*');
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        old_user := to_jsonb(OLD) ->> TG_ARGV[0];
        IF old_user IS NOT NULL THEN PERFORM pg_notify('{CHANNEL}', old_user); END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        new_user := to_jsonb(NEW) ->> TG_ARGV[0];
        IF new_user IS NOT NULL AND new_user IS DISTINCT FROM old_user THEN
            PERFORM pg_notify('{CHANNEL}', new_user);
        END IF;
    END IF;
    RETURN NULL;
END
$$""")
    for table, user_column in TABLES.items():
        op.execute(f"CREATE TRIGGER {table}_sign_in_changed AFTER INSERT OR UPDATE OR DELETE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION partnergraph_sign_in_changed('{user_column}')")
        op.execute(f"CREATE TRIGGER {table}_sign_in_truncated AFTER TRUNCATE ON {table} "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION partnergraph_sign_in_changed('{user_column}')")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"DROP TRIGGER {table}_sign_in_truncated ON {table}")
        op.execute(f"DROP TRIGGER {table}_sign_in_changed ON {table}")
    op.execute("DROP FUNCTION partnergraph_sign_in_changed()")
