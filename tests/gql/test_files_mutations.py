"""fileUpdate (rename, retag, move within the company) and fileDelete (contents go with the last reference)."""
import pytest
from sqlalchemy import func, select

from domain import model as m
from gql.ids import parse_global_id
from tests.factories import add_company, add_customer, add_person, add_project, company_with_staff, gid, graphql
from tests.uploads import file_client, file_settings, store, upload, uploaded  # noqa: F401 - fixtures

UPDATE = """
mutation Update($input: FileUpdateInput!) {
  fileUpdate(input: $input) {
    file { id name tags entityId effectiveStorageLocation }
    userErrors { field message code }
  }
}
"""

DELETE = """
mutation Delete($input: FileDeleteInput!) {
  fileDelete(input: $input) { deletedId userErrors { field message code } }
}
"""


def codes(payload) -> list[tuple[str | None, str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


@pytest.fixture
async def office(db, file_client):
    """acme: customer Fjordkraft with projects Website (leader: leader; members: employee, colleague) and Intranet;
    a file the employee uploaded to Website; birch: another company."""
    acme = await company_with_staff(db)
    customer_id = await add_customer(db, acme)
    website = await add_project(db, acme, customer_id, leader=acme["leader"],
                                members=[acme["employee"], acme["colleague"]])
    intranet = await add_project(db, acme, customer_id, "Intranet", members=[acme["employee"]])
    file = uploaded(await upload(file_client, acme["employee"].token, gid("Project", website), b"v1",
                                 filename="draft.docx", tags=["Draft"]))["file"]
    birch = await company_with_staff(db, "birch")
    return {"acme": acme, "birch": birch, "customer": gid("Customer", customer_id), "website": gid("Project", website),
            "intranet": gid("Project", intranet), "file": file}


async def test_the_uploader_renames_and_retags_a_file(db, file_client, office):
    data = await graphql(file_client, UPDATE, {"input": {
        "id": office["file"]["id"], "name": " Final.docx ", "tags": ["Approved", "2026", "approved"]}},
        token=office["acme"]["employee"].token)
    assert data["fileUpdate"]["userErrors"] == []
    assert data["fileUpdate"]["file"]["name"] == "Final.docx"
    assert data["fileUpdate"]["file"]["tags"] == ["2026", "Approved"]


async def test_an_update_changes_only_what_is_given(db, file_client, office):
    data = await graphql(file_client, UPDATE, {"input": {"id": office["file"]["id"], "tags": []}},
                         token=office["acme"]["admin"].token)
    assert data["fileUpdate"]["file"]["name"] == "draft.docx" and data["fileUpdate"]["file"]["tags"] == []


async def test_a_file_moves_to_another_entity_of_its_company(db, file_client, office):
    data = await graphql(file_client, UPDATE, {"input": {"id": office["file"]["id"], "entityId": office["intranet"]}},
                         token=office["acme"]["employee"].token)
    assert data["fileUpdate"]["file"]["entityId"] == office["intranet"]
    data = await graphql(file_client, UPDATE, {"input": {"id": office["file"]["id"], "entityId": office["customer"]}},
                         token=office["acme"]["admin"].token)
    assert data["fileUpdate"]["file"]["entityId"] == office["customer"]


async def test_a_member_may_not_move_a_file_to_the_customer_level(db, file_client, office):
    data = await graphql(file_client, UPDATE, {"input": {"id": office["file"]["id"], "entityId": office["customer"]}},
                         token=office["acme"]["employee"].token)
    assert codes(data["fileUpdate"]) == [("entityId", "FORBIDDEN")]


async def test_a_file_cannot_move_to_another_company_even_for_someone_in_both(db, file_client, office):
    # given the acme admin is also an admin of a company with a customer
    acme = office["acme"]
    pine = await add_company(db, "pine")
    await add_person(db, pine, "admin", m.Role.ADMIN, email=acme["admin"].email)
    pine_customer = gid("Customer", await add_customer(db, pine))
    # when they move an acme file there, with a token for both companies
    from domain.access.tokens import create_token

    token, _ = await create_token(db, db.settings, email=acme["admin"].email)
    data = await graphql(file_client, UPDATE, {"input": {"id": office["file"]["id"], "entityId": pine_customer}},
                         token=token)
    # then it is refused and the file stays where it was
    assert codes(data["fileUpdate"]) == [("entityId", "INVALID_INPUT")]
    data = await graphql(file_client, UPDATE, {"input": {"id": office["file"]["id"], "entityId": pine_customer}},
                         token=acme["admin"].token)
    assert codes(data["fileUpdate"]) == [("entityId", "NOT_FOUND")]
    node = await graphql(file_client, "query($id: ID!) { node(id: $id) { ... on File { entityId } } }",
                         {"id": office["file"]["id"]}, token=token)
    assert node["node"]["entityId"] == office["website"]


@pytest.mark.parametrize(("role", "allowed"), [
    ("admin", True), ("leader", True), ("employee", True), ("colleague", False),
])
async def test_the_uploader_an_admin_and_the_projects_leader_may_change_a_file(db, file_client, office, role, allowed):
    data = await graphql(file_client, UPDATE, {"input": {"id": office["file"]["id"], "name": f"by {role}.docx"}},
                         token=office["acme"][role].token)
    assert codes(data["fileUpdate"]) == ([] if allowed else [("id", "FORBIDDEN")])


async def test_files_others_cannot_see_look_missing(db, file_client, office):
    for person in (office["acme"]["external"], office["birch"]["admin"]):
        data = await graphql(file_client, UPDATE, {"input": {"id": office["file"]["id"], "name": "x"}}, token=person.token)
        assert codes(data["fileUpdate"]) == [("id", "NOT_FOUND")]
        data = await graphql(file_client, DELETE, {"input": {"id": office["file"]["id"]}}, token=person.token)
        assert codes(data["fileDelete"]) == [("id", "NOT_FOUND")]


async def test_bad_input_is_refused_naming_the_field_and_nothing_changes(db, file_client, office):
    file_id = office["file"]["id"]
    token = office["acme"]["admin"].token
    for change, field in (
        ({"name": "   "}, "name"), ({"name": None}, "name"), ({"tags": ["ok", ""]}, "tags.1"),
        ({"entityId": None}, "entityId"), ({"entityId": "garbage"}, "entityId"),
        ({"name": "renamed.docx", "entityId": office["acme"]["admin"].gid}, "entityId"),
        ({"name": "x" * 1001}, "name"),  # up to 1000 a long name is shortened, with a warning
    ):
        data = await graphql(file_client, UPDATE, {"input": {"id": file_id, **change}}, token=token)
        assert [e["field"] for e in data["fileUpdate"]["userErrors"]] == [field], change
    node = await graphql(file_client, "query($id: ID!) { node(id: $id) { ... on File { name tags } } }",
                         {"id": file_id}, token=token)
    assert node["node"] == {"name": "draft.docx", "tags": ["Draft"]}


async def test_deleting_a_file_removes_its_contents_with_the_last_reference(db, file_client, office, store):
    # given a second file with the same bytes
    acme = office["acme"]
    twin = uploaded(await upload(file_client, acme["admin"].token, office["intranet"], b"v1", filename="copy.docx"))["file"]
    sha = twin["sha256"]
    # when the first is deleted, the shared contents stay
    data = await graphql(file_client, DELETE, {"input": {"id": office["file"]["id"]}}, token=acme["employee"].token)
    assert data["fileDelete"] == {"deletedId": office["file"]["id"], "userErrors": []}
    assert store.blobs() == [sha]
    download = await file_client.get(twin["url"], headers={"Authorization": f"Bearer {acme['admin'].token}"})
    assert download.content == b"v1"
    # and when the last one is deleted, they go too, with its tags links
    data = await graphql(file_client, DELETE, {"input": {"id": twin["id"]}}, token=acme["admin"].token)
    assert data["fileDelete"]["userErrors"] == []
    assert store.blobs() == [] and store.leftovers() == []
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(m.file_tags)) == 0
        assert await session.scalar(select(func.count(m.File.id))) == 0


async def test_a_member_who_did_not_upload_a_file_may_not_delete_it(db, file_client, office, store):
    data = await graphql(file_client, DELETE, {"input": {"id": office["file"]["id"]}}, token=office["acme"]["colleague"].token)
    assert codes(data["fileDelete"]) == [("id", "FORBIDDEN")]
    assert len(store.blobs()) == 1


async def test_concurrent_uploads_of_a_new_tag_share_one_tag(db, file_client, office):
    import asyncio

    acme = office["acme"]
    responses = await asyncio.gather(*(
        upload(file_client, acme["admin"].token, office["website"], f"{i}".encode(), tags=["Brand new"])
        for i in range(6)
    ))
    assert all(uploaded(r)["userErrors"] == [] for r in responses)
    async with db.read() as session:
        assert await session.scalar(select(func.count(m.Tag.id)).where(m.Tag.name == "Brand new")) == 1


async def test_concurrent_uploads_and_deletes_of_the_same_bytes_never_lose_a_needed_blob(db, file_client, office, store):
    import asyncio

    acme = office["acme"]
    token = acme["admin"].token
    first = uploaded(await upload(file_client, token, office["website"], b"shared bytes"))["file"]
    # when the only file with these bytes is deleted while more of them are uploaded
    results = await asyncio.gather(
        graphql(file_client, DELETE, {"input": {"id": first["id"]}}, token=token),
        *(upload(file_client, token, office["website"], b"shared bytes", filename=f"{i}.pdf") for i in range(4)),
    )
    # then every surviving file can still be downloaded
    assert results[0]["fileDelete"]["userErrors"] == []
    for response in results[1:]:
        file = uploaded(response)["file"]
        download = await file_client.get(file["url"], headers={"Authorization": f"Bearer {token}"})
        assert download.content == b"shared bytes"
    assert store.leftovers() == []


async def test_an_upload_a_change_and_a_delete_are_recorded_in_the_event_log_with_the_files_project(
    db, file_client, office
):
    # given the employee's upload to Website (the fixture), when an admin renames it and then deletes it
    acme, file_id = office["acme"], office["file"]["id"]
    await graphql(file_client, UPDATE, {"input": {"id": file_id, "name": "final.docx"}}, token=acme["admin"].token)
    await graphql(file_client, DELETE, {"input": {"id": file_id}}, token=acme["admin"].token)
    # then the log holds the three file events, in order, filed under the project
    async with db.read() as session:
        rows = (await session.execute(
            select(m.Event.action, m.Event.node_id, m.Event.project_id, m.Event.company_id)
            .where(m.Event.kind == m.EventKind.FILE).order_by(m.Event.id)
        )).all()
    pk = parse_global_id(file_id)[1]
    website = parse_global_id(office["website"])[1]
    assert [tuple(r) for r in rows] == [
        ("UPLOADED", pk, website, acme.id), ("UPDATED", pk, website, acme.id), ("DELETED", pk, website, acme.id)]


async def test_a_refused_upload_records_no_event(db, file_client, office):
    await upload(file_client, office["acme"]["colleague"].token, office["customer"], b"x")
    async with db.read() as session:
        actions = list(await session.scalars(select(m.Event.action).where(m.Event.kind == m.EventKind.FILE)))
    assert actions == ["UPLOADED"]  # only the fixture's own upload
