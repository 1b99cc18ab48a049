"""Who may see and do what (SPEC §1): the viewer, the policy's read clauses and write checks, what partner companies share, and sign-in by API token or OpenID Connect."""
