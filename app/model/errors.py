"""Domain errors. Each carries its HTTP status; one handler renders them all."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base class: a failure the client can understand and act on."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, **detail: Any) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail

    def to_json(self) -> dict[str, Any]:
        """The JSON error body."""
        body: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.detail:
            body["detail"] = self.detail
        return body


class NotFound(DomainError):
    """The named resource does not exist."""

    status_code = 404
    code = "not_found"


class InvalidInput(DomainError):
    """The input is well-formed but breaks a rule of the model (SHACL, quote anchor …)."""

    status_code = 422
    code = "invalid"


class BadQuery(DomainError):
    """A SPARQL request that cannot be run."""

    status_code = 400
    code = "bad_query"


class Forbidden(DomainError):
    """The operation is not allowed here."""

    status_code = 403
    code = "forbidden"


class QueryTimeout(DomainError):
    """A query ran past its time limit and was stopped."""

    status_code = 503
    code = "timeout"


class NotAcceptable(DomainError):
    """No result format matches the Accept header."""

    status_code = 406
    code = "not_acceptable"


class PayloadTooLarge(DomainError):
    """The request body is over the configured limit."""

    status_code = 413
    code = "payload_too_large"


class StoreError(DomainError):
    """The store failed; nothing was written."""

    status_code = 503
    code = "store_unavailable"


class Conflict(DomainError):
    """The request conflicts with stored data (a stored claim cannot change)."""

    status_code = 409
    code = "conflict"


class UnsupportedMediaType(DomainError):
    """The request body's content type is not one this endpoint reads."""

    status_code = 415
    code = "unsupported_media_type"
