"""Internal invoices between partner companies (SPEC §4, issue 19): the invoices, their lines and the hours and
expenses each live invoice holds (one invoice at a time per time record or expense); and an INVOICE number series
for every company (numbers from 1, OWN), its kind allowed by number_series' CHECK.

Revision ID: 0014_internal_invoicing
Revises: 0013_task_series
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_internal_invoicing"
down_revision: str | Sequence[str] | None = "0013_task_series"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SERIES_CHECK = "ck_number_series_serieskind"


def _series_kinds(*kinds: str) -> None:
    # Rebuilt on SQLite: with AUTOINCREMENT still (0011_sqlite_autoincrement).
    with op.batch_alter_table("number_series", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.drop_constraint(batch.f(SERIES_CHECK), type_="check")
        batch.create_check_constraint("serieskind", "kind IN (%s)" % ", ".join(f"'{k}'" for k in kinds))


def upgrade() -> None:
    _series_kinds("PROJECT", "CUSTOMER", "INVOICE")
    op.execute("INSERT INTO number_series (company_id, kind, policy, next_number) "
               "SELECT id, 'INVOICE', 'OWN', 1 FROM companies")
    op.create_table('internal_invoices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('buyer_company_id', sa.Integer(), nullable=False),
    sa.Column('secondary_project_id', sa.Integer(), nullable=False),
    sa.Column('main_project_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('DRAFT', 'FINAL', 'CANCELLED', name='internalinvoicestatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('up_to', sa.Date(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('total', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('finalised_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['buyer_company_id'], ['companies.id'], name=op.f('fk_internal_invoices_buyer_company_id_companies')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_internal_invoices_company_id_companies')),
    sa.ForeignKeyConstraint(['created_by_id'], ['co_workers.id'], name=op.f('fk_internal_invoices_created_by_id_co_workers')),
    sa.ForeignKeyConstraint(['main_project_id'], ['projects.id'], name=op.f('fk_internal_invoices_main_project_id_projects')),
    sa.ForeignKeyConstraint(['secondary_project_id'], ['projects.id'], name=op.f('fk_internal_invoices_secondary_project_id_projects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_internal_invoices')),
    sa.UniqueConstraint('company_id', 'number', name=op.f('uq_internal_invoices_company_id_number')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('internal_invoices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_internal_invoices_buyer_company_id'), ['buyer_company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_internal_invoices_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_internal_invoices_main_project_id'), ['main_project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_internal_invoices_secondary_project_id'), ['secondary_project_id'], unique=False)

    op.create_table('internal_invoice_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('HOURS', 'EXPENSES', 'FIXED_PRICE', name='invoicelinekind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('co_worker_name', sa.String(length=200), nullable=True),
    sa.Column('activity_name', sa.String(length=200), nullable=True),
    sa.Column('month', sa.Date(), nullable=True),
    sa.Column('hours', sa.Numeric(precision=6, scale=2), nullable=True),
    sa.Column('rate', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('entry_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['invoice_id'], ['internal_invoices.id'], name=op.f('fk_internal_invoice_lines_invoice_id_internal_invoices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_internal_invoice_lines')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('internal_invoice_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_internal_invoice_lines_invoice_id'), ['invoice_id'], unique=False)

    op.create_table('internal_invoice_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('time_record_id', sa.Integer(), nullable=True),
    sa.Column('expense_id', sa.Integer(), nullable=True),
    sa.Column('copy_id', sa.Integer(), nullable=True),
    sa.Column('copy_status', sa.Enum('NOT_APPROVED', 'APPROVED', 'INVOICED', name='hourstatus', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.CheckConstraint('(time_record_id IS NULL) <> (expense_id IS NULL)', name=op.f('ck_internal_invoice_items_one_entry')),
    sa.ForeignKeyConstraint(['expense_id'], ['expenses.id'], name=op.f('fk_internal_invoice_items_expense_id_expenses')),
    sa.ForeignKeyConstraint(['invoice_id'], ['internal_invoices.id'], name=op.f('fk_internal_invoice_items_invoice_id_internal_invoices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['time_record_id'], ['time_records.id'], name=op.f('fk_internal_invoice_items_time_record_id_time_records')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_internal_invoice_items')),
    sa.UniqueConstraint('expense_id', name=op.f('uq_internal_invoice_items_expense_id')),
    sa.UniqueConstraint('time_record_id', name=op.f('uq_internal_invoice_items_time_record_id')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('internal_invoice_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_internal_invoice_items_invoice_id'), ['invoice_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('internal_invoice_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_internal_invoice_items_invoice_id'))

    op.drop_table('internal_invoice_items')
    with op.batch_alter_table('internal_invoice_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_internal_invoice_lines_invoice_id'))

    op.drop_table('internal_invoice_lines')
    with op.batch_alter_table('internal_invoices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_internal_invoices_secondary_project_id'))
        batch_op.drop_index(batch_op.f('ix_internal_invoices_main_project_id'))
        batch_op.drop_index(batch_op.f('ix_internal_invoices_company_id'))
        batch_op.drop_index(batch_op.f('ix_internal_invoices_buyer_company_id'))

    op.drop_table('internal_invoices')
    op.execute("DELETE FROM number_series WHERE kind = 'INVOICE'")
    _series_kinds("PROJECT", "CUSTOMER")
