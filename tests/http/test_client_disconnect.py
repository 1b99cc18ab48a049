"""A client that goes away before its request's body has arrived (uvicorn then hands the app `http.disconnect`)
is no fault of the server's: nothing is logged as an unexpected error, and the next request is answered as
always, on the full path (a document not yet known) and on the lean path (a document already run compiled)."""
import json
import logging

import httpx

from gql.app import create_app
from tests.factories import company_with_staff

QUERY = "query Me { viewer { name } }"


async def disconnected_post(app, token: str) -> list[dict]:
    """A POST /graphql whose client disconnects before sending its body; what the app sent back."""
    body = json.dumps({"query": QUERY}).encode()
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/graphql", "raw_path": b"/graphql", "query_string": b"", "root_path": "",
             "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"),
                         (b"authorization", f"Bearer {token}".encode()), (b"content-length", str(len(body)).encode())],
             "client": ("127.0.0.1", 50000), "server": ("testserver", 80)}
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


async def test_a_client_gone_before_its_body_is_no_unexpected_error(db, caplog):
    # given a signed-in co-worker and the app (its viewer cache running, as served)
    acme = await company_with_staff(db)
    token = acme["employee"].token
    app = create_app(db.settings, db)
    async with app.state.viewers.running(), \
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        for path in ("full", "lean"):
            # when the client disconnects before its body arrives (the document not yet known, then known)
            with caplog.at_level(logging.WARNING):
                caplog.clear()
                sent = await disconnected_post(app, token)
            # then no unexpected error was logged (nor any warning), and no 500 was attempted
            assert not [record for record in caplog.records if record.levelno >= logging.WARNING], \
                (path, caplog.text[-2000:])
            assert not [message for message in sent if message.get("status") == 500], (path, sent)
            # and the same request, whole, is answered
            response = await client.post("/graphql", json={"query": QUERY}, headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 200, response.text
            assert response.json()["data"]["viewer"]["name"]
