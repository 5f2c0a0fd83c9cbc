"""One error hierarchy, mapped once to RFC 9457 problem details.

Services raise `PatronError` subclasses; framework exceptions (validation, routing,
auth) are translated here too, so every error a client sees has the same shape.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any

import asyncpg
import msgspec
import redis.exceptions
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

log = logging.getLogger("patron.errors")

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://patron.dev/problems/"


class PatronError(Exception):
    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title

    def extra(self) -> dict[str, Any]:
        return {}


class Unauthorized(PatronError):
    status, slug, title = 401, "unauthorized", "Missing or invalid credentials"


class Forbidden(PatronError):
    status, slug, title = 403, "forbidden", "Your role does not allow this"


class NotFound(PatronError):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(PatronError):
    status, slug, title = 409, "conflict", "Conflict with the current state"


class UniqueViolation(Conflict):
    """A write that would give two rows the same value of a unique key (raised by
    `TenantRepository` on SQLite and PostgreSQL alike; 409 if it escapes a handler).

    `columns` names the key's columns when the database says which (tenant_id first, for
    a tenant-leading key), else it is empty. On PostgreSQL the failed statement has
    aborted the transaction: let the error leave it (or check first, or insert with
    `skip_existing`), rather than writing on after catching it."""

    slug, title = "unique-violation", "A row with this key already exists"

    def __init__(self, columns: Iterable[str] = (), detail: str | None = None) -> None:
        self.columns = tuple(columns)
        super().__init__(
            detail or (f"{self.title}: ({', '.join(self.columns)})" if self.columns else None)
        )


class TenantReadOnly(PatronError):
    status, slug, title = 423, "tenant-read-only", "The tenant is read-only"


class InvalidInput(PatronError):
    """422 with one entry per offending field."""

    status, slug, title = 422, "invalid-input", "The request is not valid"

    def __init__(self, errors: Iterable[tuple[str, str]], detail: str | None = None) -> None:
        self.errors = [{"field": field, "message": message} for field, message in errors]
        summary = "; ".join(f"{e['field']}: {e['message']}" for e in self.errors)
        super().__init__(detail or summary or self.title)

    @classmethod
    def from_msgspec(
        cls, exc: msgspec.ValidationError, prefix: str = "", whole: str | None = None
    ) -> InvalidInput:
        """msgspec's validation error as a 422 naming the field: `prefix` is the converted
        document's name (`config` → `config.port`, `config[0]`), `whole` the field named when
        the error is about the document itself (default: `prefix`, else "body")."""
        message, _, at = str(exc).partition(" - at `")
        path = at.rstrip("`").removeprefix("$")
        field = prefix + path if prefix else path.removeprefix(".")
        return cls([(field or whole or prefix or "body", message)])

    def extra(self) -> dict[str, Any]:
        return {"errors": self.errors}


def problem_document(
    status: int, title: str, detail: str, slug: str | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "type": TYPE_BASE + (slug or HTTPStatus(status).phrase.lower().replace(" ", "-")),
        "title": title,
        "status": status,
        "detail": detail,
        **extra,
    }


def problem(
    status: int, title: str, detail: str, slug: str | None = None, **extra: Any
) -> Response[dict[str, Any]]:
    body = problem_document(status, title, detail, slug, **extra)
    return Response(body, status_code=status, media_type=PROBLEM_JSON)


def document_of(error: PatronError) -> dict[str, Any]:
    return problem_document(error.status, error.title, error.detail, error.slug, **error.extra())


def _field_name(key: str | None, aliases: dict[str, str]) -> str:
    # Litestar names the whole body "data"; clients know it as the body.
    if not key or key == "data":
        return "body"
    return aliases.get(key) or key.removeprefix("data.")


def _aliases(request: Request) -> dict[str, str]:
    """{argument name: the name clients use} of the handler's renamed parameters, e.g. a
    `start` argument read from `?from=`."""
    handler = request.scope.get("route_handler")
    try:
        parameters = handler.parsed_fn_signature.parameters
    except AttributeError:
        return {}
    found = {}
    for name, definition in parameters.items():
        kwarg = getattr(definition, "kwarg_definition", None)
        alias = next(
            (
                getattr(kwarg, k, None)
                for k in ("query", "header", "cookie")
                if getattr(kwarg, k, None)
            ),
            None,
        )
        if alias:
            found[name] = alias
    return found


def _validation_message(message: str) -> str:
    if message == "'data'":
        return "a JSON body is required"
    return message


def handle_validation(request: Request, exc: ValidationException) -> Response:
    aliases = _aliases(request)
    errors = []
    for item in exc.extra or []:
        if isinstance(item, dict):
            errors.append(
                {
                    "field": _field_name(item.get("key"), aliases),
                    "message": _validation_message(str(item.get("message", "invalid"))),
                }
            )
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or str(exc.detail)
    return problem(422, InvalidInput.title, summary, InvalidInput.slug, errors=errors)


def handle_patron(_: Request, exc: PatronError) -> Response:
    return Response(document_of(exc), status_code=exc.status, media_type=PROBLEM_JSON)


def handle_http(_: Request, exc: HTTPException) -> Response:
    status = exc.status_code
    detail = str(exc.detail)
    if status == 400 and detail.startswith("JSON is malformed"):
        return problem(400, "Malformed JSON", detail, "malformed-json")
    title = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    return problem(status, title, detail)


def handle_bad_encoding(_: Request, exc: UnicodeDecodeError) -> Response:
    # Litestar decodes JSON bodies without catching invalid UTF-8.
    return problem(400, "Malformed body", "The request body is not valid UTF-8.", "malformed-json")


def handle_unstorable(_: Request, exc: Exception) -> Response:
    # A safety net behind input validation: PostgreSQL refused a value (class 22, data
    # exception, e.g. a NUL character in a query parameter). The transaction rolled back.
    log.info("database refused a value: %s", exc)
    return problem(
        422,
        InvalidInput.title,
        "A value in the request cannot be stored or searched for.",
        InvalidInput.slug,
        errors=[],
    )


def handle_unreachable(request: Request, exc: Exception) -> Response:
    # A backing service (the database, the job queue's Redis) did not answer: the client may
    # retry later (api.md §2: 503, never a 500); the process recovers when it is back.
    log.warning(
        "%s %s: a backing service is unreachable: %r", request.method, request.url.path, exc
    )
    return problem(
        503,
        "Service unavailable",
        "A service this request needs is unreachable; try again shortly.",
        "service-unavailable",
    )


def handle_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(
        500, "Internal server error", "An unexpected error occurred; it has been logged."
    )


EXCEPTION_HANDLERS = {
    ValidationException: handle_validation,
    PatronError: handle_patron,
    HTTPException: handle_http,
    UnicodeDecodeError: handle_bad_encoding,
    asyncpg.exceptions.DataError: handle_unstorable,
    # Connection-level failures of the database and the job queue: 503.
    ConnectionError: handle_unreachable,
    TimeoutError: handle_unreachable,
    asyncpg.exceptions.CannotConnectNowError: handle_unreachable,
    asyncpg.exceptions.ConnectionDoesNotExistError: handle_unreachable,
    asyncpg.exceptions.TooManyConnectionsError: handle_unreachable,
    redis.exceptions.ConnectionError: handle_unreachable,
    redis.exceptions.TimeoutError: handle_unreachable,
    Exception: handle_unexpected,
}
