"""Recurring task series (SPEC §6, issue 18 item 4): one task per week, month, quarter or year, made by the daily job."""
