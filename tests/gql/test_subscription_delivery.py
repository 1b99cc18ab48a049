"""Delivery to many subscribers: the access work is done once per viewer and batch, not once per subscription."""
import asyncio

import pytest
from sqlalchemy import select

from domain.events import log as events
from domain import model as m
from domain.events.log import FileAction, ProjectAction, TimeRecordAction
from domain.access.policy import visible
from domain.access.tokens import viewer_for_token
from gql import delivery as delivery_module
from gql.delivery import Delivery
from tests.factories import add_customer, add_file, add_project, add_time_records, company_with_staff
from tests.gql.test_statement_count import counting_statements


@pytest.fixture
async def acme(db):
    company = await company_with_staff(db)
    customer_id = await add_customer(db, company)
    company.project_id = await add_project(db, company, customer_id, leader=company["leader"],
                                           members=[company["employee"]])
    async with db.transaction() as session:
        project = await session.get(m.Project, company.project_id)
        project.name = "Renamed"
        events.record(session, ProjectAction.UPDATED, project)
    async with db.read() as session:
        company.batch = list(await session.scalars(select(m.Event)))
    return company


async def test_a_hundred_subscriptions_of_one_viewer_cost_the_statements_of_one(db, acme):
    viewer = await viewer_for_token(db, acme["employee"].token)
    with counting_statements(db) as alone:
        await Delivery(db).visible(viewer, acme.batch)
    shared = Delivery(db)
    with counting_statements(db) as together:
        results = await asyncio.gather(*(shared.visible(viewer, acme.batch) for _ in range(100)))
    assert len(together) == len(alone) >= 1
    assert all(result is results[0] for result in results)
    loaders, visible = results[0]
    assert [(row.id, node.name) for row, node in visible] == [(1, "Renamed")]


async def test_each_viewer_gets_its_own_decision(db, acme):
    shared = Delivery(db)
    employee = await viewer_for_token(db, acme["employee"].token)
    colleague = await viewer_for_token(db, acme["colleague"].token)  # not a member of the project
    (_, seen), (_, unseen) = await asyncio.gather(shared.visible(employee, acme.batch),
                                                  shared.visible(colleague, acme.batch))
    assert [row.id for row, _ in seen] == [1] and unseen == []


async def test_a_shared_decision_is_not_reused_once_it_is_older_than_share_seconds(db, acme, monkeypatch):
    viewer = await viewer_for_token(db, acme["admin"].token)
    shared = Delivery(db)
    first = await shared.visible(viewer, acme.batch)
    assert await shared.visible(viewer, acme.batch) is first
    monkeypatch.setattr(delivery_module, "SHARE_SECONDS", 0.0)
    assert await shared.visible(viewer, acme.batch) is not first


async def test_a_deleted_node_is_decided_from_its_last_values(db, acme):
    [record_id] = await add_time_records(db, acme, acme.project_id, acme["employee"])
    async with db.transaction() as session:
        record = await session.get(m.TimeRecord, record_id)
        await session.delete(record)
        events.record(session, TimeRecordAction.DELETED, record)
    async with db.read() as session:
        batch = list(await session.scalars(select(m.Event).where(m.Event.kind == m.EventKind.TIME_RECORD)))
    shared = Delivery(db)
    decisions = {}
    for person in ("admin", "leader", "employee", "colleague", "external"):
        _, visible = await shared.visible(await viewer_for_token(db, acme[person].token), batch)
        decisions[person] = [(row.node_id, node) for row, node in visible]
    # Admins see the company's hours, the project's leader its hours, the employee their own; nobody else.
    assert decisions == {"admin": [(record_id, None)], "leader": [(record_id, None)],
                         "employee": [(record_id, None)], "colleague": [], "external": []}


async def test_the_deleted_node_rule_is_the_read_rule_of_the_policy(db, acme):
    """For rows that still exist, deciding from the snapshot gives exactly what the live policy clause gives."""
    other = await company_with_staff(db, "other-co")
    records = await add_time_records(db, acme, acme.project_id, acme["employee"], count=2)
    records += await add_time_records(db, acme, acme.project_id, acme["leader"], count=1)
    customer_id = (await db_project(db, acme.project_id)).customer_id
    files = [await add_file(db, acme, "contract.pdf", customer_id=customer_id),
             await add_file(db, acme, "plan.pdf", project_id=acme.project_id)]
    async with db.transaction() as session:
        for record_id in records:
            events.record(session, TimeRecordAction.UPDATED, await session.get(m.TimeRecord, record_id))
        for file_id in files:
            events.record(session, FileAction.UPDATED, await session.get(m.File, file_id))
    people = [acme[p] for p in ("admin", "leader", "employee", "colleague", "external")] + [other["admin"]]
    for model, kind, ids in ((m.TimeRecord, m.EventKind.TIME_RECORD, records), (m.File, m.EventKind.FILE, files)):
        async with db.read() as session:
            rows = list(await session.scalars(select(m.Event).where(m.Event.kind == kind)))
            for person in people:
                viewer = await viewer_for_token(db, person.token)
                live = set(await session.scalars(select(model.id).where(model.id.in_(ids), visible(viewer, model))))
                from_snapshot = {row.node_id for row in rows
                                 if await events.deleted_node_visible(session, viewer, row)}
                assert from_snapshot == live, (model.__name__, person.email)


async def db_project(db, project_id: int) -> m.Project:
    async with db.read() as session:
        return await session.get(m.Project, project_id)


async def test_a_refused_token_is_not_remembered(db, acme, monkeypatch):
    shared = Delivery(db)
    assert await shared.viewer("pgt_not-yet", max_age=60) is None
    assert "pgt_not-yet" not in shared._viewers
    assert (await shared.viewer(acme["admin"].token, max_age=60)).email == acme["admin"].email


async def test_a_crowd_signing_in_with_one_token_shares_the_lookup_still_running_and_no_finished_one(db, acme):
    shared = Delivery(db)
    with counting_statements(db) as alone:
        await Delivery(db).viewer(acme["admin"].token, max_age=0)
    with counting_statements(db) as crowd:
        viewers = await asyncio.gather(*(shared.viewer(acme["admin"].token, max_age=0) for _ in range(50)))
    assert len(crowd) == len(alone) and {v.email for v in viewers} == {acme["admin"].email}
    with counting_statements(db) as later:
        await shared.viewer(acme["admin"].token, max_age=0)
    assert len(later) == len(alone)  # a finished answer is not reused: a revocation counts at once
