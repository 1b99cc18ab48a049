"""Each failure Graph is known for, injected by the emulator, ends with the file in SharePoint exactly once."""
import random

import httpx
import pytest

from domain.sharepoint.layout import placement
from domain.sharepoint.client import TransferTarget
from integrations.sharepoint.transfer import transfer_file
from tests.graph_emulator import CHUNK_UNIT


def content_of(size: int) -> bytes:
    return random.Random(size).randbytes(size)


async def transfer(graph, tmp_path, content: bytes, name: str = "report.bin"):
    path = tmp_path / name
    path.write_bytes(content)
    spot = placement("Acme", name, project=(1, "P"))
    return await transfer_file(graph, TransferTarget(spot, len(content)), path)


def the_one_file(emulator, content: bytes, result):
    (item,) = emulator.state.files()
    with open(item.content_path, "rb") as f:
        assert f.read() == content
    assert (item.id, item.name) == (result.item_id, result.name)
    return item


def large(graph) -> bytes:
    """Three and a half fragments: an upload session, whose last fragment is short."""
    return content_of(graph.connection.chunk_bytes * 3 + graph.connection.chunk_bytes // 2 + 17)


@pytest.mark.parametrize("op", ["chunk", "create_session"])
async def test_throttling_of_an_upload_session_is_waited_out_as_retry_after_says(graph, graph_emulator, sleeps, tmp_path, op):
    graph_emulator.inject(op, "throttle", retry_after=7, times=2)
    content = large(graph)
    result = await transfer(graph, tmp_path, content)
    the_one_file(graph_emulator, content, result)
    assert sleeps.waits.count(7) == 2


async def test_a_simple_upload_answered_503_is_sent_again_after_retry_after(graph, graph_emulator, sleeps, tmp_path):
    graph_emulator.inject("simple_upload", "unavailable", retry_after=3)
    result = await transfer(graph, tmp_path, b"small file")
    the_one_file(graph_emulator, b"small file", result)
    assert sleeps.waits == [3]


async def test_a_503_without_retry_after_backs_off(graph, graph_emulator, sleeps, tmp_path):
    graph_emulator.inject("chunk", "unavailable", retry_after=None, times=3)
    content = large(graph)
    the_one_file(graph_emulator, content, await transfer(graph, tmp_path, content))
    assert sleeps.waits == [0.5, 1.0, 2.0]


async def test_throttled_folder_and_library_calls_are_retried_by_the_sdk(graph, graph_emulator, tmp_path):
    graph_emulator.inject("create_list", "throttle", retry_after=1)
    graph_emulator.inject("create_folder", "unavailable", retry_after=1)
    result = await transfer(graph, tmp_path, b"x")
    the_one_file(graph_emulator, b"x", result)
    assert len(graph_emulator.calls("create_folder")) == 2


async def test_a_connection_dropped_mid_fragment_resumes_from_next_expected_ranges(graph, graph_emulator, tmp_path):
    # The emulator keeps the whole 320 KiB units it got: the resume point lies inside our fragment.
    graph_emulator.inject("chunk", "drop", at_byte=CHUNK_UNIT + 1000)
    content = large(graph)
    the_one_file(graph_emulator, content, await transfer(graph, tmp_path, content))
    starts = [int(c[2]["Content-Range"].split()[1].split("-")[0]) for c in graph_emulator.calls("chunk")]
    assert starts[:3] == [0, CHUNK_UNIT, 3 * CHUNK_UNIT]
    assert len(graph_emulator.calls("session_status")) == 1


async def test_an_expired_upload_session_is_started_again(graph, graph_emulator, tmp_path):
    content = large(graph)
    graph_emulator.inject("chunk", "expire")
    the_one_file(graph_emulator, content, await transfer(graph, tmp_path, content))
    assert len(graph_emulator.calls("create_session")) == 2


async def test_a_last_fragment_whose_answer_is_lost_is_not_uploaded_twice(graph, graph_emulator, tmp_path):
    content = content_of(graph.connection.chunk_bytes + 5)  # two fragments: the second is the last
    graph_emulator.inject("chunk", "mute", after=1)
    result = await transfer(graph, tmp_path, content)
    the_one_file(graph_emulator, content, result)
    assert len(graph_emulator.calls("chunk")) == 2


async def test_a_small_upload_whose_answer_is_lost_is_not_uploaded_twice(graph, graph_emulator, tmp_path):
    graph_emulator.inject("simple_upload", "mute")
    result = await transfer(graph, tmp_path, b"small")
    the_one_file(graph_emulator, b"small", result)
    assert result.name == "report.bin"


async def test_a_middle_fragment_whose_answer_is_lost_resumes_after_it(graph, graph_emulator, tmp_path):
    content = large(graph)
    graph_emulator.inject("chunk", "mute", after=1)
    the_one_file(graph_emulator, content, await transfer(graph, tmp_path, content))
    assert len(graph_emulator.calls("chunk")) == 4


async def test_upload_urls_get_no_authorization_header_and_graph_calls_do(graph, graph_emulator, tmp_path):
    await transfer(graph, tmp_path, large(graph))
    chunks = graph_emulator.calls("chunk")
    assert chunks and all("authorization" not in {k.lower() for k in headers} for _, _, headers in chunks)
    assert graph_emulator.calls("create_session")[0][2]["Authorization"] == "Bearer test-token"


async def test_the_emulator_refuses_a_range_it_already_has_with_416(graph_emulator):
    async with httpx.AsyncClient() as http:
        site = (await http.get(f"{graph_emulator.base_url}/sites/contoso.sharepoint.com:/sites/x",
                               headers={"Authorization": "Bearer t"})).json()
        auth = {"Authorization": "Bearer t"}
        library = (await http.post(f"{graph_emulator.base_url}/sites/{site['id']}/lists", headers=auth,
                                   json={"displayName": "L", "list": {"template": "documentLibrary"}})).json()
        drive = (await http.get(f"{graph_emulator.base_url}/sites/{site['id']}/lists/{library['id']}/drive",
                                headers=auth)).json()
        session = (await http.post(f"{graph_emulator.base_url}/drives/{drive['id']}/root:/f.bin:/createUploadSession",
                                   headers=auth, json={})).json()
        url, total = session["uploadUrl"], CHUNK_UNIT + 10
        first = {"Content-Range": f"bytes 0-{CHUNK_UNIT - 1}/{total}"}
        assert (await http.put(url, content=b"a" * CHUNK_UNIT, headers=first)).json()["nextExpectedRanges"] == [
            f"{CHUNK_UNIT}-"]
        again = await http.put(url, content=b"a" * CHUNK_UNIT, headers=first)
        assert again.status_code == 416
        assert (await http.get(url)).json()["nextExpectedRanges"] == [f"{CHUNK_UNIT}-"]
        odd = await http.put(url, content=b"a" * 5, headers={"Content-Range": f"bytes {CHUNK_UNIT}-{CHUNK_UNIT + 4}/{total + 100}"})
        assert odd.status_code == 400
        with_auth = await http.put(url, content=b"a" * 10, headers={**auth, "Content-Range": f"bytes {CHUNK_UNIT}-{total - 1}/{total}"})
        assert with_auth.status_code == 401
        done = await http.put(url, content=b"a" * 10, headers={"Content-Range": f"bytes {CHUNK_UNIT}-{total - 1}/{total}"})
        assert done.status_code == 201 and done.json()["size"] == total
        assert (await http.get(url)).status_code == 404
