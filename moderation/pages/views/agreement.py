"""The agreement page and the adjudication view (moderators and admins: the leads)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from moderation.charts import stacked_bars
from moderation.pages import agreement as logic
from moderation.pages import highlight, tags
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
    counts = logic.annotator_counts(coded)
    chart = stacked_bars(counts, label="comments labelled per annotator, by label") if counts else None
    return render_template("pages/agreement.html", report=logic.report(coded), fields=logic.FIELDS,
                           open=len(logic.disagreements(coded, gold)), threads=store.list_threads(),
                           thread_id=thread_id, chart=chart)


def _cases(store, found: list[dict]) -> list[dict]:  # noqa: ANN001 - a Store
    """Each disagreement with its comment as posted (quotes drawn as quotes) and its thread (article, target)."""
    comments = {d["comment_id"]: store.get_comment(d["comment_id"]) for d in found}
    threads: dict[str, tuple] = {}
    for c in comments.values():
        if c.thread_id not in threads:
            thread, in_thread = store.get_thread(c.thread_id), store.thread_comments(c.thread_id)
            threads[c.thread_id] = (thread, in_thread, tags.thread_verdicts(thread, in_thread))
    cases = []
    for d in found:
        comment = comments[d["comment_id"]]
        thread, in_thread, verdicts = threads[comment.thread_id]
        verdict = verdicts.get(comment.id)
        quotes = verdict.quotes if verdict else tags.quotes_only(thread, in_thread, comment)
        cases.append({"d": d, "comment": comment, "thread": thread,
                      "segments": highlight.segments(comment.text, quotes)})
    return sorted(cases, key=lambda c: c["comment"].thread_id)


@bp.get("/adjudicate")
@login_required("moderator")
def adjudicate() -> str:
    """Every open disagreement, the annotators' labels side by side, a form to pick the gold label."""
    store = pages_store()
    thread_id = request.args.get("thread") or None
    coded, gold = logic.latest(store, thread_id)
    cases = _cases(store, logic.disagreements(coded, gold))
    return render_template("pages/adjudicate.html", cases=cases, fields=logic.FIELDS, thread_id=thread_id)


@bp.post("/adjudicate/<comment_id>")
@login_required("moderator")
def decide(comment_id: str) -> Response:
    """Store the lead's gold label and note, back to the list with a confirmation saying what was stored."""
    fields = form()
    logic.adjudicate(pages_store(), comment_id, current_user()["name"], fields)
    coded, gold = logic.latest(pages_store(), request.args.get("thread") or None)
    left = len(logic.disagreements(coded, gold))
    source = f" (from {fields['from']})" if fields.get("from") else ""
    flash(f"Gold label stored for {comment_id}: {logic.describe(fields)}{source}. "
          f"{left} disagreement{'s' if left != 1 else ''} left.")
    return redirect(url_for("pages_agreement.adjudicate", thread=request.args.get("thread") or None))
