"""What the README says and what the API does agree (issue 21 item 5): node() reaches every node type through
the access policy, the operator reads the company list and partner groups but no company's details, an
invitation towards a company outside the group is refused as neutrally as one towards a missing company,
and a batched JSON array is refused with 400."""
import pytest

from gql.loaders.by_id import RowByIdLoader
from gql.loaders import Loaders
from gql.schema.common import _NODE_TYPES
from domain.access.viewer import Viewer
from tests.factories import add_company, add_customer, add_project, company_with_staff, gid, graphql
from tests.partner_seeds import enable_partners, group_of_companies, operator_token

NODE = "query($id: ID!) { node(id: $id) { id __typename } }"
COMPANIES = """{ companies { nodes { id name databaseName tier organisationNumber
    settings { partnerCompaniesEnabled } } } }"""
INVITE = """mutation($input: CoWorkerInviteInput!) {
  coWorkerInvite(input: $input) { userErrors { field code message } } }"""
INVITE_ALL = """mutation($input: CoWorkerInviteAllInput!) {
  coWorkerInviteAll(input: $input) { userErrors { field code message } } }"""


def test_every_node_type_loads_through_a_loader_that_applies_the_access_policy(db):
    loaders = Loaders.for_request(db, Viewer(user_id=None))
    assert {"Expense", "PartnerGroup", "Company", "File"} <= set(_NODE_TYPES)
    assert all(isinstance(getattr(loaders, t.loader), RowByIdLoader) for t in _NODE_TYPES.values())


async def test_node_of_an_expense_answers_it_to_whom_project_expenses_lists_it_and_null_to_others(db, client):
    # given an admin's expense on their company's project, and the admin of another company
    acme = await company_with_staff(db)
    project = gid("Project", await add_project(db, acme, await add_customer(db, acme), members=[acme["admin"]]))
    other = await company_with_staff(db, "other")
    created = await graphql(client, """mutation($input: ExpenseCreateInput!) {
        expenseCreate(input: $input) { expense { id } userErrors { code } } }""",
                            {"input": {"projectId": project, "date": "2026-03-02", "amount": "100"}},
                            token=acme["admin"].token)
    expense = created["expenseCreate"]["expense"]["id"]
    listed = await graphql(client, "query($id: ID!) { node(id: $id) { ... on Project { expenses { nodes { id } } } } }",
                           {"id": project}, token=acme["admin"].token)
    assert listed["node"]["expenses"]["nodes"] == [{"id": expense}]
    # when each asks for it by its id
    own = await graphql(client, NODE, {"id": expense}, token=acme["admin"].token)
    foreign = await graphql(client, NODE, {"id": expense}, token=other["admin"].token)
    # then its company's admin gets it, and the other admin cannot tell it from a missing one
    assert own["node"] == {"id": expense, "__typename": "Expense"}
    assert foreign["node"] is None


async def test_the_operator_reads_the_company_list_and_groups_but_no_company_details(db, client):
    # given a registered group, one of whose companies has an organisation number
    (acme, birch), group_id = await group_of_companies(db, ("acme", "birch"))
    async with db.transaction() as session:
        from domain import model as m
        (await session.get(m.Company, acme.id)).organisation_number = "987 654 321"
    token = await operator_token(db)
    # when the operator reads the companies, the group by its id, and a company by its id
    companies = await graphql(client, COMPANIES, token=token)
    group = await graphql(client, "query($id: ID!) { node(id: $id) { ... on PartnerGroup { name } } }",
                          {"id": gid("PartnerGroup", group_id)}, token=token)
    company = await graphql(client, NODE, {"id": acme.gid}, token=token)
    # then they see what creating companies and registering groups needs, not the organisation number
    assert companies["companies"]["nodes"] == [
        {"id": acme.gid, "name": "Acme", "databaseName": "acme", "tier": "PRO", "organisationNumber": None,
         "settings": {"partnerCompaniesEnabled": True}},
        {"id": birch.gid, "name": "Birch", "databaseName": "birch", "tier": "PRO", "organisationNumber": None,
         "settings": {"partnerCompaniesEnabled": True}},
    ]
    assert group["node"] == {"name": "Acme group"}
    assert company["node"] is None
    # while the company's own admin still sees its organisation number
    own = await graphql(client, COMPANIES, token=acme["admin"].token)
    assert own["companies"]["nodes"][0]["organisationNumber"] == "987 654 321"


@pytest.mark.parametrize("partners_on", [True, False])
async def test_an_invitation_towards_a_company_outside_the_group_is_refused_like_one_towards_no_company(
        db, client, partners_on):
    # given an admin whose company is in no group (partner companies on or off), and a company it never met
    acme = await company_with_staff(db)
    if partners_on:
        await enable_partners(db, acme)
    stranger = await company_with_staff(db, "stranger")
    missing = gid("Company", stranger.id + 1000)
    token = acme["admin"].token
    # when the admin invites that company's staff, a missing company's, that company's admin and an unknown email
    answers = [
        (await graphql(client, INVITE_ALL, {"input": {"companyId": acme.gid, "partnerCompanyId": target}},
                       token=token))["coWorkerInviteAll"]["userErrors"]
        for target in (stranger.gid, missing)
    ]
    by_email = [
        (await graphql(client, INVITE, {"input": {"companyId": acme.gid, "email": email}},
                       token=token))["coWorkerInvite"]["userErrors"]
        for email in (stranger["admin"].email, "nobody@nowhere.test")
    ]
    # then the existing company is answered exactly as the missing one, and PARTNER_COMPANIES_DISABLED is never said
    assert answers[0] == answers[1] == [{"field": "partnerCompanyId", "code": "NOT_FOUND",
                                         "message": "No such company in your partner group."}]
    assert [e["code"] for e in by_email[0]] == [e["code"] for e in by_email[1]] == ["NOT_IN_PARTNER_GROUP"]


async def test_an_invitation_inside_the_group_still_needs_partner_companies_on(db, client):
    # the setting is checked once the partner is known to be in the group (here: turned off behind the API's back)
    (acme, birch), _ = await group_of_companies(db, ("acme", "birch"))
    async with db.transaction() as session:
        from domain import model as m
        (await session.get(m.Company, acme.id)).partner_companies_enabled = False
    data = await graphql(client, INVITE_ALL, {"input": {"companyId": acme.gid, "partnerCompanyId": birch.gid}},
                         token=acme["admin"].token)
    assert [e["code"] for e in data["coWorkerInviteAll"]["userErrors"]] == ["PARTNER_COMPANIES_DISABLED"]


@pytest.mark.parametrize("accept", ["application/json", "application/graphql-response+json"])
async def test_a_batched_json_array_is_refused_with_400_and_nothing_runs(db, client, accept):
    acme = await add_company(db, "acme")
    token = await operator_token(db)
    batch = [{"query": "mutation($i: CompanyCreateInput!) { companyCreate(input: $i) { userErrors { code } } }",
              "variables": {"i": {"databaseName": f"batch-{i}", "name": f"Batch {i}", "adminEmail": f"a{i}@b.test"}}}
             for i in range(50)]
    response = await client.post("/graphql", json=batch, headers={"Authorization": f"Bearer {token}",
                                                                  "Accept": accept})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(accept)
    assert response.json() == {"errors": [{"message": "Send one GraphQL operation per request: a JSON array of "
                                                      "operations (a batch) is not accepted."}]}
    companies = await graphql(client, "{ companies { totalCount } }", token=token)
    assert companies["companies"]["totalCount"] == 1 and acme.id
