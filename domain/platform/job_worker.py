"""The worker that runs queued jobs: claims one, renews its lease while the handler runs, records the outcome.

The server runs one in-process (PARTNERGRAPH_WORKER_IN_PROCESS); `partnergraph worker` runs it alone, and
several such processes may share one PostgreSQL database (domain.platform.jobs explains why they never run one job
twice at the same time). While the database is unavailable it waits longer and longer between tries (up to
OUTAGE_PAUSE_MAX_SECONDS), saying so once when the outage starts and once when it ends.
"""
import asyncio
import contextlib
import datetime as dt
import logging
import os
import socket
import time
import uuid

from domain.platform import jobs
from domain.platform.db import Database
from domain.platform.errors import DatabaseUnavailable
from domain.platform.settings import Settings
from domain.platform.waiting import wait_at_most

log = logging.getLogger("partnergraph.worker")

PURGE_EVERY_SECONDS = 3600
# The longest pause between two tries while the database is unavailable (the first is the poll interval).
OUTAGE_PAUSE_MAX_SECONDS = 30.0


def policy_from(settings: Settings) -> jobs.Policy:
    return jobs.Policy(
        max_attempts=settings.job_max_attempts,
        backoff_seconds=settings.job_backoff_seconds,
        backoff_max_seconds=settings.job_backoff_max_seconds,
        lease_seconds=settings.job_lease_seconds,
    )


def worker_from(db: Database, registry: jobs.Registry, settings: Settings, *, concurrency: int = 1) -> "Worker":
    """A worker with the settings' policy, poll interval and retention of finished jobs."""
    return Worker(db, registry, policy_from(settings), concurrency=concurrency, poll_seconds=settings.job_poll_seconds,
                  keep_done=dt.timedelta(days=settings.job_retention_days))


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Worker:
    def __init__(self, db: Database, registry: jobs.Registry, policy: jobs.Policy, *,
                 concurrency: int = 1, poll_seconds: float = 1.0, name: str | None = None,
                 keep_done: dt.timedelta | None = None) -> None:
        self.db, self.registry, self.policy = db, registry, policy
        self.concurrency, self.poll_seconds = concurrency, poll_seconds
        # Finished jobs are deleted after this long (checked hourly when idle); None: kept.
        self.keep_done, self._purged_at = keep_done, 0.0
        self.name = name or worker_name()
        self._wake = asyncio.Event()
        self._periodic_at: dict[str, float] = {}
        # Since when the database has been unavailable (None: it answers), and the pause before the next try.
        self._down_since: float | None = None
        self._outage_pause = poll_seconds

    def wake(self) -> None:
        """Something was enqueued: look now rather than at the next poll."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Runs `concurrency` claim loops until `stop` is set; a job under way is finished first."""
        log.info("worker %s runs %s job(s) at a time: %s", self.name, self.concurrency, ", ".join(self.registry.names()))
        stop_waking = jobs.wake_on_enqueue(self.wake)
        try:
            await asyncio.gather(*(self._loop(f"{self.name}/{n}", stop) for n in range(self.concurrency)))
        finally:
            stop_waking()

    async def _loop(self, slot: str, stop: asyncio.Event) -> None:
        while not stop.is_set():
            # Cleared before looking, so a wake-up that comes while we look is not lost.
            self._wake.clear()
            try:
                await self.run_periodic()
                ran = await self.run_one(slot)
                if not ran:
                    await self._purge_now_and_then()
            except DatabaseUnavailable as error:
                await wait_at_most(self._database_down(error), stop.wait())
                continue
            except Exception:
                log.exception("worker %s could not claim or record a job", slot)
                ran = False
            else:
                self._database_up()
            if ran:
                continue
            await wait_at_most(self.poll_seconds, _first_of(stop, self._wake))

    def _database_down(self, error: DatabaseUnavailable) -> float:
        """The pause before the next try: the poll interval, doubled at each failed try up to
        OUTAGE_PAUSE_MAX_SECONDS. Says so once per outage, for all of this worker's claim loops."""
        if self._down_since is None:
            self._down_since, self._outage_pause = time.monotonic(), self.poll_seconds
            log.warning("worker %s: %s; trying again with back-off (at most every %.0f s)", self.name, error,
                        OUTAGE_PAUSE_MAX_SECONDS)
        else:
            self._outage_pause = min(self._outage_pause * 2, OUTAGE_PAUSE_MAX_SECONDS)
        return self._outage_pause

    def _database_up(self) -> None:
        if self._down_since is not None:
            log.warning("worker %s: the database answers again after %.1f s", self.name,
                        time.monotonic() - self._down_since)
            self._down_since = None

    async def run_one(self, slot: str | None = None) -> jobs.ClaimedJob | None:
        """Claims and runs one due job; returns it, or None when nothing was due."""
        job = await jobs.claim(self.db, self.registry, slot or self.name, self.policy)
        if job is None:
            return None
        kind = self.registry.get(job.kind)
        heartbeat = asyncio.create_task(self._renew_while_running(job))
        try:
            if kind is None:
                raise jobs.PermanentFailure(f"No handler is registered for jobs of kind {job.kind!r}.")
            await kind.run(self.db, job)
        except asyncio.CancelledError:
            # Shutting down mid-job: the lease runs out and another worker takes the job again.
            raise
        except Exception as error:
            if not isinstance(error, (jobs.RetryLater, jobs.PermanentFailure, DatabaseUnavailable)):
                log.warning("job %s (%s) raised", job.id, job.kind, exc_info=True)
            await jobs.fail(self.db, self.registry, job, error, self.policy)
        else:
            await jobs.finish(self.db, job)
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
        return job

    async def run_periodic(self) -> None:
        """The registry's clock work that is due (each entry at most once per its interval in this worker)."""
        for name, seconds, run in self.registry.periodic:
            if time.monotonic() - self._periodic_at.get(name, -seconds) < seconds:
                continue
            self._periodic_at[name] = time.monotonic()
            try:
                await run(self.db)
            except DatabaseUnavailable:
                del self._periodic_at[name]  # due again as soon as the database answers
                raise
            except Exception:
                log.exception("periodic %s failed; again in %s s", name, seconds)

    async def _purge_now_and_then(self) -> None:
        if self.keep_done is None or time.monotonic() - self._purged_at < PURGE_EVERY_SECONDS:
            return
        self._purged_at = time.monotonic()
        try:
            purged = await jobs.purge_done(self.db, older_than=self.keep_done)
        except DatabaseUnavailable:
            self._purged_at = 0.0
            raise
        except Exception:
            log.exception("could not purge finished jobs")
            return
        if purged:
            log.info("purged %s finished job(s)", purged)

    async def _renew_while_running(self, job: jobs.ClaimedJob) -> None:
        while True:
            await asyncio.sleep(self.policy.lease_seconds / 3)
            try:
                if not await jobs.renew(self.db, job, self.policy):
                    log.warning("job %s: the claim was lost (lease expired and taken over)", job.id)
                    return
            except DatabaseUnavailable as error:
                log.warning("job %s: could not renew the lease: %s", job.id, error)
            except Exception:
                log.exception("job %s: could not renew the lease", job.id)


async def _first_of(*events: asyncio.Event) -> None:
    waiters = [asyncio.create_task(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
