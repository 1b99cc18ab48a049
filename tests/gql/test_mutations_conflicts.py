"""Refusals from the database after a race become userErrors (CONFLICT, DUPLICATE), never a 500."""
import strawberry
from sqlalchemy.exc import IntegrityError

from domain import model as m
from gql.resolvers.mutation import payload
from gql.schema.common import UserError
from tests.factories import add_customer, add_project, company_with_staff


@strawberry.type
class ProbePayload:
    user_errors: list[UserError]
    changed: bool | None = None


async def test_a_write_based_on_a_stale_version_becomes_a_conflict(db):
    acme = await company_with_staff(db)
    project_id = await add_project(db, acme, await add_customer(db, acme))

    async def write_stale():
        async with db.read() as session:
            project = await session.get(m.Project, project_id)
            await session.commit()  # ends the read; the row stays in memory at version 1
            async with db.transaction() as other:
                (await other.get(m.Project, project_id)).name = "Changed meanwhile"
            project.name = "Based on what I saw"
            await session.commit()
        return {"changed": True}

    result = await payload(ProbePayload, write_stale)
    assert result.changed is None
    assert [(e.code, e.field) for e in result.user_errors] == [("CONFLICT", None)]
    async with db.read() as session:
        assert (await session.get(m.Project, project_id)).name == "Changed meanwhile"


async def test_an_unexpected_constraint_refusal_becomes_a_conflict_not_a_server_error():
    async def refused():
        raise IntegrityError("INSERT ...", {}, Exception("FOREIGN KEY constraint failed"))

    result = await payload(ProbePayload, refused)
    assert [e.code for e in result.user_errors] == ["CONFLICT"]
