"""Sign in and out."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from moderation.pages import session, signin
from moderation.pages.store import pages_store
from moderation.pages.views.common import blueprint

bp = blueprint("pages_auth", __name__)
# Browsers drop tabs and newlines anywhere in a URL and C0 controls and spaces at its ends: "/\t/evil" is "//evil".
_IGNORED = re.compile(r"[\x00-\x20\x7f]")


def safe_next(target: str | None) -> str:
    """The page to go back to after signing in: a path on this site, never another site's URL."""
    path = _IGNORED.sub("", target or "")
    parts = urlsplit(path)
    if (path.startswith("/") and not path.startswith("//") and "\\" not in path
            and not parts.scheme and not parts.netloc):
        return path
    return url_for("pages.home")


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int, dict[str, str]] | tuple[str, int]:
    """The sign-in form; on success, back to the page that asked for it."""
    if request.method == "POST":
        next_page = request.form.get("next", "")
        try:
            user = signin.attempt(pages_store(), request.form.get("name", ""), request.form.get("password", ""))
        except signin.TooManyFailures as exc:
            flash(exc.message)
            return (render_template("pages/login.html", next=next_page), exc.status,
                    {"Retry-After": str(exc.retry_after)})
        if user is not None:
            session.sign_in(user)
            return redirect(safe_next(next_page))
        flash("Wrong name or password.")
        return render_template("pages/login.html", next=next_page), 401
    return render_template("pages/login.html", next=request.args.get("next", ""))


@bp.post("/logout")
def logout() -> Response:
    """Sign out (every session of this user ends)."""
    session.sign_out()
    return redirect(url_for("pages_auth.login"))
