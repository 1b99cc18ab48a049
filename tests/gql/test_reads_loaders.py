"""The page and count loaders: one statement per batch, whole rows (joined relationships too), on both databases."""
import datetime as dt

import pytest

from domain import model as m
from domain.platform.errors import InvalidInput
from domain.access.viewer import Membership, Viewer
from gql.loaders import TIME_RECORDS_ORDER
from gql.loaders.by_id import RowByIdLoader
from gql.loaders.counts import CountByParentLoader
from gql.loaders.pages import PageByParentLoader
from gql.loaders.relation import Relation
from gql.pagination import Order, PageRequest
from tests.factories import add_company, add_customer, add_person, add_project, add_time_records_in_bulk, company_with_staff
from tests.gql.test_statement_count import counting_statements

CO_WORKERS_BY_COMPANY = Relation(m.CoWorker, (m.CoWorker.company_id,), Order(((m.CoWorker.id, False),)))
TIME_RECORDS_BY_MEMBER = Relation(
    m.TimeRecord, (m.TimeRecord.project_id, m.TimeRecord.co_worker_id), TIME_RECORDS_ORDER
)


def admin_of(*companies) -> Viewer:
    return Viewer(user_id=1, memberships=tuple(
        Membership(c.id, c["admin"].co_worker_id, m.Role.ADMIN) for c in companies
    ))


async def test_a_page_of_co_workers_loads_each_with_its_user_in_the_same_statement(db):
    # given two companies with staff
    acme, birch = await company_with_staff(db, "acme"), await company_with_staff(db, "birch")
    loader = PageByParentLoader(db, admin_of(acme, birch), CO_WORKERS_BY_COMPANY)

    # when the first three co-workers of each are loaded together
    with counting_statements(db) as statements:
        pages = await loader.load_many([((acme.id,), PageRequest(3, None), ()), ((birch.id,), PageRequest(3, None), ())])

    # then each page holds whole CoWorker rows with their users, read in one SELECT
    assert [[(row.company_id, row.user.email) for row in page.rows] for page in pages] == [
        [(acme.id, "admin@acme.test"), (acme.id, "leader@acme.test"), (acme.id, "employee@acme.test")],
        [(birch.id, "admin@birch.test"), (birch.id, "leader@birch.test"), (birch.id, "employee@birch.test")],
    ]
    assert all(isinstance(row, m.CoWorker) for page in pages for row in page.rows)
    assert [page.has_next for page in pages] == [True, True]
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1


async def test_a_page_continues_after_its_cursor_for_every_parent(db):
    acme = await company_with_staff(db)
    loader = PageByParentLoader(db, admin_of(acme), CO_WORKERS_BY_COMPANY)
    first = await loader.load(((acme.id,), PageRequest(2, None), ()))
    rest = await PageByParentLoader(db, admin_of(acme), CO_WORKERS_BY_COMPANY).load(
        ((acme.id,), PageRequest(10, first.cursor(first.rows[-1])), ())
    )
    assert [r.user.email.split("@")[0] for r in first.rows + rest.rows] == [
        "admin", "leader", "employee", "colleague", "external"
    ]
    assert rest.has_next is False


async def test_pages_by_two_column_parents_keep_each_members_records_apart(db):
    # given two members with hours on the same days of one project
    acme = await company_with_staff(db)
    project_id = await add_project(db, acme, await add_customer(db, acme))
    days = [dt.date(2026, 3, d) for d in (2, 3, 4)]
    employee = await add_time_records_in_bulk(db, acme, project_id, acme["employee"], days)
    colleague = await add_time_records_in_bulk(db, acme, project_id, acme["colleague"], days)
    loader = PageByParentLoader(db, admin_of(acme), TIME_RECORDS_BY_MEMBER)

    # when two records of each member are asked for at once
    pages = await loader.load_many([
        ((project_id, acme["employee"].co_worker_id), PageRequest(2, None), ()),
        ((project_id, acme["colleague"].co_worker_id), PageRequest(2, None), ()),
    ])

    # then each member's page holds their own two newest records
    assert [[r.id for r in page.rows] for page in pages] == [employee[:0:-1], colleague[:0:-1]]


async def test_a_bad_cursor_fails_only_the_keys_that_carry_it(db):
    acme = await company_with_staff(db)
    loader = PageByParentLoader(db, admin_of(acme), CO_WORKERS_BY_COMPANY)
    good = loader.load(((acme.id,), PageRequest(2, None), ()))
    bad = loader.load(((acme.id,), PageRequest(2, "garbage"), ()))
    assert len((await good).rows) == 2
    with pytest.raises(InvalidInput):
        await bad


async def test_counts_for_many_parents_come_from_one_grouped_statement(db):
    # given two companies, one with an extra co-worker, and a third with none visible
    acme, birch = await company_with_staff(db, "acme"), await company_with_staff(db, "birch")
    await add_person(db, birch, "intern", m.Role.EMPLOYEE)
    hidden = await add_company(db, "hidden")
    loader = CountByParentLoader(db, admin_of(acme, birch), CO_WORKERS_BY_COMPANY)

    # when their co-workers are counted together
    with counting_statements(db) as statements:
        counts = await loader.load_many([((acme.id,), ()), ((birch.id,), ()), ((hidden.id,), ())])

    # then the counts are right, zero where nothing is visible, from one SELECT
    assert counts == [5, 6, 0]
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1


async def test_a_row_loader_says_which_rows_this_request_already_holds(db):
    # given a company's co-workers, one of them in a company the viewer does not belong to
    acme, birch = await company_with_staff(db, "acme"), await company_with_staff(db, "birch")
    loader = RowByIdLoader(db, admin_of(acme), m.CoWorker)
    mine, theirs = acme["employee"].co_worker_id, birch["employee"].co_worker_id

    # nothing is held before it is loaded
    assert loader.loaded(mine) == (False, None)

    # once loaded, a visible row is held as itself and a refused one as None, with no statement
    await loader.load_many([mine, theirs])
    with counting_statements(db) as statements:
        (held, row), refused = loader.loaded(mine), loader.loaded(theirs)
    assert held and row.id == mine
    assert refused == (True, None)
    assert statements == []
