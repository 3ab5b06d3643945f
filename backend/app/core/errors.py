"""Typed errors with their status code, rendered in one place as ``{"error": ..., "detail": ...}``."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger(__name__)


class ErrorBody(BaseModel):
    """The one shape of every error response."""

    error: str
    detail: Any = None


class AppError(Exception):
    """Base of the errors the API turns into responses."""

    status_code = 500
    error = "internal_error"

    def __init__(self, detail: Any = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers: dict[str, str] = {}


class BadRequest(AppError):
    """The request is well-formed but cannot be carried out as asked."""

    status_code = 400
    error = "bad_request"


class Unauthorized(AppError):
    """No valid credentials."""

    status_code = 401
    error = "unauthorized"


class Forbidden(AppError):
    """Valid credentials without the needed role."""

    status_code = 403
    error = "forbidden"


class NotFound(AppError):
    """The resource does not exist or is not visible to the caller."""

    status_code = 404
    error = "not_found"


class Conflict(AppError):
    """The request conflicts with the current state."""

    status_code = 409
    error = "conflict"


class PayloadTooLarge(AppError):
    """The request body or uploaded file is larger than the configured limit."""

    status_code = 413
    error = "payload_too_large"


class UnprocessableContent(AppError):
    """The request is well-formed but its content breaks the rules (a record that is not a valid chat)."""

    status_code = 422
    error = "invalid_content"


class TooManyRequests(AppError):
    """Too many attempts; ``Retry-After`` says when to try again."""

    status_code = 429
    error = "too_many_requests"

    def __init__(self, detail: Any, *, retry_after: int) -> None:
        super().__init__(detail)
        self.headers = {"Retry-After": str(retry_after)}


class ServiceUnavailable(AppError):
    """A dependency (database, broker) is down."""

    status_code = 503
    error = "service_unavailable"


def error_responses(*errors: type[AppError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries for the errors an endpoint can raise."""
    return {e.status_code: {"model": ErrorBody, "description": e.__doc__ or e.error} for e in errors}


# The OpenAI-compatible endpoint (``app.serving``) answers errors as OpenAI does, so its SDKs raise
# their own typed errors: ``{"error": {"message", "type", "param", "code"}}``, a bad body as a 400.
OPENAI_PREFIX = "/v1/"
_OPENAI_CODES = {401: "invalid_api_key", 404: "model_not_found"}


def _openai_error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    kind = "invalid_request_error" if status < 500 else "server_error"
    body = {"error": {"message": message, "type": kind, "param": None, "code": _OPENAI_CODES.get(status)}}
    return JSONResponse(body, status, headers=headers or None)


def _is_openai(request: Request) -> bool:
    return request.url.path.startswith(OPENAI_PREFIX)


def install_error_handlers(app: FastAPI) -> None:
    """Render every failure in the one JSON shape; unexpected ones are logged, never leaked."""

    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> JSONResponse:
        if _is_openai(request):
            return _openai_error(exc.status_code, str(exc.detail or exc.error), exc.headers)
        body = ErrorBody(error=exc.error, detail=exc.detail).model_dump()
        return JSONResponse(body, exc.status_code, headers=exc.headers or None)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        detail = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
            for e in exc.errors()
        ]
        if _is_openai(request):
            problems = (f"{'.'.join(map(str, d['loc']))}: {d['msg']}" for d in detail)
            return _openai_error(400, "; ".join(problems))
        return JSONResponse(ErrorBody(error="validation_error", detail=detail).model_dump(), 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if isinstance(exc.__cause__, UnicodeDecodeError):
            # FastAPI answers a JSON body that is not UTF-8 with a bare 400, but other broken JSON with a
            # 422 `json_invalid`: one documented answer for every unreadable body.
            detail = [{"loc": ["body"], "msg": "the body is not valid JSON text", "type": "json_invalid"}]
            return JSONResponse(ErrorBody(error="validation_error", detail=detail).model_dump(), 422)
        name = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(
            ErrorBody(error=name, detail=exc.detail).model_dump(), exc.status_code, headers=exc.headers
        )

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    @app.exception_handler(PoolTimeout)
    @app.exception_handler(ConnectionError)
    async def _database_down(request: Request, exc: Exception) -> JSONResponse:
        logger.warning(
            "database unavailable on %s %s: %s", request.method, request.url.path, type(exc).__name__
        )
        body = ErrorBody(error="service_unavailable", detail="the database is unavailable; try again shortly")
        return JSONResponse(body.model_dump(), 503, headers={"Retry-After": "5"})

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return JSONResponse(
            ErrorBody(error="internal_error", detail="unexpected server error").model_dump(), 500
        )
