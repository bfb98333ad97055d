"""Coral Talk's External Moderation Phase: a signed webhook answered with a status, flags and tags.

Coral (coralproject/talk, services/comments/pipeline/phases/external.ts) POSTs
`{action, comment: {body, parentID}, author: {id, role}, story: {id, url}, site: {id}, tenantID, tenantDomain}`
(older releases: `tenant: {id, domain}`), serialised with two-space indentation and signed in the
`X-Coral-Signature` header as `sha256=<hex HMAC-SHA256 of the raw body>` per active secret, comma-separated.
It accepts `{status?, actions?: [{actionType: "FLAG", reason}], tags?}`; `{}` means no opinion.

Replays: the signature covers the body only (no timestamp, no nonce; `now` only filters expired secrets), and the
body carries no comment id, so a captured request stays valid forever and no time window can be checked. A NEW
request is therefore idempotent instead: its comment id is the sha256 of the signed body, and the answer given is
stored with the comment (meta key `coral:<id>`, same transaction); the same body again stores nothing and gets
that answer back. (A byte-identical body can only come from the same author, story, parent and text, which
Coral's own repeat-post phase handles before external phases run.)
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import re
from typing import Any

from flask import Blueprint, Response, jsonify, request

from moderation.app.resources import get_engine, get_store, setting
from moderation.app.service import adapter
from moderation.app.validation import check_text, json_body
from moderation.dataset import Comment
from moderation.errors import AuthError, InputError, NotFoundError, TooLargeError, UnavailableError
from moderation.queue import Options, Scored, ScoreItem, make_policy, score_items

bp = Blueprint("coral", __name__, url_prefix="/v1/coral")
SIGNATURE_HEADER = "X-Coral-Signature"
_TAG = re.compile(r"<[^>]+>")


def signature(secret: str, body: bytes) -> str:
    """The header value Coral sends for one secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(header: str, body: bytes, secrets: list[str]) -> bool:
    """True when one of the header's sha256 signatures matches the body under one of our secrets."""
    offered = [part.strip() for part in header.split(",") if part.strip().startswith("sha256=")]
    expected = [signature(s, body) for s in secrets]
    return any(hmac.compare_digest(o, e) for o in offered for e in expected)


def _secrets() -> list[str]:
    return [s.strip() for s in str(setting("coral_signing_secrets") or "").split(",") if s.strip()]


def comment_id_of(raw: bytes) -> str:
    """The comment id of a Coral request: the same signed body is the same comment."""
    return "coral-" + hashlib.sha256(raw).hexdigest()[:32]


def parse_request(body: dict[str, Any], comment_id: str) -> tuple[str, Comment, str]:
    """The action, the comment (HTML stripped, under comment_id) and its story id from Coral's request."""
    comment = body.get("comment")
    story = body.get("story")
    if not isinstance(comment, dict) or not isinstance(comment.get("body"), str):
        raise InputError("comment.body is required", field="comment.body")
    if not isinstance(story, dict) or not isinstance(story.get("id"), str) or not story["id"]:
        raise InputError("story.id is required", field="story.id")
    text = html.unescape(_TAG.sub(" ", comment["body"])).replace("\x00", "").strip()
    if len(text) > setting("max_comment_chars"):
        raise TooLargeError("comment.body is over the comment length limit", field="comment.body")
    check_text(text, "comment.body")
    author = body.get("author") if isinstance(body.get("author"), dict) else {}
    parent = comment.get("parentID")
    for field, value in (("story.id", story["id"]), ("author.id", author.get("id")), ("comment.parentID", parent)):
        if isinstance(value, str):
            check_text(value, field)
    return (str(body.get("action") or "NEW"),
            Comment(id=comment_id, thread_id=story["id"], text=text,
                    author=str(author.get("id")) if author.get("id") else None,
                    parent_id=parent if isinstance(parent, str) else None),
            story["id"])


def coral_answer(result: Scored, model_version: str | None, reject_off_topic: float) -> dict[str, Any]:
    """Our queue decision in Coral's terms: withhold duplicates and off-topic comments for review."""
    queue = result.route
    answer: dict[str, Any] = {"actions": [], "tags": [],
                              "metadata": {"moderation": {"queue": queue.queue, "reasons": list(queue.reasons),
                                                          "model_version": model_version}}}
    if queue.queue == "duplicate":
        answer["status"] = "SYSTEM_WITHHELD"
        answer["actions"].append({"actionType": "FLAG", "reason": "COMMENT_DETECTED_SPAM"})
    elif queue.queue == "off-topic":
        p_off = result.verdict.off_topic.probability
        answer["status"] = "REJECTED" if 0 < reject_off_topic <= p_off else "SYSTEM_WITHHELD"
    return answer


def moderate() -> dict[str, Any]:
    """Verify, score the comment in its story's thread, answer in Coral's shape ({} for an unknown story)."""
    secrets = _secrets()
    if not secrets:
        raise UnavailableError("the Coral adapter is not configured (MODERATION_CORAL_SIGNING_SECRETS)")
    raw = request.get_data(cache=True)
    if not verify_signature(request.headers.get(SIGNATURE_HEADER, ""), raw, secrets):
        raise AuthError(f"missing or wrong {SIGNATURE_HEADER}")
    action, comment, story_id = parse_request(json_body(), comment_id_of(raw))
    if not comment.text:
        return {}
    store = get_store()
    answered = store.get_meta(_answer_key(comment.id)) if action == "NEW" else None
    if answered is not None:  # a replay (or Coral retrying): nothing stored again, the same answer
        return json.loads(answered)
    engine = get_engine()
    try:
        engine.tagger.workspaces.thread(store, story_id)
    except NotFoundError:
        return {}
    from flask import current_app

    policy = make_policy(current_app.config["MODERATION"], engine.manifest)
    with store.atomic():  # the comment and the answer it got: stored together, or neither
        result = score_items(store, engine, policy, [ScoreItem(comment)], Options(store=action == "NEW"),
                             adapt=adapter(engine))[0]
        answer = coral_answer(result, engine.version, float(setting("coral_reject_off_topic")))
        if action != "NEW":
            return answer
        # A copy of this request scored at the same moment waited for this one's commit: the first answer wins.
        return json.loads(store.set_meta_default(_answer_key(comment.id), json.dumps(answer)))


def _answer_key(comment_id: str) -> str:
    return f"coral:{comment_id}"


@bp.post("/moderate")
def coral_moderate() -> Response:
    """Coral Talk External Moderation Phase endpoint."""
    return jsonify(moderate())
