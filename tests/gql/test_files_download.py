"""GET /files/{id}/content: authorised exactly like the file's entity, streamed, with safe headers."""
import hashlib
from urllib.parse import unquote

import pytest

from gql.http.file_content import content_disposition
from tests.factories import add_customer, add_project, company_with_staff, gid
from tests.uploads import file_client, file_settings, store, upload, uploaded  # noqa: F401 - fixtures


def bearer(person) -> dict[str, str]:
    return {"Authorization": f"Bearer {person.token}"}


@pytest.fixture
async def files(db, file_client):
    """acme with a customer-level file and a file on the Website project (employee and external are members);
    birch with staff of its own."""
    acme = await company_with_staff(db)
    customer_id = await add_customer(db, acme)
    project_id = await add_project(db, acme, customer_id, members=[acme["employee"], acme["external"]])
    contract = uploaded(await upload(file_client, acme["admin"].token, gid("Customer", customer_id), b"contract",
                                     filename="contract.pdf"))["file"]
    plan = uploaded(await upload(file_client, acme["employee"].token, gid("Project", project_id), b"plan " * 1000,
                                 filename="plan.txt", content_type="text/plain"))["file"]
    birch = await company_with_staff(db, "birch")
    return {"acme": acme, "birch": birch, "contract": contract, "plan": plan}


async def test_a_member_downloads_a_project_file_with_its_type_length_and_name(db, file_client, files):
    response = await file_client.get(files["plan"]["url"], headers=bearer(files["acme"]["external"]))
    assert response.status_code == 200
    assert response.content == b"plan " * 1000
    assert response.headers["content-type"] == "text/plain"
    assert response.headers["content-length"] == "5000"
    assert response.headers["content-disposition"] == "attachment; filename=\"plan.txt\"; filename*=UTF-8''plan.txt"
    assert response.headers["etag"] == f'"{hashlib.sha256(b"plan " * 1000).hexdigest()}"'
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(("role", "contract", "plan"), [
    ("admin", 200, 200),
    ("leader", 200, 200),
    ("employee", 404, 200),
    ("external", 404, 200),
    ("colleague", 404, 404),  # an employee who is not a member of the project
])
async def test_downloads_follow_the_read_rules_of_each_role(db, file_client, files, role, contract, plan):
    person = files["acme"][role]
    assert (await file_client.get(files["contract"]["url"], headers=bearer(person))).status_code == contract
    assert (await file_client.get(files["plan"]["url"], headers=bearer(person))).status_code == plan


async def test_another_companys_files_look_missing_even_to_its_admin(db, file_client, files):
    for file in (files["contract"], files["plan"]):
        response = await file_client.get(file["url"], headers=bearer(files["birch"]["admin"]))
        assert response.status_code == 404
        assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_anonymous_callers_and_bad_tokens_get_401(db, file_client, files):
    anonymous = await file_client.get(files["plan"]["url"])
    assert anonymous.status_code == 401
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    response = await file_client.get(files["plan"]["url"], headers={"Authorization": "Bearer pgt_nope"})
    assert response.status_code == 401


async def test_ids_that_name_no_file_are_404(db, file_client, files):
    admin = bearer(files["acme"]["admin"])
    for file_id in ("nonsense", gid("Project", 1), gid("File", 999999)):
        assert (await file_client.get(f"/files/{file_id}/content", headers=admin)).status_code == 404


async def test_a_range_of_the_contents_can_be_fetched(db, file_client, files):
    response = await file_client.get(files["plan"]["url"], headers={**bearer(files["acme"]["admin"]), "Range": "bytes=5-9"})
    assert response.status_code == 206
    assert response.content == b"plan "


async def test_missing_contents_are_a_server_fault_not_an_empty_file(db, file_client, files, store):
    store.path_of(files["plan"]["sha256"]).unlink()
    response = await file_client.get(files["plan"]["url"], headers=bearer(files["acme"]["admin"]))
    assert response.status_code == 500
    assert response.json()["errors"][0]["extensions"]["code"] == "CONTENTS_MISSING"


@pytest.mark.parametrize("name", [
    'evil"; filename="x.exe', "line\r\nSet-Cookie: a=b", "Kostnadsoverslag æøå.pdf", "报告.docx", "..", "\\\\srv\\x",
])
def test_the_content_disposition_is_safe_for_any_name(name):
    header = content_disposition(name)
    assert "\r" not in header and "\n" not in header
    assert header.startswith('attachment; filename="')
    fallback = header.split('filename="')[1].split('"')[0]
    assert fallback and all(32 <= ord(c) < 127 and c not in '"\\;' for c in fallback)
    exact = header.split("filename*=UTF-8''")[1]
    assert all(c.isalnum() or c in "%-._~" for c in exact)
    assert unquote(exact) == "".join(c for c in name if c not in "\r\n")


async def test_an_unusual_name_survives_the_round_trip_exactly(db, file_client, files):
    acme = files["acme"]
    project = files["plan"]["entityId"]
    file = uploaded(await upload(file_client, acme["admin"].token, project, b"x", filename="Tilbud «Fjord» æøå.pdf"))["file"]
    response = await file_client.get(file["url"], headers=bearer(acme["admin"]))
    exact = response.headers["content-disposition"].split("filename*=UTF-8''")[1]
    assert unquote(exact) == "Tilbud «Fjord» æøå.pdf"
