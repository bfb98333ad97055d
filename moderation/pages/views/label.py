"""The labelling form: one comment at a time; every key press is one request that saves and moves on."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from flask import session as cookie
from werkzeug.wrappers import Response

from moderation.pages import card, labelling, queries
from moderation.pages.session import current_user, login_required
from moderation.pages.store import pages_store
from moderation.pages.views.common import blueprint, form, fragment_or_page

bp = blueprint("pages_label", __name__, url_prefix="/label")
MAX_SKIPPED = 200


def _order() -> str:
    return request.values.get("order") or cookie.get("label_order") or "thread"


def _skipped(thread_id: str) -> list[str]:
    return list((cookie.get("skipped") or {}).get(thread_id, []))


def _show(state: labelling.ThreadState, comment_id: str | None) -> str | Response:
    user = current_user()["name"]
    overlap = queries.get_overlap(pages_store())
    comment = state.comments[state.index(comment_id)] if comment_id else None
    ctx = card.card(state, comment, user, overlap)
    url = url_for("pages_label.thread", thread_id=state.thread.id, order=state.order,
                  c=comment.id if comment else None)
    body = fragment_or_page("pages/_card.html", "pages/label.html", **ctx)
    return Response(body, headers={"X-Card-URL": url}, mimetype="text/html")


def _next_id(state: labelling.ThreadState, after: str | None = None) -> str | None:
    skipped = frozenset(_skipped(state.thread.id))
    found = labelling.next_comment(state, current_user()["name"], queries.get_overlap(pages_store()),
                                   after=after, skipped=skipped)
    return found.id if found else None


@bp.get("")
@login_required()
def index() -> str:
    """Every thread with my progress and the team's."""
    store, user = pages_store(), current_user()["name"]
    overlap = queries.get_overlap(store)
    rows = [(t, labelling.progress(labelling.load(store, t.id, user), user, overlap)) for t in store.list_threads()]
    return render_template("pages/threads.html", rows=rows, order=_order(), overlap=overlap)


@bp.get("/<thread_id>")
@login_required()
def thread(thread_id: str) -> str | Response:
    """The labelling page at comment ?c= (default: the next one I should label)."""
    cookie["label_order"] = order = _order()
    state = labelling.load(pages_store(), thread_id, current_user()["name"], order)
    return _show(state, request.args.get("c") or _next_id(state))


@bp.post("/<thread_id>/save")
@login_required()
def save(thread_id: str) -> Any:
    """Save my label of the comment and show the next one to label."""
    state = labelling.load(pages_store(), thread_id, current_user()["name"], _order())
    done = labelling.save(pages_store(), state, current_user()["name"], form())
    return _reply(state, _next_id(state, after=done))


@bp.post("/<thread_id>/skip")
@login_required()
def skip(thread_id: str) -> Any:
    """Leave the comment for now (for this session) and show the next one."""
    state = labelling.load(pages_store(), thread_id, current_user()["name"], _order())
    comment_id = request.form.get("comment_id", "")
    state.index(comment_id)
    skipped = dict(cookie.get("skipped") or {})
    skipped[thread_id] = [*(_skipped(thread_id) + [comment_id])][-MAX_SKIPPED:]
    cookie["skipped"] = skipped
    return _reply(state, _next_id(state, after=comment_id))


@bp.post("/<thread_id>/undo")
@login_required()
def undo(thread_id: str) -> Any:
    """Take back my last label in this thread and show that comment again."""
    undone = labelling.undo(pages_store(), thread_id, current_user()["name"])
    state = labelling.load(pages_store(), thread_id, current_user()["name"], _order())
    return _reply(state, undone or request.form.get("comment_id") or _next_id(state))


def _reply(state: labelling.ThreadState, comment_id: str | None) -> Any:
    from moderation.pages.session import wants_fragment

    if wants_fragment():
        return _show(state, comment_id)
    return redirect(url_for("pages_label.thread", thread_id=state.thread.id, order=state.order, c=comment_id))
