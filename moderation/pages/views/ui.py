"""The pages' home (each role's start page), the guidelines, and the templates and static files."""

from __future__ import annotations

from pathlib import Path

from flask import Response, redirect, render_template, url_for

from moderation.pages import accounts, guidelines, welcome
from moderation.pages.session import current_user, login_required
from moderation.pages.store import pages_store
from moderation.pages.views.common import blueprint

bp = blueprint("pages", __name__, template_folder="../templates", static_folder="../static",
               static_url_path="/pages/static")


@bp.get("/")
def landing() -> str:
    """What this service is and what to do first (create the first admin, sign in, make an API key)."""
    return render_template("pages/landing.html", steps=welcome.first_steps(pages_store()))


@bp.get("/favicon.ico")
def favicon() -> Response:
    """The site's icon (an SVG, which browsers accept here too)."""
    icon = Path(bp.static_folder or "", "favicon.svg").read_bytes()
    return Response(icon, mimetype="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"})


@bp.get("/home")
@login_required()
def home() -> Response:
    """A moderator starts at the queues, an annotator at the labelling form."""
    user = current_user()
    return redirect(url_for("pages_queues.index" if accounts.may(user, "moderator") else "pages_label.index"))


@bp.get("/guidelines")
@login_required()
def show_guidelines() -> str:
    """The labelling guidelines (labels/GUIDELINES.md) as a page."""
    return render_template("pages/guidelines.html", guidelines=guidelines.html())
