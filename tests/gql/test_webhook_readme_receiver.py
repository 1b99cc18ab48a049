"""The README's Python webhook receiver works: it accepts a delivery signed with its secret (standardwebhooks),
refuses a forged one, and processes a repeated webhook-id once."""
import datetime as dt
import json
import re
import threading
from http.server import HTTPServer
from pathlib import Path

import httpx

from domain.webhooks.signing import new_secret, signed_headers

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def receiver_code() -> str:
    section = README.split("## Webhooks", 1)[1].split("\n## ", 1)[0]
    (code,) = re.findall(r"```python\n(.*?)```", section, re.S)
    return code


def test_the_readme_receiver_verifies_signatures_and_skips_a_repeated_webhook_id(monkeypatch, capsys):
    secret = new_secret()
    monkeypatch.setenv("WEBHOOK_SECRET", secret)
    namespace: dict = {"__name__": "readme_receiver"}
    exec(compile(receiver_code(), "README.md", "exec"), namespace)
    server = HTTPServer(("127.0.0.1", 0), namespace["Receiver"])
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/"
    body = json.dumps({"type": "project.updated", "data": {"cursor": "c1", "node": {"id": "P1"}}})
    try:
        signed = signed_headers("msg_1_1", body, [secret], at=dt.datetime.now(dt.UTC))
        answers = [httpx.post(url, content=body, headers=signed).status_code for _ in range(2)]
        forged = signed_headers("msg_1_2", body, [new_secret()], at=dt.datetime.now(dt.UTC))
        refused = httpx.post(url, content=body, headers=forged).status_code
    finally:
        server.shutdown()
    assert answers == [204, 204] and refused == 400
    assert capsys.readouterr().out.count("project.updated c1") == 1
