"""The cross-check from the partner's side (issue 19 item 4): a partner company's admin reconciles its secondary
project (its records against their mirrors and its people's hours on the main project, without the main company's
activity and co-worker records) and repairs its own records' mirrors, through HTTP on both databases."""
from tests.factories import gid, graphql
from tests.gql.test_partner_hours_reconciliation import (  # noqa: F401 (fixtures)
    MARCH,
    RECONCILE,
    RESYNC,
    expected_discrepancies,
    family,
    found_set,
    planted,
    reconcile,
    tid,
)


async def reconcile_side(client, family, partner, *, token=None, period=MARCH):
    secondary = gid("Project", family.secondary_ids[partner.id])
    data = await graphql(client, RECONCILE, {"projectId": secondary, **period}, token=token or partner["admin"].token)
    return data["partnerHoursReconciliation"]


def partners_share(ids, names) -> set[tuple]:
    everything = expected_discrepancies(ids)
    wanted = set()
    for name in names:
        value = ids[name]
        source, mirror = value if isinstance(value, tuple) else (value, None)
        wanted |= {d for d in everything if d[1:3] == (tid(source), tid(mirror))}
    return wanted


FJELLVIK = ("missing", "hours", "date", "orphan_linked", "locked_hours")  # guests a and b
HAVBRIS = ("activity", "co_worker", "description", "orphan_unlinked", "locked_date", "locked_orphan")  # c and d


async def test_a_partner_admin_reconciles_its_secondary_project_and_sees_only_its_side(db, client, family, planted):
    fjellvik, havbris = family.partners
    whole = await reconcile(client, family)

    side = await reconcile_side(client, family, fjellvik)

    assert side["project"]["id"] == gid("Project", family.secondary_ids[fjellvik.id])
    assert found_set(side["discrepancies"]) == partners_share(planted, FJELLVIK)
    assert {p["partnerCompany"]["databaseName"] for p in side["coWorkers"]} == {"fjellvik"}
    # the same hours per person as the main company's view has for them
    main_view = {p["name"]: (p["mainHours"], p["secondaryHours"]) for p in whole["coWorkers"]
                 if p["partnerCompany"]["databaseName"] == "fjellvik"}
    assert {p["name"]: (p["mainHours"], p["secondaryHours"]) for p in side["coWorkers"]} == main_view
    # nothing of the main company: its co-worker records and the mirror rows themselves stay hidden
    assert all(p["coWorker"] is None for p in side["coWorkers"])
    assert all(d["mirror"] is None and d["coWorker"] is None for d in side["discrepancies"])
    assert side["balanced"] is False


async def test_the_partner_view_names_activity_and_co_worker_differences_without_the_main_companys_ids(
        db, client, family, planted):
    _, havbris = family.partners
    side = await reconcile_side(client, family, havbris)
    assert found_set(side["discrepancies"]) == partners_share(planted, HAVBRIS)
    values = {d["kind"]: (d["sourceValue"], d["mirrorValue"]) for d in side["discrepancies"]}
    assert values["ACTIVITY_DIFFER"] == values["CO_WORKER_DIFFER"] == (None, None)
    assert values["DESCRIPTION_DIFFER"] == ("Drilling", "Drill")


async def test_only_the_secondary_projects_managers_reconcile_it(db, client, family, planted):
    fjellvik, havbris = family.partners
    secondary = gid("Project", family.secondary_ids[fjellvik.id])

    async def refusal(token):
        body = await graphql(client, RECONCILE, {"projectId": secondary, **MARCH}, token=token, expect_errors=True)
        [error] = body["errors"]
        return error["extensions"]["code"], error["extensions"].get("field")

    assert await refusal(fjellvik["employee"].token) == ("FORBIDDEN", "projectId")  # a member, manages nothing
    assert await refusal(havbris["admin"].token) == ("NOT_FOUND", "projectId")  # another partner
    assert await refusal(family.main["admin"].token) == ("NOT_FOUND", "projectId")  # the main company


async def test_a_partner_admin_repairs_only_its_own_records_mirrors(db, client, family, planted):
    fjellvik, havbris = family.partners
    secondary = gid("Project", family.secondary_ids[fjellvik.id])

    data = await graphql(client, RESYNC, {"input": {"projectId": secondary}}, token=fjellvik["admin"].token)
    result = data["partnerHoursResync"]

    assert result["userErrors"] == [] and result["project"]["id"] == secondary
    assert {(c["action"], c["sourceRecordId"], tuple(c["repaired"])) for c in result["changes"]} == {
        ("CREATED", tid(planted["missing"]), ("MISSING_MIRROR",)),
        ("UPDATED", tid(planted["hours"][0]), ("HOURS_DIFFER",)),
        ("UPDATED", tid(planted["date"][0]), ("DATE_DIFFER",)),
        ("DELETED", tid(planted["orphan_linked"][0]), ("ORPHAN_MIRROR",)),
    }
    assert all(c["mirror"] is None for c in result["changes"])  # the main company's rows
    assert [(n["reason"], n["discrepancy"]["sourceRecordId"]) for n in result["notRepaired"]] == [
        ("LOCKED", tid(planted["locked_hours"][0]))]
    # fjellvik's side is repaired but for the locked pair; havbris' discrepancies are all still there
    assert found_set((await reconcile_side(client, family, fjellvik))["discrepancies"]) == partners_share(
        planted, ("locked_hours",))
    assert found_set((await reconcile_side(client, family, havbris))["discrepancies"]) == partners_share(
        planted, HAVBRIS)


async def test_another_partner_or_a_member_cannot_repair_a_secondary(db, client, family, planted):
    fjellvik, havbris = family.partners
    secondary = gid("Project", family.secondary_ids[fjellvik.id])
    for token, code in ((havbris["admin"].token, "NOT_FOUND"), (fjellvik["employee"].token, "FORBIDDEN")):
        data = await graphql(client, RESYNC, {"input": {"projectId": secondary}}, token=token)
        assert [(e["field"], e["code"]) for e in data["partnerHoursResync"]["userErrors"]] == [("projectId", code)]
    assert len((await reconcile(client, family))["discrepancies"]) == len(expected_discrepancies(planted))
