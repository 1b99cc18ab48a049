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

A database outage loses nothing and sends nothing. The reader retries with a growing pause until the
database answers, then catches up; the LISTEN connection reconnects by itself, and a NOTIFY missed
meanwhile is covered by the poll. A stream whose read or delivery meets the outage goes back to its
cursor (the last event it delivered) and reads again from there after a pause (`EventStream.retry`).
One that has retried for STREAM_PATIENCE_SECONDS (or waited that long for a reader that cannot read),
or whose cursor the retention purge has passed, cannot continue: it raises StreamInterrupted, and the
subscriber resumes with `after` its last cursor.
"""
import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections import deque

import asyncpg

from domain.platform.db import CONNECT_TIMEOUT_SECONDS, Database
from domain.platform.errors import is_outage
from domain.platform.waiting import wait_at_most
from domain.events.log import (CHANNEL, CursorExpired, EventFilter, check_cursor, events_after, log_bounds,
                               on_local_commit, purge)
from domain.model import Event

log = logging.getLogger("partnergraph.events")

READ_PAGE = 500
REPLAY_PAGE = 200
# Events one subscription may have waiting before it is switched back to replaying from the database.
QUEUE_LIMIT = 1000
PURGE_INTERVAL_SECONDS = 3600
# Pauses between attempts while the database is away: doubling from the first to the longest.
RETRY_FIRST_SECONDS = 0.1
RETRY_LONGEST_SECONDS = 5.0
# How long one stream keeps retrying an outage before it gives up (StreamInterrupted).
STREAM_PATIENCE_SECONDS = 60.0


class StreamInterrupted(Exception):
    """A stream cannot continue (a long database outage, or its cursor purged): resume with `after` its last cursor."""


class Backoff:
    """Pauses between attempts at a read the database must answer: RETRY_FIRST_SECONDS, doubling up to
    RETRY_LONGEST_SECONDS; `exhausted` once the failures have lasted STREAM_PATIENCE_SECONDS."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._delay = RETRY_FIRST_SECONDS
        self._since: float | None = None

    @property
    def failing(self) -> bool:
        """Whether a failure has been waited for since the last reset."""
        return self._since is not None

    @property
    def exhausted(self) -> bool:
        return self._since is not None and time.monotonic() - self._since >= STREAM_PATIENCE_SECONDS

    async def wait(self) -> None:
        self._since = time.monotonic() if self._since is None else self._since
        await asyncio.sleep(self._delay)
        self._delay = min(self._delay * 2, RETRY_LONGEST_SECONDS)

    async def retry(self, what: str, error: BaseException) -> None:
        """Logs the first failure of a series, then waits; raises StreamInterrupted once exhausted."""
        if self.exhausted:
            raise StreamInterrupted(f"{what}: the database has been unavailable for {STREAM_PATIENCE_SECONDS:g} s") \
                from error
        if not self.failing:
            log_failure(what, error)
        await self.wait()


def log_failure(what: str, error: BaseException) -> None:
    """An outage is one warning line (its first line: no statement, no parameters); anything else a traceback."""
    if is_outage(error):
        log.warning("%s: the database is unavailable (%s); retrying", what, str(error).splitlines()[0])
    else:
        log.exception("%s failed; retrying", what)


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
        backoff = Backoff()
        while True:
            if not backoff.failing:
                await wait_at_most(self.poll_seconds, self._wake.wait())
            self._wake.clear()
            try:
                await self.read_new()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                # The reader never gives up; its subscriptions, waiting for events it cannot read, do once
                # it has failed for their patience: a silent wait would look like a quiet log.
                try:
                    await backoff.retry("reading the event log", error)
                except StreamInterrupted as interrupted:
                    for stream in list(self._subscriptions):
                        stream.interrupt(interrupted)
                    await backoff.wait()
            else:
                if backoff.failing:
                    log.info("reading the event log again")
                backoff.reset()

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
        backoff = Backoff()
        while True:
            lost = asyncio.Event()
            try:
                self._listener = await asyncpg.connect(dsn, timeout=CONNECT_TIMEOUT_SECONDS)
                self._listener.add_termination_listener(lambda _connection: lost.set())
                await self._listener.add_listener(CHANNEL, lambda *_args: self.wake())
                self.listening.set()
                backoff.reset()
                self.wake()  # catch up on whatever committed while we were not listening
                await lost.wait()
                log.warning("the LISTEN connection for events was lost; reconnecting")
            except asyncio.CancelledError:
                raise
            except Exception as error:
                if not backoff.failing:
                    log.warning("cannot LISTEN for events (%s); polling every %ss meanwhile",
                                str(error).splitlines()[0], self.poll_seconds)
            self.listening.clear()
            await self._close_listener()
            await backoff.wait()

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
        self.cursor = cursor  # the id of the last event delivered (or skipped past): where a retry resumes
        self._taken = cursor  # the id of the last event handed out by next_batch
        self._replaying = replay
        self._queue: deque[Event] = deque()
        self._arrived = asyncio.Event()
        self._backoff = Backoff()
        self._interrupted: StreamInterrupted | None = None

    def offer(self, batch: list[Event]) -> None:
        matching = [row for row in batch if row.id > self._taken and self.only.matches(row)]
        if not matching:
            return
        if len(self._queue) + len(matching) > QUEUE_LIMIT:
            self._queue.clear()
            self._replaying = True
        else:
            self._queue.extend(matching)
        self._arrived.set()

    async def next_batch(self) -> list[Event]:
        """Waits for and returns the next events (never empty). Asking for them says the previous batch was
        delivered: the cursor moves past it. A database outage while replaying is retried (see `retry`)."""
        if self._taken > self.cursor:
            self.cursor = self._taken
            self._backoff.reset()
        while True:
            if self._interrupted is not None:
                raise self._interrupted
            if self._replaying:
                try:
                    batch = await self._replay_page()
                except CursorExpired as expired:
                    raise StreamInterrupted("the retention purge has passed the cursor") from expired
                except Exception as error:
                    if not is_outage(error):
                        raise
                    await self.retry(error)
                    continue
                if batch:
                    self._taken = batch[-1].id
                    return batch
                continue
            fresh = [row for row in self._queue if row.id > self._taken]
            self._queue.clear()
            if fresh:
                self._taken = fresh[-1].id
                return fresh
            self._arrived.clear()
            await self._arrived.wait()

    async def _replay_page(self) -> list[Event]:
        # Cleared before reading: an overflow during the read sets it again.
        self._replaying = False
        try:
            async with self.feed.db.read() as session:
                batch = await events_after(session, self._taken, limit=REPLAY_PAGE, only=self.only,
                                           check_purge=True)
        except BaseException:
            self._replaying = True
            raise
        if len(batch) == REPLAY_PAGE:
            self._replaying = True
        return batch

    async def retry(self, error: BaseException) -> None:
        """The batch handed out last was not delivered (the database failed under it): after a pause, the
        stream reads again from its cursor. Raises StreamInterrupted once it has retried for too long."""
        self._taken = self.cursor
        self._queue.clear()
        self._replaying = True
        await self._backoff.retry("delivering events", error)

    def interrupt(self, reason: StreamInterrupted) -> None:
        """Ends the stream: its next_batch raises `reason`."""
        self._interrupted = reason
        self._arrived.set()

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
