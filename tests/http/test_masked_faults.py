"""Masked errors: an unexpected exception anywhere gives the client a generic error with an id, and the log
has that id with the traceback (resolver faults: tests/gql/test_errors.py)."""
import logging

import domain.access.tokens
import gql.protection.persisted_query_extension
from tests.http.apps import client_for

SECRET = "secret internals: postgres://partnergraph:hunter2@db"
APQ = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}}


def broken(*args, **kwargs):
    raise RuntimeError(SECRET)


def logged_with(caplog, error_id: str) -> logging.LogRecord:
    records = [r for r in caplog.records if error_id in r.getMessage()]
    assert records, f"no log record names {error_id}"
    return records[0]


async def test_a_fault_in_an_extension_is_masked_and_logged_with_its_id(db, monkeypatch, caplog):
    monkeypatch.setattr(gql.protection.persisted_query_extension, "find_query", broken)
    with caplog.at_level(logging.ERROR, logger="partnergraph.errors"):
        async with client_for(db) as client:
            response = await client.post("/graphql", json=APQ, headers={"Accept": "application/graphql-response+json"})

    assert response.status_code == 500
    error = response.json()["errors"][0]
    assert SECRET not in response.text
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert error["message"] == f"Internal server error (id {error['extensions']['errorId']})."
    record = logged_with(caplog, error["extensions"]["errorId"])
    assert SECRET in str(record.exc_info[1])


async def test_a_fault_before_graphql_runs_is_a_500_with_an_id_and_the_traceback_is_logged(db, monkeypatch, caplog):
    monkeypatch.setattr(domain.access.tokens, "hash_token", broken)
    with caplog.at_level(logging.ERROR, logger="partnergraph.errors"):
        async with client_for(db, raise_app_exceptions=False) as client:
            response = await client.post("/graphql", json={"query": "{ __typename }"},
                                         headers={"Authorization": "Bearer pgt_whatever"})

    assert response.status_code == 500
    assert SECRET not in response.text
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    record = logged_with(caplog, error["extensions"]["errorId"])
    assert record.exc_info is not None and SECRET in str(record.exc_info[1])
