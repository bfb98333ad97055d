"""Who is signed in (a Flask session), the role check for pages, and the CSRF token every form carries."""

from __future__ import annotations

import functools
import hmac
import secrets
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, g, redirect, request, session, url_for

from moderation.errors import ForbiddenError, ModerationError
from moderation.pages import accounts
from moderation.pages.store import pages_store

F = TypeVar("F", bound=Callable[..., Any])
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


class CsrfError(ModerationError):
    """A form post without the session's CSRF token."""

    status = 400
    code = "csrf"


class LoginRequired(ModerationError):
    """No one is signed in (pages redirect to the login form; fetch calls get 401)."""

    status = 401
    code = "unauthorized"


def _valid(user: dict[str, Any] | None) -> bool:
    # Deactivated, signed out or password changed since (the epoch moved on), or past the session's lifetime.
    started = session.get("signed_in_at")
    lifetime = float(current_app.config["MODERATION"]["session_hours"]) * 3600
    return (user is not None and user["active"] and session.get("epoch") == user["session_epoch"]
            and isinstance(started, int | float) and 0 <= time.time() - started < lifetime)


def current_user() -> dict[str, Any] | None:
    """The signed-in user, re-read from the store once per request (an ended session signs them out)."""
    if "user" not in g:
        user = None
        user_id = session.get("user_id")
        if isinstance(user_id, int):
            user = accounts.get_user(pages_store(), user_id)
            if not _valid(user):
                user = None
                session.clear()
        g.user = user
    return g.user


def sign_in(user: dict[str, Any]) -> None:
    """Start a fresh session for the user (a new CSRF token too)."""
    session.clear()
    session["user_id"] = user["id"]
    session["epoch"] = user["session_epoch"]
    session["signed_in_at"] = time.time()
    session[CSRF_FIELD] = secrets.token_urlsafe(32)
    g.user = user


def sign_out() -> None:
    """End the session: every copy of this user's session cookie stops working, not only this browser's."""
    user = current_user()
    if user is not None:
        accounts.end_sessions(pages_store(), user["id"])
    session.clear()
    g.user = None


def csrf_token() -> str:
    """The session's CSRF token (created on first use)."""
    token = session.get(CSRF_FIELD)
    if not token:
        token = session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return token


def store_problem() -> None:
    """Raise the error met when the session was opened (the store was down), so the page answers it."""
    problem = g.pop("store_problem", None)
    if problem is not None:
        raise problem


def check_csrf() -> None:
    """Refuse a state-changing request whose form field or header does not carry the session's token."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    sent = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    expected = session.get(CSRF_FIELD) or ""
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfError("the form's CSRF token is missing or out of date: reload the page and try again")


def wants_fragment() -> bool:
    """True for the pages' own fetch() calls (they ask for HTML fragments or JSON, not whole pages)."""
    return request.headers.get("X-Requested-With") == "fetch"


def login_required(minimum: str = "annotator") -> Callable[[F], F]:
    """A view decorator: signed in (else redirect to the login form) with at least this role (else 403)."""
    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                if wants_fragment() or request.method != "GET":
                    raise LoginRequired("sign in first")
                return redirect(url_for("pages_auth.login", next=request.full_path.rstrip("?")))
            if not accounts.may(user, minimum):
                raise ForbiddenError(f"the {user['role']} role may not open this page (needs {minimum} or above)")
            return view(*args, **kwargs)
        return wrapper  # type: ignore[return-value]
    return decorate
