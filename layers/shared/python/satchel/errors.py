"""Domain errors. Stores and services raise these; satchel.http maps them to HTTP in one place."""

from __future__ import annotations


class SatchelError(Exception):
    """Base of every error that reaches a client. `code` is stable; `message` is safe to show."""

    status = 500
    code = "INTERNAL_ERROR"

    def __init__(self, message: str, *, code: str | None = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.headers = headers or {}


class InvalidRequest(SatchelError):
    status = 400
    code = "INVALID_REQUEST"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message, code=code)
        self.field = field


class Unauthorized(SatchelError):
    status = 401
    code = "UNAUTHORIZED"


class Forbidden(SatchelError):
    status = 403
    code = "FORBIDDEN"


class NotFound(SatchelError):
    status = 404
    code = "NOT_FOUND"


class Conflict(SatchelError):
    status = 409
    code = "CONFLICT"


class Gone(SatchelError):
    """The thing existed but can no longer be used (expired or used up)."""

    status = 410
    code = "GONE"


class PayloadTooLarge(SatchelError):
    status = 413
    code = "PAYLOAD_TOO_LARGE"


class TooManyRequests(SatchelError):
    status = 429
    code = "RATE_LIMITED"

    def __init__(self, message: str, *, retry_after: int, headers: dict[str, str] | None = None):
        merged = {"Retry-After": str(retry_after), **(headers or {})}
        super().__init__(message, headers=merged)
        self.retry_after = retry_after


class DependencyFailure(SatchelError):
    """An AWS dependency failed in a way the caller cannot fix. Details go to the log, never the client."""

    status = 503
    code = "SERVICE_UNAVAILABLE"


def dependency_failure(service: str, operation: str, exc: Exception) -> DependencyFailure:
    """Log an AWS failure in full (with the correlation id) and return the sanitized error for the client."""
    from satchel.observability import logger  # late: errors must stay importable without Powertools

    logger.exception(
        "aws call failed",
        # Not "service": that key is the Powertools service name of every line.
        extra={"aws_service": service, "operation": operation, "aws_code": getattr(exc, "cause_response_code", None)},
    )
    return DependencyFailure("the service could not complete the request, try again")
