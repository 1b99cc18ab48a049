"""domain.platform.waiting: a long-running loop that waits with a time limit stops when it is cancelled."""
import asyncio
import time

from domain.platform.waiting import wait_at_most


async def test_a_loop_cancelled_as_its_wake_up_arrives_stops():
    # given a loop like the event feed's: wait for a wake-up (at most 10 s), then work, for ever
    wake = asyncio.Event()
    rounds = 0

    async def forever():
        nonlocal rounds
        while True:
            await wait_at_most(10, wake.wait())
            wake.clear()
            rounds += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(forever())
    await asyncio.sleep(0.01)
    # when the wake-up and the cancellation arrive in the same turn of the event loop (asyncio.wait_for on
    # Python 3.11 returned the wake-up then, and the loop went on waiting for ever)
    wake.set()
    task.cancel()
    # then the task ends cancelled, at once
    done, _ = await asyncio.wait([task], timeout=2)
    assert task in done and task.cancelled()


async def test_it_returns_when_the_awaited_completes_or_the_time_is_up():
    wake = asyncio.Event()
    asyncio.get_running_loop().call_later(0.01, wake.set)
    started = time.monotonic()
    await wait_at_most(5, wake.wait())
    assert wake.is_set() and time.monotonic() - started < 2

    never = asyncio.Event()
    started = time.monotonic()
    await wait_at_most(0.05, never.wait())  # nothing raised
    assert 0.04 <= time.monotonic() - started < 2
