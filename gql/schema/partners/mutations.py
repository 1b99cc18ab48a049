"""companySettingsUpdate, partnerLinkAdd/Confirm/AttachCustomer/Remove, partnerGroupRegister, partnerGroupLeave."""
import strawberry

from domain.partners import company_settings
from domain.partners import groups as partner_groups
from domain.partners import links as partner_links
from domain.model import SeriesKind
from domain.projects import secondary_customer
from gql.context import Info
from gql.ids import decode_id, to_global_id
from gql.resolvers.mutation import decode_optional_id, given, payload
from gql.schema.common import UserError
from gql.schema.companies.types import Company
from gql.schema.partners.types import PartnerGroup, PartnerLink, PartnerSetupStep, SeriesPolicy


@strawberry.input(description="Only the fields given change. Partner companies need PRO; sharing and GROUP series "
                  "need partner companies on. Turning it off turns sharing off and both series back to OWN.")
class CompanySettingsUpdateInput:
    company_id: strawberry.ID
    partner_companies_enabled: bool | None = strawberry.UNSET
    share_customers: bool | None = strawberry.UNSET
    share_tasks: bool | None = strawberry.UNSET
    project_number_series: SeriesPolicy | None = strawberry.UNSET
    customer_number_series: SeriesPolicy | None = strawberry.UNSET
    invoice_number_series: SeriesPolicy | None = strawberry.field(
        default=strawberry.UNSET, description="Internal invoices: the company's own series or the group's.")


@strawberry.type
class CompanySettingsUpdatePayload:
    user_errors: list[UserError]
    company: Company | None = None


@strawberry.input(description="Adds the company whose databaseName you give as a partner; confirm it next.")
class PartnerLinkAddInput:
    company_id: strawberry.ID
    partner_database_name: str


@strawberry.input
class PartnerLinkConfirmInput:
    id: strawberry.ID


@strawberry.input(description="Attaches your customer that represents the partner; null detaches it (refused while "
                  "the two companies are in a group).")
class PartnerLinkAttachCustomerInput:
    id: strawberry.ID
    customer_id: strawberry.ID | None


@strawberry.input(description="Withdraws your side of a link; refused while the two companies are in a group.")
class PartnerLinkRemoveInput:
    id: strawberry.ID


@strawberry.type
class PartnerLinkPayload:
    user_errors: list[UserError]
    partner_link: PartnerLink | None = None


@strawberry.type
class PartnerLinkRemovePayload:
    user_errors: list[UserError]
    removed_partner_link_id: strawberry.ID | None = None


@strawberry.input
class PartnerGroupRegisterInput:
    company_ids: list[strawberry.ID] = strawberry.field(
        description=f"The member companies, 2 to {partner_groups.MAX_GROUP_SIZE}."
    )
    main_company_id: strawberry.ID = strawberry.field(description="One of them: the one whose series is the group's.")
    name: str | None = strawberry.field(default=None, description="Default: the main company's name and \"group\".")


@strawberry.type
class PartnerGroupRegisterPayload:
    user_errors: list[UserError]
    partner_group: PartnerGroup | None = None
    missing_steps: list[PartnerSetupStep] = strawberry.field(
        default_factory=list, description="When refused for an incomplete setup: each step still missing."
    )


@strawberry.input(description="The company leaves its partner group; nothing already shared is deleted. When the main "
                  "company leaves, or one member would remain, the group is dissolved.")
class PartnerGroupLeaveInput:
    company_id: strawberry.ID


@strawberry.type
class PartnerGroupLeavePayload:
    user_errors: list[UserError]
    company: Company | None = None
    left_partner_group_id: strawberry.ID | None = None
    dissolved: bool = strawberry.field(default=False, description="True when every member left with it.")


def _link_payload(row) -> dict:
    return {"partner_link": PartnerLink.from_row(row)}


@strawberry.type
class PartnerMutations:
    @strawberry.mutation(description="Admins: partner companies on or off, sharing, and OWN or GROUP number series.")
    async def company_settings_update(self, info: Info, input: CompanySettingsUpdateInput) -> CompanySettingsUpdatePayload:
        async def call():
            company_id = decode_id(input.company_id, "Company", field="companyId")
            changes = given(input, "partner_companies_enabled", "share_customers", "share_tasks")
            series = given(input, "project_number_series", "customer_number_series", "invoice_number_series")
            for kind, name in ((SeriesKind.PROJECT, "project_number_series"),
                               (SeriesKind.CUSTOMER, "customer_number_series"),
                               (SeriesKind.INVOICE, "invoice_number_series")):
                if name in series:
                    changes[kind] = series[name]
            row = await company_settings.update_company_settings(info.context.db, info.context.viewer, company_id, changes)
            return {"company": Company.from_row(row)}

        return await payload(CompanySettingsUpdatePayload, call)

    @strawberry.mutation(description="Admins: the first step of a partner link.")
    async def partner_link_add(self, info: Info, input: PartnerLinkAddInput) -> PartnerLinkPayload:
        async def call():
            company_id = decode_id(input.company_id, "Company", field="companyId")
            return _link_payload(await partner_links.add_partner_link(
                info.context.db, info.context.viewer, company_id, input.partner_database_name
            ))

        return await payload(PartnerLinkPayload, call)

    @strawberry.mutation(description="Admins of the company that added the partner.")
    async def partner_link_confirm(self, info: Info, input: PartnerLinkConfirmInput) -> PartnerLinkPayload:
        async def call():
            link_id = decode_id(input.id, "PartnerLink", field="id")
            return _link_payload(await partner_links.confirm_partner_link(info.context.db, info.context.viewer, link_id))

        return await payload(PartnerLinkPayload, call)

    @strawberry.mutation(description="Admins of the company that added the partner. Attaching another customer "
                         "moves the company's open secondary projects of that partner to it, in the same change.")
    async def partner_link_attach_customer(
        self, info: Info, input: PartnerLinkAttachCustomerInput
    ) -> PartnerLinkPayload:
        async def call():
            link_id = decode_id(input.id, "PartnerLink", field="id")
            customer_id = decode_optional_id(input.customer_id, "Customer", field="customerId")
            return _link_payload(await secondary_customer.attach_partner_customer(
                info.context.db, info.context.viewer, link_id, customer_id
            ))

        return await payload(PartnerLinkPayload, call)

    @strawberry.mutation(description="Admins of the company that added the partner.")
    async def partner_link_remove(self, info: Info, input: PartnerLinkRemoveInput) -> PartnerLinkRemovePayload:
        async def call():
            link_id = decode_id(input.id, "PartnerLink", field="id")
            await partner_links.remove_partner_link(info.context.db, info.context.viewer, link_id)
            return {"removed_partner_link_id": strawberry.ID(to_global_id("PartnerLink", link_id))}

        return await payload(PartnerLinkRemovePayload, call)

    @strawberry.mutation(description="Operators: registers the group once every pair of its companies is linked both "
                         "ways; otherwise one userError (and one missingSteps entry) per step still missing.")
    async def partner_group_register(self, info: Info, input: PartnerGroupRegisterInput) -> PartnerGroupRegisterPayload:
        missing: list[PartnerSetupStep] = []

        async def call():
            draft = partner_groups.GroupDraft(
                company_ids=[decode_id(v, "Company", field=f"companyIds.{i}") for i, v in enumerate(input.company_ids)],
                main_company_id=decode_id(input.main_company_id, "Company", field="mainCompanyId"),
                name=input.name,
            )
            try:
                group = await partner_groups.register_partner_group(info.context.db, info.context.viewer, draft)
            except partner_groups.PartnerGroupIncomplete as incomplete:
                missing.extend(PartnerSetupStep.of(step) for step in incomplete.steps)
                raise
            return {"partner_group": PartnerGroup.from_row(group)}

        result = await payload(PartnerGroupRegisterPayload, call)
        result.missing_steps = missing
        return result

    @strawberry.mutation(description="Admins: the company leaves its partner group.")
    async def partner_group_leave(self, info: Info, input: PartnerGroupLeaveInput) -> PartnerGroupLeavePayload:
        async def call():
            company_id = decode_id(input.company_id, "Company", field="companyId")
            outcome = await partner_groups.leave_partner_group(info.context.db, info.context.viewer, company_id)
            company = await Company.load(info, company_id)
            return {"company": company, "dissolved": outcome.dissolved,
                    "left_partner_group_id": strawberry.ID(to_global_id("PartnerGroup", outcome.group.id))}

        return await payload(PartnerGroupLeavePayload, call)
