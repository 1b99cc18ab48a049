"""Users and co-workers: identity rules shared by the services."""


def normalise_email(email: str) -> str:
    """Emails identify users case-insensitively; we store them trimmed and lower-cased."""
    return email.strip().lower()
