"""The `partnergraph` command against a throwaway SQLite database named by PARTNERGRAPH_DATABASE_URL."""
import os
import re
import subprocess
import sys
from collections import Counter
from decimal import Decimal

import httpx
from sqlalchemy import func, select

from domain.demo import companies as demo
from domain import model as m
from domain.platform.db import Database
from domain.platform.settings import Settings
from partnergraph.composition import create_app
from tests.cli_harness import cli_database, run  # noqa: F401 (cli_database is a fixture)
from tests.factories import add_company, add_person

VIEWER = "{ viewer { email } }"
PROJECTS = "{ projects(first: 100) { nodes { number name } } }"


async def ask(db: Database, query: str, token: str) -> httpx.Response:
    app = create_app(db.settings, db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        return await client.post("/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"})


async def test_a_created_token_signs_in_until_it_is_revoked(cli_database, capsys):
    acme = await add_company(cli_database, "acme")
    await add_person(cli_database, acme, "kari", m.Role.EMPLOYEE, email="kari@acme.test")

    code, out, err = await run(capsys, "token", "create", "--email", "Kari@Acme.test", "--company", "acme",
                               "--label", "laptop")
    assert code == 0
    token = out.strip()
    assert token.startswith("pgt_") and "\n" not in token
    assert "shown only this once" in err
    response = await ask(cli_database, VIEWER, token)
    assert response.status_code == 200
    assert "errors" not in response.json()
    assert response.json()["data"] == {"viewer": {"email": "kari@acme.test"}}

    code, listing, _ = await run(capsys, "token", "list")
    assert code == 0 and token not in listing
    line = next(line for line in listing.splitlines() if line.endswith("laptop"))
    token_id, email, company, *_ = line.split()
    assert (email, company) == ("kari@acme.test", "acme")

    code, out, _ = await run(capsys, "token", "revoke", token_id)
    assert code == 0 and f"Token {token_id} is revoked" in out
    assert (await ask(cli_database, VIEWER, token)).status_code == 401


async def test_a_token_may_live_the_maximum_but_not_a_day_longer(cli_database, capsys):
    acme = await add_company(cli_database, "acme")
    await add_person(cli_database, acme, "kari", m.Role.ADMIN, email="kari@acme.test")
    max_days = cli_database.settings.token_max_days

    code, out, _ = await run(capsys, "token", "create", "--email", "kari@acme.test", "--days", str(max_days))
    assert code == 0 and out.startswith("pgt_")

    # Through the installed command, as a user types it: a one-line message and exit code 2.
    result = subprocess.run(
        [sys.executable, "-m", "partnergraph", "token", "create", "--email", "kari@acme.test",
         "--days", str(max_days + 1)],
        capture_output=True, text=True, env=os.environ.copy(), timeout=60,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == f"partnergraph: A token lives from 1 to {max_days} days.\n"


async def test_an_unknown_email_gets_a_clear_message_and_exit_code_2(cli_database, capsys):
    code, out, err = await run(capsys, "token", "create", "--email", "nobody@acme.test")
    assert (code, out) == (2, "")
    assert err == "partnergraph: No user has the email nobody@acme.test.\n"


async def test_seed_demo_loads_the_demo_and_its_admin_sees_the_demo_projects(cli_database, capsys):
    code, out, _ = await run(capsys, "seed-demo")
    assert code == 0 and demo.DEMO_ADMIN_EMAIL in out

    code, token, _ = await run(capsys, "token", "create", "--email", demo.DEMO_ADMIN_EMAIL)
    assert code == 0
    response = await ask(cli_database, PROJECTS, token.strip())
    assert response.status_code == 200, response.text
    names = {p["name"] for p in response.json()["data"]["projects"]["nodes"]}
    assert names == {p.name for p in demo.COMPANIES[0].projects}


async def test_seed_demo_refuses_a_database_that_holds_data(cli_database, capsys):
    await add_company(cli_database, "acme")
    code, out, err = await run(capsys, "seed-demo")
    assert (code, out) == (2, "")
    assert re.fullmatch(r"partnergraph: .*only into an empty database\.\n", err)
    async with cli_database.read() as session:
        assert await session.scalar(select(func.count()).select_from(m.Company)) == 1


async def test_the_demo_loads_on_both_databases_with_realistic_companies(db):
    admin_email = await demo.load(db)

    assert admin_email == demo.DEMO_ADMIN_EMAIL
    async with db.read() as session:
        companies = {c.id: c for c in await session.scalars(select(m.Company))}
        co_workers = list(await session.scalars(select(m.CoWorker)))
        records = list(await session.scalars(select(m.TimeRecord)))
        customers = Counter(await session.scalars(select(m.Customer.company_id)))
        projects = Counter(await session.scalars(select(m.Project.company_id)))
        contacts = await session.scalar(select(func.count()).select_from(m.Contact))
        operator = await session.scalar(select(m.User).where(m.User.email == demo.OPERATOR_EMAIL))
    assert sorted(c.database_name for c in companies.values()) == sorted(c.database_name for c in demo.COMPANIES)
    assert {c.tier for c in companies.values()} == {m.Tier.PRO}
    for company_id in companies:
        staff = [c for c in co_workers if c.company_id == company_id]
        internal = [c for c in staff if not c.is_external]
        assert 6 <= len(internal) <= 10
        assert [c.role for c in internal].count(m.Role.ADMIN) == 1
        assert {c.role for c in staff if c.is_external} == {m.Role.EXTERNAL}
        assert all(c.home_company_id in companies for c in staff)
        # 4–5 customers of their own, and the two partner companies as customers; 3–5 projects of their own,
        # plus, in the two partner companies, the secondary project of the main company's shared project
        assert 6 <= customers[company_id] <= 7 and 3 <= projects[company_id] <= 6
    assert contacts >= sum(customers.values())
    assert operator.is_operator
    # invoiced: the shared project's partner hours of the first week (tests/test_demo_partner_hours.py)
    assert {r.status for r in records} == {m.HourStatus.APPROVED, m.HourStatus.NOT_APPROVED, m.HourStatus.INVOICED}
    assert all(isinstance(r.hours, Decimal) and r.date.weekday() < 5 for r in records)
    per_day = Counter()
    for r in records:
        per_day[r.co_worker_id, r.date] += r.hours
    assert max(per_day.values()) <= 8


async def test_the_demo_is_the_same_every_time(tmp_path, migrated_sqlite):
    async def fingerprint(name: str) -> list[tuple]:
        db = Database(Settings(database_url=migrated_sqlite(tmp_path / f"{name}.db"), _env_file=None))
        await demo.load(db)
        async with db.read() as session:
            rows = await session.execute(
                select(m.User.email, m.Project.name, m.TimeRecord.date, m.TimeRecord.hours,
                       m.TimeRecord.description, m.TimeRecord.status)
                .join(m.CoWorker, m.CoWorker.id == m.TimeRecord.co_worker_id).join(m.User)
                .join(m.Project, m.Project.id == m.TimeRecord.project_id)
                .order_by(m.TimeRecord.id)
            )
            result = [tuple(row) for row in rows]
        await db.dispose()
        return result

    assert await fingerprint("first") == await fingerprint("second")


async def test_commands_run_from_the_repository_root_share_var_partnergraph_db(tmp_path, monkeypatch, capsys):
    # As a user runs them: no PARTNERGRAPH_DATABASE_URL, in the checkout's root (here a scratch folder).
    monkeypatch.delenv("PARTNERGRAPH_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    code, _, err = await run(capsys, "token", "create", "--email", demo.OPERATOR_EMAIL)
    assert code == 2
    assert "var/partnergraph.db has no partnergraph tables yet: run `make serve`" in err
    assert not (tmp_path / "var" / "partnergraph.db").exists()

    assert (await run(capsys, "seed-demo"))[0] == 0
    code, out, _ = await run(capsys, "token", "create", "--email", demo.OPERATOR_EMAIL)
    assert code == 0 and out.startswith("pgt_")
    written = sorted(str(path.relative_to(tmp_path)) for path in tmp_path.rglob("*") if path.is_file())
    assert written and all(path.startswith("var/") for path in written), written
