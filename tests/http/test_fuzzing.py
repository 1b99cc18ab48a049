"""Schemathesis fuzzes the live endpoint from its own schema: generated queries and mutations (valid and
not) never get a 5xx nor crash the server. Bounded: a few examples per root field."""
import datetime as dt
import json

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation.modes import GenerationMode
from schemathesis.graphql import nodes

from tests.http.live_server import LiveServer, running_server

EXAMPLES_PER_FIELD = 4

# Our custom scalars: well-formed values and garbage alike, to exercise their parsing too.
schemathesis.graphql.scalar("Date", st.one_of(st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1)).map(
    lambda d: nodes.String(d.isoformat())), st.text(max_size=12).map(nodes.String)))
schemathesis.graphql.scalar("DateTime", st.one_of(st.datetimes(timezones=st.just(dt.UTC)).map(
    lambda d: nodes.String(d.isoformat())), st.text(max_size=12).map(nodes.String)))
schemathesis.graphql.scalar("Decimal", st.one_of(
    st.decimals(min_value=-10**6, max_value=10**6, allow_nan=False, places=2).map(lambda d: nodes.String(str(d))),
    st.text(max_size=8).map(nodes.String)))
schemathesis.graphql.scalar("Upload", st.just(nodes.Null))
schemathesis.graphql.scalar("_Any", st.one_of(st.just(nodes.Null), st.text(max_size=8).map(nodes.String)))


@pytest.fixture(scope="module")
def fuzzed_server(demo_database, tmp_path_factory) -> LiveServer:
    # No rate limit here: a throttled request (429) would hide what the fuzzer meant to send.
    with running_server(demo_database, tmp_path_factory.mktemp("fuzz"), rate_limit="false") as server:
        yield server


def test_generated_operations_never_get_a_server_error(fuzzed_server):
    schema = schemathesis.graphql.from_url(
        fuzzed_server.graphql_url, headers={"Authorization": f"Bearer {fuzzed_server.token}"}, timeout=30,
    )
    # schemathesis' own pytest loader (from_fixture) does not run on pytest 9, so each root field's
    # strategy is driven by hypothesis here: valid operations, then ones that break the schema's types.
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20  # every query and mutation root field
    server_errors: list[tuple[str, int, str]] = []
    statuses: list[int] = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(max_examples=EXAMPLES_PER_FIELD, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def call(case) -> None:
                response = case.call(headers={"Authorization": f"Bearer {fuzzed_server.token}"}, timeout=30)
                statuses.append(response.status_code)
                if response.status_code >= 500:
                    server_errors.append((json.dumps(case.body)[:300], response.status_code, response.text[:300]))

            call()
    assert len(statuses) >= 2 * len(operations)  # every field was called, in both modes
    assert server_errors == []


def test_the_server_is_still_healthy_after_the_fuzzing(fuzzed_server):
    assert httpx.get(fuzzed_server.url + "/health").json() == {"status": "ok"}
    assert "Traceback" not in fuzzed_server.log.read_text()
