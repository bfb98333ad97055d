"""What each API call does, one function per call: parse, score or decide, shape the answer."""

from __future__ import annotations

from typing import Any

from moderation.app import validation
from moderation.app.adaptation import adapt_verdict, thread_adapter
from moderation.app.resources import get_engine, get_store, setting
from moderation.errors import InputError, NotFoundError
from moderation.queue import QUEUES, Engine, decide_item, make_policy, score_items
from moderation.queue.scoring import Adapt
from moderation.verdict import Label

MAX_PAGE = 200
ADAPT_CHECK_SECONDS = 1.0  # how stale a thread's label key may be when scoring (the pages always re-read it)


def adapter(engine: Engine) -> Adapt:
    """The per-thread stance adaptation of this engine's model, for score_items."""
    return lambda thread, verdict: adapt_verdict(thread_adapter(engine.tagger, thread, max_age=ADAPT_CHECK_SECONDS),
                                                 verdict)


def _limits() -> tuple[int, int]:
    return setting("max_comment_chars"), setting("max_batch")


def _score(items: list[validation.ScoreItem], options: validation.Options, *, enqueue: bool) -> list[dict]:
    from flask import current_app

    engine = get_engine()
    policy = make_policy(current_app.config["MODERATION"], engine.manifest)
    scored = score_items(get_store(), engine, policy, items, options, enqueue=enqueue, adapt=adapter(engine))
    return [s.to_json(engine.version, options.attributes) for s in scored]


def score_one(body: dict[str, Any]) -> dict[str, Any]:
    """POST /v1/score: one comment's tags, queue and model version (stores nothing unless `store: true`)."""
    item = validation.parse_item(body, _limits()[0])
    return _score([item], validation.parse_options(body, store_default=False), enqueue=False)[0]


def score_batch(body: dict[str, Any]) -> dict[str, Any]:
    """POST /v1/score/batch: many comments, answered in order."""
    items = validation.parse_batch(body, *_limits())
    results = _score(items, validation.parse_options(body, store_default=False), enqueue=False)
    return {"results": results, "count": len(results)}


def ingest(body: dict[str, Any]) -> dict[str, Any]:
    """POST /v1/comments: store and score a comment and put it in its review queue."""
    item = validation.parse_item(body, _limits()[0])
    options = validation.parse_options(body)
    if not options.store:
        raise InputError("POST /v1/comments always stores the comment; use /v1/score for store=false",
                         field="store")
    return _score([item], options, enqueue=True)[0]


def queue_counts() -> dict[str, Any]:
    """GET /v1/queues: open items per queue (every known queue listed, empty ones as 0)."""
    counts = get_store().queue_counts()
    return {"queues": {**dict.fromkeys(QUEUES, 0), **counts}}


def _int_arg(args: dict[str, str], name: str, default: int, top: int) -> int:
    raw = args.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or int(raw) > top:  # str.isdigit() takes '²', int() does not
        raise InputError(f"{name} must be an integer from 0 to {top}", field=name)
    return int(raw)


def queue_page(name: str, args: dict[str, str]) -> dict[str, Any]:
    """GET /v1/queues/<name>: open items, highest priority first."""
    if name not in QUEUES:
        raise NotFoundError(f"unknown queue {name!r} (one of {', '.join(QUEUES)})", field="name")
    limit = _int_arg(args, "limit", 50, MAX_PAGE)
    offset = _int_arg(args, "offset", 0, 10**9)
    items = get_store().queue_items(name, limit=limit, offset=offset)
    return {"queue": name, "items": items, "limit": limit, "offset": offset}


def decide(comment_id: str, body: dict[str, Any], actor: str) -> dict[str, Any]:
    """POST /v1/comments/<id>/decision: close the item (409 when already closed), log it, label it."""
    d = validation.parse_decision(body)
    return decide_item(get_store(), comment_id, action=d["action"], actor=actor, reason_code=d["reason_code"],
                       label=Label.from_json(d["label"]) if d["label"] is not None else None)
