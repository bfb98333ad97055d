"""The agreement page and the adjudication view (moderators and admins: the leads)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from moderation.pages import agreement as logic
from moderation.pages.session import current_user, login_required
from moderation.pages.store import pages_store
from moderation.pages.views.common import blueprint, form

bp = blueprint("pages_agreement", __name__)


@bp.get("/agreement")
@login_required("moderator")
def agreement() -> str:
    """Cohen's kappa per annotator pair and Krippendorff's alpha per field, for a thread or the whole store."""
    store = pages_store()
    thread_id = request.args.get("thread") or None
    coded, gold = logic.latest(store, thread_id)
    return render_template("pages/agreement.html", report=logic.report(coded), fields=logic.FIELDS,
                           open=len(logic.disagreements(coded, gold)), threads=store.list_threads(),
                           thread_id=thread_id)


@bp.get("/adjudicate")
@login_required("moderator")
def adjudicate() -> str:
    """Every open disagreement, the annotators' labels side by side, a form to pick the gold label."""
    store = pages_store()
    thread_id = request.args.get("thread") or None
    coded, gold = logic.latest(store, thread_id)
    rows = [(d, store.get_comment(d["comment_id"])) for d in logic.disagreements(coded, gold)]
    return render_template("pages/adjudicate.html", rows=rows, fields=logic.FIELDS, thread_id=thread_id)


@bp.post("/adjudicate/<comment_id>")
@login_required("moderator")
def decide(comment_id: str) -> Response:
    """Store the lead's gold label and note, back to the list."""
    logic.adjudicate(pages_store(), comment_id, current_user()["name"], form())
    flash(f"Gold label stored for {comment_id}.")
    return redirect(url_for("pages_agreement.adjudicate", thread=request.args.get("thread") or None))
