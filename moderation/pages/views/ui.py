"""The pages' home (each role's start page), the guidelines, and the templates and static files."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from werkzeug.wrappers import Response

from moderation.pages import accounts, guidelines
from moderation.pages.session import current_user, login_required
from moderation.pages.views.common import blueprint

bp = blueprint("pages", __name__, template_folder="../templates", static_folder="../static",
               static_url_path="/pages/static")


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
