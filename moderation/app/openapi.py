"""The OpenAPI 3 document of the API, kept beside the code (a test checks every route is in it)."""

from __future__ import annotations

from typing import Any

from moderation.dataset import STANCES
from moderation.queue import ACTIONS, ATTRIBUTES, QUEUES, REJECT_REASONS

_ERROR = {"$ref": "#/components/schemas/Error"}
_BEARER: list[dict[str, list[str]]] = [{"bearer": []}]


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


_WHY = {413: "too large: the body (MODERATION_MAX_BODY_BYTES), a text (MODERATION_MAX_COMMENT_CHARS), a batch "
             "(MODERATION_MAX_BATCH) or the request's work budget (MODERATION_MAX_WORK_CHARS: the characters of "
             "every comment plus its inline thread, answered before any scoring)",
        503: "the store or the model is not available (the message names no host, user or database)"}


def _errors(*statuses: int) -> dict[str, Any]:
    return {str(s): {"description": _WHY.get(s, "error"), **_json(_ERROR)} for s in statuses}


def _op(summary: str, ok: dict[str, Any], *, body: dict[str, Any] | None = None, role: str | None = None,
        errors: tuple[int, ...] = (), status: int = 200, params: list[dict[str, Any]] | None = None
        ) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "responses": {str(status): {"description": "ok", **_json(ok)},
                                                            **_errors(*errors)}}
    if body is not None:
        op["requestBody"] = {"required": True, **_json(body)}
    if role:
        op["security"] = _BEARER
        op["description"] = f"Needs an API key with role {role} or above."
    if params:
        op["parameters"] = params
    return op


# Every request object is closed (additionalProperties false): an unknown field is a 400 naming it.
_THREAD = {"type": "object", "required": ["title"], "additionalProperties": False, "properties": {
    "id": {"type": "string", "maxLength": 200}, "title": {"type": "string"}, "body": {"type": "string"},
    "target": {"type": "string"}, "url": {"type": "string"}}}
_COMMENT_PROPS = {
    "text": {"type": "string", "minLength": 1}, "thread_id": {"type": "string", "maxLength": 200},
    "thread": {"$ref": "#/components/schemas/Thread"}, "id": {"type": "string", "maxLength": 200},
    "parent_id": {"type": "string", "maxLength": 200}, "author": {"type": "string", "maxLength": 200},
    "created_at": {"type": "string", "maxLength": 64}}
_COMMENT = {"type": "object", "required": ["text"], "additionalProperties": False, "properties": _COMMENT_PROPS}
_ATTRIBUTES = {"type": "array", "items": {"type": "string", "enum": list(ATTRIBUTES)}}
_NO_STORE = {"type": "boolean", "default": False,
             "description": "true also stores the comment (not queued); by default a score call stores nothing"}
_SCORE_REQ = {"type": "object", "required": ["text"], "additionalProperties": False, "properties": {
    **_COMMENT_PROPS, "attributes": _ATTRIBUTES, "store": _NO_STORE}}
_INGEST_REQ = {"type": "object", "required": ["text"], "additionalProperties": False, "properties": {
    **_COMMENT_PROPS, "attributes": _ATTRIBUTES,
    "store": {"type": "boolean", "enum": [True], "default": True, "description": "always stores"}}}
_BATCH_REQ = {"type": "object", "required": ["comments"], "additionalProperties": False, "properties": {
    "comments": {"type": "array", "minItems": 1, "items": {"$ref": "#/components/schemas/Comment"}},
    "attributes": _ATTRIBUTES, "store": _NO_STORE}}
_QUEUE = {"type": "object", "properties": {"name": {"type": "string", "enum": list(QUEUES)},
                                           "priority": {"type": "number"},
                                           "reasons": {"type": "array", "items": {"type": "string"}},
                                           "rule": {"type": "string"}, "item_id": {"type": "integer"}}}
_RESULT = {"type": "object", "required": ["id", "thread_id", "model_version", "stored"], "properties": {
    **{a: {"type": ["object", "null"]} for a in ATTRIBUTES},  # an attribute without its own line below
    "id": {"type": "string"}, "thread_id": {"type": "string"}, "model_version": {"type": ["string", "null"]},
    "stored": {"type": "boolean"}, "own_text": {"type": ["string", "null"]},
    "quotes": {"type": "array", "items": {"type": "object"}}, "duplicate": {"type": ["object", "null"]},
    "off_topic": {"type": ["object", "null"]}, "stance": {"type": ["object", "null"]},
    "queue": {"$ref": "#/components/schemas/Queue"}, "reasons": {"type": "array"}}}
_DECISION_REQ = {"type": "object", "required": ["action"], "additionalProperties": False, "properties": {
    "action": {"type": "string", "enum": list(ACTIONS)},
    "reason_code": {"type": "string", "enum": list(REJECT_REASONS)},
    "label": {"type": "object", "additionalProperties": False, "properties": {
        "stance": {"type": "string", "enum": list(STANCES)}, "off_topic": {"type": "boolean"},
        "duplicate_of": {"type": "string"}}}}}
_CORAL_REQ = {"type": "object", "required": ["comment", "story"], "properties": {
    "action": {"type": "string", "enum": ["NEW", "EDIT"]},
    "comment": {"type": "object", "required": ["body"], "properties": {
        "body": {"type": "string"}, "parentID": {"type": ["string", "null"]}}},
    "author": {"type": "object", "properties": {"id": {"type": "string"}, "role": {"type": "string"}}},
    "story": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"},
                                                                   "url": {"type": "string"}}},
    "site": {"type": "object"}, "tenantID": {"type": "string"}, "tenantDomain": {"type": "string"}}}
_CORAL_RESP = {"type": "object", "properties": {
    "status": {"type": "string", "enum": ["APPROVED", "REJECTED", "SYSTEM_WITHHELD", "NONE", "PREMOD"]},
    "actions": {"type": "array", "items": {"type": "object"}}, "tags": {"type": "array"},
    "metadata": {"type": "object"}}}
_OBJ = {"type": "object"}
_NAME = {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
_PAGE = [{"name": n, "in": "query", "required": False, "schema": {"type": "integer", "minimum": 0}}
         for n in ("limit", "offset")]
_CID = {"name": "comment_id", "in": "path", "required": True, "schema": {"type": "string"}}
_IN = (400, 401, 403, 404, 409, 413, 415, 503)


def document() -> dict[str, Any]:
    """The OpenAPI document served at /v1/openapi.json."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "moderation", "version": "1",
                 "description": "Comment stance, off-topic and duplicate scoring with review queues."},
        "paths": {
            "/v1/score": {"post": _op("Score one comment", {"$ref": "#/components/schemas/Result"},
                                      body=_SCORE_REQ, role="scorer", errors=_IN)},
            "/v1/score/batch": {"post": _op("Score many comments", {"type": "object", "properties": {
                "results": {"type": "array", "items": {"$ref": "#/components/schemas/Result"}},
                "count": {"type": "integer"}}}, body=_BATCH_REQ, role="scorer", errors=_IN)},
            "/v1/comments": {"post": _op("Store, score and queue a comment", {"$ref": "#/components/schemas/Result"},
                                         body=_INGEST_REQ, role="scorer", errors=_IN, status=201)},
            "/v1/queues": {"get": _op("Open items per queue", _OBJ, role="moderator", errors=(401, 403))},
            "/v1/queues/{name}": {"get": _op("A queue's open items, highest priority first", _OBJ,
                                             role="moderator", errors=(400, 401, 403, 404),
                                             params=[_NAME, *_PAGE])},
            "/v1/comments/{comment_id}/decision": {"post": _op(
                "Approve, reject (with a reason code) or relabel a queued comment", _OBJ, body=_DECISION_REQ,
                role="moderator", errors=(400, 401, 403, 404, 409, 413, 415), params=[_CID])},
            "/v1/coral/moderate": {"post": {**_op(
                "Coral Talk External Moderation Phase (signed with X-Coral-Signature)", _CORAL_RESP,
                body=_CORAL_REQ, errors=(400, 401, 413, 415, 503)),
                "parameters": [{"name": "X-Coral-Signature", "in": "header", "required": True,
                                "schema": {"type": "string"}}]}},
            "/v1/openapi.json": {"get": _op("This document", _OBJ)},
            "/healthz": {"get": _op("Liveness", _OBJ)},
            "/readyz": {"get": _op("Readiness: store reachable and a model loaded", _OBJ, errors=(503,))},
            "/metrics": {"get": {"summary": "Prometheus metrics",
                                 "responses": {"200": {"description": "ok",
                                                       "content": {"text/plain": {"schema": {"type": "string"}}}},
                                               **_errors(503)}}},
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": {"type": "object", "required": ["error"], "properties": {"error": {
                "type": "object", "required": ["code", "message"], "properties": {
                    "code": {"type": "string"}, "message": {"type": "string"}, "field": {"type": "string"}}}}},
                "Thread": _THREAD, "Comment": _COMMENT, "Queue": _QUEUE, "Result": _RESULT},
        },
    }
