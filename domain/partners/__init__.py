"""Partner companies (SPEC §2, §3): the handshake, groups, partner settings, number series, shared customers and invitations of partner co-workers."""
