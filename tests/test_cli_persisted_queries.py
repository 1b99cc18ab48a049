"""`partnergraph persisted-query`: the allow-list of a persisted-only server, built from files."""
import hashlib
import json

import httpx

from partnergraph.composition import create_app
from tests.cli_harness import cli_database, run  # noqa: F401 (cli_database is a fixture)
from tests.factories import company_with_staff

VIEWER = "query Viewer { viewer { email } }\n"
COMPANIES = "query Companies { companies { totalCount } }"


async def test_stored_documents_are_the_ones_a_persisted_only_server_runs(cli_database, capsys, tmp_path):
    (tmp_path / "viewer.graphql").write_text(VIEWER)
    manifest = {"format": "apollo-persisted-query-manifest", "version": 1,
                "operations": [{"id": "x", "name": "Companies", "type": "query", "body": COMPANIES}]}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))

    code, out, _ = await run(capsys, "persisted-query", "add", str(tmp_path / "viewer.graphql"),
                             str(tmp_path / "manifest.json"))
    assert code == 0
    hashes = [line.split()[0] for line in out.splitlines()]
    assert hashes == [hashlib.sha256(VIEWER.encode()).hexdigest(), hashlib.sha256(COMPANIES.encode()).hexdigest()]

    admin = (await company_with_staff(cli_database))["admin"]
    app = create_app(cli_database.settings.model_copy(update={"persisted_queries": "only"}), cli_database)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        by_hash = await client.post("/graphql", json={
            "extensions": {"persistedQuery": {"version": 1, "sha256Hash": hashes[0]}}},
            headers={"Authorization": f"Bearer {admin.token}"})
        other = await client.post("/graphql", json={"query": "{ __typename }"})
    assert by_hash.json()["data"] == {"viewer": {"email": admin.email}}
    assert other.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_REQUIRED"

    code, out, _ = await run(capsys, "persisted-query", "list")
    assert code == 0 and hashes[0] in out and "cli" in out


async def test_a_document_the_schema_refuses_is_not_stored_nor_any_other_of_the_same_command(cli_database, capsys,
                                                                                           tmp_path):
    (tmp_path / "good.graphql").write_text(VIEWER)
    (tmp_path / "bad.graphql").write_text("{ viewer { shoeSize } }")
    code, _, err = await run(capsys, "persisted-query", "add", str(tmp_path / "good.graphql"),
                             str(tmp_path / "bad.graphql"))
    assert code == 2
    assert "bad.graphql: Cannot query field 'shoeSize'" in err
    code, out, _ = await run(capsys, "persisted-query", "list")
    assert out.strip() == "No persisted queries."


async def test_a_stored_document_can_be_removed(cli_database, capsys, tmp_path):
    (tmp_path / "viewer.graphql").write_text(VIEWER)
    _, out, _ = await run(capsys, "persisted-query", "add", str(tmp_path / "viewer.graphql"))
    query_hash = out.split()[0]
    assert (await run(capsys, "persisted-query", "remove", query_hash))[0] == 0
    code, _, err = await run(capsys, "persisted-query", "remove", query_hash)
    assert code == 2 and "No persisted query has the hash" in err
