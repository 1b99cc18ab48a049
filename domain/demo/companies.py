"""Demo data for `serve --demo` and `seed-demo`: three Nordic partner companies, written through the model."""
import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.demo import partner_group as demo_partner_group
from domain.demo import partner_hours as demo_partner_hours
from domain.demo import partner_invoicing as demo_partner_invoicing
from domain import model as m
from domain.platform.db import Database
from domain.platform.errors import Conflict
from domain.partners.numbering import allocate_number, new_series

SEED = 20261026
# Fixed, so the same seed always gives the same rows: hours cover the four weeks from this Monday.
FIRST_MONDAY = dt.date(2026, 10, 26)
WEEKS = 4
OPERATOR_EMAIL = "operator@partnergraph.test"


@dataclass(frozen=True)
class PersonSpec:
    name: str
    role: m.Role
    title: str
    rate: str  # hourly rate in NOK


@dataclass(frozen=True)
class CustomerSpec:
    name: str
    contacts: tuple[str, ...]
    status: m.CustomerStatus = m.CustomerStatus.ACTIVE


@dataclass(frozen=True)
class ProjectSpec:
    name: str
    customer: str
    activities: tuple[str, ...]
    milestones: tuple[tuple[str, int], ...]  # name, due this many days after FIRST_MONDAY
    status: m.ProjectStatus = m.ProjectStatus.ACTIVE
    fixed_price: str | None = None


@dataclass(frozen=True)
class CompanySpec:
    database_name: str
    name: str
    people: tuple[PersonSpec, ...]  # the first one is the company's ADMIN
    customers: tuple[CustomerSpec, ...]
    projects: tuple[ProjectSpec, ...]
    externals: tuple[tuple[str, str], ...]  # (home company's databaseName, person's name)
    descriptions: tuple[str, ...]


A, PL, E = m.Role.ADMIN, m.Role.PROJECT_LEADER, m.Role.EMPLOYEE

COMPANIES: tuple[CompanySpec, ...] = (
    CompanySpec(
        database_name="nordlys-consulting",
        name="Nordlys Consulting AS",
        people=(
            PersonSpec("Ingrid Solheim", A, "Daglig leder", "1650"),
            PersonSpec("Magnus Haugen", PL, "Prosjektleder", "1450"),
            PersonSpec("Silje Berg", PL, "Seniorrådgiver", "1450"),
            PersonSpec("Henrik Johansen", E, "Rådgiver", "1250"),
            PersonSpec("Nora Lie", E, "Rådgiver", "1250"),
            PersonSpec("Eirik Dahl", E, "Seniorkonsulent", "1350"),
            PersonSpec("Thea Bakken", E, "Analytiker", "1100"),
            PersonSpec("Sindre Moen", E, "Konsulent", "1150"),
        ),
        customers=(
            CustomerSpec("Polarlys Energi AS", ("Tone Eriksen", "Kjetil Nilsen")),
            CustomerSpec("Nordkyst Havn KF", ("Randi Mikkelsen",)),
            CustomerSpec("Arktisk Sjømat AS", ("Geir Isaksen", "Lene Jakobsen")),
            CustomerSpec("Senja Bygg AS", ("Per Arne Hansen",)),
            CustomerSpec("Lyngen Reiseliv AS", ("Marit Pettersen",), m.CustomerStatus.POTENTIAL),
            # The partner companies as customers: each is attached to its partner link (internal invoices).
            CustomerSpec("Fjellvik Engineering AS", ("Ola Kristiansen",)),
            CustomerSpec("Havbris Design AS", ("Sofie Aas",)),
        ),
        projects=(
            ProjectSpec("Digital strategi 2027", "Polarlys Energi AS",
                        ("Kartlegging", "Workshops", "Strategirapport"),
                        (("Nåsituasjon levert", 11), ("Strategi vedtatt", 60))),
            ProjectSpec("Anskaffelse av nytt havnesystem", "Nordkyst Havn KF",
                        ("Behovsanalyse", "Kravspesifikasjon", "Tilbudsevaluering"),
                        (("Konkurranse kunngjort", 18), ("Kontrakt signert", 75)),
                        fixed_price="480000"),
            ProjectSpec("Prosessforbedring produksjon", "Arktisk Sjømat AS",
                        ("Prosesskartlegging", "Tiltaksplan", "Oppfølging"), (("Tiltaksplan levert", 25),)),
            ProjectSpec("Forstudie bookingplattform", "Lyngen Reiseliv AS",
                        ("Forstudie", "Anbefaling"), (("Oppstartsmøte", 45),), status=m.ProjectStatus.PLANNED),
        ),
        externals=(("fjellvik-engineering", "Emilie Strand"), ("havbris-design", "Julie Eide")),
        descriptions=(
            "Workshop med kunden", "Intervjuer med nøkkelpersoner", "Analyse av nåsituasjon", "Utkast til rapport",
            "Statusmøte med styringsgruppen", "Gjennomgang av innspill", "Forberedelse til workshop",
            "Kvalitetssikring av leveranse",
        ),
    ),
    CompanySpec(
        database_name="fjellvik-engineering",
        name="Fjellvik Engineering AS",
        people=(
            PersonSpec("Ola Kristiansen", A, "Daglig leder", "1550"),
            PersonSpec("Kari Andersen", PL, "Prosjekteringsleder", "1450"),
            PersonSpec("Lars Pedersen", PL, "Prosjektleder", "1400"),
            PersonSpec("Marte Olsen", E, "Byggingeniør", "1250"),
            PersonSpec("Jonas Hansen", E, "Konstruktør", "1200"),
            PersonSpec("Ida Larsen", E, "VVS-ingeniør", "1250"),
            PersonSpec("Anders Karlsen", E, "Elektroingeniør", "1250"),
            PersonSpec("Emilie Strand", E, "BIM-koordinator", "1150"),
            PersonSpec("Petter Halvorsen", E, "Geotekniker", "1300"),
        ),
        customers=(
            CustomerSpec("Fjordbyen kommune", ("Bente Knutsen", "Rune Solberg")),
            CustomerSpec("Vestland Eiendom AS", ("Trond Økland",)),
            CustomerSpec("Hardanger Kraft AS", ("Anne Lise Vold", "Stian Rønning")),
            CustomerSpec("Brattli Boligbyggelag", ("Hilde Aasen",)),
            CustomerSpec("Sogn Næringspark AS", ("Frode Brekke",), m.CustomerStatus.INACTIVE),
            CustomerSpec("Nordlys Consulting AS", ("Ingrid Solheim",)),
            CustomerSpec("Havbris Design AS", ("Sofie Aas",)),
        ),
        projects=(
            ProjectSpec("Ny barneskole Fjordbyen", "Fjordbyen kommune",
                        ("Forprosjekt", "Detaljprosjektering", "Byggeledelse"),
                        (("Forprosjekt godkjent", 4), ("Rammesøknad sendt", 40))),
            ProjectSpec("Rehabilitering av kaianlegg", "Vestland Eiendom AS",
                        ("Tilstandsvurdering", "Konstruksjonsberegninger", "Tegningsgrunnlag"),
                        (("Tilstandsrapport", 14),)),
            ProjectSpec("Oppgradering Tyssedal kraftstasjon", "Hardanger Kraft AS",
                        ("Elektro", "Maskin", "Dokumentasjon"), (("Anbudsgrunnlag", 21), ("Ferdigbefaring", 120)),
                        fixed_price="1250000"),
            ProjectSpec("Boligfelt Brattli trinn 2", "Brattli Boligbyggelag",
                        ("Reguleringsplan", "VA-prosjektering", "Geoteknikk"), (("Planforslag levert", 30),)),
            ProjectSpec("Utvidelse av næringspark", "Sogn Næringspark AS",
                        ("Mulighetsstudie",), (("Studie levert", -30),), status=m.ProjectStatus.CLOSED),
        ),
        externals=(("nordlys-consulting", "Eirik Dahl"), ("havbris-design", "Hanna Sæther")),
        descriptions=(
            "Befaring på byggeplass", "Beregninger og dimensjonering", "Oppdatering av BIM-modell",
            "Prosjekteringsmøte", "Tegningsrevisjon", "Kontroll av underlag fra rådgivere",
            "Møte med entreprenør", "Utarbeidelse av beskrivelse",
        ),
    ),
    CompanySpec(
        database_name="havbris-design",
        name="Havbris Design AS",
        people=(
            PersonSpec("Sofie Aas", A, "Kreativ leder", "1500"),
            PersonSpec("Mathias Lund", PL, "Prosjektleder", "1350"),
            PersonSpec("Julie Eide", E, "UX-designer", "1250"),
            PersonSpec("Kristoffer Vik", E, "Grafisk designer", "1150"),
            PersonSpec("Hanna Sæther", E, "Interiørarkitekt", "1250"),
            PersonSpec("Tobias Nygård", E, "Tjenestedesigner", "1200"),
            PersonSpec("Maja Ruud", E, "Illustratør", "1050"),
        ),
        customers=(
            CustomerSpec("Lofoten Kaffebrenneri AS", ("Vegard Hovland",)),
            CustomerSpec("Bryggen Hotell AS", ("Camilla Strøm", "Øystein Lien")),
            CustomerSpec("Nordic Seilas AS", ("Espen Myhre",)),
            CustomerSpec("Fjordbyen kommune", ("Bente Knutsen",)),
            CustomerSpec("Nordlys Consulting AS", ("Ingrid Solheim",)),
            CustomerSpec("Fjellvik Engineering AS", ("Ola Kristiansen",)),
        ),
        projects=(
            ProjectSpec("Ny visuell profil", "Lofoten Kaffebrenneri AS",
                        ("Konsept", "Logo og typografi", "Designmanual"),
                        (("Konsept presentert", 7), ("Designmanual levert", 35)),
                        fixed_price="185000"),
            ProjectSpec("Interiør resepsjon og lobby", "Bryggen Hotell AS",
                        ("Skisseprosjekt", "Materialvalg", "Oppfølging av montasje"), (("Skisser godkjent", 9),)),
            ProjectSpec("Bookingløsning på nett", "Nordic Seilas AS",
                        ("Brukerinnsikt", "Prototyp", "Brukertesting"), (("Prototyp testet", 24),)),
            ProjectSpec("Skilting og veifinning ny skole", "Fjordbyen kommune",
                        ("Kartlegging", "Skiltprogram"), (("Skiltprogram levert", 50),)),
        ),
        externals=(("nordlys-consulting", "Henrik Johansen"), ("fjellvik-engineering", "Marte Olsen")),
        descriptions=(
            "Skisser og idéutvikling", "Presentasjon for kunden", "Innarbeiding av tilbakemeldinger",
            "Brukerintervjuer", "Prototyping i Figma", "Materialprøver og leverandørmøte",
            "Ferdigstilling av filer", "Intern gjennomgang",
        ),
    ),
)


ASCII = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "é": "e"})


def email_for(name: str, domain: str) -> str:
    """`Hanna Sæther` at `havbris-design` → `hanna.saether@havbris-design.test` (.test never resolves)."""
    return f"{name.lower().translate(ASCII).replace(' ', '.')}@{domain}.test"


def customer_domain(name: str) -> str:
    """`Bryggen Hotell AS` → `bryggen-hotell`."""
    return "-".join(w for w in name.lower().translate(ASCII).split() if w not in ("as", "kf"))


DEMO_ADMIN_EMAIL = email_for(COMPANIES[0].people[0].name, COMPANIES[0].database_name)


def organisation_number(rng: random.Random) -> str:
    """A nine-digit Norwegian organisation number with a valid MOD11 check digit."""
    while True:
        digits = [9] + [rng.randrange(10) for _ in range(7)]
        remainder = sum(d * w for d, w in zip(digits, (3, 2, 7, 6, 5, 4, 3, 2))) % 11
        check = 0 if remainder == 0 else 11 - remainder
        if check != 10:
            return "".join(map(str, digits)) + str(check)


def phone(rng: random.Random) -> str:
    n = f"{rng.randrange(40, 100)}{rng.randrange(10**6):06d}"
    return f"+47 {n[:3]} {n[3:5]} {n[5:]}"


def weekdays() -> list[dt.date]:
    days = (FIRST_MONDAY + dt.timedelta(days=i) for i in range(WEEKS * 7))
    return [d for d in days if d.weekday() < 5]


async def is_empty(session: AsyncSession) -> bool:
    companies = await session.scalar(select(func.count()).select_from(m.Company))
    users = await session.scalar(select(func.count()).select_from(m.User))
    return companies == 0 and users == 0


async def load(db: Database, *, seed: int = SEED) -> str:
    """Loads the demo into an empty database in one transaction; returns the first company's admin email."""
    rng = random.Random(seed)
    async with db.transaction() as session:
        if not await is_empty(session):
            raise Conflict("The database already holds data; demo data is loaded only into an empty database.")
        operator = m.User(email=OPERATOR_EMAIL, name="Partnergraph Operator", is_operator=True)
        session.add(operator)
        org_numbers: dict[str, str] = {}  # one organisation number per name: the same customer in two companies
        companies = {spec.database_name: await _company(session, spec, rng, org_numbers) for spec in COMPANIES}
        users = {email: c.user_id for _, staff in companies.values() for email, c in staff.items()}
        for spec in COMPANIES:
            company, _ = companies[spec.database_name]
            for home, name in spec.externals:
                home_company, home_staff = companies[home]
                internal = home_staff[email_for(name, home)]
                # Externals join a main project only through the project-member service, which creates
                # the secondary project in their home company (SPEC §3): domain/demo/partner_group.py.
                session.add(m.CoWorker(
                    company_id=company.id, user_id=users[email_for(name, home)], home_company_id=home_company.id,
                    role=m.Role.EXTERNAL, title=internal.title, hourly_rate=internal.hourly_rate,
                    hourly_cost=internal.hourly_cost,
                ))
        for spec in COMPANIES:
            company, staff = companies[spec.database_name]
            await _customers_and_projects(session, spec, company, staff, rng, org_numbers)
        # The three form a registered partner group, through the partner services (domain/demo/partner_group.py),
        # and the shared project's partner co-workers register hours at home (domain/demo/partner_hours.py).
        shared_project_id = await demo_partner_group.load(
            session, {name: company for name, (company, _) in companies.items()}, operator, first_monday=FIRST_MONDAY
        )
        await demo_partner_hours.load(session, shared_project_id, first_monday=FIRST_MONDAY)
        # The partners invoice Nordlys internally for the first week (domain/demo/partner_invoicing.py).
        await demo_partner_invoicing.load(session, shared_project_id, first_monday=FIRST_MONDAY)
    return DEMO_ADMIN_EMAIL


async def _company(
    session: AsyncSession, spec: CompanySpec, rng: random.Random, org_numbers: dict[str, str]
) -> tuple[m.Company, dict[str, m.CoWorker]]:
    company = m.Company(
        database_name=spec.database_name, name=spec.name, tier=m.Tier.PRO,
        organisation_number=org_numbers.setdefault(spec.name, organisation_number(rng)),
    )
    session.add(company)
    await session.flush()
    session.add_all(new_series(company.id))
    staff: dict[str, m.CoWorker] = {}
    for person in spec.people:
        user = m.User(email=email_for(person.name, spec.database_name), name=person.name)
        session.add(user)
        await session.flush()
        rate = Decimal(person.rate)
        staff[user.email] = m.CoWorker(
            company_id=company.id, user_id=user.id, home_company_id=company.id, role=person.role,
            title=person.title, hourly_rate=rate, hourly_cost=(rate * Decimal("0.45")).quantize(Decimal("1")),
        )
    session.add_all(staff.values())
    await session.flush()
    return company, staff


async def _customers_and_projects(
    session: AsyncSession, spec: CompanySpec, company: m.Company, staff: dict[str, m.CoWorker],
    rng: random.Random, org_numbers: dict[str, str],
) -> None:
    customers: dict[str, m.Customer] = {}
    for customer_spec in spec.customers:
        customer = m.Customer(
            company_id=company.id, name=customer_spec.name, status=customer_spec.status,
            number=await allocate_number(session, company.id, m.SeriesKind.CUSTOMER),
            organisation_number=org_numbers.setdefault(customer_spec.name, organisation_number(rng)),
        )
        session.add(customer)
        await session.flush()
        session.add_all(
            m.Contact(customer_id=customer.id, name=name, phone=phone(rng),
                      email=email_for(name, customer_domain(customer_spec.name)))
            for name in customer_spec.contacts
        )
        customers[customer_spec.name] = customer

    people = list(staff.values())
    leaders = [c for c in people if c.role in (m.Role.ADMIN, m.Role.PROJECT_LEADER)]
    employees = [c for c in people if c.role == m.Role.EMPLOYEE]
    assignments: dict[int, list[tuple[m.Project, list[m.Activity]]]] = {c.id: [] for c in people}
    for i, project_spec in enumerate(spec.projects):
        leader = leaders[i % len(leaders)]
        start = FIRST_MONDAY - dt.timedelta(weeks=rng.randrange(2, 9))
        if project_spec.status == m.ProjectStatus.PLANNED:
            start = FIRST_MONDAY + dt.timedelta(weeks=WEEKS + 3)
        project = m.Project(
            company_id=company.id, customer_id=customers[project_spec.customer].id, name=project_spec.name,
            number=await allocate_number(session, company.id, m.SeriesKind.PROJECT),
            status=project_spec.status, leader_id=leader.id, start_date=start,
            end_date=start + dt.timedelta(weeks=rng.randrange(12, 30)),
            price_model=m.PriceModel.FIXED if project_spec.fixed_price else m.PriceModel.HOURLY,
            fixed_price=Decimal(project_spec.fixed_price) if project_spec.fixed_price else None,
            hourly_rate=Decimal(rng.choice(("1250", "1350", "1450", "1550"))),
        )
        if project_spec.status == m.ProjectStatus.CLOSED:
            project.start_date, project.end_date = start - dt.timedelta(weeks=20), FIRST_MONDAY - dt.timedelta(days=3)
        session.add(project)
        await session.flush()
        members = [leader, *rng.sample(employees, k=min(len(employees), rng.randint(2, 4)))]
        session.add_all(m.ProjectMember(project_id=project.id, co_worker_id=c.id) for c in members)
        activities = [
            m.Activity(project_id=project.id, number=str(n), name=name)
            for n, name in enumerate(project_spec.activities, start=1)
        ]
        session.add_all(activities)
        session.add_all(
            m.Milestone(project_id=project.id, name=name, due_date=FIRST_MONDAY + dt.timedelta(days=offset),
                        completed=offset < WEEKS * 7 - 3)
            for name, offset in project_spec.milestones
        )
        await session.flush()
        if project_spec.status == m.ProjectStatus.ACTIVE:
            for c in members:
                assignments[c.id].append((project, activities))
    # The hours a partner co-worker works on the shared project at home (registered later, through the services).
    partner_days = {(staff[email_for(d.work.name, d.work.home)].id, d.date): Decimal(d.work.hours)
                    for d in demo_partner_hours.days(FIRST_MONDAY) if d.work.home == spec.database_name}
    session.add_all(_hours(company, assignments, partner_days, spec.descriptions, rng))


def _hours(
    company: m.Company, assignments: dict[int, list[tuple[m.Project, list[m.Activity]]]],
    partner_days: dict[tuple[int, dt.date], Decimal], descriptions: tuple[str, ...], rng: random.Random,
) -> list[m.TimeRecord]:
    """A working day of 7–8 hours per co-worker split over one or two of their projects, less what they work on
    the shared project that day (`partner_days`, by co-worker id and day); older weeks approved."""
    records = []
    approved_until = FIRST_MONDAY + dt.timedelta(weeks=WEEKS // 2)
    for co_worker_id, projects in assignments.items():
        if not projects:
            continue
        for day in weekdays():
            if rng.random() < 0.05:  # a day off now and then
                continue
            total = Decimal(rng.choice(("7.5", "7.5", "7.5", "7.0", "8.0")))
            total -= partner_days.get((co_worker_id, day), Decimal(0))
            chosen = rng.sample(projects, k=min(len(projects), rng.choice((1, 1, 2))))
            first = Decimal(rng.choice(("2.0", "3.0", "3.5", "4.0", "5.0"))) if len(chosen) == 2 else total
            if first >= total:  # a day shortened by partner hours: one project
                chosen, first = chosen[:1], total
            for (project, activities), hours in zip(chosen, (first, total - first)):
                records.append(m.TimeRecord(
                    company_id=company.id, project_id=project.id, activity_id=rng.choice(activities).id,
                    co_worker_id=co_worker_id, date=day, hours=hours, description=rng.choice(descriptions),
                    status=m.HourStatus.APPROVED if day < approved_until else m.HourStatus.NOT_APPROVED,
                ))
    return records
