"""The JSON API blueprint (/v1): thin views, one call each into moderation.app.service."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from moderation.app import service
from moderation.app.auth import check_role, require_role
from moderation.app.openapi import document
from moderation.app.validation import json_body

bp = Blueprint("api", __name__, url_prefix="/v1")


@bp.post("/score")
@require_role("scorer")
def score() -> Response:
    """Score one comment."""
    return jsonify(service.score_one(json_body()))


@bp.post("/score/batch")
@require_role("scorer")
def score_batch() -> Response:
    """Score many comments."""
    return jsonify(service.score_batch(json_body()))


@bp.post("/comments")
@require_role("scorer")
def ingest() -> tuple[Response, int]:
    """Store, score and queue one comment."""
    return jsonify(service.ingest(json_body())), 201


@bp.get("/queues")
@require_role("moderator")
def queues() -> Response:
    """Open items per queue."""
    return jsonify(service.queue_counts())


@bp.get("/queues/<name>")
@require_role("moderator")
def queue(name: str) -> Response:
    """One queue's open items, highest priority first."""
    return jsonify(service.queue_page(name, request.args.to_dict()))


@bp.post("/comments/<comment_id>/decision")
def decision(comment_id: str) -> Response:
    """Approve, reject or relabel a queued comment."""
    principal = check_role("moderator")
    return jsonify(service.decide(comment_id, json_body(), principal["actor"]))


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI document of this API."""
    return jsonify(document())
