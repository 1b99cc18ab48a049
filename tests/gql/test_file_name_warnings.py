"""fileUpload and fileUpdate take a name over 255 characters shortened (extension kept) and a name without an
extension as it is, each with a `warnings` entry beside the userErrors (SPEC §6); only absurd lengths are refused."""
from tests.factories import add_customer, add_project, company_with_staff, gid, graphql
from tests import uploads
from tests.uploads import file_client, file_settings, uploaded  # noqa: F401 - fixtures

UPLOAD = uploads.UPLOAD.replace("userErrors { field message code }",
                                "userErrors { field message code } warnings { field message code }")

UPDATE = """
mutation($input: FileUpdateInput!) { fileUpdate(input: $input) {
  file { name } userErrors { field code } warnings { field code message } } }
"""


async def upload(*args, **kwargs):
    return await uploads.upload(*args, query=UPLOAD, **kwargs)


async def a_project(db):
    acme = await company_with_staff(db)
    return acme, await add_project(db, acme, await add_customer(db, acme))


async def test_an_ordinary_name_has_no_warnings(db, file_client):
    acme, project_id = await a_project(db)
    payload = uploaded(await upload(file_client, acme["admin"].token, gid("Project", project_id), filename="a.pdf"))
    assert (payload["file"]["name"], payload["warnings"]) == ("a.pdf", [])


async def test_a_file_without_an_extension_is_stored_with_a_warning_on_the_file(db, file_client):
    acme, project_id = await a_project(db)
    payload = uploaded(await upload(file_client, acme["admin"].token, gid("Project", project_id), b"all:",
                                    filename="Makefile", content_type=None))
    assert payload["userErrors"] == [] and payload["file"]["name"] == "Makefile"
    (warning,) = payload["warnings"]
    assert (warning["code"], warning["field"]) == ("NO_EXTENSION", "file") and "extension" in warning["message"]


async def test_a_name_over_255_characters_is_shortened_keeping_its_extension_the_same_way_each_time(db, file_client):
    acme, project_id = await a_project(db)
    long = "Tilbud " + "veldig lang " * 40 + ".pdf"
    names = []
    for _ in range(2):
        payload = uploaded(await upload(file_client, acme["admin"].token, gid("Project", project_id), name=long))
        assert [(w["code"], w["field"]) for w in payload["warnings"]] == [("NAME_SHORTENED", "name")]
        names.append(payload["file"]["name"])
    assert names[0] == names[1] and len(names[0]) <= 255 and names[0].endswith(".pdf")
    assert long.startswith(names[0][:-4])


async def test_a_name_longer_than_the_api_takes_is_refused_naming_it(db, file_client):
    acme, project_id = await a_project(db)
    body = (await upload(file_client, acme["admin"].token, gid("Project", project_id), name="x" * 1001 + ".pdf"))
    payload = body.json()["data"]["fileUpload"]
    assert payload["file"] is None
    assert [(e["code"], e["field"].rsplit(".", 1)[-1]) for e in payload["userErrors"]] == [("INVALID_INPUT", "name")]


async def test_a_rename_warns_as_an_upload_does_and_only_when_the_name_changes(db, file_client):
    acme, project_id = await a_project(db)
    file_id = uploaded(await upload(file_client, acme["admin"].token, gid("Project", project_id)))["file"]["id"]
    token = acme["admin"].token
    renamed = (await graphql(file_client, UPDATE, {"input": {"id": file_id, "name": "README"}}, token=token))
    assert renamed["fileUpdate"]["file"]["name"] == "README"
    assert [(w["code"], w["field"]) for w in renamed["fileUpdate"]["warnings"]] == [("NO_EXTENSION", "name")]
    retagged = (await graphql(file_client, UPDATE, {"input": {"id": file_id, "tags": ["x"]}}, token=token))
    assert retagged["fileUpdate"]["warnings"] == [] and retagged["fileUpdate"]["userErrors"] == []
    long = (await graphql(file_client, UPDATE, {"input": {"id": file_id, "name": "y" * 300 + ".docx"}}, token=token))
    assert long["fileUpdate"]["file"]["name"] == "y" * 250 + ".docx"
    assert [w["code"] for w in long["fileUpdate"]["warnings"]] == ["NAME_SHORTENED"]
