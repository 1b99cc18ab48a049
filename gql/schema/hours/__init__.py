"""Time records and expenses, the hours report and the reconciliation: types, queries and mutations."""
