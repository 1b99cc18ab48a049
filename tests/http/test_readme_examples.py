"""Every example in README.md runs, as written, against a fresh demo: its `make token` commands, its curl
commands, its GraphQL documents and its graphql-ws subscription. A README example that stops working (a
renamed field, a date or id the demo does not have, a refusal) fails here.

An example answers without errors, with no userErrors, and with data: no top-level field null and no list empty
(its `userErrors` aside), so an example over dates the demo has no hours for fails too. They run in the order
the README shows them, on one database, as a reader trying them one after the other would."""
import json
import os
import re
import select
import shlex
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet

from tests.graph_emulator import GraphEmulator
from tests.http.live_server import JS, REPO, node_or_skip, running_server, seed_demo

README = (REPO / "README.md").read_text(encoding="utf-8")
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
# Where the README's examples send their requests (what `make serve` listens on).
README_URL = "http://127.0.0.1:8000"
EMULATOR_URL = "http://127.0.0.1:8765"  # where `python -m tests.graph_emulator` listens


def fenced(language: str) -> list[str]:
    return [body for lang, body in FENCE.findall(README) if lang == language]


def curl_commands() -> list[str]:
    """Each curl command of the README's code blocks, its continuation lines joined and its indent removed."""
    commands = []
    for _, body in FENCE.findall(README):
        lines = body.replace("\\\n", " ").splitlines()
        commands += [line.strip() for line in lines if line.strip().startswith("curl ")]
    return commands


def make_token_commands() -> list[str]:
    """`make token` with a real address (and maybe a company), wherever the README shows one."""
    found = re.findall(r"make (?:-s )?token (EMAIL=[\w.-]+@[\w.-]+(?: COMPANY=[\w-]+)?)", README)
    return sorted({f"make -s token {arguments}" for arguments in found})


def graphql_documents() -> list[str]:
    return fenced("graphql")


def problems_in(answer: dict) -> list[str]:
    """What keeps an answer from being a working example: errors, userErrors, a null field, an empty list."""
    found = [f"error: {error.get('message')}" for error in answer.get("errors", [])]
    if not isinstance(answer.get("data"), dict):
        return found + ["no data"]

    def walk(value, path: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{path}.{key}")
        elif isinstance(value, list):
            if path.endswith(".userErrors"):
                found.extend(f"userError at {path}: {error}" for error in value)
            elif not value:
                found.append(f"empty list at {path}")
            for index, item in enumerate(value):
                walk(item, f"{path}.{index}")

    for field, value in answer["data"].items():
        if value is None:
            found.append(f"null top-level field {field}")
        walk(value, field)
    return found


def test_the_readme_has_examples_of_each_kind():
    # The test below would pass vacuously if the README's fences or commands changed shape.
    assert len(curl_commands()) >= 2
    assert len(graphql_documents()) >= 3
    assert make_token_commands()
    assert len(fenced("js")) == 1
    assert problems_in({"data": {"a": {"b": [], "userErrors": []}}}) == ["empty list at a.b"]
    assert problems_in({"data": {"a": None}, "errors": [{"message": "no"}]}) == [
        "error: no", "null top-level field a"]


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    """A fresh demo with its own server: the examples write (configure SharePoint, start a sync)."""
    folder = tmp_path_factory.mktemp("readme")
    demo_db = seed_demo(folder)
    # The worker stays out of it: a queued SharePoint sync must not go looking for the example's tenant.
    with running_server(demo_db, folder / "server", sharepoint_secret_key=Fernet.generate_key().decode(),
                        worker_in_process="false") as server:
        yield server, folder / "server" / "server.db"


def ask(server, document: str) -> dict:
    response = httpx.post(server.graphql_url, json={"query": document},
                          headers={"Authorization": f"Bearer {server.token}"}, timeout=30)
    return response.json()


def test_the_readme_examples_run_against_the_demo(demo_server, tmp_path):
    server, database = demo_server
    files, failures = tmp_path, []

    for command in make_token_commands():
        done = subprocess.run(
            [*shlex.split(command), f"DATABASE_URL=sqlite+aiosqlite:///{database}"],
            cwd=REPO, capture_output=True, text=True, timeout=120)
        token = done.stdout.strip()
        if done.returncode != 0 or not token.startswith("pgt_"):
            failures.append(f"{command}: exit {done.returncode}: {done.stderr.strip()}")
            continue
        viewer = httpx.post(server.graphql_url, json={"query": "{ viewer { email } }"},
                            headers={"Authorization": f"Bearer {token}"}, timeout=30).json()
        email = command.split("EMAIL=", 1)[1].split()[0]
        if viewer.get("data", {}).get("viewer", {}).get("email") != email:
            failures.append(f"{command}: the token does not sign in as {email}: {viewer}")

    emulator = GraphEmulator().start()  # the curl commands aimed at `python -m tests.graph_emulator`
    for command in curl_commands():
        if EMULATOR_URL in command:
            done = subprocess.run(["bash", "-c", command.replace(EMULATOR_URL, emulator.origin)
                                   .replace("curl ", "curl --fail-with-body ", 1)], capture_output=True, text=True,
                                  timeout=60)
            failures += [f"{command[:80]}…: {done.stdout} {done.stderr}"] if done.returncode else []
            continue
        runnable = (command.replace(README_URL, server.url).replace("$TOKEN", server.token)
                    .replace("pgt_…", server.token))
        for name in re.findall(r"=@([\w.-]+)", command):  # the reader's own file to upload
            (files / name).write_bytes(b"%PDF-1.4\n% an example file\n%%EOF\n")
        done = subprocess.run(["bash", "-c", runnable.replace("curl ", "curl --fail-with-body ", 1)],
                              cwd=files, capture_output=True, text=True, timeout=60)
        try:
            problems = problems_in(json.loads(done.stdout)) if done.returncode == 0 else [done.stderr]
        except json.JSONDecodeError:
            problems = [f"not JSON: {done.stdout[:200]}"]
        failures += [f"{command[:80]}…: {problem}" for problem in problems]
    emulator.stop()

    for document in graphql_documents():
        failures += [f"{' '.join(document.split())[:80]}…: {problem}" for problem in problems_in(ask(server, document))]

    assert not failures, "\n".join(failures)


def test_the_readme_subscription_example_receives_a_change(demo_server):
    """The graphql-ws example as written (its URL and token filled in), run by Node with the npm client."""
    server, _ = demo_server
    node = node_or_skip()
    (example,) = fenced("js")
    script = JS / "readme_example.mjs"
    # Node 20 has no WebSocket of its own; a browser (and Node 22) has one, which the example relies on.
    script.write_text("import WebSocket from 'ws';\nglobalThis.WebSocket ??= WebSocket;\n"
                      f"const TOKEN = {json.dumps(server.token)};\n"
                      + example.replace("ws://127.0.0.1:8000", server.url.replace("http", "ws", 1)))
    try:
        process = subprocess.Popen([node, script.name], cwd=JS, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   env=dict(os.environ))
        try:
            assert "timeRecordChanged" in receive_while_changing_hours(server, process)
        finally:
            process.kill()
            process.wait()
    finally:
        script.unlink(missing_ok=True)


def receive_while_changing_hours(server, process: subprocess.Popen) -> str:
    """Registers half an hour once a second, on one of the admin's own records' activity, until the example prints
    what it received (it prints nothing before: the first change may come before it has subscribed)."""
    mine = ask(server, "{ viewer { coWorkers { id } } }")["data"]["viewer"]["coWorkers"][0]["id"]
    record = ask(server, f'{{ timeRecords(first: 1, coWorkerId: "{mine}") {{ nodes {{ date project {{ id }} '
                         "activity { id } } } }")["data"]["timeRecords"]["nodes"][0]
    create = (f'mutation {{ timeRecordCreate(input: {{projectId: "{record["project"]["id"]}", activityId: '
              f'"{record["activity"]["id"]}", date: "{record["date"]}", hours: "0.5"}}) {{ userErrors {{ message }} }} }}')
    printed, deadline = "", time.monotonic() + 30
    while time.monotonic() < deadline:
        if not printed:
            assert ask(server, create)["data"]["timeRecordCreate"]["userErrors"] == []
        ready, _, _ = select.select([process.stdout], [], [], 1.0)
        if ready:
            # What arrived so far, unbuffered: console.log spreads the object over several lines.
            printed += os.read(process.stdout.fileno(), 65536).decode()
            if "timeRecordChanged" in printed:
                return printed
    raise AssertionError(f"no event in 30 s; the example printed {printed!r}"
                         f"{process.stderr.read() if process.poll() is not None else ''}")
