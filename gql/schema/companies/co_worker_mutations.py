"""coWorkerCreate, coWorkerDeactivate, coWorkerInvite, coWorkerInviteAll, coWorkerInvitationAccept and -Decline."""
from decimal import Decimal

import strawberry

from domain.companies import co_workers as service
from domain.companies import invitations as company_invitations
from domain.access.viewer import Membership
from domain.partners import invitations
from gql.context import Info
from gql.ids import decode_id
from gql.resolvers.mutation import payload
from gql.schema.common import UserError
from gql.schema.companies.types import CoWorker, CoWorkerInvitation, Role


@strawberry.input(description="The email finds the person, or makes their user (with `name`) when they are new; "
                  "either way they are invited, and become a co-worker when they accept.")
class CoWorkerCreateInput:
    company_id: strawberry.ID
    email: str
    role: Role
    name: str | None = None
    title: str | None = None
    hourly_rate: Decimal | None = None
    hourly_cost: Decimal | None = None


@strawberry.type
class CoWorkerCreatePayload:
    user_errors: list[UserError]
    invitation: CoWorkerInvitation | None = strawberry.field(
        default=None, description="What you typed, waiting for the person's answer; the same whether or not the "
        "email already has an account.")


@strawberry.input(description="Invites a co-worker of another company in your partner group by their email.")
class CoWorkerInviteInput:
    company_id: strawberry.ID
    email: str
    role: Role = Role.EXTERNAL


@strawberry.input(description="Invites every active co-worker of a partner company who is not a co-worker here yet.")
class CoWorkerInviteAllInput:
    company_id: strawberry.ID
    partner_company_id: strawberry.ID
    role: Role = Role.EXTERNAL


@strawberry.input(description="The invited person accepts their invitation to a company.")
class CoWorkerInvitationAcceptInput:
    company_id: strawberry.ID


@strawberry.input(description="The invited person declines an invitation that waits for their consent.")
class CoWorkerInvitationDeclineInput:
    company_id: strawberry.ID


@strawberry.input
class CoWorkerDeactivateInput:
    id: strawberry.ID


@strawberry.type
class CoWorkerDeactivatePayload:
    user_errors: list[UserError]
    co_worker: CoWorker | None = None


@strawberry.type
class CoWorkerInvitePayload:
    user_errors: list[UserError]
    invitation: CoWorkerInvitation | None = None


@strawberry.type
class CoWorkerInviteAllPayload:
    user_errors: list[UserError]
    invitations: list[CoWorkerInvitation] | None = None


@strawberry.type
class CoWorkerMutations:
    @strawberry.mutation(description="Admins only: invites a person by email to be an internal co-worker (home "
                         "company = this company) with the role, title and rates given. Nothing is granted until "
                         "they accept (`coWorkerInvitationAccept`); the answer holds only what you typed.")
    async def co_worker_create(self, info: Info, input: CoWorkerCreateInput) -> CoWorkerCreatePayload:
        async def call():
            draft = service.CoWorkerDraft(
                company_id=decode_id(input.company_id, "Company", field="companyId"), email=input.email,
                role=input.role, name=input.name, title=input.title, hourly_rate=input.hourly_rate,
                hourly_cost=input.hourly_cost,
            )
            item = await service.create_co_worker(info.context.db, info.context.viewer, draft)
            return {"invitation": CoWorkerInvitation.of(item)}

        return await payload(CoWorkerCreatePayload, call)

    @strawberry.mutation(description="Admins only: the external co-worker record is made at once, so they can be "
                         "added to projects before they accept.")
    async def co_worker_invite(self, info: Info, input: CoWorkerInviteInput) -> CoWorkerInvitePayload:
        async def call():
            item = await invitations.invite_co_worker(
                info.context.db, info.context.viewer, decode_id(input.company_id, "Company", field="companyId"),
                input.email, input.role,
            )
            return {"invitation": CoWorkerInvitation.of(item)}

        return await payload(CoWorkerInvitePayload, call)

    @strawberry.mutation(description="Admins only: invites all co-workers of a partner company at once.")
    async def co_worker_invite_all(self, info: Info, input: CoWorkerInviteAllInput) -> CoWorkerInviteAllPayload:
        async def call():
            items = await invitations.invite_all_co_workers(
                info.context.db, info.context.viewer, decode_id(input.company_id, "Company", field="companyId"),
                decode_id(input.partner_company_id, "Company", field="partnerCompanyId"), input.role,
            )
            return {"invitations": [CoWorkerInvitation.of(i) for i in items]}

        return await payload(CoWorkerInviteAllPayload, call)

    @strawberry.mutation(description="Admins only. Hours stay. In the home company it also deactivates the person "
                         "as an external co-worker in every partner company, taking them off those companies' "
                         "projects.")
    async def co_worker_deactivate(self, info: Info, input: CoWorkerDeactivateInput) -> CoWorkerDeactivatePayload:
        async def call():
            row = await service.deactivate_co_worker(
                info.context.db, info.context.viewer, decode_id(input.id, "CoWorker", field="id"))
            return {"co_worker": CoWorker.from_row(row)}

        return await payload(CoWorkerDeactivatePayload, call)

    @strawberry.mutation(description="The invited person accepts their invitation to the company: an invitation "
                         "from `coWorkerCreate` makes them its co-worker now; a partner company's records that "
                         "they have seen it.")
    async def co_worker_invitation_accept(
        self, info: Info, input: CoWorkerInvitationAcceptInput
    ) -> CoWorkerInvitePayload:
        async def call():
            viewer = info.context.viewer
            item = await company_invitations.accept_invitation(
                info.context.db, viewer, decode_id(input.company_id, "Company", field="companyId"))
            if viewer.membership(item.co_worker.company_id) is None and item.co_worker.active:
                info.context.viewer_changed(viewer.joined(
                    Membership(item.co_worker.company_id, item.co_worker.id, item.co_worker.role)))
            return {"invitation": CoWorkerInvitation.of(item)}

        return await payload(CoWorkerInvitePayload, call)

    @strawberry.mutation(description="The invited person declines an invitation from `coWorkerCreate`; the company "
                         "sees only that it was declined, and may invite again.")
    async def co_worker_invitation_decline(
        self, info: Info, input: CoWorkerInvitationDeclineInput
    ) -> CoWorkerInvitePayload:
        async def call():
            item = await company_invitations.decline_invitation(
                info.context.db, info.context.viewer, decode_id(input.company_id, "Company", field="companyId"))
            return {"invitation": CoWorkerInvitation.of(item)}

        return await payload(CoWorkerInvitePayload, call)
