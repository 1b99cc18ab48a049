"""A transaction the database gives up for a concurrent one (a PostgreSQL deadlock) is a CONFLICT userError to
retry, with nothing written, instead of a masked server fault; any other database error stays a fault."""
import asyncio
from dataclasses import dataclass

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from domain import model as m
from gql.resolvers.mutation import payload
from tests.factories import add_company


@dataclass
class RenamePayload:
    user_errors: list
    renamed: int | None = None


async def test_the_loser_of_a_deadlock_gets_conflict_and_its_writes_are_undone(db):
    if db.sqlite:
        pytest.skip("PostgreSQL: SQLite has one writer at a time, so two transactions never deadlock there")
    first, second = (await add_company(db, "north")).id, (await add_company(db, "south")).id
    both_hold_one = asyncio.Barrier(2)

    async def rename(mine: int, theirs: int):
        async def call():
            async with db.transaction() as session:
                await session.execute(update(m.Company).where(m.Company.id == mine).values(name=f"renamed {mine}"))
                await both_hold_one.wait()
                await session.execute(update(m.Company).where(m.Company.id == theirs).values(name=f"taken {mine}"))
            return {"renamed": mine}

        return await payload(RenamePayload, call)

    results = await asyncio.gather(rename(first, second), rename(second, first))

    won = [r for r in results if not r.user_errors]
    lost = [r for r in results if r.user_errors]
    assert len(won) == 1 and len(lost) == 1
    (error,) = lost[0].user_errors
    assert error.code == "CONFLICT" and "try again" in error.message
    winner = won[0].renamed
    loser = first if winner == second else second
    async with db.read() as session:
        names = dict((await session.execute(select(m.Company.id, m.Company.name))).all())
    assert names[winner] == f"renamed {winner}" and names[loser] == f"taken {winner}"


async def test_any_other_database_error_stays_a_server_fault(db):
    if db.sqlite:
        pytest.skip("PostgreSQL: SQLite answers a division by zero with NULL, not an error")

    async def call():
        async with db.transaction() as session:
            await session.execute(text("SELECT 1 / 0"))
        return {}

    with pytest.raises(DBAPIError):
        await payload(RenamePayload, call)
