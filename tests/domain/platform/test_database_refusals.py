"""Which userError a database's constraint refusal maps to, on PostgreSQL and SQLite messages alike."""
from domain.platform.errors import Conflict, Duplicate, InvalidInput, constraint_name, integrity_error

POSTGRES_DUPLICATE_MEMBER = (
    "<class 'asyncpg.exceptions.UniqueViolationError'>: duplicate key value violates unique constraint "
    '"uq_project_members_project_id_co_worker_id"\nDETAIL:  Key (project_id, co_worker_id)=(1, 2) already exists.'
)
SQLITE_DUPLICATE_MEMBER = "UNIQUE constraint failed: project_members.project_id, project_members.co_worker_id"


def test_the_constraint_is_read_from_postgresql_and_sqlite_messages():
    assert constraint_name(POSTGRES_DUPLICATE_MEMBER) == "uq_project_members_project_id_co_worker_id"
    assert constraint_name(SQLITE_DUPLICATE_MEMBER) == "uq_project_members_project_id_co_worker_id"
    assert constraint_name("CHECK constraint failed: ck_time_records_hours_in_day") == "ck_time_records_hours_in_day"
    assert constraint_name("FOREIGN KEY constraint failed") is None


def test_a_duplicate_member_maps_to_duplicate_naming_the_co_worker():
    for message in (POSTGRES_DUPLICATE_MEMBER, SQLITE_DUPLICATE_MEMBER):
        error = integrity_error(message)
        assert (type(error), error.field) == (Duplicate, "coWorkerId")


def test_a_taken_database_name_maps_to_duplicate_naming_the_database_name():
    error = integrity_error("UNIQUE constraint failed: companies.database_name")
    assert (error.code, error.field) == ("DUPLICATE", "databaseName")


def test_the_hours_check_maps_to_invalid_hours():
    error = integrity_error('new row for relation "time_records" violates check constraint "ck_time_records_hours_in_day"')
    assert (type(error), error.field) == (InvalidInput, "hours")


def test_any_other_refusal_is_a_conflict_to_retry():
    assert isinstance(integrity_error("FOREIGN KEY constraint failed"), Conflict)
    assert isinstance(integrity_error('violates foreign key constraint "fk_x"'), Conflict)
