"""The main project's shareExpenses setting (projectUpdate), which starts the cloning of partner expenses."""
from tests.factories import graphql
from tests.gql.test_expenses import clone_of, errors, family, register  # noqa: F401 (family is a fixture)


SHARE = """
mutation Share($input: ProjectUpdateInput!) {
  projectUpdate(input: $input) { project { id shareExpenses } userErrors { field message code } }
}
"""


async def test_the_main_projects_admin_turns_sharing_on_and_partner_expenses_are_cloned_from_then_on(
        db, client, family):
    before = await register(client, family)
    data = await graphql(client, SHARE, {"input": {"id": family.main_gid, "shareExpenses": True}},
                         token=family.main["admin"].token)
    assert data["projectUpdate"]["project"] == {"id": family.main_gid, "shareExpenses": True}
    after = await register(client, family)
    assert await clone_of(db, before) is None
    assert (await clone_of(db, after)).project_id == family.main_project_id


async def test_sharing_is_set_on_the_main_project_not_on_a_secondary_and_cannot_be_cleared(db, client, family):
    on_secondary = await graphql(client, SHARE, {"input": {"id": family.secondary_gid, "shareExpenses": True}},
                                 token=family.partner["admin"].token)
    cleared = await graphql(client, SHARE, {"input": {"id": family.main_gid, "shareExpenses": None}},
                            token=family.main["admin"].token)
    by_guest = await graphql(client, SHARE, {"input": {"id": family.main_gid, "shareExpenses": True}},
                             token=family.guest.token)
    assert errors(on_secondary, "projectUpdate") == [("shareExpenses", "INVALID_INPUT")]
    assert errors(cleared, "projectUpdate") == [("shareExpenses", "INVALID_INPUT")]
    # The guest sees the main project (a member) but does not manage it.
    assert errors(by_guest, "projectUpdate") == [("id", "FORBIDDEN")]
