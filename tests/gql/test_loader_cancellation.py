"""A loader's future is shared by every field that loads its key: one awaiter going away cancels nothing for the
others. Before, graphql-core's cancelling of a failed field's siblings cancelled the cached future itself, and
every later load of the key (the next event of a subscription, EventExecution's retry) raised CancelledError:
the subscription's task ended silently, with nothing sent (tests/gql/test_subscriptions_outages.py)."""
import asyncio

import pytest

from gql.delivery import StrayCancellation, stray_cancellation_is_a_fault
from gql.loaders.base import Loader


class SlowLoader(Loader[int, str]):
    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()
        self.batches: list[list[int]] = []

    async def batch_load_fn(self, keys: list[int]) -> list[str]:
        self.batches.append(list(keys))
        await self.release.wait()
        return [f"row {key}" for key in keys]


async def test_an_awaiter_cancelled_cancels_the_load_for_no_one_else():
    loader = SlowLoader()
    first = asyncio.ensure_future(loader.load(1))
    second = asyncio.ensure_future(loader.load(1))
    await asyncio.sleep(0)
    first.cancel()  # as graphql-core cancels the sibling fields of a field that failed
    await asyncio.sleep(0)
    loader.release.set()
    assert await second == "row 1"
    assert await loader.load(1) == "row 1"  # later loads of the key: the cached row, no CancelledError
    assert first.cancelled() and loader.batches == [[1]]


async def test_a_sibling_field_cancelled_by_a_failed_one_leaves_the_key_loadable():
    loader = SlowLoader()

    async def failing() -> None:
        await asyncio.sleep(0)
        raise RuntimeError("the database failed under this field")

    async def sibling() -> str:
        return await loader.load(7)

    tasks = [asyncio.ensure_future(failing()), asyncio.ensure_future(sibling())]
    with pytest.raises(RuntimeError):
        await asyncio.gather(*tasks)
    tasks[1].cancel()  # graphql.pyutils.gather_with_cancel does this
    await asyncio.gather(*tasks, return_exceptions=True)
    loader.release.set()
    assert await asyncio.wait_for(loader.load(7), 1) == "row 7"


async def test_a_future_cancelled_in_the_cache_anyway_is_loaded_again():
    loader = SlowLoader()
    loader.release.set()
    loader._cache[3] = cancelled = asyncio.get_running_loop().create_future()
    cancelled.cancel()
    assert await loader.load(3) == "row 3"


async def test_a_cancellation_by_another_task_is_a_fault_and_the_tasks_own_passes():
    async def awaiting(shared: asyncio.Future) -> None:
        with stray_cancellation_is_a_fault("reading"):
            await shared

    shared = asyncio.get_running_loop().create_future()
    stray = asyncio.ensure_future(awaiting(shared))
    await asyncio.sleep(0)
    shared.cancel()  # someone else cancels what the task awaits
    with pytest.raises(StrayCancellation):
        await stray

    own = asyncio.ensure_future(awaiting(asyncio.get_running_loop().create_future()))
    await asyncio.sleep(0)
    own.cancel()  # the task itself is cancelled (the client completed the subscription)
    with pytest.raises(asyncio.CancelledError):
        await own
