"""Hours and expenses (SPEC §4): registering them, statuses, mirrors of partner hours, expense clones, the hours report and the reconciliation."""
