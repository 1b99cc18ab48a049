"""expenseCreate, expenseUpdate, expenseDelete, expensesSetStatus."""
import datetime as dt
from decimal import Decimal

import strawberry

from domain.hours import expenses as service
from domain.hours import statuses as hour_statuses
from gql.context import Info
from gql.ids import decode_id, to_global_id
from gql.resolvers.mutation import decode_optional_id, given, payload
from gql.schema.common import UserError
from gql.schema.hours.expenses import Expense
from gql.schema.hours.types import HourStatus
from gql.schema.hours.mutations import decode_all


@strawberry.input(description="Your own expense; admins and the project's leader may give another member's "
                  "`coWorkerId`. A partner company's co-worker registers on their home company's secondary project.")
class ExpenseCreateInput:
    project_id: strawberry.ID
    date: dt.date
    amount: Decimal = strawberry.field(description="More than 0, at most two decimals.")
    currency: str = strawberry.field(default="NOK", description="ISO 4217 code.")
    description: str | None = None
    co_worker_id: strawberry.ID | None = None


@strawberry.input(description="Only the fields given are changed; approved and invoiced expenses are LOCKED.")
class ExpenseUpdateInput:
    id: strawberry.ID
    date: dt.date | None = strawberry.UNSET
    amount: Decimal | None = strawberry.UNSET
    currency: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET


@strawberry.input
class ExpenseDeleteInput:
    id: strawberry.ID


@strawberry.input(description="At most 100 ids; either all change or none (errors name `ids.<index>`).")
class ExpensesSetStatusInput:
    ids: list[strawberry.ID]
    status: HourStatus


@strawberry.type
class ExpenseCreatePayload:
    user_errors: list[UserError]
    expense: Expense | None = None


@strawberry.type
class ExpenseUpdatePayload:
    user_errors: list[UserError]
    expense: Expense | None = None


@strawberry.type
class ExpenseDeletePayload:
    user_errors: list[UserError]
    deleted_id: strawberry.ID | None = None


@strawberry.type
class ExpensesSetStatusPayload:
    user_errors: list[UserError]
    expenses: list[Expense] = strawberry.field(default_factory=list)


@strawberry.type
class ExpenseMutations:
    @strawberry.mutation(description="On a secondary project whose main project shares expenses, the expense is "
                         "cloned to the main project; its changes and deletion follow.")
    async def expense_create(self, info: Info, input: ExpenseCreateInput) -> ExpenseCreatePayload:
        async def call():
            draft = service.ExpenseDraft(
                project_id=decode_id(input.project_id, "Project", field="projectId"),
                co_worker_id=decode_optional_id(input.co_worker_id, "CoWorker", field="coWorkerId"),
                date=input.date, amount=input.amount, currency=input.currency, description=input.description,
            )
            row = await service.create_expense(info.context.db, info.context.viewer, draft)
            return {"expense": Expense.from_row(row)}

        return await payload(ExpenseCreatePayload, call)

    @strawberry.mutation(description="A clone in a main project changes only through its source (EDIT_IN_HOME_COMPANY).")
    async def expense_update(self, info: Info, input: ExpenseUpdateInput) -> ExpenseUpdatePayload:
        async def call():
            expense_id = decode_id(input.id, "Expense", field="id")
            changes = given(input, "date", "amount", "currency", "description")
            row = await service.update_expense(info.context.db, info.context.viewer, expense_id, changes)
            return {"expense": Expense.from_row(row)}

        return await payload(ExpenseUpdatePayload, call)

    @strawberry.mutation
    async def expense_delete(self, info: Info, input: ExpenseDeleteInput) -> ExpenseDeletePayload:
        async def call():
            expense_id = decode_id(input.id, "Expense", field="id")
            deleted = await service.delete_expense(info.context.db, info.context.viewer, expense_id)
            return {"deleted_id": strawberry.ID(to_global_id("Expense", deleted))}

        return await payload(ExpenseDeletePayload, call)

    @strawberry.mutation(description="Admins, or the leader of each expense's project: as timeRecordsSetStatus.")
    async def expenses_set_status(self, info: Info, input: ExpensesSetStatusInput) -> ExpensesSetStatusPayload:
        async def call():
            hour_statuses.check_id_count(input.ids)
            rows = await hour_statuses.set_expense_statuses(
                info.context.db, info.context.viewer, decode_all(input.ids, "Expense"), input.status)
            return {"expenses": [Expense.from_row(row) for row in rows]}

        return await payload(ExpensesSetStatusPayload, call)
