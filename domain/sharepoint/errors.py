"""What can go wrong talking to SharePoint, sorted into "try again later" and "will not work as it is"; the Graph
client (integrations/sharepoint/) raises these, the use cases (domain.sharepoint) decide what the job queue does."""


class SharePointError(Exception):
    """`transient` errors (network, 429, 503, 5xx) are worth a retry with back-off; others need a person."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None,
                 transient: bool = False, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message, self.status, self.code = message, status, code
        self.transient, self.retry_after = transient, retry_after

    @classmethod
    def from_status(cls, status: int, code: str | None, message: str, *, retry_after: float | None = None):
        transient = status in (408, 429) or status >= 500
        return cls(f"Graph answered {status} {code or ''}: {message}".strip(), status=status, code=code,
                   transient=transient, retry_after=retry_after)


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After in seconds (Graph sends seconds; an HTTP date is not used by it)."""
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None
