"""A webhook receiver for the tests: a real HTTP server on 127.0.0.1 (uvicorn, in the test's event loop) that
verifies every delivery's signature with standardwebhooks' own verifier and answers as the test tells it."""
import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError


@dataclass
class Delivery:
    webhook_id: str
    status: int
    verified: bool
    body: dict[str, Any]
    raw: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    def signed_with(self, secret: str) -> bool:
        try:
            Webhook(secret).verify(self.raw, self.headers)
            return True
        except WebhookVerificationError:
            return False

    @property
    def cursor(self) -> str:
        return self.body["data"]["cursor"]


@dataclass
class Receiver:
    url: str = ""
    secrets: list[str] = field(default_factory=list)
    # Answered in turn before any 200 (e.g. [500, 500, 500]); then 200.
    statuses: list[int] = field(default_factory=list)
    retry_after: str | None = None
    # While set, requests wait for it (a slow receiver; a worker killed mid-delivery).
    hold: asyncio.Event | None = None
    received: list[Delivery] = field(default_factory=list)
    # The webhook-id of every request as it arrives (before any hold).
    arrivals: list[str] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def verify(self, body: bytes, headers: dict[str, str]) -> bool:
        for secret in self.secrets:
            try:
                Webhook(secret).verify(body, headers)
                return True
            except WebhookVerificationError:
                continue
        return False

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        self.arrivals.append(headers.get("webhook-id", ""))
        if self.hold is not None:
            self.arrived.set()
            await self.hold.wait()
        status = self.statuses.pop(0) if self.statuses else 200
        self.received.append(Delivery(headers.get("webhook-id", ""), status, self.verify(body, headers),
                                      json.loads(body), body, headers))
        self.arrived.set()
        extra = [(b"retry-after", self.retry_after.encode())] if self.retry_after and status != 200 else []
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"text/plain"), *extra]})
        await send({"type": "http.response.body", "body": b"ok" if status == 200 else b"nope " * 1000})

    def accepted(self) -> list[Delivery]:
        return [d for d in self.received if d.status == 200]

    async def wait_for(self, count: int, *, timeout: float = 20) -> list[Delivery]:
        """Waits until `count` deliveries were accepted; returns them."""
        async with asyncio.timeout(timeout):
            while len(self.accepted()) < count:
                self.arrived.clear()
                await self.arrived.wait()
        return self.accepted()


@contextlib.asynccontextmanager
async def receiver_server(receiver: Receiver) -> AsyncIterator[Receiver]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    receiver.url = f"http://127.0.0.1:{sock.getsockname()[1]}/hooks"
    server = uvicorn.Server(uvicorn.Config(receiver, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        for _ in range(200):
            if server.started:
                break
            await asyncio.sleep(0.02)
        yield receiver
    finally:
        if receiver.hold is not None:
            receiver.hold.set()
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(task, 10)
        sock.close()
