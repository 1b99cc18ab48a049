"""Partner reads cost a fixed number of statements however many groups, members and links they reach."""
from tests.gql.test_statement_count import counting_statements
from tests.factories import graphql
from tests.partner_seeds import group_of_companies, operator_token

GROUPS = """
{
  partnerGroups(first: 4) {
    nodes {
      name mainCompany { name }
      members { databaseName isMain company { id } settings { shareTasks numberSeries { kind policy } } }
    }
  }
}
"""


async def statements_for_groups(db, client, token) -> tuple[int, int]:
    with counting_statements(db) as statements:
        data = await graphql(client, GROUPS, token=token)
    return len(data["partnerGroups"]["nodes"]), len(statements)


async def test_reading_groups_with_members_and_settings_costs_the_same_for_two_groups_as_for_four(db, client):
    token = await operator_token(db)
    for i in range(2):
        await group_of_companies(db, (f"alfa{i}", f"bravo{i}"))
    two = await statements_for_groups(db, client, token)
    for i in range(2, 4):
        await group_of_companies(db, (f"alfa{i}", f"bravo{i}", f"charlie{i}"))
    four = await statements_for_groups(db, client, token)
    assert (two[0], four[0]) == (2, 4)
    assert two[1] == four[1]
