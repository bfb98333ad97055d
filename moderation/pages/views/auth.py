"""Sign in and out."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from moderation.pages import accounts, session
from moderation.pages.store import pages_store
from moderation.pages.views.common import blueprint

bp = blueprint("pages_auth", __name__)


def _safe_next(target: str | None) -> str:
    # Only a path on this site: never an absolute URL an attacker could slip into ?next=.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("pages.home")


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    """The sign-in form; on success, back to the page that asked for it."""
    if request.method == "POST":
        user = accounts.authenticate(pages_store(), request.form.get("name", ""), request.form.get("password", ""))
        if user is not None:
            session.sign_in(user)
            return redirect(_safe_next(request.form.get("next")))
        flash("Wrong name or password.")
        return render_template("pages/login.html", next=request.form.get("next", "")), 401
    return render_template("pages/login.html", next=request.args.get("next", ""))


@bp.post("/logout")
def logout() -> Response:
    """Sign out."""
    session.sign_out()
    return redirect(url_for("pages_auth.login"))
