"""The one error handler: every failure answers {"error": {"code", "message", "field"?}} with its status."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from moderation.errors import ModerationError

log = logging.getLogger("moderation.app")

# Werkzeug's statuses mapped onto the codes the project's own errors use.
_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
               422: "unprocessable", 429: "rate_limited", 503: "unavailable"}


def error_response(status: int, code: str, message: str, field: str | None = None) -> tuple[Response, int]:
    """The one JSON error shape as a Flask response."""
    body: dict[str, str] = {"code": code, "message": message}
    if field:
        body["field"] = field
    return jsonify({"error": body}), status


def _moderation_error(exc: ModerationError) -> tuple[Response, int]:
    return jsonify(exc.to_dict()), exc.status


def _http_error(exc: HTTPException) -> tuple[Response, int]:
    status = exc.code or 500
    message = exc.description or exc.name
    if status == 413:
        message = "request body too large"
    response, status = error_response(status, _HTTP_CODES.get(status, f"http_{status}"), message)
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
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
