"""A server process's cache of signed-in viewers, by the hash of their API token (never the token itself), so
that a warm request sends no sign-in statement; and what keeps it exact.

A cached viewer is what the sign-in statement (domain.access.tokens) returned: the token's user and their active
co-worker records. Anything that could change that answer drops it, and a token's expiry is checked on every hit.

PostgreSQL: triggers on users, co_workers and api_tokens (migration 0017) NOTIFY the channel CHANNEL with the
user's id in the writing transaction, so PostgreSQL delivers it at commit; each process LISTENs on a connection
of its own and drops that user's viewers when it arrives. While that connection is not up (starting, lost,
reconnecting) the cache neither serves nor keeps anything, and it is emptied whenever it comes up: a
notification missed meanwhile cannot leave a stale viewer behind.

SQLite (one server process, but CLI commands in others): each request's connection asks `PRAGMA data_version`,
which changes when any other connection (of this process or another) has committed a change to the file, and
reads its own count of rows changed (sqlite3's total_changes), which its own writes move; when either moved
since that connection's last check the cache is emptied before it is consulted. Any change to the file counts,
so on SQLite the cache saves the sign-in statement only between writes, at the cost of the pragma.

A read that was under way while the cache was emptied keeps nothing (a generation count): it may have read the
rows as they were before the change.
"""
import asyncio
import contextlib
import datetime as dt
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access.viewer import Viewer
from domain.model import utcnow
from domain.platform.db import CONNECT_TIMEOUT_SECONDS, Database

# Keep in step with migrations/versions/0017_sign_in_notify.py.
CHANNEL = "partnergraph_sign_in"
LISTENER_NAME = "partnergraph sign-in listener"
# The triggers that send it (migration 0017): without them the cache is not used.
TRIGGERS = [f"{table}_sign_in_{what}" for table in ("users", "co_workers", "api_tokens")
            for what in ("changed", "truncated")]
RECONNECT_FIRST_SECONDS = 0.1
RECONNECT_LONGEST_SECONDS = 5.0
# SQLite: the key of the (data_version, total_changes) a pooled connection showed at its last check, in its info.
_SEEN = "viewer_cache.seen"

log = logging.getLogger("partnergraph.sign_in")


@dataclass(frozen=True, slots=True)
class _Entry:
    viewer: Viewer
    expires_at: dt.datetime


class ViewerCache:
    """At most `size` viewers, least recently used dropped first; one per server process (gql.app)."""

    def __init__(self, db: Database, size: int) -> None:
        self.db = db
        self.size = size
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._by_user: dict[int, set[str]] = {}
        # Moves whenever the cache is emptied or a user's viewers are dropped; a read begun before keeps nothing.
        self.generation = 0
        # PostgreSQL: whether the LISTEN connection is up (SQLite needs none).
        self.listening = asyncio.Event()
        self.hits = self.misses = 0
        self.listener_pid: int | None = None  # PostgreSQL: the server process of the LISTEN connection
        if db.sqlite:
            self.listening.set()

    def __len__(self) -> int:
        return len(self._entries)

    # --- lookups ---------------------------------------------------------------

    async def usable(self, session: AsyncSession) -> bool:
        """Whether the cache may be consulted for a read on `session` (the request's connection); on SQLite this
        asks the connection's data_version, and empties the cache first when anything was committed since."""
        if self.size == 0 or not self.listening.is_set():
            return False
        if not self.db.sqlite:
            return True
        connection = await session.connection()
        version = await connection.scalar(text("PRAGMA data_version"))
        # data_version does not move for the connection's own commits; its count of rows changed does.
        changes = (await connection.get_raw_connection()).driver_connection.total_changes
        info = connection.info
        if info.get(_SEEN) != (version, changes):
            info[_SEEN] = (version, changes)
            self.clear()
        return True

    def get(self, token_hash: str) -> Viewer | None:
        entry = self._entries.get(token_hash)
        if entry is None:
            self.misses += 1
            return None
        if entry.expires_at <= utcnow():
            self._drop(token_hash)
            self.misses += 1
            return None
        self._entries.move_to_end(token_hash)
        self.hits += 1
        return entry.viewer

    def keep(self, token_hash: str, viewer: Viewer, expires_at: dt.datetime, *, generation: int) -> None:
        """Keeps a viewer read after `generation` was taken, unless the cache was emptied since."""
        if generation != self.generation or self.size == 0 or not self.listening.is_set() or viewer.user_id is None:
            return
        self._drop(token_hash)
        self._entries[token_hash] = _Entry(viewer, expires_at)
        self._by_user.setdefault(viewer.user_id, set()).add(token_hash)
        while len(self._entries) > self.size:
            self._drop(next(iter(self._entries)))

    # --- invalidation ------------------------------------------------------------

    def clear(self) -> None:
        self.generation += 1
        self._entries.clear()
        self._by_user.clear()

    def drop_user(self, user_id: int) -> None:
        self.generation += 1
        for token_hash in self._by_user.pop(user_id, set()):
            self._entries.pop(token_hash, None)

    def _drop(self, token_hash: str) -> None:
        entry = self._entries.pop(token_hash, None)
        if entry is not None:
            hashes = self._by_user.get(entry.viewer.user_id)  # type: ignore[arg-type]
            if hashes is not None:
                hashes.discard(token_hash)
                if not hashes:
                    del self._by_user[entry.viewer.user_id]  # type: ignore[arg-type]

    def _notified(self, _connection, _pid: int, _channel: str, payload: str) -> None:
        if payload.isdigit():
            self.drop_user(int(payload))
        else:
            self.clear()

    # --- the PostgreSQL listener ---------------------------------------------------

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator["ViewerCache"]:
        """While the block runs, PostgreSQL's notifications keep the cache exact (SQLite: nothing to run)."""
        if self.db.sqlite or self.size == 0:
            yield self
            return
        task = asyncio.create_task(self._listen_forever(), name="viewer-cache-listen")
        try:
            yield self
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            self.listening.clear()
            self.clear()

    async def _listen_forever(self) -> None:
        dsn = self.db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        delay = RECONNECT_FIRST_SECONDS
        while True:
            lost = asyncio.Event()
            connection = None
            try:
                connection = await asyncpg.connect(dsn, timeout=CONNECT_TIMEOUT_SECONDS,
                                                   server_settings={"application_name": LISTENER_NAME})
                connection.add_termination_listener(lambda _connection: lost.set())
                await connection.add_listener(CHANNEL, self._notified)
                self.listener_pid = connection.get_server_pid()
                if await connection.fetchval("SELECT count(*) FROM pg_trigger WHERE tgname = ANY($1::text[])",
                                             TRIGGERS) < len(TRIGGERS):
                    # Nothing would announce a change: the cache stays unused.
                    log.warning("sign-in cache: the database lacks migration 0017's triggers (run `partnergraph "
                                "migrate`); signing in without the cache")
                    await lost.wait()
                else:
                    # Whatever changed while nobody listened: forget it all, then serve again.
                    self.clear()
                    self.listening.set()
                    if delay > RECONNECT_FIRST_SECONDS:
                        log.warning("sign-in cache: listening again; viewers are cached again")
                    delay = RECONNECT_FIRST_SECONDS
                    await lost.wait()
                    log.warning("sign-in cache: the LISTEN connection was lost; signing in without the cache "
                                "until it is back")
            except asyncio.CancelledError:
                raise
            except Exception as error:
                if delay == RECONNECT_FIRST_SECONDS:
                    log.warning("sign-in cache: cannot LISTEN (%s); signing in without the cache meanwhile",
                                str(error).splitlines()[0] if str(error) else type(error).__name__)
            finally:
                self.listening.clear()
                self.clear()
                if connection is not None and not connection.is_closed():
                    with contextlib.suppress(Exception):
                        connection.terminate()
            await asyncio.sleep(delay)
            delay = min(delay * 2, RECONNECT_LONGEST_SECONDS)

