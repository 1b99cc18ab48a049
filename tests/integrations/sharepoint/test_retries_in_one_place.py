"""During an outage only our own retries run (issue 7, weakness c): the SDK's retry middleware, which retried each
429/503 three more times inside every one of our attempts, is out of the pipeline."""
import pytest

from domain.sharepoint.errors import SharePointError
from integrations.sharepoint.graph import ATTEMPTS


async def test_a_503_outage_costs_one_request_per_attempt_of_ours(graph, graph_emulator, sleeps):
    graph_emulator.inject("site", "unavailable", times=100, retry_after=0)

    with pytest.raises(SharePointError) as failure:
        await graph.site()

    assert failure.value.transient and failure.value.status == 503
    assert len(graph_emulator.calls("site")) == ATTEMPTS
    assert sleeps.waits == [0.0] * (ATTEMPTS - 1)  # Retry-After: 0, honoured by us


async def test_a_short_outage_is_waited_out_by_our_retries_as_retry_after_says(graph, graph_emulator, sleeps):
    graph_emulator.inject("site", "throttle", times=2, retry_after=7)

    site_id, _ = await graph.site()

    assert site_id and len(graph_emulator.calls("site")) == 3
    assert sleeps.waits == [7.0, 7.0]
