"""fileUpload through the GraphQL multipart request spec: stored, refused when cross-site, limited while streaming."""
import hashlib
import json

from sqlalchemy import func, select

from domain import model as m
from tests.factories import add_company, add_customer, add_person, add_project, company_with_staff, gid, graphql
from tests.uploads import (  # noqa: F401 - fixtures
    PREFLIGHT, SMALL_LIMIT, UPLOAD, as_async, file_client, file_settings, multipart_body, store, upload, uploaded,
)


async def file_count(db) -> int:
    async with db.read() as session:
        return await session.scalar(select(func.count(m.File.id)))


async def office(db):
    """acme with staff, a customer and a Website project with the employee and the external co-worker as members."""
    acme = await company_with_staff(db)
    customer_id = await add_customer(db, acme)
    project_id = await add_project(db, acme, customer_id, members=[acme["employee"], acme["external"]])
    return acme, customer_id, project_id


async def test_an_upload_stores_the_contents_at_their_sha256_with_the_metadata(db, file_client, store):
    # given a project member
    acme, _, project_id = await office(db)
    contents = b"%PDF-1.7\n" + bytes(range(256)) * 100
    # when they upload a file to the project
    payload = uploaded(await upload(file_client, acme["employee"].token, gid("Project", project_id), contents,
                                    filename="Offer 2026.pdf", tags=["Contract", " contract ", "Q1"]))
    # then the metadata describes it and the contents sit at their address
    sha = hashlib.sha256(contents).hexdigest()
    assert payload["userErrors"] == []
    file = payload["file"]
    assert (file["name"], file["size"], file["contentType"], file["sha256"]) == (
        "Offer 2026.pdf", len(contents), "application/pdf", sha)
    assert file["tags"] == ["Contract", "Q1"]
    assert file["entityId"] == gid("Project", project_id)
    assert file["uploadedBy"] == {"id": acme["employee"].gid}
    assert file["url"] == f"/files/{file['id']}/content"
    assert store.path_of(sha).read_bytes() == contents
    assert store.leftovers() == []


async def test_a_name_given_in_the_input_wins_over_the_parts_filename(db, file_client):
    acme, _, project_id = await office(db)
    payload = uploaded(await upload(file_client, acme["admin"].token, gid("Project", project_id), b"x",
                                    filename="scan0001.pdf", name="Signed contract.pdf"))
    assert payload["file"]["name"] == "Signed contract.pdf"


async def test_a_multipart_request_without_a_preflight_header_is_refused_before_anything_is_stored(
    db, file_client, store
):
    # given a valid upload request, as a cross-site HTML form would send it (no custom header)
    acme, _, project_id = await office(db)
    response = await upload(file_client, acme["admin"].token, gid("Project", project_id), b"evil",
                            headers={"GraphQL-Preflight": ""})
    # then it is refused and nothing was written
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "PREFLIGHT_REQUIRED"
    assert await file_count(db) == 0
    assert store.blobs() == [] and store.leftovers() == []


async def test_apollos_preflight_header_is_accepted_too(db, file_client):
    acme, _, project_id = await office(db)
    body, content_type = multipart_body(
        {"query": UPLOAD, "variables": {"input": {"entityId": gid("Project", project_id), "file": None}}},
        {"0": ("a.txt", b"a", "text/plain")}, {"0": ["variables.input.file"]},
    )
    response = await file_client.post("/graphql", content=b"".join(body), headers={
        "Content-Type": content_type, "Apollo-Require-Preflight": "true", "Authorization": f"Bearer {acme['admin'].token}",
    })
    assert uploaded(response)["file"]["name"] == "a.txt"


async def test_an_anonymous_upload_is_refused_before_the_body_is_read(db, file_client, store):
    acme, _, project_id = await office(db)
    response = await upload(file_client, None, gid("Project", project_id), b"x")
    assert response.status_code == 401
    assert store.leftovers() == [] and await file_count(db) == 0


async def test_a_file_over_the_limit_is_refused_while_streaming_and_leaves_nothing_behind(db, file_client, store):
    # given an upload four times the limit, sent in 8 KiB chunks
    acme, _, project_id = await office(db)
    chunks = [b"z" * 8192] * (4 * SMALL_LIMIT // 8192)
    body, content_type = multipart_body(
        {"query": UPLOAD, "variables": {"input": {"entityId": gid("Project", project_id), "file": None}}},
        {"0": ("huge.bin", chunks, None)}, {"0": ["variables.input.file"]},
    )
    body = list(body)
    total = sum(map(len, body))
    read = [0]
    response = await file_client.post("/graphql", content=as_async(body, read), headers={
        **PREFLIGHT, "Content-Type": content_type, "Authorization": f"Bearer {acme['admin'].token}",
    })
    # then it is refused with 413, the server stopped reading soon after the limit, and nothing was kept
    assert response.status_code == 413
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "FILE_TOO_LARGE", "field": "file", "limit": SMALL_LIMIT}
    assert "huge.bin" in error["message"]
    assert read[0] < SMALL_LIMIT + 3 * 8192 < total
    assert await file_count(db) == 0
    assert store.blobs() == [] and store.leftovers() == []


async def test_a_file_of_exactly_the_limit_is_accepted(db, file_client, store):
    acme, _, project_id = await office(db)
    payload = uploaded(await upload(file_client, acme["admin"].token, gid("Project", project_id), b"q" * SMALL_LIMIT))
    assert payload["file"]["size"] == SMALL_LIMIT


async def test_a_refused_upload_keeps_neither_metadata_nor_contents(db, file_client, store):
    # given an employee who is not a member of the project
    acme, customer_id, project_id = await office(db)
    response = await upload(file_client, acme["colleague"].token, gid("Project", project_id), b"secret")
    # then the project looks missing and the received contents are gone
    assert uploaded(response) == {"file": None, "userErrors": [
        {"field": "entityId", "message": "No such project.", "code": "NOT_FOUND"}]}
    assert await file_count(db) == 0
    assert store.blobs() == [] and store.leftovers() == []


async def test_a_customers_own_files_are_added_by_admins_and_project_leaders_only(db, file_client):
    acme, customer_id, _ = await office(db)
    customer = gid("Customer", customer_id)
    refused = uploaded(await upload(file_client, acme["employee"].token, customer, b"x"))
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [("entityId", "FORBIDDEN")]
    for role in ("admin", "leader"):
        assert uploaded(await upload(file_client, acme[role].token, customer, b"x"))["userErrors"] == []


async def test_external_members_upload_to_their_project_and_its_activities(db, file_client):
    acme, _, project_id = await office(db)
    async with db.read() as session:
        activity_id = await session.scalar(select(m.Activity.id).where(m.Activity.project_id == project_id).limit(1))
    for entity in (gid("Project", project_id), gid("Activity", activity_id)):
        assert uploaded(await upload(file_client, acme["external"].token, entity, b"x"))["userErrors"] == []


async def test_another_companys_project_looks_missing(db, file_client, store):
    acme, _, project_id = await office(db)
    birch = await company_with_staff(db, "birch")
    response = await upload(file_client, birch["admin"].token, gid("Project", project_id), b"x")
    assert [(e["field"], e["code"]) for e in uploaded(response)["userErrors"]] == [("entityId", "NOT_FOUND")]
    assert store.blobs() == []


async def test_an_entity_id_of_another_type_or_malformed_is_refused_naming_the_field(db, file_client):
    acme, _, _ = await office(db)
    for entity, code in ((acme["admin"].gid, "INVALID_INPUT"), ("nonsense", "INVALID_INPUT")):
        errors = uploaded(await upload(file_client, acme["admin"].token, entity, b"x"))["userErrors"]
        assert [(e["field"], e["code"]) for e in errors] == [("entityId", code)]


async def test_a_file_variable_in_a_json_request_is_not_a_file(db, client):
    acme, _, project_id = await office(db)
    data = await graphql(client, UPLOAD, {"input": {"entityId": gid("Project", project_id), "file": "/etc/passwd"}},
                         token=acme["admin"].token)
    assert [(e["field"], e["code"]) for e in data["fileUpload"]["userErrors"]] == [("file", "INVALID_INPUT")]


async def test_two_uploads_of_the_same_bytes_share_one_blob(db, file_client, store):
    acme, _, project_id = await office(db)
    for name in ("a.pdf", "b.pdf"):
        uploaded(await upload(file_client, acme["admin"].token, gid("Project", project_id), b"same", filename=name))
    assert await file_count(db) == 2 and len(store.blobs()) == 1 and store.leftovers() == []


async def test_one_request_can_carry_several_files(db, file_client, store):
    acme, _, project_id = await office(db)
    project = gid("Project", project_id)
    query = """
    mutation Two($a: FileUploadInput!, $b: FileUploadInput!) {
      a: fileUpload(input: $a) { file { name size } userErrors { code } }
      b: fileUpload(input: $b) { file { name size } userErrors { code } }
    }"""
    body, content_type = multipart_body(
        {"query": query, "variables": {"a": {"entityId": project, "file": None}, "b": {"entityId": project, "file": None}}},
        {"x": ("one.txt", b"1", "text/plain"), "y": ("two.txt", b"22", "text/plain")},
        {"x": ["variables.a.file"], "y": ["variables.b.file"]},
    )
    response = await file_client.post("/graphql", content=b"".join(body), headers={
        **PREFLIGHT, "Content-Type": content_type, "Authorization": f"Bearer {acme['admin'].token}",
    })
    data = response.json()["data"]
    assert (data["a"]["file"], data["b"]["file"]) == ({"name": "one.txt", "size": 1}, {"name": "two.txt", "size": 2})
    assert len(store.blobs()) == 2 and store.leftovers() == []


async def test_malformed_multipart_requests_get_400_and_leave_nothing(db, file_client, store):
    acme, _, project_id = await office(db)
    auth = {**PREFLIGHT, "Authorization": f"Bearer {acme['admin'].token}"}
    operations = {"query": UPLOAD, "variables": {"input": {"entityId": gid("Project", project_id), "file": None}}}
    boundary = "b0undary"
    cases = {
        "file before map": (
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{json.dumps(operations)}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"0\"; filename=\"a\"\r\n\r\nabc\r\n"
            f"--{boundary}--\r\n"
        ),
        "file not sent": (
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{json.dumps(operations)}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{{\"0\": [\"variables.input.file\"]}}\r\n"
            f"--{boundary}--\r\n"
        ),
        "map path names no null": (
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{json.dumps(operations)}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{{\"0\": [\"variables.input.entityId\"]}}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"0\"; filename=\"a\"\r\n\r\nabc\r\n"
            f"--{boundary}--\r\n"
        ),
        "operations not JSON": (
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{{nope\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n{{}}\r\n"
            f"--{boundary}--\r\n"
        ),
    }
    for case, body in cases.items():
        response = await file_client.post("/graphql", content=body.encode(), headers={
            **auth, "Content-Type": f"multipart/form-data; boundary={boundary}"})
        assert response.status_code == 400, case
        assert response.json()["errors"][0]["extensions"]["code"] == "BAD_MULTIPART_REQUEST", case
    response = await file_client.post("/graphql", content=b"x", headers={**auth, "Content-Type": "multipart/form-data"})
    assert response.status_code == 400
    assert await file_count(db) == 0 and store.blobs() == [] and store.leftovers() == []


async def test_files_of_tasks_are_stored_under_the_task(db, file_client):
    acme, _, project_id = await office(db)
    async with db.transaction() as session:
        task = m.Task(company_id=acme.id, number=1, name="Annual report", project_id=project_id)
        session.add(task)
        await session.flush()
        task_id = task.id
    payload = uploaded(await upload(file_client, acme["employee"].token, gid("Task", task_id), b"x"))
    assert payload["file"]["entityId"] == gid("Task", task_id)
    node = await graphql(file_client, "query($id: ID!) { node(id: $id) { ... on File { task { name } project { id } } } }",
                         {"id": payload["file"]["id"]}, token=acme["employee"].token)
    assert node["node"] == {"task": {"name": "Annual report"}, "project": None}


async def test_a_co_worker_of_two_companies_uploads_in_the_entitys_company(db, file_client):
    # given a user who is an admin in acme and an employee in birch (one token for both)
    acme, _, project_id = await office(db)
    birch = await add_company(db, "birch")
    person = await add_person(db, birch, "admin", m.Role.ADMIN, email=acme["admin"].email)
    birch_customer = await add_customer(db, birch)
    payload = uploaded(await upload(file_client, person.token, gid("Customer", birch_customer), b"x"))
    assert payload["file"]["uploadedBy"] == {"id": person.gid}
