"""coWorkerInvite and coWorkerInviteAll: external co-workers from partner companies, ready for projects at once."""
import asyncio
import logging

from sqlalchemy import select

from domain import model as m
from domain.model.partners import CoWorkerInvitation
from tests.factories import add_customer, add_project, company_with_staff, gid, graphql
from tests.partner_seeds import group_of_companies

INVITE = """
mutation Invite($input: CoWorkerInviteInput!) {
  coWorkerInvite(input: $input) {
    invitation { email delivery coWorker { id role isExternal homeCompany { id } email } }
    userErrors { field message code }
  }
}
"""

INVITE_ALL = """
mutation InviteAll($input: CoWorkerInviteAllInput!) {
  coWorkerInviteAll(input: $input) {
    invitations { email coWorker { email isExternal } }
    userErrors { field message code }
  }
}
"""

ADD = """
mutation Add($input: ProjectMemberAddInput!) {
  projectMemberAdd(input: $input) { project { id } userErrors { field message code } }
}
"""


def errors(data, name):
    return [(e["field"], e["code"]) for e in data[name]["userErrors"]]


async def invitations(db) -> list[CoWorkerInvitation]:
    async with db.read() as session:
        return list(await session.scalars(select(CoWorkerInvitation).order_by(CoWorkerInvitation.id)))


async def test_an_invited_co_worker_can_be_added_to_a_project_before_accepting(db, client, caplog):
    # given two companies in a group
    (main, partner), _ = await group_of_companies(db, ("nordlys", "fjellvik"))

    # when the main company's admin invites the partner's employee by email (in another case)
    with caplog.at_level(logging.INFO, logger="partnergraph.invitations"):
        data = await graphql(client, INVITE, {"input": {"companyId": main.gid, "email": "EMPLOYEE@fjellvik.test"}},
                             token=main["admin"].token)

    # then an external co-worker record exists at once, and the invitation is recorded and (without SMTP) logged
    assert errors(data, "coWorkerInvite") == []
    invitation = data["coWorkerInvite"]["invitation"]
    assert invitation["delivery"] == "LOG" and invitation["email"] == "employee@fjellvik.test"
    assert invitation["coWorker"]["isExternal"] is True
    assert invitation["coWorker"]["homeCompany"]["id"] == partner.gid
    assert invitation["coWorker"]["role"] == "EXTERNAL"
    assert [i.email for i in await invitations(db)] == ["employee@fjellvik.test"]
    assert "employee@fjellvik.test" in caplog.text
    # and the co-worker can be put on a main project right away
    project_id = await add_project(db, main, await add_customer(db, main))
    variables = {"input": {"projectId": gid("Project", project_id), "coWorkerId": invitation["coWorker"]["id"]}}
    data = await graphql(client, ADD, variables, token=main["admin"].token)
    assert errors(data, "projectMemberAdd") == []


async def test_an_invitation_is_refused_for_whom_it_cannot_reach(db, client):
    (main, partner), _ = await group_of_companies(db, ("nordlys", "fjellvik"))
    outsider = await company_with_staff(db, "outsider")
    token = main["admin"].token
    cases = [
        # an unknown email is answered like someone's outside the group: nobody learns who has an account
        ({"email": "nobody@nowhere.test"}, main["admin"].token, [("email", "NOT_IN_PARTNER_GROUP")]),
        ({"email": "not an email"}, token, [("email", "INVALID_INPUT")]),
        ({"email": outsider["employee"].email}, token, [("email", "NOT_IN_PARTNER_GROUP")]),
        ({"email": partner["employee"].email}, main["leader"].token, [("companyId", "FORBIDDEN")]),
        ({"email": partner["employee"].email, "companyId": outsider.gid}, token, [("companyId", "NOT_FOUND")]),
    ]
    for given, who, expected in cases:
        data = await graphql(client, INVITE, {"input": {"companyId": main.gid, **given}}, token=who)
        assert errors(data, "coWorkerInvite") == expected, given
    # inviting the same person twice
    await graphql(client, INVITE, {"input": {"companyId": main.gid, "email": partner["employee"].email}}, token=token)
    data = await graphql(client, INVITE, {"input": {"companyId": main.gid, "email": partner["employee"].email}},
                         token=token)
    assert errors(data, "coWorkerInvite") == [("email", "DUPLICATE")]
    assert len(await invitations(db)) == 1


async def test_an_admin_invites_all_co_workers_of_a_partner_company_at_once(db, client):
    (main, partner), _ = await group_of_companies(db, ("nordlys", "fjellvik"))
    await graphql(client, INVITE, {"input": {"companyId": main.gid, "email": partner["employee"].email}},
                  token=main["admin"].token)
    data = await graphql(client, INVITE_ALL, {"input": {"companyId": main.gid, "partnerCompanyId": partner.gid}},
                         token=main["admin"].token)
    assert errors(data, "coWorkerInviteAll") == []
    invited = sorted(i["email"] for i in data["coWorkerInviteAll"]["invitations"])
    # everyone of the partner's staff except the one invited already
    assert invited == sorted(p.email for key, p in partner.people.items() if key != "employee")
    assert all(i["coWorker"]["isExternal"] for i in data["coWorkerInviteAll"]["invitations"])
    # a second run finds nobody left to invite
    data = await graphql(client, INVITE_ALL, {"input": {"companyId": main.gid, "partnerCompanyId": partner.gid}},
                         token=main["admin"].token)
    assert data["coWorkerInviteAll"]["invitations"] == []


async def test_invitations_are_mailed_when_smtp_is_configured(db, client, monkeypatch):
    # given an SMTP server (a minimal one, on a free local port) configured in the settings
    received: list[bytes] = []

    async def smtp_session(reader, writer):
        writer.write(b"220 test\r\n")
        in_data = False
        while line := await reader.readline():
            if in_data:
                received.append(line)
                if line == b".\r\n":
                    in_data = False
                    writer.write(b"250 ok\r\n")
                continue
            command = line.upper()
            if command.startswith(b"DATA"):
                in_data = True
                writer.write(b"354 go\r\n")
            elif command.startswith(b"QUIT"):
                writer.write(b"221 bye\r\n")
                await writer.drain()
                break
            else:
                writer.write(b"250 ok\r\n")
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(smtp_session, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    (main, partner), _ = await group_of_companies(db, ("nordlys", "fjellvik"))
    # (the database object is shared by the whole run: monkeypatch puts its settings back)
    monkeypatch.setattr(db, "settings", db.settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port}))
    try:
        data = await graphql(client, INVITE, {"input": {"companyId": main.gid, "email": partner["employee"].email}},
                             token=main["admin"].token)
    finally:
        server.close()
    assert data["coWorkerInvite"]["invitation"]["delivery"] == "SMTP"
    mail = b"".join(received).decode()
    assert "To: employee@fjellvik.test" in mail and "Nordlys" in mail


ACCEPT = """
mutation Accept($input: CoWorkerInvitationAcceptInput!) {
  coWorkerInvitationAccept(input: $input) { invitation { email acceptedAt } userErrors { field message code } }
}
"""


async def test_the_invited_person_accepts_their_invitation(db, client):
    from domain.access.tokens import create_token

    (main, partner), _ = await group_of_companies(db, ("nordlys", "fjellvik"))
    email = partner["employee"].email
    # not invited yet: nothing to accept
    data = await graphql(client, ACCEPT, {"input": {"companyId": main.gid}}, token=partner["employee"].token)
    assert errors(data, "coWorkerInvitationAccept") == [("companyId", "NOT_FOUND")]

    await graphql(client, INVITE, {"input": {"companyId": main.gid, "email": email}}, token=main["admin"].token)
    token, _ = await create_token(db, db.settings, email=email, company="nordlys")
    data = await graphql(client, ACCEPT, {"input": {"companyId": main.gid}}, token=token)
    assert errors(data, "coWorkerInvitationAccept") == []
    assert data["coWorkerInvitationAccept"]["invitation"]["email"] == email
    [invitation] = await invitations(db)
    assert invitation.accepted_at is not None
