"""Live delivery of the event log in one server process: one reader, many subscriptions.

The log is the truth; wake-ups only say "look now". The feed reads new events once per wake-up
and hands them to every subscription in this process. It is woken by PostgreSQL NOTIFY (changes
made by any process), by commits in this process (SQLite has no NOTIFY), and by a poll every
`event_poll_seconds` in case a wake-up was lost (a dropped LISTEN connection, another process
on the same SQLite file).

A subscription that resumes (`after` a cursor) first replays from the database, then continues
with what the feed hands it; it registers with the feed before its first replay read, and skips
what it has already passed, so the switch leaves no gap and delivers nothing twice. One that
falls too far behind (a slow client) drops its queue and replays from its cursor again.
"""
import asyncio
import contextlib
import datetime as dt
import logging
from collections import deque

import asyncpg

from domain.platform.db import Database
from domain.events.log import CHANNEL, EventFilter, check_cursor, events_after, log_bounds, on_local_commit, purge
from domain.model import Event

log = logging.getLogger("partnergraph.events")

READ_PAGE = 500
REPLAY_PAGE = 200
# Events one subscription may have waiting before it is switched back to replaying from the database.
QUEUE_LIMIT = 1000
PURGE_INTERVAL_SECONDS = 3600


class EventFeed:
    """The per-process reader of the event log. Started on first use, stopped with the app."""

    def __init__(self, db: Database, *, poll_seconds: float) -> None:
        self.db = db
        self.poll_seconds = poll_seconds
        self.position = 0
        self._subscriptions: set["EventStream"] = set()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task] = []
        self._starting: asyncio.Lock | None = None
        self._stop_local = None
        self._listener = None
        self.listening = asyncio.Event()  # set while the PostgreSQL LISTEN connection is up

    @property
    def running(self) -> bool:
        return bool(self._tasks)

    async def start(self) -> None:
        if self._starting is None:
            self._starting = asyncio.Lock()
        async with self._starting:
            if self._tasks:
                return
            async with self.db.read() as session:
                self.position = (await log_bounds(session)).last_event_id
            self._stop_local = on_local_commit(self.db.engine.url, self.wake)
            self._tasks.append(asyncio.create_task(self._read_forever(), name="event-feed"))
            if not self.db.sqlite:
                self._tasks.append(asyncio.create_task(self._listen_forever(), name="event-feed-listen"))

    async def stop(self) -> None:
        if self._stop_local is not None:
            self._stop_local()
            self._stop_local = None
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self._close_listener()

    def wake(self) -> None:
        self._wake.set()

    async def subscribe(self, only: EventFilter, *, after: int | None) -> "EventStream":
        """A stream of the events matching `only`: after the cursor `after`, or from now on when it is None."""
        await self.start()
        if after is not None:
            async with self.db.read() as session:
                check_cursor(after, await log_bounds(session))
        stream = EventStream(self, only, cursor=self.position if after is None else after, replay=after is not None)
        self._subscriptions.add(stream)
        return stream

    def unsubscribe(self, stream: "EventStream") -> None:
        self._subscriptions.discard(stream)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscriptions)

    async def _read_forever(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
            self._wake.clear()
            try:
                await self.read_new()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("reading the event log failed; retrying")
                await asyncio.sleep(min(self.poll_seconds, 1.0))

    async def read_new(self) -> None:
        """Reads what was committed since the last read and hands it to every subscription."""
        while True:
            async with self.db.read() as session:
                batch = await events_after(session, self.position, limit=READ_PAGE)
            if not batch:
                return
            # No await from here to the end of the loop body: a subscription registered meanwhile
            # either is in this set (and gets the batch) or registers after `position` moved on.
            self.position = batch[-1].id
            for stream in list(self._subscriptions):
                stream.offer(batch)
            if len(batch) < READ_PAGE:
                return

    # --- PostgreSQL LISTEN ---------------------------------------------------------

    async def _listen_forever(self) -> None:
        dsn = self.db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        delay = 0.5
        while True:
            lost = asyncio.Event()
            try:
                self._listener = await asyncpg.connect(dsn)
                self._listener.add_termination_listener(lambda _connection: lost.set())
                await self._listener.add_listener(CHANNEL, lambda *_args: self.wake())
                self.listening.set()
                delay = 0.5
                self.wake()  # catch up on whatever committed while we were not listening
                await lost.wait()
                log.warning("the LISTEN connection for events was lost; reconnecting")
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("cannot LISTEN for events (%s); polling every %ss meanwhile", error, self.poll_seconds)
            self.listening.clear()
            await self._close_listener()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)

    async def _close_listener(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None and not listener.is_closed():
            with contextlib.suppress(Exception):
                await listener.close(timeout=2)


class EventStream:
    """One subscription's events, in cursor order, each once."""

    def __init__(self, feed: EventFeed, only: EventFilter, *, cursor: int, replay: bool) -> None:
        self.feed = feed
        self.only = only
        self.cursor = cursor  # the id of the last event handed out (or skipped past)
        self._replaying = replay
        self._queue: deque[Event] = deque()
        self._arrived = asyncio.Event()

    def offer(self, batch: list[Event]) -> None:
        matching = [row for row in batch if row.id > self.cursor and self.only.matches(row)]
        if not matching:
            return
        if len(self._queue) + len(matching) > QUEUE_LIMIT:
            self._queue.clear()
            self._replaying = True
        else:
            self._queue.extend(matching)
        self._arrived.set()

    async def next_batch(self) -> list[Event]:
        """Waits for and returns the next events past the cursor (never empty), advancing the cursor."""
        while True:
            if self._replaying:
                # Cleared before reading: an overflow during the read sets it again.
                self._replaying = False
                async with self.feed.db.read() as session:
                    batch = await events_after(session, self.cursor, limit=REPLAY_PAGE, only=self.only,
                                               check_purge=True)
                if len(batch) == REPLAY_PAGE:
                    self._replaying = True
                if batch:
                    self.cursor = batch[-1].id
                    return batch
                continue
            fresh = [row for row in self._queue if row.id > self.cursor]
            self._queue.clear()
            if fresh:
                self.cursor = fresh[-1].id
                return fresh
            self._arrived.clear()
            await self._arrived.wait()

    def close(self) -> None:
        self.feed.unsubscribe(self)


async def purge_periodically(db: Database, *, retention_days: int, interval: float = PURGE_INTERVAL_SECONDS) -> None:
    """Runs the retention purge now and then every `interval` seconds, for as long as the server runs.

    Every server process does this; the purge deletes a prefix of the log, so running it twice is harmless.
    """
    while True:
        try:
            deleted = await purge(db, older_than=dt.timedelta(days=retention_days))
            if deleted:
                log.info("purged %s events older than %s days", deleted, retention_days)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("the event purge failed; trying again later")
        await asyncio.sleep(interval)
