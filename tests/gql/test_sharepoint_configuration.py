"""sharePointConfigure and sharePointConfiguration (SPEC §6): admins only, the secret write-only and encrypted."""
import datetime as dt

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select

from domain.platform.errors import DomainErrors, InvalidInput
from domain.model import SharePointConfiguration
from domain.sharepoint.configuration import SecretBox, SecretKeyMissing, SecretUnreadable, configuration_values
from partnergraph.composition import create_app
from tests.factories import company_with_staff, graphql

KEY = Fernet.generate_key().decode()
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CLIENT = "00000003-0000-0ff1-ce00-000000000000"

CONFIGURE = """
mutation Configure($input: SharePointConfigureInput!) {
  sharePointConfigure(input: $input) {
    configuration { tenantId clientId siteUrl applyContentType dailySyncTime syncDirections clientSecretSet
                    company { databaseName } }
    userErrors { field message code }
  }
}
"""

CONFIGURATION = """
query Configuration($id: ID!) {
  sharePointConfiguration(companyId: $id) { tenantId clientId siteUrl clientSecretSet syncDirections }
}
"""


@pytest.fixture
async def sp_client(db):
    """The API with a secret key configured."""
    app = create_app(db.settings.model_copy(update={"sharepoint_secret_key": KEY}), db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        yield client


def full_input(company_gid: str, **extra) -> dict:
    return {"companyId": company_gid, "tenantId": TENANT, "clientId": CLIENT, "clientSecret": "s3cr3t~value",
            "siteUrl": "https://contoso.sharepoint.com/sites/clients/", "applyContentType": True,
            "dailySyncTime": "02:30:00", "syncDirections": ["TO_SHAREPOINT", "FROM_SHAREPOINT"], **extra}


async def stored(db) -> list[SharePointConfiguration]:
    async with db.read() as session:
        return list(await session.scalars(select(SharePointConfiguration)))


async def test_an_admin_configures_sharepoint_and_the_secret_is_stored_only_encrypted(db, sp_client):
    acme = await company_with_staff(db)

    result = (await graphql(sp_client, CONFIGURE, {"input": full_input(acme.gid)}, token=acme["admin"].token))

    assert result["sharePointConfigure"] == {"userErrors": [], "configuration": {
        "tenantId": TENANT, "clientId": CLIENT, "siteUrl": "https://contoso.sharepoint.com/sites/clients",
        "applyContentType": True, "dailySyncTime": "02:30:00", "syncDirections": ["TO_SHAREPOINT", "FROM_SHAREPOINT"],
        "clientSecretSet": True, "company": {"databaseName": "acme"},
    }}
    [row] = await stored(db)
    assert "s3cr3t" not in row.client_secret_encrypted
    assert SecretBox(KEY).open(row.client_secret_encrypted) == "s3cr3t~value"


async def test_the_secret_cannot_be_read_back_through_the_api(db, sp_client):
    acme = await company_with_staff(db)
    await graphql(sp_client, CONFIGURE, {"input": full_input(acme.gid)}, token=acme["admin"].token)
    body = await graphql(sp_client, "{ __type(name: \"SharePointConfiguration\") { fields { name } } }")
    names = {f["name"] for f in body["__type"]["fields"]}
    assert "clientSecret" not in names and "clientSecretEncrypted" not in names
    data = await graphql(sp_client, CONFIGURATION, {"id": acme.gid}, token=acme["admin"].token)
    assert data["sharePointConfiguration"]["clientSecretSet"] is True


async def test_a_later_edit_changes_only_what_it_gives_and_a_null_secret_removes_it(db, sp_client):
    acme = await company_with_staff(db)
    token = acme["admin"].token
    await graphql(sp_client, CONFIGURE, {"input": full_input(acme.gid)}, token=token)

    result = await graphql(sp_client, CONFIGURE, {"input": {
        "companyId": acme.gid, "clientSecret": None, "syncDirections": [], "dailySyncTime": None}}, token=token)

    config = result["sharePointConfigure"]["configuration"]
    assert (config["tenantId"], config["clientSecretSet"], config["syncDirections"], config["dailySyncTime"]) == (
        TENANT, False, [], None)
    [row] = await stored(db)
    assert row.client_secret_encrypted is None and row.updated_at is not None


@pytest.mark.parametrize("role", ["leader", "employee", "external"])
async def test_only_admins_configure_sharepoint_or_see_the_configuration(db, sp_client, role):
    acme = await company_with_staff(db)
    await graphql(sp_client, CONFIGURE, {"input": full_input(acme.gid)}, token=acme["admin"].token)

    result = await graphql(sp_client, CONFIGURE, {"input": full_input(acme.gid, tenantId="evil.onmicrosoft.com")},
                           token=acme[role].token)
    read = await graphql(sp_client, CONFIGURATION, {"id": acme.gid}, token=acme[role].token)

    assert result["sharePointConfigure"]["userErrors"][0]["code"] == "FORBIDDEN"
    assert read["sharePointConfiguration"] is None
    assert (await stored(db))[0].tenant_id == TENANT


async def test_another_companys_admin_sees_no_such_company(db, sp_client):
    acme = await company_with_staff(db)
    birch = await company_with_staff(db, "birch")
    result = await graphql(sp_client, CONFIGURE, {"input": full_input(acme.gid)}, token=birch["admin"].token)
    assert result["sharePointConfigure"]["userErrors"][0] | {"message": ""} == {
        "field": "companyId", "code": "NOT_FOUND", "message": ""}
    assert await stored(db) == []


async def test_without_a_secret_key_no_secret_is_stored_and_nothing_is_written(db, client):
    acme = await company_with_staff(db)
    result = await graphql(client, CONFIGURE, {"input": full_input(acme.gid)}, token=acme["admin"].token)
    [error] = result["sharePointConfigure"]["userErrors"]
    assert (error["field"], error["code"]) == ("clientSecret", "SECRET_KEY_MISSING")
    assert "PARTNERGRAPH_SHAREPOINT_SECRET_KEY" in error["message"]
    assert await stored(db) == []


async def test_bad_input_names_every_field_at_fault_and_writes_nothing(db, sp_client):
    acme = await company_with_staff(db)
    bad = full_input(acme.gid, tenantId="not a tenant", clientId="123", siteUrl="http://contoso.sharepoint.com/x",
                     clientSecret="   ")
    result = await graphql(sp_client, CONFIGURE, {"input": bad}, token=acme["admin"].token)
    errors = result["sharePointConfigure"]["userErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [
        ("tenantId", "INVALID_INPUT"), ("clientId", "INVALID_INPUT"), ("siteUrl", "INVALID_INPUT"),
        ("clientSecret", "INVALID_INPUT")]
    async with db.read() as session:
        assert await session.scalar(select(func.count(SharePointConfiguration.id))) == 0


async def test_a_first_configuration_needs_the_tenant_the_client_and_the_site(db, sp_client):
    acme = await company_with_staff(db)
    result = await graphql(sp_client, CONFIGURE, {"input": {"companyId": acme.gid}}, token=acme["admin"].token)
    assert [e["field"] for e in result["sharePointConfigure"]["userErrors"]] == ["tenantId", "clientId", "siteUrl"]


# --- the rules without a database ----------------------------------------------------------------------------


def test_a_tenant_is_a_guid_or_a_domain_and_is_kept_in_lower_case():
    assert configuration_values({"tenant_id": " Contoso.OnMicrosoft.com "}, existing=True) == {
        "tenant_id": "contoso.onmicrosoft.com"}
    with pytest.raises(InvalidInput):
        configuration_values({"tenant_id": "contoso"}, existing=True)


def test_several_problems_are_reported_together():
    with pytest.raises(DomainErrors) as caught:
        configuration_values({"client_id": "x", "site_url": "ftp://a"}, existing=True)
    assert [e.field for e in caught.value.errors] == ["clientId", "siteUrl"]


def test_the_daily_sync_time_is_kept_to_the_minute():
    assert configuration_values({"daily_sync_time": dt.time(2, 30, 45)}, existing=True) == {
        "daily_sync_time": dt.time(2, 30)}


def test_a_secret_sealed_under_one_key_is_unreadable_under_another_and_no_key_seals_nothing():
    sealed = SecretBox(KEY).seal("abc")
    with pytest.raises(SecretUnreadable):
        SecretBox(Fernet.generate_key().decode()).open(sealed)
    with pytest.raises(SecretKeyMissing):
        SecretBox("").seal("abc")
