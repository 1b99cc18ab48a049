"""The durable job queue (domain.platform.jobs) and its worker (domain.platform.job_worker), on SQLite and PostgreSQL."""
import asyncio
import datetime as dt
import random

import pytest
from sqlalchemy import func, select

from domain.platform import jobs
from domain.platform.job_worker import Worker
from domain.model import Job, JobState, utcnow

POLICY = jobs.Policy(max_attempts=3, backoff_seconds=10, backoff_max_seconds=100, lease_seconds=30)


class Recorder:
    """A job kind whose handler does what each test tells it, and remembers every run and burial."""

    def __init__(self, outcome=None) -> None:
        self.runs: list[jobs.ClaimedJob] = []
        self.buried: list[tuple[int, str]] = []
        self.outcome = outcome

    async def run(self, _db, job: jobs.ClaimedJob) -> None:
        self.runs.append(job)
        if self.outcome is not None:
            raise self.outcome

    async def on_dead(self, _session, job: jobs.ClaimedJob, error: str) -> None:
        self.buried.append((job.id, error))

    def registry(self) -> jobs.Registry:
        registry = jobs.Registry()
        registry.register(jobs.JobKind("test.record", self.run, on_dead=self.on_dead))
        return registry


async def enqueue(db, payload=None, **kwargs) -> int:
    async with db.transaction() as session:
        job = jobs.enqueue(session, "test.record", payload or {"n": 1}, **kwargs)
        await session.flush()
        return job.id


async def job_row(db, job_id: int) -> Job:
    async with db.read() as session:
        return await session.get(Job, job_id)


async def make_due(db, job_id: int) -> None:
    async with db.transaction() as session:
        (await session.get(Job, job_id)).run_after = utcnow() - dt.timedelta(seconds=1)


def test_the_back_off_doubles_from_the_base_with_jitter_and_stops_at_the_cap():
    rng = random.Random(7)
    delays = [jobs.backoff_delay(n, POLICY, rng=rng) for n in range(1, 8)]
    ceilings = [10, 20, 40, 80, 100, 100, 100]
    assert all(c / 2 <= d <= c for d, c in zip(delays, ceilings, strict=True))
    # jitter: the same attempt does not always wait the same
    assert len({round(jobs.backoff_delay(3, POLICY, rng=rng), 3) for _ in range(10)}) > 1


async def test_a_job_enqueued_in_a_rolled_back_transaction_does_not_exist(db):
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            jobs.enqueue(session, "test.record", {"n": 1})
            await session.flush()
            raise RuntimeError("the change failed")
    async with db.read() as session:
        assert await session.scalar(select(func.count(Job.id))) == 0


async def test_a_worker_runs_a_due_job_once_and_marks_it_done(db):
    recorder = Recorder()
    job_id = await enqueue(db, {"file_id": 42})
    worker = Worker(db, recorder.registry(), POLICY, name="w1")

    assert (await worker.run_one()).id == job_id
    assert await worker.run_one() is None

    assert [(r.id, r.payload, r.attempts) for r in recorder.runs] == [(job_id, {"file_id": 42}, 1)]
    row = await job_row(db, job_id)
    assert (row.state, row.lease_expires_at, row.last_error) == (JobState.DONE, None, None)
    assert row.finished_at is not None


async def test_a_job_due_later_waits(db):
    recorder = Recorder()
    await enqueue(db, not_before=utcnow() + dt.timedelta(minutes=5))
    assert await Worker(db, recorder.registry(), POLICY).run_one() is None
    assert recorder.runs == []


async def test_a_failed_attempt_goes_back_to_the_queue_after_a_back_off_and_keeps_its_error(db):
    recorder = Recorder(ConnectionError("graph.microsoft.com went away"))
    job_id = await enqueue(db)
    before = utcnow()

    await Worker(db, recorder.registry(), POLICY).run_one()

    row = await job_row(db, job_id)
    assert row.state is JobState.QUEUED and row.attempts == 1
    assert row.last_error == "ConnectionError: graph.microsoft.com went away"
    # first back-off: 5 to 10 seconds (base 10, equal jitter)
    assert before + dt.timedelta(seconds=5) <= row.run_after <= utcnow() + dt.timedelta(seconds=10)
    assert (row.claimed_by, row.lease_expires_at) == (None, None)


async def test_a_retry_later_is_not_run_before_the_time_the_handler_asked_for(db):
    not_before = utcnow() + dt.timedelta(seconds=600)
    recorder = Recorder(jobs.RetryLater("429 Too Many Requests", not_before=not_before))
    job_id = await enqueue(db)

    await Worker(db, recorder.registry(), POLICY).run_one()

    row = await job_row(db, job_id)
    assert row.state is JobState.QUEUED and row.last_error == "429 Too Many Requests"
    assert row.run_after == not_before


async def test_a_job_that_keeps_failing_is_dead_after_the_last_attempt_and_its_kind_hears_of_it(db):
    recorder = Recorder(OSError("still down"))
    job_id = await enqueue(db)
    worker = Worker(db, recorder.registry(), POLICY)

    for _ in range(POLICY.max_attempts):
        await make_due(db, job_id)
        assert await worker.run_one() is not None

    row = await job_row(db, job_id)
    assert (row.state, row.attempts, row.last_error) == (JobState.DEAD, 3, "OSError: still down")
    assert recorder.buried == [(job_id, "OSError: still down")]
    await make_due(db, job_id)
    assert await worker.run_one() is None


async def test_a_permanent_failure_is_dead_at_once(db):
    recorder = Recorder(jobs.PermanentFailure("the site does not exist"))
    job_id = await enqueue(db)
    await Worker(db, recorder.registry(), POLICY).run_one()
    row = await job_row(db, job_id)
    assert (row.state, row.attempts, row.last_error) == (JobState.DEAD, 1, "the site does not exist")
    assert recorder.buried == [(job_id, "the site does not exist")]


async def test_a_job_of_an_unknown_kind_is_dead_with_a_clear_error(db):
    async with db.transaction() as session:
        job = jobs.enqueue(session, "nobody.handles.this", {})
        await session.flush()
        job_id = job.id
    await Worker(db, jobs.Registry(), POLICY).run_one()
    row = await job_row(db, job_id)
    assert row.state is JobState.DEAD
    assert "No handler is registered for jobs of kind 'nobody.handles.this'" in row.last_error


async def test_a_claim_whose_lease_expired_is_taken_by_another_worker_and_the_first_can_no_longer_finish_it(db):
    recorder = Recorder()
    job_id = await enqueue(db)
    first = await jobs.claim(db, recorder.registry(), "worker-that-dies", POLICY)
    assert first.id == job_id
    # while the lease holds, nobody else gets the job
    assert await jobs.claim(db, recorder.registry(), "other", POLICY) is None

    async with db.transaction() as session:  # the first worker stopped renewing: its lease runs out
        (await session.get(Job, job_id)).lease_expires_at = utcnow() - dt.timedelta(seconds=1)
    second = await jobs.claim(db, recorder.registry(), "other", POLICY)

    assert (second.id, second.attempts) == (job_id, 2)
    assert await jobs.finish(db, first) is False
    assert await jobs.renew(db, first, POLICY) is False
    assert await jobs.finish(db, second) is True
    assert (await job_row(db, job_id)).state is JobState.DONE


async def test_a_job_whose_worker_died_on_its_last_attempt_is_buried_not_run_again(db):
    recorder = Recorder()
    job_id = await enqueue(db)
    async with db.transaction() as session:
        row = await session.get(Job, job_id)
        row.state, row.attempts, row.claimed_by = JobState.RUNNING, POLICY.max_attempts, "dead-worker"
        row.lease_expires_at = utcnow() - dt.timedelta(seconds=1)

    assert await jobs.claim(db, recorder.registry(), "w", POLICY) is None

    row = await job_row(db, job_id)
    assert row.state is JobState.DEAD and "lease expired" in row.last_error
    assert [buried_id for buried_id, _ in recorder.buried] == [job_id]


async def test_a_running_worker_renews_its_lease_so_a_long_job_is_not_taken_over(db):
    policy = jobs.Policy(max_attempts=3, lease_seconds=0.6)
    job_id = await enqueue(db)
    started, release = asyncio.Event(), asyncio.Event()

    async def long_job(_db, _job):
        started.set()
        await release.wait()

    registry = jobs.Registry()
    registry.register(jobs.JobKind("test.record", long_job))
    running = asyncio.create_task(Worker(db, registry, policy, name="long").run_one())
    await started.wait()
    await asyncio.sleep(1.5)  # more than two leases

    assert await jobs.claim(db, registry, "thief", policy) is None
    release.set()
    await running
    assert (await job_row(db, job_id)).state is JobState.DONE


async def test_two_workers_in_one_process_share_the_queue_without_running_a_job_twice(db):
    recorder = Recorder()
    for n in range(20):
        await enqueue(db, {"n": n})
    workers = [Worker(db, recorder.registry(), POLICY, name=f"w{i}") for i in range(3)]

    async def drain(worker):
        while await worker.run_one() is not None:
            pass

    await asyncio.gather(*(drain(w) for w in workers))
    assert sorted(r.payload["n"] for r in recorder.runs) == list(range(20))


async def test_a_worker_of_this_process_is_woken_by_a_commit_that_enqueued_not_by_its_next_poll(db):
    recorder = Recorder()
    worker = Worker(db, recorder.registry(), POLICY, poll_seconds=30)
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    await asyncio.sleep(0.2)  # idle, waiting for its 30-second poll

    await enqueue(db, {"n": 7})
    for _ in range(50):
        if recorder.runs:
            break
        await asyncio.sleep(0.1)

    stop.set()
    await running
    assert [r.payload for r in recorder.runs] == [{"n": 7}]


async def test_finished_jobs_are_purged_after_their_retention_and_dead_letters_are_kept(db):
    done, dead, recent = await enqueue(db), await enqueue(db), await enqueue(db)
    async with db.transaction() as session:
        long_ago = utcnow() - dt.timedelta(days=30)
        for job_id, state in ((done, JobState.DONE), (dead, JobState.DEAD), (recent, JobState.DONE)):
            row = await session.get(Job, job_id)
            row.state, row.finished_at = state, long_ago if job_id != recent else utcnow()

    assert await jobs.purge_done(db, older_than=dt.timedelta(days=7)) == 1

    async with db.read() as session:
        assert sorted(await session.scalars(select(Job.id))) == sorted([dead, recent])
