"""What every pages blueprint shares: the CSRF check and HTML (or JSON, for fetch calls) error pages."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, redirect, render_template, request, url_for

from moderation.app.errors import public, store_down
from moderation.errors import ModerationError
from moderation.pages import session
from moderation.store import StoreUnavailable


def _error(exc: ModerationError) -> Any:
    exc = public(exc)
    if isinstance(exc, session.LoginRequired) and not session.wants_fragment() and request.method == "GET":
        return redirect(url_for("pages_auth.login", next=request.full_path.rstrip("?")))
    if session.wants_fragment() or request.accept_mimetypes.best == "application/json":
        return jsonify(exc.to_dict()), exc.status
    return render_template("pages/error.html", error=exc), exc.status


def blueprint(name: str, import_name: str, **kwargs: Any) -> Blueprint:
    """A pages blueprint: CSRF checked before every state-changing request, errors drawn as pages."""
    bp = Blueprint(name, import_name, **kwargs)
    bp.before_request(session.store_problem)  # the store was down when the session opened: a 503 page
    bp.before_request(session.check_csrf)
    bp.register_error_handler(ModerationError, _error)
    bp.register_error_handler(StoreUnavailable, lambda exc: _error(store_down(exc)))
    return bp


def form() -> dict[str, str]:
    """The posted form as a plain dict (the first value of each field)."""
    return {k: v for k, v in request.form.items() if k != session.CSRF_FIELD}


def fragment_or_page(fragment: str, page: str, **context: Any) -> str | Response:
    """The fragment for the pages' fetch() calls, the whole page otherwise."""
    return render_template(fragment if session.wants_fragment() else page, **context)
