"""Waiting for something with a time limit, in the loops of long-running tasks (the event feed, the job worker).

asyncio.wait_for on Python 3.11 loses a cancellation that arrives in the same turn of the event loop as the thing
awaited completes (it returns the result instead of raising CancelledError): a loop that waits on a wake-up event
that way can miss the one cancellation that was to stop it, and whoever awaits the task (a server shutting down)
waits for ever. asyncio.timeout tells its own cancellation from anyone else's, so nothing is lost.
"""
import asyncio
import contextlib
from collections.abc import Awaitable


async def wait_at_most(seconds: float, awaitable: Awaitable[object]) -> None:
    """Awaits `awaitable` for at most `seconds`; when the time is up it is cancelled and nothing is raised. A
    cancellation of the waiting task always propagates."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await awaitable
