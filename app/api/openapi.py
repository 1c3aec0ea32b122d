"""The error responses of every operation, in the OpenAPI document.

FastAPI documents only an operation's success and its 422; claimgraph's single error handler
(app.main) also answers 400, 401, 403, 404, 406, 409, 413, 415, 428 and 503, always with the
same body. This adds them where they can happen, so that a client generator (or schemathesis)
sees the whole contract, and makes the 422 body the one really sent."""

from __future__ import annotations

from typing import Any

ERROR_BODY: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string", "description": "A short code (`invalid`, `not_found` …)."},
        "message": {"type": "string", "description": "What is wrong, for a person."},
        "detail": {"description": "Structured detail, e.g. the fields of a 422."},
    },
}

_WHY = {
    "400": "The request cannot be read (a bad parameter, query or body syntax).",
    "401": "No token, or an unknown one (send `Authorization: Bearer <token>`).",
    "403": "The token's role may not do this, or the operation is not allowed here.",
    "404": "No such resource.",
    "406": "No representation matches the Accept header or the format parameter.",
    "409": "The request conflicts with the stored state (a stale version, a stored claim).",
    "413": "The body is over the size limit, or expands or nests beyond a parser limit.",
    "415": "The body's content type is not one this operation reads.",
    "422": "The body or parameters break a rule of the model; `detail` lists the fields.",
    "428": "Send If-Match with the version you read.",
    "503": "The query ran past its time limit, or the store is unavailable; retry.",
}

# Statuses each kind of operation can answer, besides its success.
_ALWAYS = ("400", "422")
_WITH_TOKEN = ("401", "403")
_WITH_BODY = ("413", "415")
_BY_PATH: dict[str, tuple[str, ...]] = {
    "/sparql": ("406", "503"),
    "/sparql-auth": ("406", "503"),
    "/sparql/update": ("409", "503"),
    "/store": ("404", "406", "409", "503"),
    "/disputes/{dispute_id}/reviews": ("409", "428"),
    "/articles": ("409", "503"),
    "/claims": ("409",),
}


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the error responses to every operation of ``schema`` (an OpenAPI 3 document as
    FastAPI builds it), in place; returns it."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_BODY
    ref = {"$ref": "#/components/schemas/Error"}
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            codes = set(_ALWAYS) | set(_BY_PATH.get(path, ()))
            if operation.get("security") or (method in ("post", "put", "patch", "delete") \
                    and path not in ("/sparql",)):
                codes |= set(_WITH_TOKEN)
            if method in ("post", "put", "patch"):
                codes |= set(_WITH_BODY)
            if "{" in path:
                codes.add("404")
            responses = operation["responses"]
            for code in sorted(codes):
                entry = responses.setdefault(code, {"description": _WHY[code]})
                entry["content"] = {"application/json": {"schema": ref}}
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    return schema
