"""Admins: API keys for machine callers (create shows the key once; list; revoke), through the store's key functions."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from moderation.pages.session import login_required
from moderation.pages.store import pages_store
from moderation.pages.views.common import blueprint
from moderation.store.keys import KEY_ROLES

bp = blueprint("pages_keys", __name__, url_prefix="/admin/keys")


def _page(new_key: str | None = None, new_record: dict | None = None) -> str:
    return render_template("pages/keys.html", keys=pages_store().list_api_keys(), roles=KEY_ROLES,
                           new_key=new_key, new_record=new_record)


@bp.get("")
@login_required("admin")
def index() -> str:
    """Every key's prefix, role, name and state, and a form for a new one."""
    return _page()


@bp.post("")
@login_required("admin")
def create() -> tuple[str, int]:
    """Create a key and show it this once (the store keeps only its hash; it is never put in the session)."""
    name = request.form.get("name", "").strip() or None
    key, record = pages_store().create_api_key(request.form.get("role", ""), name)
    return _page(key, record), 201


@bp.post("/<prefix>/revoke")
@login_required("admin")
def revoke(prefix: str) -> Response:
    """Revoke a key: callers using it get 401 from the next request on."""
    pages_store().revoke_api_key(prefix)
    seconds = current_app.config["MODERATION"]["key_cache_seconds"]
    when = f"within {seconds:g} seconds" if seconds else "from the next request on"
    flash(f"Key mod_{prefix}_… revoked: the API refuses it {when}.")
    return redirect(url_for("pages_keys.index"))
