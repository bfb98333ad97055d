"""Admins: users (create, change role, deactivate, reset a password) and settings (the labelling overlap)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from moderation import settings
from moderation.errors import InputError
from moderation.pages import accounts, queries
from moderation.pages.session import current_user, login_required
from moderation.pages.store import pages_store
from moderation.pages.views.common import blueprint

bp = blueprint("pages_admin", __name__, url_prefix="/admin")
HIDDEN = {"secret_key", "coral_signing_secrets", "database_url"}


def _shown(value: object) -> str:
    """A setting's value as the environment variable would spell it (not Python's True / None)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None or value == "":
        return "(not set)"
    return str(value)


@bp.get("/users")
@login_required("admin")
def users() -> str:
    """Every user and a form for a new one."""
    return render_template("pages/users.html", users=accounts.list_users(pages_store()), roles=accounts.ROLES)


@bp.post("/users")
@login_required("admin")
def create_user() -> Response:
    """Add a user."""
    f = request.form
    user = accounts.create_user(pages_store(), f.get("name", "").strip(), f.get("role", ""), f.get("password", ""))
    flash(f"User {user['name']} ({user['role']}) created.")
    return redirect(url_for("pages_admin.users"))


@bp.post("/users/<name>")
@login_required("admin")
def update_user(name: str) -> Response:
    """Change a user's role or active flag (an admin cannot lock themself out)."""
    role = request.form.get("role") or None
    active = {"1": True, "0": False}.get(request.form.get("active", ""))
    if name == current_user()["name"] and (active is False or (role and role != "admin")):
        raise InputError("you cannot demote or deactivate yourself", field="name")
    accounts.update_user(pages_store(), name, role=role, active=active)
    flash(f"User {name} updated.")
    return redirect(url_for("pages_admin.users"))


@bp.post("/users/<name>/password")
@login_required("admin")
def reset_password(name: str) -> Response:
    """Give a user a new password (they sign in with it from now on)."""
    accounts.update_user(pages_store(), name, password=request.form.get("password", ""))
    flash(f"Password of {name} changed.")
    return redirect(url_for("pages_admin.users"))


@bp.get("/settings")
@login_required("admin")
def settings_page() -> str:
    """Every setting's value in effect (secrets hidden; the overlap as kept in the store) and the overlap form."""
    config = current_app.config["MODERATION"]
    overlap = queries.get_overlap(pages_store())
    rows = []
    for s in settings.SETTINGS:
        value = "(hidden)" if s.name in HIDDEN and config.get(s.name) else config.get(s.name, s.default)
        note = ""
        if s.name == queries.OVERLAP_KEY and overlap != value:
            value, note = overlap, f"set on this page (the environment says {value})"
        rows.append((s, _shown(value), note))
    return render_template("pages/settings.html", rows=rows, overlap=overlap)


@bp.post("/settings")
@login_required("admin")
def save_settings() -> Response:
    """Change the labelling overlap (kept in the store)."""
    raw = request.form.get("overlap", "")
    if not (raw.isascii() and raw.isdigit()):  # str.isdigit() takes '²', int() does not
        raise InputError("overlap must be a whole number", field="overlap")
    queries.set_overlap(pages_store(), int(raw))
    flash(f"Overlap set to {int(raw)} annotator(s) per comment.")
    return redirect(url_for("pages_admin.settings_page"))
