"""What a dissolved partner group leaves of its shared projects (issue 19 item 5f, documented in the README's
"Partner companies"): the secondary projects, their hours and mirrors stay and keep following the main project, and
no new partner co-worker can join. Through HTTP, on both databases."""
from sqlalchemy import select

from domain import model as m
from tests.factories import gid, graphql
from tests.gql.test_hour_mirrors import CREATE as HOURS_CREATE
from tests.gql.test_partner_hours_reconciliation import RECONCILE
from tests.gql.test_shared_projects import ADD, REMOVE, UPDATE_PROJECT
from tests.partner_fixtures import partner_hours_setup

LEAVE = """
mutation Leave($input: PartnerGroupLeaveInput!) {
  partnerGroupLeave(input: $input) { dissolved userErrors { field message code } }
}
"""


async def test_a_dissolved_groups_shared_project_keeps_its_secondary_and_mirrors_but_takes_no_new_partner(db, client):
    family = await partner_hours_setup(db)
    left = await graphql(client, LEAVE, {"input": {"companyId": family.main.gid}}, token=family.main["admin"].token)
    assert left["partnerGroupLeave"] == {"dissolved": True, "userErrors": []}

    # the main project's changes still reach the secondary
    renamed = await graphql(client, UPDATE_PROJECT, {"input": {"id": family.main_gid, "name": "Dam inspection II"}},
                            token=family.main["admin"].token)
    assert renamed["projectUpdate"]["userErrors"] == []
    # hours registered on the secondary are still mirrored
    hours = await graphql(client, HOURS_CREATE, {"input": {
        "projectId": family.secondary_gid, "activityId": gid("Activity", family.secondary_activity_ids[0]),
        "date": "2026-03-02", "hours": "3"}}, token=family.worker.token)
    assert hours["timeRecordCreate"]["userErrors"] == []
    async with db.read() as session:
        secondary = await session.get(m.Project, family.secondary_project_id)
        mirrors = list(await session.scalars(select(m.TimeRecord.hours).where(
            m.TimeRecord.project_id == family.main_project_id, m.TimeRecord.source_record_id.is_not(None))))
    assert secondary.name == "Dam inspection II" and [str(h) for h in mirrors] == ["3.00"]
    # another partner co-worker can no longer join: there is no group to make a secondary project in
    added = await graphql(client, ADD, {"input": {"projectId": family.main_gid,
                                                  "coWorkerId": family.colleague_guest.gid}},
                          token=family.main["admin"].token)
    assert [(e["field"], e["code"]) for e in added["projectMemberAdd"]["userErrors"]] == [
        ("coWorkerId", "NOT_IN_PARTNER_GROUP")]
    # the partner still cross-checks its side, and the secondary closes when its last co-worker leaves
    side = await graphql(client, RECONCILE, {"projectId": family.secondary_gid, "from": "2026-03-01",
                                             "to": "2026-03-31"}, token=family.partner["admin"].token)
    assert side["partnerHoursReconciliation"]["balanced"] is True
    removed = await graphql(client, REMOVE, {"input": {"projectId": family.main_gid, "coWorkerId": family.guest.gid}},
                            token=family.main["admin"].token)
    assert removed["projectMemberRemove"]["userErrors"] == []
    async with db.read() as session:
        assert (await session.get(m.Project, family.secondary_project_id)).status == m.ProjectStatus.CLOSED
