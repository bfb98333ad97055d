"""One error family: each class carries its HTTP status and a stable code (STYLE.md, Datasette)."""

from __future__ import annotations

from typing import Any


class ModerationError(Exception):
    """Base of every error the project raises on purpose; `status` is its HTTP status."""

    status = 500
    code = "internal"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def to_dict(self) -> dict[str, Any]:
        """The one JSON error shape: {"error": {"code", "message", "field"?}}."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        return {"error": body}


class InputError(ModerationError):
    """The input is malformed or breaks a rule of the format."""

    status = 400
    code = "bad_request"


class UnprocessableError(ModerationError):
    """Well-formed input that cannot be acted on (e.g. a single class to train on)."""

    status = 422
    code = "unprocessable"


class NotFoundError(ModerationError):
    """A named thread, comment, queue or model does not exist."""

    status = 404
    code = "not_found"


class ConflictError(ModerationError):
    """The request conflicts with what is stored (a duplicate id, a decided item)."""

    status = 409
    code = "conflict"


class AuthError(ModerationError):
    """No credentials, or credentials that are not valid."""

    status = 401
    code = "unauthorized"


class ForbiddenError(ModerationError):
    """Valid credentials, but a role that may not do this."""

    status = 403
    code = "forbidden"


class TooLargeError(ModerationError):
    """A body, text or batch over its limit."""

    status = 413
    code = "too_large"


class UnsupportedMediaError(ModerationError):
    """A body that is not JSON where JSON is required."""

    status = 415
    code = "unsupported_media_type"


class RateLimitError(ModerationError):
    """Too many requests."""

    status = 429
    code = "rate_limited"


class UnavailableError(ModerationError):
    """A part the request needs (model, store) is not ready."""

    status = 503
    code = "unavailable"


class ModelError(ModerationError):
    """A model folder that may not be loaded: tampered, wrong scikit-learn, wrong labels."""

    status = 503
    code = "model_refused"
