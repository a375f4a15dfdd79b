"""OpenAPI 3.1 for the admin API, from :attr:`ApiBlueprint.declared`.

Each route names its request and response models as ``"module:Class"`` (``body=``,
``response=``); a response named ``"module:Class[]"`` is a list answered as
``{"items": [Class, …]}``. All models are rendered together with pydantic's
``models_json_schema`` (request bodies in validation mode, answers in serialization mode),
so shared sub-models appear once under ``components/schemas`` and every ``$ref`` points
there. Errors are ``{"error", "message"}``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Literal

from chalicelib.core.http import LIST_SUFFIX, RouteDoc, load_model

Mode = Literal["validation", "serialization"]
REF = "#/components/schemas/{model}"
PATH_PARAM = re.compile(r"\{([^}]+)\}")

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Error",
    "properties": {
        "error": {"type": "string", "description": "a stable machine-readable code"},
        "message": {"type": "string", "description": "what went wrong, for a person"},
    },
    "required": ["error", "message"],
}
ERRORS: dict[str, str] = {
    "400": "the request is malformed; the message says what to fix",
    "401": "no valid credential: sign in, or send a bearer token or API key",
    "403": "the role or data scope is too narrow for this route, or the CSRF header is missing",
    "404": "no such item",
    "409": "the change conflicts with the current state",
    "422": "WeCom refused what the request asked for; the message names WeCom's errcode",
    "503": "a store or WeCom did not answer; retry later",
}


def operations(
    routes: Iterable[RouteDoc], known: set[tuple[str, str]] | None = None
) -> list[tuple[str, str, RouteDoc]]:
    """``(path, method, route)`` of every admin route, once each, in path order.

    ``known`` (the app's route table as ``(path, method)``) drops routes of blueprints the
    app does not register."""
    seen: dict[tuple[str, str], RouteDoc] = {}
    for route in routes:
        if route.role is None:
            continue
        for method in route.methods:
            key = (route.path, method.upper())
            if known is None or key in known:
                seen[key] = route
    return [(path, method, route) for (path, method), route in sorted(seen.items())]


def build(
    routes: Iterable[RouteDoc],
    *,
    known: set[tuple[str, str]] | None = None,
    title: str = "SCRM admin API",
    version: str = "1",
    server: str | None = None,
) -> dict[str, Any]:
    ops = operations(routes, known)
    wanted: list[tuple[Any, Mode]] = []
    for _, _, route in ops:
        if route.body:
            wanted.append((load_model(route.body), "validation"))
        if route.response:
            wanted.append((load_model(route.response), "serialization"))
    schemas: dict[str, Any] = {}
    refs: dict[tuple[Any, Mode], Any] = {}
    if wanted:
        from pydantic.json_schema import models_json_schema

        unique = list(dict.fromkeys(wanted))
        refs, top = models_json_schema(unique, ref_template=REF)
        schemas.update(top.get("$defs", {}))
    schemas["Error"] = ERROR_SCHEMA

    paths: dict[str, dict[str, Any]] = {}
    for path, method, route in ops:
        paths.setdefault(path, {})[method.lower()] = _operation(path, method, route, refs)
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": version,
            "description": "Admin routes of the private-domain backend. Every route needs the "
            "console's session cookie (`scrm_session`, writes also send `X-CSRF-Token`), an API "
            "key or a bearer JWT (`python -m cli token --role …`, a day at most); roles: "
            "staff < viewer < operator < admin; data scopes: own < departments < all.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer"},
                "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "scrm_session"},
            },
        },
        "security": [{"bearerAuth": []}, {"sessionCookie": []}],
    }
    if server:
        document["servers"] = [{"url": server}]
    return document


def _operation(
    path: str, method: str, route: RouteDoc, refs: dict[tuple[Any, Mode], Any]
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": f"{route.name}_{method.lower()}" if len(route.methods) > 1 else route.name,
        "summary": route.summary or f"{method} {path}",
        "tags": [_tag(path)],
        "security": [{"bearerAuth": []}, {"sessionCookie": []}],
        "x-required-role": route.role,
        "x-data-scope": route.scope,
        "description": f"Needs the `{route.role}` role or stronger; data scope rule "
        f"`{route.scope}`.",
    }
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in PATH_PARAM.findall(path)
    ]
    if route.query:
        parameters.extend(_query_parameters(route.query))
    if parameters:
        operation["parameters"] = parameters
    if route.body:
        operation["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {"schema": refs[(load_model(route.body), "validation")]}
            },
        }
    operation["responses"] = {**_success(method, route, refs), **_errors()}
    return operation


def _query_parameters(name: str) -> list[dict[str, Any]]:
    """One ``in: query`` parameter per field of the model ``name`` (flat models only)."""
    schema = load_model(name).model_json_schema(mode="validation")
    required = set(schema.get("required", ()))
    parameters = []
    for field, spec in schema.get("properties", {}).items():
        parameter: dict[str, Any] = {
            "name": field,
            "in": "query",
            "required": field in required,
            "schema": {k: v for k, v in spec.items() if k not in ("title", "description")},
        }
        if spec.get("description"):
            parameter["description"] = spec["description"]
        parameters.append(parameter)
    return parameters


def _success(method: str, route: RouteDoc, refs: dict[tuple[Any, Mode], Any]) -> dict[str, Any]:
    if route.response:
        schema = refs[(load_model(route.response), "serialization")]
        if route.response.endswith(LIST_SUFFIX):
            schema = {
                "type": "object",
                "properties": {"items": {"type": "array", "items": schema}},
                "required": ["items"],
            }
        return {"200": {"description": "OK", "content": {"application/json": {"schema": schema}}}}
    if method == "DELETE":
        return {"204": {"description": "deleted (or already absent)"}}
    return {"200": {"description": "OK"}}


def _errors() -> dict[str, Any]:
    error = {"$ref": "#/components/schemas/Error"}
    answers: dict[str, Any] = {}
    for status, description in ERRORS.items():
        answers[status] = {
            "description": description,
            "content": {"application/json": {"schema": error}},
        }
    return answers


def _tag(path: str) -> str:
    parts = [p for p in path.split("/") if p and not p.startswith("{")]
    return parts[1] if len(parts) > 1 and parts[0] == "admin" else parts[0] if parts else "api"
