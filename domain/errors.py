"""One hierarchy of domain errors, each with a stable code that gql/ turns into a userError."""


class DomainError(Exception):
    code = "INVALID_INPUT"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(DomainError):
    code = "INVALID_INPUT"


class NotFound(DomainError):
    code = "NOT_FOUND"


class Forbidden(DomainError):
    code = "FORBIDDEN"


class Conflict(DomainError):
    """The row changed under us (optimistic lock) or a unique value is taken."""

    code = "CONFLICT"


class Duplicate(DomainError):
    code = "DUPLICATE"


class Locked(DomainError):
    code = "LOCKED"


def require(condition: bool, message: str, *, field: str, error: type[DomainError] = InvalidInput) -> None:
    if not condition:
        raise error(message, field=field)
