"""The benchmark's data set: a registered group of three companies at a chosen scale, the same for the same seed.

Scale 1 is the issue's default: 600 co-workers (200 per company, plus external co-worker records of partner
people), 2,000 projects of which a third are shared main projects with a secondary project in one or two
partner companies (activities and milestones copied, as domain.projects.secondary makes them), 200,000
registered time records in 2026 of which a third are registered on secondary projects and mirrored into the
main project (the mirror: source_record_id set, the main company's external co-worker record of the same
person, the main project's activity the copy came from, same date, hours, description and status), and
20,000 files' metadata. Besides, the write benchmarks get fresh target projects (100 activities and 20
milestones, no members) for projectMemberAdd.

Rows are written with SQLAlchemy Core executemany in large batches, with ids given here (the database is
empty), so 270,000 time records load in well under a minute; not through the services one by one.
"""
import datetime as dt
import hashlib
import random
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from domain import model as m
from domain.platform.db import Database

BATCH = 10_000
YEAR = 2026
FIRST_DAY = dt.date(YEAR, 1, 1)
LAST_DAY = dt.date(YEAR, 11, 20)
CREATED = dt.datetime(YEAR, 1, 1, 8, 0, tzinfo=dt.UTC)
ACTIVITIES_PER_PROJECT = 5
MILESTONES_PER_PROJECT = 2
TARGET_ACTIVITIES = 100
TARGET_MILESTONES = 20
DAY_CAP = Decimal(10)  # hours a generated co-worker's day holds at most (the rule allows 24)
HOURS = [Decimal(h) / 2 for h in range(1, 9)]  # 0.5 .. 4.0
DESCRIPTIONS = ("Workshop with the customer", "Analysis", "Design review", "Status meeting", "Documentation",
                "Site visit", "Calculations", "Quality assurance", None)
COMPANIES = (("bench-nordlys", "Bench Nordlys AS"), ("bench-fjellvik", "Bench Fjellvik AS"),
             ("bench-havbris", "Bench Havbris AS"))


@dataclass(frozen=True)
class Scale:
    co_workers: int
    projects: int
    time_records: int
    files: int

    @classmethod
    def of(cls, factor: float) -> "Scale":
        return cls(co_workers=max(15, round(600 * factor)), projects=max(12, round(2000 * factor)),
                   time_records=max(300, round(200_000 * factor)), files=max(10, round(20_000 * factor)))


@dataclass
class Writer:
    """A co-worker of a partner company who registers hours on a secondary project and on an ordinary one."""
    email: str
    company: str
    secondary_project_id: int
    secondary_activity_id: int
    plain_project_id: int
    plain_activity_id: int


@dataclass
class Dataset:
    """What the benchmark needs to know about the generated rows (ids and emails), and how many there are."""
    seed: int
    scale: float
    main_company: str
    admins: dict[str, str] = field(default_factory=dict)  # databaseName -> admin's email
    timesheet_people: list[tuple[str, str, int]] = field(default_factory=list)  # (email, company, co-worker id)
    weeks: list[str] = field(default_factory=list)  # Mondays (ISO) with hours
    project_pages: list[int] = field(default_factory=list)  # main company's projects, busiest first
    nested_company_id: int = 0
    report_projects: list[int] = field(default_factory=list)  # main projects with partner hours
    writers: list[Writer] = field(default_factory=list)
    member_add_external: list[tuple[int, int]] = field(default_factory=list)  # (project id, co-worker id)
    member_add_internal: list[tuple[int, int]] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict:
        return asdict(self)


def workdays(first: dt.date, last: dt.date) -> list[dt.date]:
    days, day = [], first
    while day <= last:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


class _Ids:
    def __init__(self) -> None:
        self.next: dict[str, int] = defaultdict(lambda: 1)

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


async def _insert(connection: AsyncConnection, table, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        await connection.execute(insert(table), rows[start:start + BATCH])


async def generate(db: Database, *, factor: float, seed: int, write_targets: int) -> Dataset:
    """Writes the data set into the empty, migrated database of `db`; `write_targets` target projects for
    each of the two projectMemberAdd benchmarks."""
    scale = Scale.of(factor)
    rng = random.Random(seed)
    ids = _Ids()
    tables: dict[str, list[dict]] = defaultdict(list)

    def add(model, **values) -> int:
        table = model.__tablename__ if hasattr(model, "__tablename__") else model.name
        values.setdefault("id", ids.take(table))
        tables[table].append(values)
        return values["id"]

    base = dict(created_at=CREATED)
    versioned = dict(version=1)

    # --- companies, people, customers, the partner group -------------------------------------------
    company_ids = [add(m.Company, database_name=db_name, name=name, tier="PRO", partner_companies_enabled=True,
                       share_customers=True, share_tasks=True, **base, **versioned) for db_name, name in COMPANIES]
    names = {cid: db_name for cid, (db_name, _) in zip(company_ids, COMPANIES)}
    main_id = company_ids[0]
    per_company = scale.co_workers // 3
    internals: dict[int, list[int]] = {}
    leaders: dict[int, list[int]] = {}
    user_of: dict[int, int] = {}
    home_of: dict[int, int] = {}  # co-worker -> home company
    email_of_user: dict[int, str] = {}
    dataset = Dataset(seed=seed, scale=factor, main_company=names[main_id])
    for cid in company_ids:
        internals[cid], leaders[cid] = [], []
        for i in range(per_company):
            email = f"p{i}@{names[cid]}.test"
            uid = add(m.User, email=email, name=f"Person {i} of {names[cid]}", is_operator=False, **base)
            email_of_user[uid] = email
            role = "ADMIN" if i == 0 else "PROJECT_LEADER" if i <= max(1, per_company // 20) else "EMPLOYEE"
            cw = add(m.CoWorker, company_id=cid, user_id=uid, home_company_id=cid, role=role, active=True,
                     title="Consultant", hourly_rate=Decimal(1200 + 50 * (i % 8)), hourly_cost=Decimal(700),
                     **base, **versioned)
            user_of[cw], home_of[cw] = uid, cid
            if role == "ADMIN":
                dataset.admins[names[cid]] = email
            elif role == "PROJECT_LEADER":
                leaders[cid].append(cw)
            else:
                internals[cid].append(cw)
    # External co-worker records: in each company, a fifth of each partner's employees (at least two).
    externals: dict[tuple[int, int], list[tuple[int, int]]] = {}  # (company, home) -> [(external cw, home cw)]
    for cid in company_ids:
        for home in company_ids:
            if home == cid:
                continue
            chosen = rng.sample(internals[home], max(2, len(internals[home]) // 5))
            externals[(cid, home)] = []
            for home_cw in chosen:
                cw = add(m.CoWorker, company_id=cid, user_id=user_of[home_cw], home_company_id=home, role="EXTERNAL",
                         active=True, hourly_rate=Decimal(1100), hourly_cost=Decimal(900), **base, **versioned)
                user_of[cw], home_of[cw] = user_of[home_cw], home
                externals[(cid, home)].append((cw, home_cw))
    customers: dict[int, list[int]] = {}
    partner_customer: dict[tuple[int, int], int] = {}
    next_customer = defaultdict(lambda: 1)
    for cid in company_ids:
        customers[cid] = []
        for i in range(max(3, scale.projects // 30)):
            customers[cid].append(add(m.Customer, company_id=cid, number=next_customer[cid], name=f"Customer {i}",
                                      organisation_number=f"9{cid:02d}{i:06d}", status="ACTIVE",
                                      storage_location="CLOUD", **base, **versioned))
            next_customer[cid] += 1
        for partner in company_ids:
            if partner != cid:
                partner_customer[(cid, partner)] = add(
                    m.Customer, company_id=cid, number=next_customer[cid], name=dict(COMPANIES)[names[partner]],
                    status="ACTIVE", storage_location="CLOUD", **base, **versioned)
                next_customer[cid] += 1
    admin_cw = {cid: next(r["id"] for r in tables["co_workers"] if r["company_id"] == cid and r["role"] == "ADMIN")
                for cid in company_ids}
    for cid in company_ids:
        for partner in company_ids:
            if partner != cid:
                add(m.PartnerLink, company_id=cid, partner_company_id=partner, added_by_id=admin_cw[cid],
                    added_at=CREATED, confirmed_at=CREATED, confirmed_by_id=admin_cw[cid],
                    customer_id=partner_customer[(cid, partner)], **versioned)
    group_id = add(m.PartnerGroup, name="Bench partner group", main_company_id=main_id, registered_at=CREATED,
                   **versioned)
    for cid in company_ids:
        add(m.PartnerGroupMember, group_id=group_id, company_id=cid, joined_at=CREATED)

    # --- projects: ordinary and main ones, with the secondaries of the shared third --------------------
    next_project = defaultdict(lambda: 1)
    activities_of: dict[int, list[int]] = {}
    copy_of: dict[int, int] = {}  # secondary's activity -> main project's activity
    members: dict[int, set[int]] = defaultdict(set)
    project_company: dict[int, int] = {}
    project_status: dict[int, str] = {}
    secondaries: list[tuple[int, int, int]] = []  # (secondary id, main id, home company)
    ordinary: dict[int, list[int]] = defaultdict(list)

    def new_project(cid: int, name: str, *, status: str = "ACTIVE", main: int | None = None, customer: int,
                    leader: int | None) -> int:
        pid = add(m.Project, company_id=cid, customer_id=customer, number=next_project[cid], name=name,
                  start_date=FIRST_DAY, end_date=None, status=status, leader_id=leader, price_model="HOURLY",
                  hourly_rate=Decimal(1500), storage="INHERIT", main_project_id=main, price_model_from_main=False,
                  share_expenses=False, **base, **versioned)
        next_project[cid] += 1
        project_company[pid], project_status[pid] = cid, status
        return pid

    for n in range(scale.projects):
        cid = company_ids[n % 3]
        shared = n // 3 % 3 == 0  # a third, as many in each company
        status = "ACTIVE" if shared or rng.random() < 0.9 else "CLOSED"
        leader = rng.choice(leaders[cid])
        pid = new_project(cid, f"Project {n}", status=status, customer=rng.choice(customers[cid]), leader=leader)
        activities_of[pid] = [add(m.Activity, project_id=pid, number=str(a + 1), name=f"Activity {a + 1}",
                                  active=True, **base, **versioned) for a in range(ACTIVITIES_PER_PROJECT)]
        milestone_ids = [add(m.Milestone, project_id=pid, name=f"Milestone {k + 1}",
                             due_date=dt.date(YEAR, 3 + 4 * k, 1), completed=False, shown_in_plan=True,
                             **base, **versioned) for k in range(MILESTONES_PER_PROJECT)]
        members[pid] |= {leader, *rng.sample(internals[cid], min(len(internals[cid]), rng.randint(3, 6)))}
        if not shared:
            ordinary[cid].append(pid)
            continue
        partners = [c for c in company_ids if c != cid]
        for home in rng.sample(partners, rng.randint(1, 2)):
            pool = externals[(cid, home)]
            joined = rng.sample(pool, min(len(pool), rng.randint(1, 2)))
            sid = new_project(home, f"Project {n}", main=pid, customer=partner_customer[(home, cid)], leader=None)
            activities_of[sid] = []
            for a, source in enumerate(activities_of[pid]):
                copy = add(m.Activity, project_id=sid, number=str(a + 1), name=f"Activity {a + 1}", active=True,
                           source_activity_id=source, **base, **versioned)
                activities_of[sid].append(copy)
                copy_of[copy] = source
            for k, source in enumerate(milestone_ids):
                add(m.Milestone, project_id=sid, name=f"Milestone {k + 1}", due_date=dt.date(YEAR, 3 + 4 * k, 1),
                    completed=False, shown_in_plan=False, source_milestone_id=source, **base, **versioned)
            for external_cw, home_cw in joined:
                members[pid].add(external_cw)
                members[sid].add(home_cw)
                secondaries.append((sid, pid, home))

    # The writers: partner people who register both on a secondary project and on an ordinary one.
    external_of = {(c, user_of[home_cw]): ext for (c, _h), pairs in externals.items() for ext, home_cw in pairs}
    seen: set[int] = set()
    for sid, main_pid, home in secondaries:
        for home_cw in sorted(members[sid]):
            if home_cw in seen or project_status[main_pid] != "ACTIVE" or len(dataset.writers) >= 16:
                continue
            seen.add(home_cw)
            plain = next(p for p in ordinary[home] if project_status[p] == "ACTIVE")
            members[plain].add(home_cw)
            dataset.writers.append(Writer(email_of_user[user_of[home_cw]], names[home], sid, activities_of[sid][0],
                                          plain, activities_of[plain][0]))
    for pid, cws in members.items():
        for cw in sorted(cws):
            add(m.ProjectMember, project_id=pid, co_worker_id=cw, created_at=CREATED)

    # --- hours: two thirds on ordinary and main projects, a third on secondaries with their mirrors -----
    secondary_ids = {sid for sid, _main, _home in secondaries}
    main_of = {sid: main_pid for sid, main_pid, _home in secondaries}
    plain_slots = [(pid, cw) for pid, cws in members.items() if pid not in secondary_ids
                   for cw in sorted(cws) if project_company[pid] == home_of[cw]]  # externals register at home
    secondary_slots = [(sid, cw) for sid in sorted(secondary_ids) for cw in sorted(members[sid])]
    days = workdays(FIRST_DAY, LAST_DAY)
    day_total: dict[tuple[int, dt.date], Decimal] = defaultdict(Decimal)
    mirrors: list[dict] = []
    n_secondary = scale.time_records // 3
    for k in range(scale.time_records):
        pid, cw = rng.choice(secondary_slots if k < n_secondary else plain_slots)
        hours = rng.choice(HOURS)
        for _attempt in range(30):
            day = rng.choice(days)
            if day_total[(cw, day)] + hours <= DAY_CAP:
                break
        else:
            continue
        day_total[(cw, day)] += hours
        activity = rng.choice(activities_of[pid])
        status = ("INVOICED" if day < dt.date(YEAR, 6, 1) and rng.random() < 0.7 else
                  "APPROVED" if day < dt.date(YEAR, 10, 1) else "NOT_APPROVED")
        record = dict(company_id=project_company[pid], project_id=pid, activity_id=activity, co_worker_id=cw, date=day,
                      hours=hours, description=rng.choice(DESCRIPTIONS), status=status, source_record_id=None,
                      created_at=CREATED, updated_at=CREATED, **versioned)
        source = add(m.TimeRecord, **record)
        if pid in secondary_ids:
            main_pid = main_of[pid]
            mirrors.append(dict(record, company_id=project_company[main_pid], project_id=main_pid,
                                activity_id=copy_of[activity], source_record_id=source,
                                co_worker_id=external_of[(project_company[main_pid], user_of[cw])]))
    for mirror in mirrors:
        add(m.TimeRecord, **mirror)

    # --- files' metadata ------------------------------------------------------------------------------
    all_projects = list(project_company)
    for i in range(scale.files):
        owner = rng.random()
        if owner < 0.3:
            cid = rng.choice(company_ids)
            where = dict(customer_id=rng.choice(customers[cid]))
        else:
            pid = rng.choice(all_projects)
            cid = project_company[pid]
            where = dict(activity_id=rng.choice(activities_of[pid])) if owner < 0.4 else dict(project_id=pid)
        add(m.File, company_id=cid, name=f"document-{i}.pdf", size=rng.randint(10_000, 5_000_000),
            content_type="application/pdf", sha256=hashlib.sha256(f"{seed}:{i}".encode()).hexdigest(),
            uploaded_by_id=rng.choice(internals[cid]), uploaded_at=CREATED, transfer_state="LOCAL", **where,
            **versioned)

    # --- the write benchmarks' targets: fresh main-company projects of 100 activities and 20 milestones ----
    for kind in ("external", "internal"):
        for i in range(write_targets):
            pid = new_project(main_id, f"Member add target {kind} {i}", customer=customers[main_id][0],
                              leader=leaders[main_id][0])
            for a in range(TARGET_ACTIVITIES):
                add(m.Activity, project_id=pid, number=str(a + 1), name=f"Activity {a + 1}", active=True,
                    **base, **versioned)
            for k in range(TARGET_MILESTONES):
                add(m.Milestone, project_id=pid, name=f"Milestone {k + 1}", due_date=dt.date(YEAR + 1, 1 + k % 12, 1),
                    completed=False, shown_in_plan=True, **base, **versioned)
            if kind == "external":
                partner = company_ids[1 + i % 2]
                pool = externals[(main_id, partner)]
                dataset.member_add_external.append((pid, pool[i // 2 % len(pool)][0]))
            else:
                dataset.member_add_internal.append((pid, internals[main_id][i % len(internals[main_id])]))
    for cid in company_ids:
        add(m.NumberSeries, company_id=cid, kind="PROJECT", policy="OWN", next_number=next_project[cid])
        add(m.NumberSeries, company_id=cid, kind="CUSTOMER", policy="OWN", next_number=next_customer[cid])

    await _write(db, tables)

    # What the reads ask for: busy people and projects of the main company.
    records = tables["time_records"]
    per_cw = defaultdict(int)
    per_project = defaultdict(int)
    for r in records:
        per_cw[r["co_worker_id"]] += 1
        per_project[r["project_id"]] += 1
    busiest = sorted((cw for cw in internals[main_id]), key=lambda cw: -per_cw[cw])[:10]
    dataset.timesheet_people = [(email_of_user[user_of[cw]], names[main_id], cw) for cw in busiest]
    dataset.weeks = [d.isoformat() for d in days if d.weekday() == 0]
    main_projects = [p for p in project_company if project_company[p] == main_id and p in per_project]
    dataset.project_pages = sorted(main_projects, key=lambda p: -per_project[p])[:20]
    dataset.nested_company_id = main_id
    with_partner_hours = {main_of[r["project_id"]] for r in records if r["project_id"] in secondary_ids}
    dataset.report_projects = sorted((p for p in with_partner_hours if project_company[p] == main_id),
                                     key=lambda p: -per_project[p])[:10]
    dataset.rows = {table: len(rows) for table, rows in tables.items()}
    return dataset


# Tables in the order their foreign keys allow.
ORDER = ("companies", "users", "co_workers", "customers", "number_series", "partner_links", "partner_groups",
         "partner_group_members", "projects", "activities", "milestones", "project_members", "time_records", "files")


async def _write(db: Database, tables: dict[str, list[dict]]) -> None:
    metadata = m.Base.metadata.tables
    async with db.engine.begin() as connection:
        for name in ORDER:
            rows = tables.get(name, [])
            if name == "time_records":  # sources before the mirrors that point at them
                rows = sorted(rows, key=lambda r: r["source_record_id"] is not None)
            # executemany wants the same keys in every row
            keys = sorted({k for r in rows for k in r})
            await _insert(connection, metadata[name], [{k: r.get(k) for k in keys} for r in rows])
        if not db.sqlite:  # ids were given: move each sequence past them
            for name in ORDER:
                await connection.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), COALESCE((SELECT max(id) FROM {name}), 1))"))
    async with db.engine.begin() as connection:  # the planner's statistics, as a long-lived database has them
        await connection.execute(text("ANALYZE"))


async def row_counts(db: Database) -> dict[str, int]:
    async with db.engine.connect() as connection:
        return {name: await connection.scalar(select(func.count()).select_from(m.Base.metadata.tables[name]))
                for name in ORDER}
