"""A real uvicorn server in the test's event loop, and a small graphql-transport-ws client for the subscription tests.

Subscriptions need a real socket: the server runs on a free port of 127.0.0.1 with the test's own Database
(so fixtures and server share one engine), and clients speak the protocol over the `websockets` package
(installed with uvicorn[standard]).
"""
import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from domain.platform.db import Database
from partnergraph.composition import create_app

PROTOCOL = "graphql-transport-ws"


@dataclass
class LiveServer:
    host: str
    port: int
    app: Any

    @property
    def http_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}/graphql"


@contextlib.asynccontextmanager
async def live_server(db: Database) -> AsyncIterator[LiveServer]:
    app = create_app(db.settings, db)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on", ws_ping_interval=None)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        for _ in range(200):
            if server.started:
                break
            if task.done():
                task.result()
            await asyncio.sleep(0.02)
        yield LiveServer("127.0.0.1", port, app)
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 10)
        sock.close()


class ProtocolClient:
    """One graphql-transport-ws connection: connection_init, subscribe, and reading messages with a timeout."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self._ids = 0

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(message))

    async def receive(self, timeout: float = 10.0) -> dict[str, Any]:
        while True:
            message = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
            if message.get("type") == "ping":
                await self.send({"type": "pong"})
                continue
            return message

    async def subscribe(self, query: str, variables: dict[str, Any] | None = None) -> str:
        self._ids += 1
        operation_id = str(self._ids)
        await self.send({"id": operation_id, "type": "subscribe",
                         "payload": {"query": query, "variables": variables or {}}})
        return operation_id

    async def next_data(self, timeout: float = 10.0) -> dict[str, Any]:
        """The data of the next `next` message; fails on anything else."""
        message = await self.receive(timeout)
        assert message["type"] == "next", message
        assert "errors" not in message["payload"], message
        return message["payload"]["data"]

    async def nothing_within(self, seconds: float) -> bool:
        try:
            message = await self.receive(seconds)
        except TimeoutError:
            return True
        raise AssertionError(f"expected nothing, got {message}")

    async def close_code(self, timeout: float = 10.0) -> int | None:
        """Waits until the server closes the socket; returns the close code."""
        try:
            while True:
                await asyncio.wait_for(self.ws.recv(), timeout)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None


@contextlib.asynccontextmanager
async def ws_client(server: LiveServer, payload: dict[str, Any] | None = None, *, token: str | None = None,
                    expect_ack: bool = True) -> AsyncIterator[ProtocolClient]:
    """A connected, initialised client (`token` goes into the payload as `Authorization: Bearer ...`)."""
    if token is not None:
        payload = {"Authorization": f"Bearer {token}"}
    async with connect(server.ws_url, subprotocols=[PROTOCOL], open_timeout=10, ping_interval=None) as ws:
        client = ProtocolClient(ws)
        await client.send({"type": "connection_init", "payload": payload or {}})
        if expect_ack:
            ack = await client.receive()
            assert ack["type"] == "connection_ack", ack
        yield client


async def http_graphql(server: LiveServer, query: str, variables: dict[str, Any] | None = None, *,
                       token: str) -> dict[str, Any]:
    """A query or mutation over real HTTP to the live server; returns `data`, failing on top-level errors."""
    async with httpx.AsyncClient(base_url=server.http_url, timeout=30) as client:
        response = await client.post("/graphql", json={"query": query, "variables": variables or {}},
                                     headers={"Authorization": f"Bearer {token}"})
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return body["data"]
