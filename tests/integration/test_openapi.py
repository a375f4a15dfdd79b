"""``GET /admin/openapi.json`` describes every admin route with the models it validates."""

from __future__ import annotations

import inspect
import re
from typing import Any

from openapi_spec_validator import validate

from app import app
from chalicelib.core.http import ApiBlueprint
from tests.support.admin import bearer

ADMIN_OPERATIONS = sorted(
    (path, method.lower())
    for path, methods in app.routes.items()
    if path.startswith("/admin")
    for method in methods
)


def document(client: Any) -> dict[str, Any]:
    response = client.http.get("/admin/openapi.json", headers=bearer("viewer"))
    assert response.status_code == 200, response.body
    return dict(response.json_body)


def test_the_document_is_valid_openapi_with_every_admin_route(client: Any) -> None:
    doc = document(client)
    validate(doc)  # OpenAPI 3.1, every $ref resolvable
    described = sorted((path, method) for path, ops in doc["paths"].items() for method in ops)
    assert described == ADMIN_OPERATIONS
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    for path, method in described:
        operation = doc["paths"][path][method]
        assert operation["security"] == [{"bearerAuth": []}]
        for status in ("400", "401", "403", "404", "409", "503"):
            assert status in operation["responses"], (method, path, status)
    assert "$defs" not in str(doc)  # every sub-model lives under components/schemas
    error = doc["components"]["schemas"]["Error"]
    assert error["required"] == ["error", "message"]


def test_it_needs_a_token_and_is_open_to_viewers(client: Any) -> None:
    assert client.http.get("/admin/openapi.json").status_code == 401
    assert document(client)["openapi"].startswith("3.")


def test_each_body_a_view_validates_is_described_by_its_model(client: Any) -> None:
    doc = document(client)
    missing = []
    for route in ApiBlueprint.declared:
        view = app.routes.get(route.path, {}).get(route.methods[0])
        if view is None or route.role is None:
            continue
        source = inspect.getsource(inspect.unwrap(view.view_function))
        validated = re.search(r"\.(\w+)\.model_validate\(", source)
        key = (route.path, route.methods[0].lower())
        if validated and route.query and route.query.endswith(f":{validated.group(1)}"):
            parameters = doc["paths"][route.path][key[1]]["parameters"]
            assert {p["in"] for p in parameters} >= {"query"}, key
            continue
        if validated:
            if route.body is None:
                missing.append(key)
                continue
            assert route.body.endswith(f":{validated.group(1)}"), (key, route.body)
            schema = doc["paths"][route.path][key[1]]["requestBody"]["content"]
            ref = schema["application/json"]["schema"]["$ref"]
            assert ref.rsplit("/", 1)[-1] in doc["components"]["schemas"]
    assert missing == []


def test_the_document_round_trips_a_real_answer(client: Any) -> None:
    """A described answer validates against its schema (the welcome-message list)."""
    import json

    import jsonschema

    put = client.http.put(
        "/admin/welcome-messages/poster",
        body=json.dumps({"text": "hello"}),
        headers={"Content-Type": "application/json"} | bearer("operator"),
    )
    assert put.status_code == 200
    doc = document(client)
    schema = doc["paths"]["/admin/welcome-messages"]["get"]["responses"]["200"]["content"]
    listed = client.http.get("/admin/welcome-messages", headers=bearer("viewer")).json_body
    resolver_doc = {**schema["application/json"]["schema"], "components": doc["components"]}
    jsonschema.validate(listed, resolver_doc)
    assert listed["items"][0]["channel"] == "poster"
