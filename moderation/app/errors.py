"""The one error handler: every failure answers {"error": {"code", "message", "field"?}} with its status."""

from __future__ import annotations

import logging
import re

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from moderation.errors import ModelError, ModerationError, UnavailableError
from moderation.store import StoreUnavailable

log = logging.getLogger("moderation.app")

# Werkzeug's statuses mapped onto the codes the project's own errors use.
HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "too_large", 414: "uri_too_long",
               415: "unsupported_media_type", 417: "expectation_failed", 422: "unprocessable",
               429: "rate_limited", 431: "headers_too_large", 501: "not_implemented", 503: "unavailable"}
# An absolute path (a model folder's) inside a message: callers see only its last part.
_PATH = re.compile(r"/(?:[^/\s:]+/)+([^/\s:]+)")


def error_response(status: int, code: str, message: str, field: str | None = None) -> tuple[Response, int]:
    """The one JSON error shape as a Flask response."""
    body: dict[str, str] = {"code": code, "message": message}
    if field:
        body["field"] = field
    return jsonify({"error": body}), status


def public(exc: ModerationError) -> ModerationError:
    """The error as callers may see it: a refused model's message without the model folder's absolute path."""
    if isinstance(exc, ModelError) and _PATH.search(exc.message):
        log.warning("model refused: %s", exc.message)
        return ModelError(_PATH.sub(r"\1", exc.message), field=exc.field)
    return exc


def store_down(exc: StoreUnavailable) -> UnavailableError:
    """A store that stopped answering mid-request, as the 503 callers get (the details go to the log)."""
    log.error("store error: %s", str(exc.orig).strip().splitlines()[0] if exc.orig else exc)
    return UnavailableError("the store is not answering; try again shortly")


def _moderation_error(exc: ModerationError) -> tuple[Response, int]:
    exc = public(exc)
    return jsonify(exc.to_dict()), exc.status


def _store_unavailable(exc: StoreUnavailable) -> tuple[Response, int]:
    return _moderation_error(store_down(exc))


def _http_error(exc: HTTPException) -> tuple[Response, int]:
    status = exc.code or 500
    message = exc.description or exc.name
    if status == 413:
        message = "request body too large"
    response, status = error_response(status, HTTP_CODES.get(status, f"http_{status}"), message)
    if status == 405 and exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response, status


def _unexpected(exc: Exception) -> tuple[Response, int]:
    # The traceback goes to the log, never to the caller.
    log.exception("unhandled error: %s", type(exc).__name__)
    return error_response(500, "internal", "internal error")


def init_app(app: Flask) -> None:
    """Register the handlers on the app."""
    app.register_error_handler(ModerationError, _moderation_error)
    app.register_error_handler(StoreUnavailable, _store_unavailable)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
