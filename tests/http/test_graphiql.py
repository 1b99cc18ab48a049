"""GraphiQL with no internet: every asset is served by partnergraph itself, and a headless Chromium that may
reach nothing but 127.0.0.1 opens /graphql, runs a query (and a subscription) and sees its result."""
import base64
import hashlib
import json
import re
import shutil

import httpx
import pytest

from gql.http.graphiql import ASSETS, STATIC, graphiql_page
from tests.http.live_server import run_node

CHROMIUM = "/usr/bin/chromium"


def sri(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def test_the_assets_are_the_published_npm_files_and_their_licences_are_kept():
    for name, (package, _, integrity) in ASSETS.items():
        assert sri((STATIC / name).read_bytes()) == integrity, f"{name} is not the file of {package}"
    licences = (STATIC / "LICENSES.md").read_text()
    for package, _, _ in ASSETS.values():
        assert package in licences


def test_the_page_loads_only_its_own_assets_each_checked_by_integrity():
    page = graphiql_page()
    urls = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sorted(u for u in urls if u.startswith("static/")) == sorted(f"static/graphiql/{n}" for n in ASSETS)
    assert not [u for u in urls if "://" in u or u.startswith("//")], "the page must not load from the internet"
    assert page.count('integrity="sha384-') == len(ASSETS)


async def test_partnergraph_serves_the_assets(client):
    for name in ASSETS:
        response = await client.get(f"/static/graphiql/{name}")
        assert response.status_code == 200, name
        assert response.content == (STATIC / name).read_bytes()


def test_graphiql_runs_a_query_in_headless_chromium_with_no_internet(live_server):
    if shutil.which("chromium") is None and not shutil.which(CHROMIUM):
        pytest.skip("Chromium is not installed here (.ci/run installs the Debian package chromium)")
    out = run_node("graphiql.mjs", live_server.graphql_url, live_server.token, "{ viewer { email } }",
                   live_server.admin_email, timeout=120)
    seen = json.loads(out)
    # The result pane is an editor: its text indents with non-breaking spaces.
    result = json.loads(seen["result"].replace("\xa0", " "))
    assert result["data"] == {"viewer": {"email": live_server.admin_email}}
    assert seen["external"] == []
    assert seen["errors"] == []


def test_a_subscription_in_graphiql_signs_in_with_the_headers_editor_and_shows_the_event(live_server):
    if shutil.which("chromium") is None and not shutil.which(CHROMIUM):
        pytest.skip("Chromium is not installed here (.ci/run installs the Debian package chromium)")
    auth = {"Authorization": f"Bearer {live_server.token}"}
    project = httpx.post(live_server.graphql_url, json={"query": "{ projects(first: 1) { nodes { id } } }"},
                         headers=auth).json()["data"]["projects"]["nodes"][0]
    rename = {"query": 'mutation($id: ID!) { projectUpdate(input: {id: $id, name: "Renamed while watched"}) '
                       "{ userErrors { code } } }", "variables": {"id": project["id"]}}
    out = run_node("graphiql.mjs", live_server.graphql_url, live_server.token,
                   "subscription { projectChanged { action node { name } } }", "Renamed while watched",
                   json.dumps(rename), timeout=120)
    seen = json.loads(out)
    assert "Renamed while watched" in seen["result"]
    assert seen["external"] == [] and seen["errors"] == []
