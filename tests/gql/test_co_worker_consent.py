"""coWorkerCreate of someone who has an account invites them: nothing is granted until they accept (SPEC §8),
and the admin learns nothing about them beyond what they typed."""
from sqlalchemy import func, select

from domain import model as m
from domain.access.tokens import create_token
from domain.model.partners import CoWorkerInvitation
from domain.partners.invitations import Invitation, invitation_message
from tests.factories import company_with_staff, graphql
from tests.http.apps import client_for
from tests.http.identity_provider import IdentityProvider
from tests.partner_seeds import group_of_companies

CO_WORKER_CREATE = """
mutation Create($input: CoWorkerCreateInput!) {
  coWorkerCreate(input: $input) {
    invitation {
      companyId companyName email role title hourlyRate hourlyCost delivery acceptedAt declinedAt
      coWorker { id name }
    }
    userErrors { field message code }
  }
}
"""

ACCEPT = """
mutation Accept($input: CoWorkerInvitationAcceptInput!) {
  coWorkerInvitationAccept(input: $input) {
    invitation { companyName role acceptedAt coWorker { name email role title isExternal company { id } } }
    userErrors { field message code }
  }
}
"""

DECLINE = """
mutation Decline($input: CoWorkerInvitationDeclineInput!) {
  coWorkerInvitationDecline(input: $input) {
    invitation { companyName declinedAt coWorker { id } }
    userErrors { field message code }
  }
}
"""

MY_INVITATIONS = "{ viewer { invitations { companyId companyName email role title hourlyRate coWorker { id } } } }"
MY_COMPANIES = "{ viewer { coWorkers { company { id } } } }"
COMPANY = "query Company($id: ID!) { node(id: $id) { id } }"
CO_WORKERS = "query CoWorkers($id: ID!) { coWorkers(companyId: $id, first: 100) { nodes { email } } }"


def errors(data, name):
    return [(e["field"], e["code"]) for e in data[name]["userErrors"]]


async def everywhere_token(db, email: str) -> str:
    """An API token not limited to a company: it acts in every company the person is a co-worker of."""
    token, _ = await create_token(db, db.settings, email=email)
    return token


async def reach(client, token: str, company_gid: str) -> bool:
    """Whether a token reaches a company: as one of the viewer's memberships, and in reading its co-workers.
    (A partner group's companies see each other's Company node, so the node alone would not tell.)"""
    mine = await graphql(client, MY_COMPANIES, token=token)
    member = company_gid in {c["company"]["id"] for c in mine["viewer"]["coWorkers"]}
    inside = (await graphql(client, CO_WORKERS, {"id": company_gid}, token=token))["coWorkers"]["nodes"]
    assert member == bool(inside)
    return member


async def co_worker_rows(db, email: str) -> int:
    async with db.read() as session:
        return await session.scalar(select(func.count()).select_from(m.CoWorker).join(m.User)
                                    .where(m.User.email == email))


def add(company, email: str, **extra) -> dict:
    return {"input": {"companyId": company.gid, "email": email, "role": "ADMIN", "title": "Chief", "hourlyRate": "900",
                      "name": "Typed Name", **extra}}


async def test_an_unrelated_admin_adding_another_tenants_user_invites_them_and_learns_nothing(db, client):
    # given an admin of an unrelated company and a user of another tenant with a token for all their companies
    acme = await company_with_staff(db, "acme")
    stranger = await company_with_staff(db, "stranger")
    victim = acme["employee"]
    victim_token = await everywhere_token(db, victim.email)

    # when the stranger's admin adds the victim's email as an ADMIN
    data = await graphql(client, CO_WORKER_CREATE, add(stranger, victim.email.upper()), token=stranger["admin"].token)

    # then the answer is a pending invitation holding only what was typed: no name, no co-worker record
    assert errors(data, "coWorkerCreate") == []
    assert data["coWorkerCreate"]["invitation"] == {
        "companyId": stranger.gid, "companyName": "Stranger", "email": victim.email, "role": "ADMIN",
        "title": "Chief", "hourlyRate": "900.00", "hourlyCost": None, "delivery": "LOG", "acceptedAt": None,
        "declinedAt": None, "coWorker": None,
    }
    assert "Employee" not in str(data)
    # and nothing is granted: the victim's token does not reach the company, which does not list them
    assert await co_worker_rows(db, victim.email) == 1
    assert not await reach(client, victim_token, stranger.gid)
    assert (await graphql(client, COMPANY, {"id": stranger.gid}, token=victim_token))["node"] is None
    listed = await graphql(client, CO_WORKERS, {"id": stranger.gid}, token=stranger["admin"].token)
    assert victim.email not in [c["email"] for c in listed["coWorkers"]["nodes"]]
    attempt = await graphql(client, CO_WORKER_CREATE, add(stranger, "friend@stranger.test"), token=victim_token)
    assert errors(attempt, "coWorkerCreate") == [("companyId", "NOT_FOUND")]

    # when the victim looks at their invitations, they see who invites them and as what (no rates)
    mine = await graphql(client, MY_INVITATIONS, token=victim_token)
    assert mine["viewer"]["invitations"] == [{
        "companyId": stranger.gid, "companyName": "Stranger", "email": victim.email, "role": "ADMIN",
        "title": "Chief", "hourlyRate": None, "coWorker": None,
    }]

    # and accepts: only now are they a co-worker, and their token reaches the company
    accepted = await graphql(client, ACCEPT, {"input": {"companyId": stranger.gid}}, token=victim_token)
    assert errors(accepted, "coWorkerInvitationAccept") == []
    invitation = accepted["coWorkerInvitationAccept"]["invitation"]
    assert invitation["acceptedAt"] is not None
    assert invitation["coWorker"] == {"name": "Employee", "email": victim.email, "role": "ADMIN", "title": "Chief",
                                      "isExternal": False, "company": {"id": stranger.gid}}
    assert await reach(client, victim_token, stranger.gid)
    assert (await graphql(client, MY_INVITATIONS, token=victim_token))["viewer"]["invitations"] == []


async def test_the_answer_is_the_same_for_a_new_email_as_for_someone_elses(db, client):
    acme = await company_with_staff(db, "acme")
    stranger = await company_with_staff(db, "stranger")
    answers = []
    for email in (acme["leader"].email, "brand.new@nowhere.test"):
        data = await graphql(client, CO_WORKER_CREATE, add(stranger, email), token=stranger["admin"].token)
        answers.append({**data["coWorkerCreate"]["invitation"], "email": None})
    assert answers[0] == answers[1]
    # and asking twice is refused the same way for both
    for email in (acme["leader"].email, "brand.new@nowhere.test"):
        data = await graphql(client, CO_WORKER_CREATE, add(stranger, email), token=stranger["admin"].token)
        assert [(e["field"], e["code"], e["message"]) for e in data["coWorkerCreate"]["userErrors"]] == [
            ("email", "DUPLICATE", f"{email} is already invited to the company.")]


async def test_a_new_person_gets_their_user_and_joins_when_they_accept(db, client):
    acme = await company_with_staff(db, "acme")
    data = await graphql(client, CO_WORKER_CREATE, add(acme, " Nina@Acme.TEST", name="Nina Dahl", role="EMPLOYEE"),
                         token=acme["admin"].token)
    assert errors(data, "coWorkerCreate") == []
    assert await co_worker_rows(db, "nina@acme.test") == 0
    nina = await everywhere_token(db, "nina@acme.test")
    accepted = await graphql(client, ACCEPT, {"input": {"companyId": acme.gid}}, token=nina)
    assert accepted["coWorkerInvitationAccept"]["invitation"]["coWorker"]["name"] == "Nina Dahl"
    assert await reach(client, nina, acme.gid)


async def test_a_group_companys_user_added_outside_the_partner_invitation_flow_must_accept_too(db, client):
    # given two companies of one partner group
    (main, partner), _ = await group_of_companies(db, ("nordlys", "fjellvik"))
    person = partner["employee"]
    everywhere = await everywhere_token(db, person.email)

    # when the main company's admin adds the partner's employee with coWorkerCreate (not coWorkerInvite)
    data = await graphql(client, CO_WORKER_CREATE, add(main, person.email, role="EMPLOYEE"), token=main["admin"].token)

    # then they are invited, not attached: no record, no reach, no name in the answer
    assert errors(data, "coWorkerCreate") == []
    assert data["coWorkerCreate"]["invitation"]["coWorker"] is None
    assert await co_worker_rows(db, person.email) == 1
    assert not await reach(client, everywhere, main.gid)
    # and their token limited to their own company neither sees nor answers the invitation
    assert (await graphql(client, MY_INVITATIONS, token=person.token))["viewer"]["invitations"] == []
    limited = await graphql(client, ACCEPT, {"input": {"companyId": main.gid}}, token=person.token)
    assert errors(limited, "coWorkerInvitationAccept") == [("companyId", "NOT_FOUND")]
    assert not await reach(client, everywhere, main.gid)

    # when they accept with a token for all their companies, they become an internal co-worker of the main company
    accepted = await graphql(client, ACCEPT, {"input": {"companyId": main.gid}}, token=everywhere)
    assert errors(accepted, "coWorkerInvitationAccept") == []
    assert accepted["coWorkerInvitationAccept"]["invitation"]["coWorker"]["isExternal"] is False
    assert await reach(client, everywhere, main.gid)


async def test_a_declined_invitation_grants_nothing_and_can_be_sent_again(db, client):
    acme = await company_with_staff(db, "acme")
    stranger = await company_with_staff(db, "stranger")
    victim = acme["leader"]
    token = await everywhere_token(db, victim.email)
    await graphql(client, CO_WORKER_CREATE, add(stranger, victim.email), token=stranger["admin"].token)

    declined = await graphql(client, DECLINE, {"input": {"companyId": stranger.gid}}, token=token)
    assert errors(declined, "coWorkerInvitationDecline") == []
    assert declined["coWorkerInvitationDecline"]["invitation"]["declinedAt"] is not None
    assert declined["coWorkerInvitationDecline"]["invitation"]["coWorker"] is None
    assert (await graphql(client, MY_INVITATIONS, token=token))["viewer"]["invitations"] == []
    # a declined invitation cannot be accepted afterwards
    late = await graphql(client, ACCEPT, {"input": {"companyId": stranger.gid}}, token=token)
    assert errors(late, "coWorkerInvitationAccept") == [("companyId", "NOT_FOUND")]
    assert not await reach(client, token, stranger.gid)
    assert await co_worker_rows(db, victim.email) == 1

    again = await graphql(client, CO_WORKER_CREATE, add(stranger, victim.email), token=stranger["admin"].token)
    assert errors(again, "coWorkerCreate") == []
    assert len((await graphql(client, MY_INVITATIONS, token=token))["viewer"]["invitations"]) == 1


async def test_nobody_accepts_or_declines_someone_elses_invitation(db, client):
    acme = await company_with_staff(db, "acme")
    stranger = await company_with_staff(db, "stranger")
    invited = acme["employee"]
    await graphql(client, CO_WORKER_CREATE, add(stranger, invited.email), token=stranger["admin"].token)
    others = {
        "a colleague of the invited person": await everywhere_token(db, acme["colleague"].email),
        "the inviting admin": stranger["admin"].token,
        "another co-worker of the inviting company": stranger["leader"].token,
    }
    for who, token in others.items():
        for mutation, name in ((ACCEPT, "coWorkerInvitationAccept"), (DECLINE, "coWorkerInvitationDecline")):
            data = await graphql(client, mutation, {"input": {"companyId": stranger.gid}}, token=token)
            assert errors(data, name) == [("companyId", "NOT_FOUND")], (who, name)
    # the invitation still waits for the invited person, and nobody else became a co-worker
    invited_token = await everywhere_token(db, invited.email)
    assert len((await graphql(client, MY_INVITATIONS, token=invited_token))["viewer"]["invitations"]) == 1
    assert await co_worker_rows(db, acme["colleague"].email) == 1


async def test_a_pending_invitation_gives_an_openid_connect_sign_in_no_company_until_accepted(db, client):
    acme = await company_with_staff(db, "acme")
    stranger = await company_with_staff(db, "stranger")
    victim = acme["employee"]
    await graphql(client, CO_WORKER_CREATE, add(stranger, victim.email), token=stranger["admin"].token)
    with IdentityProvider() as issuer:
        async with client_for(db, oidc_issuer=issuer.issuer, oidc_audience="partnergraph-spa") as spa:
            jwt = issuer.token(email=victim.email)
            assert not await reach(spa, jwt, stranger.gid)
            accepted = await graphql(spa, ACCEPT, {"input": {"companyId": stranger.gid}}, token=jwt)
            assert errors(accepted, "coWorkerInvitationAccept") == []
            assert await reach(spa, jwt, stranger.gid)


def test_the_mail_of_an_invitation_waiting_for_consent_names_nobody_and_says_how_to_answer(settings):
    row = CoWorkerInvitation(email="victim@acme.test", role=m.Role.ADMIN, delivery="SMTP")
    message = invitation_message(settings, Invitation(None, row, "Stranger"))
    body = message.get_content()
    assert message["To"] == "victim@acme.test" and "Stranger" in message["Subject"]
    assert body.startswith("Hello,\n") and "coWorkerInvitationAccept" in body and "coWorkerInvitationDecline" in body
