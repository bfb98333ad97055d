"""Request bodies checked and turned into the package's objects; each rule names the offending field."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from flask import current_app, request

from moderation.dataset import STANCES, Comment, Thread
from moderation.errors import InputError, TooLargeError, UnsupportedMediaError
from moderation.queue.decisions import ACTIONS, REJECT_REASONS
from moderation.queue.scoring import ATTRIBUTES, Options, ScoreItem

MAX_ID = 200
# The fields each body may carry: anything else is refused (a typo such as "stance" must not pass silently).
ITEM_FIELDS = ("id", "thread_id", "thread", "text", "author", "parent_id", "created_at")
OPTION_FIELDS = ("attributes", "store")
THREAD_FIELDS = ("id", "title", "body", "target", "url")
DECISION_FIELDS = ("action", "reason_code", "label")


def reject_unknown(obj: dict[str, Any], allowed: tuple[str, ...], where: str = "") -> None:
    """InputError (400) naming the first field the body should not have."""
    unknown = sorted(set(obj) - set(allowed))
    if unknown:
        raise InputError(f"unknown field {where + unknown[0]!r} (expected {', '.join(allowed)})",
                         field=where + unknown[0])


def json_body() -> dict[str, Any]:
    """The request's JSON object (415 for another content type, 400 for malformed JSON)."""
    if not request.is_json:
        raise UnsupportedMediaError("the body must be JSON (Content-Type: application/json)")
    raw = request.get_data(cache=True)  # 413 past MAX_CONTENT_LENGTH
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"malformed JSON: {exc}") from exc
    except RecursionError as exc:  # [[[[... a hundred thousand deep: the decoder gives up, so do we
        raise InputError("malformed JSON: nested too deeply") from exc
    if not isinstance(body, dict):
        raise InputError("the body must be a JSON object")
    return body


def check_text(value: str, field: str) -> str:
    """The value when the store can hold it: no NUL (PostgreSQL text cannot), no lone surrogate (not UTF-8)."""
    if "\x00" in value:
        raise InputError(f"{field} contains a NUL character", field=field)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(f"{field} contains a lone surrogate (\\u{ord(value[exc.start]):04x}), which is not "
                         "text", field=field) from exc
    return value


def _str(obj: dict[str, Any], key: str, where: str, *, required: bool = False, limit: int = MAX_ID) -> str | None:
    value = obj.get(key)
    if value is None:
        if required:
            raise InputError(f"{where}{key} is required", field=where + key)
        return None
    if not isinstance(value, str):
        raise InputError(f"{where}{key} must be a string", field=where + key)
    if len(value) > limit:
        raise InputError(f"{where}{key} is longer than {limit} characters", field=where + key)
    return check_text(value, where + key)


def _thread(obj: Any, where: str) -> Thread:
    if not isinstance(obj, dict):
        raise InputError(f"{where}thread must be an object", field=where + "thread")
    w = where + "thread."
    reject_unknown(obj, THREAD_FIELDS, w)
    title = _str(obj, "title", w, required=True, limit=10_000) or ""
    body = _str(obj, "body", w, limit=1_000_000) or ""
    target = _str(obj, "target", w, limit=10_000) or ""
    thread_id = _str(obj, "id", w)
    if not thread_id:
        # The same inline article always maps onto the same stored thread.
        thread_id = "inline-" + hashlib.sha1(f"{title}\0{body}\0{target}".encode()).hexdigest()[:16]
    return Thread(id=thread_id, title=title, body=body, target=target, url=_str(obj, "url", w, limit=2000))


def parse_item(obj: Any, max_chars: int, where: str = "") -> ScoreItem:
    """One comment object: text, thread_id or thread, optional id / parent_id / author / created_at."""
    if not isinstance(obj, dict):
        raise InputError(f"{where or 'comment'} must be an object", field=where.rstrip(".") or None)
    reject_unknown(obj, ITEM_FIELDS if where else ITEM_FIELDS + OPTION_FIELDS, where)
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"{where}text is required and must be a non-empty string", field=where + "text")
    if len(text) > max_chars:
        raise TooLargeError(f"{where}text has {len(text)} characters; the limit is {max_chars}",
                            field=where + "text")
    check_text(text, where + "text")  # PostgreSQL text cannot hold NUL; refuse it on every backend alike
    thread = _thread(obj["thread"], where) if obj.get("thread") is not None else None
    thread_id = thread.id if thread else _str(obj, "thread_id", where)
    if not thread_id:
        raise InputError(f"{where}thread_id or {where}thread is required", field=where + "thread_id")
    comment = Comment(id=_str(obj, "id", where) or uuid.uuid4().hex, thread_id=thread_id, text=text,
                      author=_str(obj, "author", where), parent_id=_str(obj, "parent_id", where),
                      created_at=_str(obj, "created_at", where, limit=64))
    item = ScoreItem(comment, thread)
    if not where:
        check_budget([item])
    return item


def check_budget(items: list[ScoreItem]) -> None:
    """413 when the request asks to score more characters than max_work_chars (before any scoring starts)."""
    budget = int(current_app.config["MODERATION"]["max_work_chars"])
    threads = {i.thread.id: i.thread for i in items if i.thread is not None}
    work = sum(len(i.comment.text) for i in items)
    work += sum(len(t.title) + len(t.body) + len(t.target) for t in threads.values())
    if work > budget:
        field = "comments" if len(items) > 1 else "text"
        raise TooLargeError(f"this request asks to score {work} characters ({len(items)} comments and their "
                            f"inline threads); the work budget is {budget} (MODERATION_MAX_WORK_CHARS)",
                            field=field)


def parse_options(body: dict[str, Any], *, store_default: bool = True) -> Options:
    """`attributes` (a subset of ATTRIBUTES) and `store` (default: store_default)."""
    attrs = body.get("attributes")
    if attrs is not None:
        if not isinstance(attrs, list) or not all(isinstance(a, str) for a in attrs):
            raise InputError("attributes must be a list of names", field="attributes")
        unknown = sorted(set(attrs) - set(ATTRIBUTES))
        if unknown:
            raise InputError(f"unknown attribute {unknown[0]!r} (one of {', '.join(ATTRIBUTES)})",
                             field="attributes")
        attrs = frozenset(attrs)
    store = body.get("store", store_default)
    if not isinstance(store, bool):
        raise InputError("store must be true or false", field="store")
    return Options(attrs, store)


def parse_batch(body: dict[str, Any], max_chars: int, max_batch: int) -> list[ScoreItem]:
    """`comments`: a non-empty list of at most max_batch comment objects."""
    reject_unknown(body, ("comments", *OPTION_FIELDS))
    items = body.get("comments")
    if not isinstance(items, list) or not items:
        raise InputError("comments must be a non-empty list", field="comments")
    if len(items) > max_batch:
        raise TooLargeError(f"{len(items)} comments in one batch; the limit is {max_batch}", field="comments")
    parsed = [parse_item(obj, max_chars, f"comments[{i}].") for i, obj in enumerate(items)]
    check_budget(parsed)
    return parsed


def parse_label(obj: Any) -> dict[str, Any]:
    """A relabel's label: stance / off_topic / duplicate_of, at least one of them."""
    if not isinstance(obj, dict) or not obj:
        raise InputError("label must be an object with stance, off_topic or duplicate_of", field="label")
    unknown = sorted(set(obj) - {"stance", "off_topic", "duplicate_of"})
    if unknown:
        raise InputError(f"unknown label field {unknown[0]!r}", field="label." + unknown[0])
    if "stance" in obj and obj["stance"] not in (*STANCES, None):
        raise InputError(f"label.stance must be one of {', '.join(STANCES)}", field="label.stance")
    if "off_topic" in obj and not isinstance(obj["off_topic"], bool | None):
        raise InputError("label.off_topic must be true or false", field="label.off_topic")
    if "duplicate_of" in obj:
        _str(obj, "duplicate_of", "label.")
    return dict(obj)


def parse_decision(body: dict[str, Any]) -> dict[str, Any]:
    """`action` approve|reject|relabel; reject needs `reason_code`, relabel needs `label`."""
    reject_unknown(body, DECISION_FIELDS)
    action = body.get("action")
    if action not in ACTIONS:
        raise InputError(f"action must be one of {', '.join(ACTIONS)}", field="action")
    reason = body.get("reason_code")
    if action == "reject" and reason not in REJECT_REASONS:
        raise InputError(f"reject needs reason_code, one of {', '.join(REJECT_REASONS)}", field="reason_code")
    if reason is not None and not isinstance(reason, str):
        raise InputError("reason_code must be a string", field="reason_code")
    label = parse_label(body.get("label")) if action == "relabel" or body.get("label") is not None else None
    return {"action": action, "reason_code": reason, "label": label}
