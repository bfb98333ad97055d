"""The OpenAPI document matches the routes, and fuzzing every operation from it finds no 500."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moderation.app.coral import signature
from moderation.app.openapi import document
from tests.test_app_support import auth, make_app, service_fixture  # noqa: F401 - the `service` fixture

METHODS = {"get", "post", "put", "patch", "delete"}
SECRET = "fuzz-secret"
API_BLUEPRINTS = {"api", "coral", "ops"}


def _routes(app: Any) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in API_BLUEPRINTS:
            continue  # the people's HTML pages (issue 6) are not part of the JSON API
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        found |= {(path, m.lower()) for m in rule.methods if m.lower() in METHODS}
    return found


def test_every_route_is_documented_and_vice_versa(service: dict) -> None:
    documented = {(path, method) for path, ops in document()["paths"].items() for method in ops
                  if method in METHODS}
    assert _routes(service["app"]) == documented


def test_document_is_served(service: dict) -> None:
    r = service["client"].get("/v1/openapi.json")
    assert r.status_code == 200 and r.get_json() == document()


def _operations() -> list[Any]:
    schema = schemathesis.openapi.from_dict(document())
    # /metrics is plain text with no inputs: nothing to fuzz.
    return [op for op in (result.ok() for result in schema.get_all_operations()) if op.path != "/metrics"]


OPERATIONS = _operations()


@pytest.mark.parametrize("operation", OPERATIONS, ids=[f"{o.method.upper()} {o.path}" for o in OPERATIONS])
def test_fuzz_finds_no_500(service: dict, operation: Any) -> None:
    client = make_app(service["store"].url, coral_signing_secrets=SECRET).test_client()
    key = service["keys"]["admin"]
    documented = set(document()["paths"][operation.path][operation.method.lower()]["responses"])

    @settings(max_examples=40, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.filter_too_much])
    @given(case=operation.as_strategy(), use_key=st.booleans())
    def run(case: Any, use_key: bool) -> None:
        headers = {k: v for k, v in (case.headers or {}).items() if isinstance(v, str)}
        if use_key:
            headers.update(auth(key))
        kwargs: dict[str, Any] = {"headers": headers, "query_string": case.query or {}}
        if case.body is not None and not isinstance(case.body, schemathesis.core.NotSet):
            kwargs["data"] = json.dumps(case.body).encode()
            kwargs["content_type"] = "application/json"
            if operation.path == "/v1/coral/moderate" and use_key:
                headers["X-Coral-Signature"] = signature(SECRET, kwargs["data"])
        response = client.open(case.formatted_path, method=case.method.upper(), **kwargs)
        assert response.status_code != 500, (case.body, response.get_data(as_text=True))
        assert str(response.status_code) in documented, (response.status_code, case.body)
        if response.status_code >= 400:
            assert set(response.get_json()) == {"error"}

    run()
