"""The moderation queues: counts, items with why, keys a/r/l/j/k, one decision for a group of near-copies."""

from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, url_for
from werkzeug.wrappers import Response

from moderation.pages import queue_view
from moderation.pages.session import current_user, login_required, wants_fragment
from moderation.pages.store import pages_store
from moderation.pages.views.common import blueprint, form

bp = blueprint("pages_queues", __name__, url_prefix="/queues")


@bp.get("")
@login_required("moderator")
def index() -> str:
    """Every queue with its open items."""
    store = pages_store()
    return render_template("pages/queues.html", counts=queue_view.counts(store), oldest=store.queue_oldest())


@bp.get("/<name>")
@login_required("moderator")
def queue(name: str) -> str:
    """A queue's items, highest priority first, each with why it is there."""
    store = pages_store()
    return render_template("pages/queue.html", name=name, cards=queue_view.cards(store, name),
                           count=queue_view.counts(store).get(name, 0), reasons=queue_view.REASONS,
                           default_reason=queue_view.default_reason(name),
                           relabels=queue_view.RELABELS, oldest=store.queue_oldest().get(name))


@bp.post("/<name>/decide")
@login_required("moderator")
def decide(name: str) -> Response:
    """Approve, reject or relabel a group of items as the signed-in moderator."""
    queue_view.check_queue(name)
    fields = form()
    ids = [i for i in fields.pop("comment_ids", "").split(",") if i]
    # Decisions carry the user name, as gold labels do.
    result = queue_view.decide_group(pages_store(), ids, fields, current_user()["name"])
    result["open"] = queue_view.counts(pages_store()).get(name, 0)
    n, skipped = len(result["decided"]), len(result["conflicts"])
    result["message"] = f"{result['action']}: {n} comment{'s' if n != 1 else ''}" + (
        f" ({skipped} already decided by someone else)" if skipped else "")
    if wants_fragment():
        return jsonify(result)
    flash(result["message"])
    return redirect(url_for("pages_queues.queue", name=name))
