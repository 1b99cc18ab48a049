"""The durable job queue (SPEC §6): enqueue in the change's own transaction, claim with a lease, retry, dead-letter.

A use case calls `enqueue(session, kind, payload)` next to its change: the job row commits or rolls back with
it, so a committed change always has its job and a rolled-back one never does.

Claiming. A worker takes the oldest due job in a short write transaction and marks it RUNNING with a lease
(`lease_expires_at`) and its own claim token (`claimed_by`); it renews the lease while the handler runs. A
worker that dies stops renewing, the lease expires, and the next claim takes the job again. On PostgreSQL
the candidate row is read `FOR UPDATE SKIP LOCKED`, so concurrent workers pass over each other's rows
instead of queueing on them; on SQLite the write transaction starts with BEGIN IMMEDIATE (domain.platform.db), so
claims simply run one at a time. Every later write of the job (renew, finish, fail) is conditioned on the
claim token, so a worker whose lease was taken over can no longer change the job.

Handlers are idempotent: a job can run again after a crash between its work and `finish` (at-least-once);
the transfer handler makes that exactly-once by checking where it got to before doing anything.

Failures. A handler raises `RetryLater(not_before=...)` to be retried no earlier than a given time (a
Retry-After), `PermanentFailure` to give up at once, anything else to be retried with exponential back-off and
jitter. After the policy's `max_attempts` claims (a setting, so it can change for jobs already queued) the job is DEAD: the dead letters keep their last error, and the kind's
`on_dead` hook lets the domain record the failure (a file's transfer becomes FAILED) in the same transaction.
"""
import datetime as dt
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, event, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from domain.platform.db import Database
from domain.model import Job, JobState, utcnow

log = logging.getLogger("partnergraph.jobs")

MAX_ERROR = 4000


class RetryLater(Exception):
    """Run this job again, but not before `not_before` (e.g. a 429's or 503's Retry-After); counts as an attempt."""

    def __init__(self, message: str, *, not_before: dt.datetime | None = None) -> None:
        super().__init__(message)
        self.not_before = not_before


class PermanentFailure(Exception):
    """Retrying cannot help (bad configuration, something refused for good): the job goes dead at once."""


@dataclass(frozen=True)
class Policy:
    """How often and how patiently jobs are retried, and how long a claim lasts (from settings)."""

    max_attempts: int = 8
    backoff_seconds: float = 5.0
    backoff_max_seconds: float = 3600.0
    lease_seconds: float = 60.0


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    max_attempts: int
    claimed_by: str


Handler = Callable[[Database, ClaimedJob], Awaitable[None]]
# Called in the transaction that buries the job, with its last error.
DeadHook = Callable[[AsyncSession, ClaimedJob, str], Awaitable[None]]


@dataclass(frozen=True)
class JobKind:
    name: str
    run: Handler
    on_dead: DeadHook | None = None


# Work a worker does on a clock rather than from the queue (e.g. queueing the daily SharePoint syncs); it must be
# safe to run in several workers at once, since every worker runs it.
Periodic = Callable[[Database], Awaitable[object]]


class Registry:
    """Handlers by job kind. A job of a kind nobody registered goes dead with a clear error."""

    def __init__(self) -> None:
        self._kinds: dict[str, JobKind] = {}
        self.periodic: list[tuple[str, float, Periodic]] = []
        self._closers: list[Callable[[], Awaitable[None]]] = []

    def on_close(self, close: Callable[[], Awaitable[None]]) -> None:
        """Something the kinds keep open while workers run (e.g. Graph sessions), closed by `close()`."""
        self._closers.append(close)

    async def close(self) -> None:
        """Called by whoever ran the registry's workers once they have stopped."""
        for close in self._closers:
            await close()

    def every(self, name: str, seconds: float, run: Periodic) -> None:
        """Runs `run(db)` in each worker about every `seconds` (first soon after it starts)."""
        self.periodic.append((name, seconds, run))

    def register(self, kind: JobKind) -> None:
        self._kinds[kind.name] = kind

    def get(self, name: str) -> JobKind | None:
        return self._kinds.get(name)

    def names(self) -> list[str]:
        return sorted(self._kinds)


def enqueue(session: AsyncSession, kind: str, payload: dict[str, Any], *, not_before: dt.datetime | None = None) -> Job:
    """Adds a job to the caller's transaction (it exists only if that transaction commits)."""
    job = Job(kind=kind, payload=payload, state=JobState.QUEUED, attempts=0, run_after=not_before or utcnow())
    session.add(job)
    session.info[_ENQUEUED] = True
    return job


# Workers of this process are woken when a transaction that enqueued commits, instead of at their next poll
# (workers elsewhere find the job by polling).
_ENQUEUED = "partnergraph.jobs_enqueued"
_wakers: list[Callable[[], None]] = []


def wake_on_enqueue(callback: Callable[[], None]) -> Callable[[], None]:
    """Calls `callback` after each local commit that enqueued a job; returns the function that stops it."""
    _wakers.append(callback)
    return lambda: _wakers.remove(callback)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop(_ENQUEUED, False):
        for callback in list(_wakers):
            callback()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_ENQUEUED, None)


def backoff_delay(attempts: int, policy: Policy, *, rng: random.Random | None = None) -> float:
    """Seconds to wait after the `attempts`-th failed attempt: doubling from backoff_seconds up to the cap,
    then spread over 50-100 % of that ("equal jitter"), so jobs that failed together do not return together."""
    ceiling = min(policy.backoff_max_seconds, policy.backoff_seconds * 2 ** max(attempts - 1, 0))
    return ceiling / 2 + (rng or random).random() * ceiling / 2


def _claimable(now: dt.datetime):
    return or_(
        and_(Job.state == JobState.QUEUED, Job.run_after <= now),
        and_(Job.state == JobState.RUNNING, Job.lease_expires_at < now),
    )


_BURIED = object()


async def claim(db: Database, registry: Registry, worker_id: str, policy: Policy) -> ClaimedJob | None:
    """Takes the oldest due job (or one whose claim expired) for this worker, or None when there is none."""
    while True:
        claimed = await _claim_one(db, registry, worker_id, policy)
        if claimed is not _BURIED:
            return claimed  # type: ignore[return-value]


async def _claim_one(db: Database, registry: Registry, worker_id: str, policy: Policy):
    async with db.transaction() as session:
        now = utcnow()
        query = select(Job).where(_claimable(now)).order_by(Job.run_after, Job.id).limit(1)
        if not db.sqlite:
            query = query.with_for_update(skip_locked=True)
        job = await session.scalar(query)
        if job is None:
            return None
        if job.state is JobState.RUNNING and job.attempts >= policy.max_attempts:
            # Its last allowed attempt died with its worker: bury it rather than run it once more.
            message = ((job.last_error + "\n") if job.last_error else "") + \
                "The worker running the last attempt stopped (its lease expired)."
            job.state, job.finished_at, job.claimed_by, job.lease_expires_at = JobState.DEAD, now, None, None
            job.last_error = message
            await _bury(session, registry, _claimed(job, worker_id, policy), message)
            return _BURIED
        job.state = JobState.RUNNING
        job.attempts += 1
        job.claimed_by = worker_id
        job.lease_expires_at = now + dt.timedelta(seconds=policy.lease_seconds)
        return _claimed(job, worker_id, policy)


def _claimed(job: Job, worker_id: str, policy: Policy) -> ClaimedJob:
    return ClaimedJob(job.id, job.kind, dict(job.payload), job.attempts, policy.max_attempts, worker_id)


async def _bury(session: AsyncSession, registry: Registry, job: ClaimedJob, error: str) -> None:
    kind = registry.get(job.kind)
    if kind is not None and kind.on_dead is not None:
        await kind.on_dead(session, job, error)
    log.warning("job %s (%s) is dead after %s attempt(s): %s", job.id, job.kind, job.attempts, error)


def _mine(job: ClaimedJob):
    return and_(Job.id == job.id, Job.state == JobState.RUNNING, Job.claimed_by == job.claimed_by)


async def renew(db: Database, job: ClaimedJob, policy: Policy) -> bool:
    """Extends the claim; False when it was lost (expired and taken by another worker)."""
    async with db.transaction() as session:
        result = await session.execute(
            update(Job).where(_mine(job)).values(lease_expires_at=utcnow() + dt.timedelta(seconds=policy.lease_seconds))
        )
        return result.rowcount == 1


async def finish(db: Database, job: ClaimedJob) -> bool:
    """Marks the job done (when its handler returns). False when the claim was lost."""
    async with db.transaction() as session:
        return await finish_in(session, job)


async def finish_in(session: AsyncSession, job: ClaimedJob) -> bool:
    """Marks the job done in the handler's own transaction, with its last write: then a crash can never leave
    the work committed and the job still to run. The worker's own `finish` afterwards finds it done already."""
    values = {"state": JobState.DONE, "finished_at": utcnow(), "lease_expires_at": None, "last_error": None}
    return (await session.execute(update(Job).where(_mine(job)).values(**values))).rowcount == 1


def describe(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}" if not isinstance(error, (RetryLater, PermanentFailure)) else str(error)
    return text[:MAX_ERROR]


async def fail(db: Database, registry: Registry, job: ClaimedJob, error: BaseException, policy: Policy) -> JobState:
    """Records a failed attempt: back to the queue after a back-off (or the handler's not-before), or dead."""
    message = describe(error)
    now = utcnow()
    async with db.transaction() as session:
        row = await session.scalar(select(Job).where(_mine(job)))
        if row is None:
            log.warning("job %s failed after its claim was lost: %s", job.id, message)
            return JobState.RUNNING
        row.last_error = message
        row.claimed_by, row.lease_expires_at = None, None
        permanent = isinstance(error, PermanentFailure)
        if permanent or row.attempts >= policy.max_attempts:
            row.state, row.finished_at = JobState.DEAD, now
            await _bury(session, registry, job, message)
            return JobState.DEAD
        delay = dt.timedelta(seconds=backoff_delay(row.attempts, policy))
        not_before = error.not_before if isinstance(error, RetryLater) else None
        row.state = JobState.QUEUED
        row.run_after = max(now + delay, not_before) if not_before is not None else now + delay
        log.info("job %s (%s) attempt %s failed, again after %s: %s", job.id, job.kind, row.attempts,
                 row.run_after.isoformat(), message)
        return JobState.QUEUED


async def purge_done(db: Database, *, older_than: dt.timedelta) -> int:
    """Deletes jobs that finished well (DONE) longer ago than `older_than`; dead letters stay for inspection."""
    async with db.transaction() as session:
        result = await session.execute(
            delete(Job).where(Job.state == JobState.DONE, Job.finished_at < utcnow() - older_than)
        )
        return result.rowcount
