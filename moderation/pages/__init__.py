"""The people's pages: sign-in, the labelling form, agreement and adjudication, the moderation queues, admin.

`init_app(app)` plugs them into the service's app: blueprints, the session's secret key, template helpers.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask, Request, Response, g
from flask.sessions import SecureCookieSessionInterface

from moderation.errors import ModerationError
from moderation.pages import accounts, session

SECRET_META_KEY = "secret_key"
# URL prefixes the pages own; only these open a cookie session (the JSON API never does).
PREFIXES = ("/home", "/login", "/logout", "/label", "/guidelines", "/agreement", "/adjudicate", "/queues",
            "/admin", "/pages/")


def owns(path: str) -> bool:
    """True when the path belongs to the pages (the landing page `/` too)."""
    return path == "/" or any(path == p.rstrip("/") or path.startswith(p.rstrip("/") + "/") for p in PREFIXES)


class PagesSessionInterface(SecureCookieSessionInterface):
    """Cookie sessions for the pages; the secret comes from the setting, else one generated and kept in the store."""

    def open_session(self, app: Flask, request: Request) -> Any:
        """The session of a pages request (the API's requests get a null session and set no cookie)."""
        if not owns(request.path):
            return None
        if not app.secret_key:
            try:
                app.secret_key = _secret(app)
            except ModerationError as exc:
                # The store is down: an empty session that is never saved, and the view answers the error.
                g.store_problem = exc
                return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: Any, response: Response) -> None:
        """Save the session, unless it could not be opened (no secret to sign it with)."""
        if app.secret_key:
            super().save_session(app, session, response)


def _secret(app: Flask) -> str:
    configured = app.config["MODERATION"].get("secret_key")
    if configured:
        return configured
    from moderation.app.resources import get_store

    return get_store(app).set_meta_default(SECRET_META_KEY, secrets.token_urlsafe(48))


def init_app(app: Flask) -> None:
    """Register the pages' blueprints, the session handling and the template helpers on the app."""
    from moderation.pages import guidelines, markup, welcome
    from moderation.pages.store import pages_store
    from moderation.pages.views import admin, agreement, auth, keys, label, queues, ui

    app.session_interface = PagesSessionInterface()  # cookie flags: moderation.app.headers
    for module in (ui, auth, label, agreement, queues, admin, keys):
        app.register_blueprint(module.bp)

    @app.context_processor
    def _helpers() -> dict[str, Any]:
        return {"current_user": session.current_user, "csrf_token": session.csrf_token, "may": accounts.may,
                "csrf_field": session.CSRF_FIELD, "guidelines_html": guidelines.html,
                "first_steps": lambda: welcome.first_steps(pages_store()),
                "admin_exists": lambda: welcome.admin_exists(pages_store()), "create_admin": welcome.CREATE_ADMIN}

    app.add_template_filter(markup.code_spans, "code_spans")
    app.add_template_filter(markup.age, "age")
