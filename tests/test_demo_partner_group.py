"""The demo's partner group: registered through the services, complete, sharing tasks and the group's series."""
from sqlalchemy import func, select

from domain.demo import companies as demo
from domain import model as m
from domain.access.tokens import create_token
from tests.factories import graphql
from tests.partner_seeds import operator_token

GROUPS = """
{ partnerGroups(first: 1) { nodes { name members { databaseName isMain settings { shareCustomers shareTasks
    numberSeries { kind policy } } } } } }
"""


BOARD = "{ taskBoard { nodes { name status company { databaseName } } } }"

PROJECT_CREATE = """
mutation($input: ProjectCreateInput!) { projectCreate(input: $input) { project { number } userErrors { code } } }
"""


async def test_the_demo_holds_a_registered_group_of_its_three_companies(db, client):
    await demo.load(db)
    data = await graphql(client, GROUPS, token=await operator_token(db))
    [group] = data["partnerGroups"]["nodes"]
    assert group["name"] == "Nordlys partner group"
    assert [(mb["databaseName"], mb["isMain"]) for mb in group["members"]] == [
        ("nordlys-consulting", True), ("fjellvik-engineering", False), ("havbris-design", False)]
    assert all(mb["settings"]["shareCustomers"] and mb["settings"]["shareTasks"] for mb in group["members"])
    assert {"kind": "PROJECT", "policy": "GROUP"} in group["members"][2]["settings"]["numberSeries"]

    # every admin sees both partners complete: added, confirmed and customers attached both ways
    for company in demo.COMPANIES:
        admin = demo.email_for(company.people[0].name, company.database_name)
        token, _ = await create_token(db, db.settings, email=admin, company=company.database_name)
        data = await graphql(client, "{ companies { nodes { databaseName partners { complete } } } }", token=token)
        [own] = data["companies"]["nodes"]
        assert own["databaseName"] == company.database_name
        assert len(own["partners"]) == 2 and all(p["complete"] for p in own["partners"])


async def test_a_demo_co_worker_in_two_group_companies_sees_tasks_of_both_on_the_board(db, client):
    await demo.load(db)
    token, _ = await create_token(db, db.settings, email="eirik.dahl@nordlys-consulting.test",
                                  company="nordlys-consulting")
    data = await graphql(client, BOARD, token=token)
    assert [(t["company"]["databaseName"], t["name"]) for t in data["taskBoard"]["nodes"]] == [
        ("nordlys-consulting", "Forbered workshop for Polarlys"),
        ("fjellvik-engineering", "Kontroller BIM-modell for barneskolen"),
    ]


async def test_a_new_havbris_project_takes_its_number_from_the_groups_series(db, client):
    await demo.load(db)
    tokens = {}
    for company in (demo.COMPANIES[0], demo.COMPANIES[2]):
        admin = demo.email_for(company.people[0].name, company.database_name)
        tokens[company.database_name], _ = await create_token(db, db.settings, email=admin, company=company.database_name)

    async def create(database_name: str) -> int:
        companies = await graphql(client, "{ companies { nodes { id } } }", token=tokens[database_name])
        [company_id] = [c["id"] for c in companies["companies"]["nodes"]]
        customers = await graphql(client, "query($id: ID!) { customers(first: 1, companyId: $id) { nodes { id } } }",
                                  {"id": company_id}, token=tokens[database_name])
        data = await graphql(client, PROJECT_CREATE, {"input": {
            "companyId": company_id, "customerId": customers["customers"]["nodes"][0]["id"],
            "name": "Felles prosjekt"}}, token=tokens[database_name])
        assert data["projectCreate"]["userErrors"] == []
        return data["projectCreate"]["project"]["number"]

    # Nordlys (the main company) has projects 1000–1003; Havbris its own 1000–1003 from before the group, and the
    # secondary project of the demo's shared project, 1004 from the group's series
    assert [await create("havbris-design"), await create("nordlys-consulting"), await create("havbris-design")] == [
        1005, 1006, 1007]


async def test_the_demo_has_a_shared_project_with_a_secondary_project_in_each_partner_company(db):
    await demo.load(db)
    async with db.read() as session:
        rows = (await session.execute(
            select(m.Company.database_name, m.Project.name, m.Project.main_project_id)
            .join(m.Company, m.Company.id == m.Project.company_id)
            .where(m.Project.main_project_id.isnot(None)).order_by(m.Company.database_name)
        )).all()
        members = await session.scalar(select(func.count(m.ProjectMember.id)).where(
            m.ProjectMember.project_id.in_([r.main_project_id for r in rows])))
    assert [r.database_name for r in rows] == ["fjellvik-engineering", "havbris-design"]
    assert len({r.main_project_id for r in rows}) == 1
    assert members >= 2  # the main project's own people, and the two externals
