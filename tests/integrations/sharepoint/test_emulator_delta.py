"""The emulator's drive delta answers as Microsoft documents it, over real HTTP."""
import httpx
import pytest

from tests.graph_emulator.delta import SharePointUser, book, expire_tokens

HEADERS = {"Authorization": "Bearer t"}


@pytest.fixture
def library(graph_emulator):
    state = graph_emulator.state
    site = state.site_by_path("contoso.sharepoint.com", "/sites/partners")
    with state.lock:
        made = state.create_library(site.id, "Acme", [])
    return made


def delta(emulator, url):
    response = httpx.get(url, headers=HEADERS)
    return response.status_code, response.json(), response.headers


def read_all(emulator, url):
    values, pages = [], 0
    while True:
        status, body, _ = delta(emulator, url)
        assert status == 200
        values += body["value"]
        pages += 1
        if "@odata.nextLink" in body:
            url = body["@odata.nextLink"]
            continue
        return values, body["@odata.deltaLink"], pages


def test_a_delta_without_a_token_lists_every_item_in_pages_and_ends_with_a_delta_link(graph_emulator, library):
    user = SharePointUser(graph_emulator.state)
    folder = user.add_folder(user.root("Acme"), "Projects")
    user.add_files(folder, 5)
    book(graph_emulator.state).page_size = 3
    values, link, pages = read_all(graph_emulator, f"{graph_emulator.base_url}/drives/{library.drive_id}/root/delta")
    assert pages == 3 and len(values) == 7 and "token=" in link
    root, projects = values[0], values[1]
    assert "root" in root and projects["folder"] and projects["parentReference"]["id"] == root["id"]
    assert "path" not in projects["parentReference"] and all(v.get("eTag") for v in values)


def test_a_delta_with_a_token_lists_each_changed_item_once_in_its_latest_state_and_deletions(graph_emulator, library):
    user = SharePointUser(graph_emulator.state)
    folder = user.add_folder(user.root("Acme"), "A")
    a, b, c = user.add_files(folder, 3)
    _, link, _ = read_all(graph_emulator, f"{graph_emulator.base_url}/drives/{library.drive_id}/root/delta")
    user.rename(a, "renamed.txt")
    user.move(a, user.root("Acme"))
    user.set_fields(b, momentTags="x")
    user.delete(c)
    user.rename(folder, "A2")
    values, link2, _ = read_all(graph_emulator, link)
    by_id = {v["id"]: v for v in values}
    assert set(by_id) == {a.id, b.id, c.id, folder.id}
    assert by_id[a.id]["name"] == "renamed.txt" and by_id[a.id]["parentReference"]["id"] == user.root("Acme").id
    assert "deleted" in by_id[c.id] and by_id[folder.id]["name"] == "A2"
    # Nothing changed since: an empty page with the next link.
    values, _, pages = read_all(graph_emulator, link2)
    assert (values, pages) == ([], 1)


def test_token_latest_starts_from_now_and_an_expired_token_answers_410_with_a_fresh_start(graph_emulator, library):
    user = SharePointUser(graph_emulator.state)
    user.add_files(user.root("Acme"), 2)
    start = f"{graph_emulator.base_url}/drives/{library.drive_id}/root/delta"
    values, link, _ = read_all(graph_emulator, start + "?token=latest")
    assert values == []
    expire_tokens(graph_emulator.state)
    status, body, headers = delta(graph_emulator, link)
    assert status == 410 and body["error"]["code"] == "resyncChangesApplyDifferences"
    assert headers["Location"] == start
    assert len(graph_emulator.calls("delta")) == 2
