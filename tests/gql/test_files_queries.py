"""The `files` query: by entity (with or without what is below it), tags, name, uploader, date; storage locations."""
import datetime as dt

import pytest
from sqlalchemy import update

from domain import model as m
from tests.factories import add_customer, add_project, company_with_staff, gid, graphql
from tests.uploads import file_client, file_settings, store, upload, uploaded  # noqa: F401 - fixtures

FILES = """
query Files($entityId: ID, $descendants: Boolean! = false, $tags: [String!], $search: String,
            $uploadedById: ID, $from: Date, $to: Date, $companyId: ID, $first: Int, $after: String) {
  files(entityId: $entityId, includeDescendants: $descendants, tags: $tags, search: $search,
        uploadedById: $uploadedById, uploadedFrom: $from, uploadedTo: $to, companyId: $companyId,
        first: $first, after: $after) {
    totalCount
    nodes { name tags effectiveStorageLocation }
    pageInfo { hasNextPage endCursor }
  }
}
"""

LOCATIONS = """
query Locations($customer: ID!, $project: ID!) {
  customer: node(id: $customer) { ... on Customer { storageLocation } }
  project: node(id: $project) { ... on Project { storage effectiveStorageLocation } }
}
"""


async def add_task(db, company, *, project_id=None, activity_id=None, number=1) -> int:
    async with db.transaction() as session:
        task = m.Task(company_id=company.id, number=number, name=f"Task {number}", project_id=project_id,
                      activity_id=activity_id)
        session.add(task)
        await session.flush()
        return task.id


async def first_activity(db, project_id) -> int:
    from sqlalchemy import select

    async with db.read() as session:
        return await session.scalar(
            select(m.Activity.id).where(m.Activity.project_id == project_id).order_by(m.Activity.id).limit(1))


@pytest.fixture
async def tree(db, file_client):
    """acme's customer Fjordkraft with files on itself, its Website project, an activity, a task of the activity
    and a project-level task, and a file on another customer; the employee is a member of Website."""
    acme = await company_with_staff(db)
    customer_id = await add_customer(db, acme)
    other_customer = await add_customer(db, acme, "Havbris AS")
    website = await add_project(db, acme, customer_id, members=[acme["employee"]])
    activity = await first_activity(db, website)
    activity_task = await add_task(db, acme, project_id=website, activity_id=activity, number=1)
    project_task = await add_task(db, acme, project_id=website, number=2)
    admin, employee = acme["admin"].token, acme["employee"].token
    ids = {"customer": gid("Customer", customer_id), "project": gid("Project", website),
           "activity": gid("Activity", activity), "activity_task": gid("Task", activity_task),
           "project_task": gid("Task", project_task), "other": gid("Customer", other_customer)}
    for token, entity, name, tags in [
        (admin, "customer", "Framework agreement.pdf", ["Contract", "2026"]),
        (employee, "project", "Project plan.docx", ["Plan"]),
        (employee, "activity", "Design sketches.png", ["Design", "2026"]),
        (admin, "activity_task", "Tax form.pdf", ["contract"]),
        (employee, "project_task", "Checklist.txt", []),
        (admin, "other", "Other agreement.pdf", ["Contract", "2026"]),
    ]:
        uploaded(await upload(file_client, token, ids[entity], name.encode(), filename=name, tags=tags))
    return acme, ids, customer_id, website


def names(data) -> list[str]:
    return sorted(node["name"] for node in data["files"]["nodes"])


async def test_an_entitys_own_files_and_with_descendants_everything_below_it(db, file_client, tree):
    acme, ids, _, _ = tree
    token = acme["admin"].token
    own = await graphql(file_client, FILES, {"entityId": ids["customer"]}, token=token)
    assert names(own) == ["Framework agreement.pdf"]
    below = await graphql(file_client, FILES, {"entityId": ids["customer"], "descendants": True}, token=token)
    assert names(below) == ["Checklist.txt", "Design sketches.png", "Framework agreement.pdf",
                            "Project plan.docx", "Tax form.pdf"]
    assert below["files"]["totalCount"] == 5
    project = await graphql(file_client, FILES, {"entityId": ids["project"], "descendants": True}, token=token)
    assert names(project) == ["Checklist.txt", "Design sketches.png", "Project plan.docx", "Tax form.pdf"]
    activity = await graphql(file_client, FILES, {"entityId": ids["activity"], "descendants": True}, token=token)
    assert names(activity) == ["Design sketches.png", "Tax form.pdf"]
    task = await graphql(file_client, FILES, {"entityId": ids["activity_task"], "descendants": True}, token=token)
    assert names(task) == ["Tax form.pdf"]


async def test_tags_filter_files_having_every_tag_given_in_any_case(db, file_client, tree):
    acme, _, _, _ = tree
    token = acme["admin"].token
    contract = await graphql(file_client, FILES, {"tags": ["CONTRACT"]}, token=token)
    assert names(contract) == ["Framework agreement.pdf", "Other agreement.pdf", "Tax form.pdf"]
    both = await graphql(file_client, FILES, {"tags": ["contract", "2026"]}, token=token)
    assert names(both) == ["Framework agreement.pdf", "Other agreement.pdf"]
    none = await graphql(file_client, FILES, {"tags": ["Contract", "Plan"]}, token=token)
    assert names(none) == []


async def test_the_name_search_is_case_insensitive_and_combines_with_the_entity(db, file_client, tree):
    acme, ids, _, _ = tree
    token = acme["admin"].token
    assert names(await graphql(file_client, FILES, {"search": "AGREEMENT"}, token=token)) == [
        "Framework agreement.pdf", "Other agreement.pdf"]
    assert names(await graphql(file_client, FILES, {"search": "agreement", "entityId": ids["other"]}, token=token)) == [
        "Other agreement.pdf"]
    assert names(await graphql(file_client, FILES, {"search": "100%_"}, token=token)) == []


async def test_files_by_uploader_and_upload_date(db, file_client, tree):
    acme, _, _, _ = tree
    token = acme["admin"].token
    by_employee = await graphql(file_client, FILES, {"uploadedById": acme["employee"].gid}, token=token)
    assert names(by_employee) == ["Checklist.txt", "Design sketches.png", "Project plan.docx"]
    today = dt.datetime.now(dt.UTC).date()
    async with db.transaction() as session:
        await session.execute(update(m.File).where(m.File.name == "Checklist.txt").values(
            uploaded_at=dt.datetime.combine(today - dt.timedelta(days=10), dt.time(23, 59), tzinfo=dt.UTC)))
    recent = await graphql(file_client, FILES, {"from": str(today - dt.timedelta(days=9))}, token=token)
    assert "Checklist.txt" not in names(recent) and len(names(recent)) == 5
    old = await graphql(file_client, FILES, {"to": str(today - dt.timedelta(days=10))}, token=token)
    assert names(old) == ["Checklist.txt"]


async def test_an_employee_lists_only_the_files_of_their_projects(db, file_client, tree):
    acme, ids, _, _ = tree
    data = await graphql(file_client, FILES, {}, token=acme["employee"].token)
    assert names(data) == ["Checklist.txt", "Design sketches.png", "Project plan.docx", "Tax form.pdf"]
    customer = await graphql(file_client, FILES, {"entityId": ids["customer"], "descendants": True},
                             token=acme["colleague"].token)
    assert customer["files"] == {"totalCount": 0, "nodes": [], "pageInfo": {"hasNextPage": False, "endCursor": None}}


async def test_another_company_lists_none_of_the_files(db, file_client, tree):
    _, ids, _, _ = tree
    birch = await company_with_staff(db, "birch")
    data = await graphql(file_client, FILES, {"entityId": ids["customer"], "descendants": True},
                         token=birch["admin"].token)
    assert data["files"]["totalCount"] == 0


async def test_the_files_list_pages_newest_first(db, file_client, tree):
    acme, _, _, _ = tree
    token = acme["admin"].token
    first = await graphql(file_client, FILES, {"first": 4}, token=token)
    rest = await graphql(file_client, FILES, {"first": 4, "after": first["files"]["pageInfo"]["endCursor"]}, token=token)
    assert first["files"]["nodes"][0]["name"] == "Other agreement.pdf"
    assert len(first["files"]["nodes"]) == 4 and first["files"]["pageInfo"]["hasNextPage"]
    assert len(rest["files"]["nodes"]) == 2 and not rest["files"]["pageInfo"]["hasNextPage"]


async def test_bad_filters_are_refused_naming_the_argument(db, file_client, tree):
    acme, _, _, _ = tree
    for variables, field in (({"entityId": acme["admin"].gid}, "entityId"), ({"uploadedById": "nope"}, "uploadedById")):
        body = await graphql(file_client, FILES, variables, token=acme["admin"].token, expect_errors=True)
        assert body["errors"][0]["message"], (variables, body)
        assert body["data"] is None


async def test_files_follow_their_customers_storage_location_unless_the_project_says_cloud(db, file_client, tree):
    acme, ids, customer_id, website = tree
    token = acme["admin"].token
    async with db.transaction() as session:
        await session.execute(update(m.Customer).where(m.Customer.id == customer_id).values(
            storage_location=m.StorageLocation.SHAREPOINT))
    below = await graphql(file_client, FILES, {"entityId": ids["customer"], "descendants": True}, token=token)
    assert {n["effectiveStorageLocation"] for n in below["files"]["nodes"]} == {"SHAREPOINT"}
    other = await graphql(file_client, FILES, {"entityId": ids["other"]}, token=token)
    assert [n["effectiveStorageLocation"] for n in other["files"]["nodes"]] == ["CLOUD"]
    locations = await graphql(file_client, LOCATIONS, {"customer": ids["customer"], "project": ids["project"]}, token=token)
    assert locations == {"customer": {"storageLocation": "SHAREPOINT"},
                         "project": {"storage": "INHERIT", "effectiveStorageLocation": "SHAREPOINT"}}
    # when the project is set back to cloud storage
    async with db.transaction() as session:
        await session.execute(update(m.Project).where(m.Project.id == website).values(storage=m.ProjectStorage.CLOUD))
    # then its files, its activities' and its tasks' are in the cloud; the customer's own stay in SharePoint
    below = await graphql(file_client, FILES, {"entityId": ids["customer"], "descendants": True}, token=token)
    assert {n["name"]: n["effectiveStorageLocation"] for n in below["files"]["nodes"]} == {
        "Framework agreement.pdf": "SHAREPOINT", "Project plan.docx": "CLOUD", "Design sketches.png": "CLOUD",
        "Tax form.pdf": "CLOUD", "Checklist.txt": "CLOUD"}
    locations = await graphql(file_client, LOCATIONS, {"customer": ids["customer"], "project": ids["project"]}, token=token)
    assert locations["project"] == {"storage": "CLOUD", "effectiveStorageLocation": "CLOUD"}


async def test_storage_locations_are_set_through_the_customer_and_project_mutations(db, client):
    acme = await company_with_staff(db)
    customer = gid("Customer", await add_customer(db, acme))
    project = gid("Project", await add_project(db, acme, await add_customer(db, acme, "B"), name="P"))
    data = await graphql(client, """
      mutation($c: CustomerUpdateInput!) { customerUpdate(input: $c) { customer { storageLocation } userErrors { code } } }
    """, {"c": {"id": customer, "storageLocation": "SHAREPOINT"}}, token=acme["admin"].token)
    assert data["customerUpdate"] == {"customer": {"storageLocation": "SHAREPOINT"}, "userErrors": []}
    data = await graphql(client, """
      mutation($p: ProjectUpdateInput!) {
        projectUpdate(input: $p) { project { storage effectiveStorageLocation } userErrors { code } } }
    """, {"p": {"id": project, "storage": "CLOUD"}}, token=acme["admin"].token)
    assert data["projectUpdate"] == {"project": {"storage": "CLOUD", "effectiveStorageLocation": "CLOUD"},
                                     "userErrors": []}
