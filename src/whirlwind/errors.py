"""Domain errors. Services raise them; one exception view turns each into a clear Chinese
message with the right status code (HTML page or JSON for the API), and the transaction is
aborted so that nothing is written."""

from __future__ import annotations


class DomainError(Exception):
    """A user-caused error with a message fit to show."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class ValidationFailed(DomainError):
    status = 400
    code = "validation_failed"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class StaleVersion(DomainError):
    status = 409
    code = "stale_version"

    def __init__(self, message: str = "该记录已被他人修改，请刷新后重试。", **kw):
        super().__init__(message, **kw)


class Conflict(DomainError):
    status = 409
    code = "conflict"


class TooLarge(DomainError):
    status = 413
    code = "too_large"


class InvalidTransition(DomainError):
    status = 422
    code = "invalid_transition"
