"""Webhook safety (issue 20, item 4): no private addresses, admins only, bounded input, a slow receiver cut off,
a failing endpoint disabled with its backlog kept."""
import asyncio
import base64
import datetime as dt
import time

import pytest
from sqlalchemy import func, select

from domain import model as m
from domain.platform.db import Database
from domain.webhooks.delivery import purge_log
from domain.webhooks.addresses import clean_url, refused_address
from tests.factories import company_with_staff, graphql
from tests.gql.test_webhooks import (ENDPOINTS, acme, create_endpoint, hooks, rename)  # noqa: F401 (fixture)
from tests.webhook_receiver import Receiver, receiver_server


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
                                     "::1", "fe80::1", "fd00:ec2::254", "::ffff:127.0.0.1", "0.0.0.0",
                                     "100.100.100.200", "224.0.0.1"])
def test_private_loopback_link_local_and_metadata_addresses_are_refused(address):
    assert refused_address(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"])
def test_public_addresses_are_allowed(address):
    assert not refused_address(address)


def test_a_webhook_url_is_https_without_credentials_unless_private_addresses_are_allowed():
    assert clean_url(" https://hooks.example.com/x ", allow_private=False) == "https://hooks.example.com/x"
    for bad in ["http://hooks.example.com/x", "https://user:pw@hooks.example.com", "ftp://x.example", "https://",
                "https://hooks.example.com/#frag", "https://" + "a" * 2000 + ".com"]:
        with pytest.raises(Exception) as refused:
            clean_url(bad, allow_private=False)
        assert refused.value.field == "url"
    assert clean_url("http://127.0.0.1:9/x", allow_private=True) == "http://127.0.0.1:9/x"


@pytest.mark.parametrize("url", ["https://127.0.0.1/hooks", "https://localhost/hooks", "https://[::1]/hooks",
                                 "https://169.254.169.254/latest/meta-data"])
async def test_an_endpoint_on_a_private_address_is_refused_naming_the_url(db, acme, url):  # noqa: F811
    async with hooks(db, webhook_allow_private_addresses=False) as client:
        created = await create_endpoint(client, acme, url)
    assert created["webhookEndpoint"] is None
    assert [(e["field"], e["code"]) for e in created["userErrors"]] == [("url", "URL_NOT_ALLOWED")]
    async with db.read() as session:
        assert await session.scalar(select(func.count(m.WebhookEndpoint.id))) == 0


async def test_a_name_resolving_to_a_private_address_later_is_not_connected_to(db, acme):  # noqa: F811
    """The check is made again at each connection: a receiver on 127.0.0.1 is not reached once private
    addresses are no longer allowed (as a name that starts resolving to one)."""
    async with receiver_server(Receiver()) as receiver:
        async with hooks(db) as client:
            await create_endpoint(client, acme, receiver.url)
        async with hooks(db, webhook_allow_private_addresses=False) as client:
            await rename(client, acme, acme.website_id, "Not sent")
            await asyncio.sleep(1.0)
            log = await graphql(client, ENDPOINTS, {"companyId": acme.gid}, token=acme["admin"].token)
    assert receiver.received == []
    attempt = log["webhookEndpoints"][0]["deliveries"]["nodes"][0]
    assert attempt["statusCode"] is None and "private, loopback" in attempt["error"]


@pytest.mark.parametrize("role", ["leader", "employee", "external"])
async def test_only_admins_create_or_see_endpoints(db, acme, role):  # noqa: F811
    async with hooks(db) as client:
        created = await create_endpoint(client, acme, "http://127.0.0.1:9/x", person=role)
        listed = await graphql(client, ENDPOINTS, {"companyId": acme.gid}, token=acme[role].token)
    assert [(e["field"], e["code"]) for e in created["userErrors"]] == [("companyId", "FORBIDDEN")]
    assert listed["webhookEndpoints"] == []


async def test_another_companys_admin_finds_no_such_company_or_endpoint(db, acme):  # noqa: F811
    birch = await company_with_staff(db, "birch")
    async with hooks(db) as client:
        created = await create_endpoint(client, acme, "http://127.0.0.1:9/x")
        endpoint_id = created["webhookEndpoint"]["id"]
        refused = await create_endpoint(client, acme, "http://127.0.0.1:9/x", person="admin", companyId=birch.gid)
        paused = await graphql(client, "mutation M($i: WebhookEndpointIdInput!) { webhookEndpointPause(input: $i) "
                               "{ userErrors { field code } } }", {"i": {"id": endpoint_id}}, token=birch["admin"].token)
    assert refused["userErrors"][0]["code"] == "NOT_FOUND"
    assert paused["webhookEndpointPause"]["userErrors"] == [{"field": "id", "code": "NOT_FOUND"}]


async def test_bad_input_is_refused_field_by_field_and_nothing_is_written(db, acme):  # noqa: F811
    async with hooks(db) as client:
        created = await create_endpoint(client, acme, "not a url", kinds=())
        too_long = await create_endpoint(client, acme, "http://127.0.0.1:9/x", description="x" * 2001)
    assert {(e["field"], e["code"]) for e in created["userErrors"]} == {("url", "INVALID_INPUT"),
                                                                         ("eventKinds", "INVALID_INPUT")}
    assert [(e["field"], e["code"]) for e in too_long["userErrors"]] == [("description", "INVALID_INPUT")]
    async with db.read() as session:
        assert await session.scalar(select(func.count(m.WebhookEndpoint.id))) == 0


async def test_without_a_secret_key_no_endpoint_is_created(db, acme):  # noqa: F811
    async with hooks(db, sharepoint_secret_key="") as client:
        created = await create_endpoint(client, acme, "http://127.0.0.1:9/x")
    assert created["userErrors"][0]["code"] == "SECRET_KEY_MISSING"


async def test_a_slow_receiver_times_out_without_holding_the_worker(db, acme):  # noqa: F811
    receiver = Receiver(hold=asyncio.Event())
    async with receiver_server(receiver), hooks(db, webhook_timeout_seconds=0.5,
                                                webhook_backoff_seconds=30) as client:
        await create_endpoint(client, acme, receiver.url)
        started = time.monotonic()
        await rename(client, acme, acme.website_id, "Slow")
        await asyncio.wait_for(receiver.arrived.wait(), 10)
        while True:
            log = await graphql(client, ENDPOINTS, {"companyId": acme.gid}, token=acme["admin"].token)
            if log["webhookEndpoints"][0]["failedCount"]:
                break
            await asyncio.sleep(0.05)
        elapsed = time.monotonic() - started
    attempt = log["webhookEndpoints"][0]["deliveries"]["nodes"][0]
    assert attempt["error"] == "Timed out after 0.5 s." and 500 <= attempt["durationMs"] < 1500
    assert elapsed < 5


async def test_an_endpoint_failing_too_long_is_disabled_and_keeps_its_backlog(db, acme):  # noqa: F811
    receiver = Receiver(statuses=[503] * 1000, retry_after="0")
    async with receiver_server(receiver), hooks(db, webhook_disable_after_seconds=0.5) as client:
        created = await create_endpoint(client, acme, receiver.url)
        for n in range(2):
            await rename(client, acme, acme.website_id, f"Website {n}")
        for _ in range(200):
            log = await graphql(client, ENDPOINTS, {"companyId": acme.gid}, token=acme["admin"].token)
            if log["webhookEndpoints"][0]["state"] == "DISABLED":
                break
            await asyncio.sleep(0.05)
        assert log["webhookEndpoints"][0]["state"] == "DISABLED"
        assert log["webhookEndpoints"][0]["pendingCount"] == 2
        receiver.statuses.clear()
        await graphql(client, "mutation M($i: WebhookEndpointIdInput!) { webhookEndpointResume(input: $i) "
                      "{ userErrors { code } } }", {"i": {"id": created["webhookEndpoint"]["id"]}},
                      token=acme["admin"].token)
        accepted = await receiver.wait_for(2)
    assert len({d.webhook_id for d in accepted}) == 2


async def test_delivery_log_lines_older_than_the_retention_are_purged(db, acme):  # noqa: F811
    async with hooks(db) as client:
        created = await create_endpoint(client, acme, "http://127.0.0.1:9/x")
    endpoint_id = int(base64.b64decode(created["webhookEndpoint"]["id"]).decode().split(":")[1])
    now = dt.datetime.now(dt.UTC)
    async with db.transaction() as session:
        session.add_all(m.WebhookAttempt(endpoint_id=endpoint_id, event_id=n, message_id=f"msg_{endpoint_id}_{n}",
                                         attempted_at=now - dt.timedelta(days=days), succeeded=True, status_code=200,
                                         duration_ms=1) for n, days in enumerate([31, 29, 0]))
    purging = Database(db.settings.model_copy(update={"webhook_log_retention_days": 30}))
    try:
        assert await purge_log(purging) == 1
    finally:
        await purging.dispose()
    async with db.read() as session:
        assert sorted(await session.scalars(select(m.WebhookAttempt.event_id))) == [1, 2]
