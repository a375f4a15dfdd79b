"""Every admin route in the app's route table refuses the unauthenticated and the too weak.

The routes are enumerated from the app itself, so a new ``/admin`` route that forgets its
role fails here without anyone listing it.
"""

from __future__ import annotations

import re
from typing import Any

import jwt
import pytest

from app import app
from chalicelib.auth.roles import ROLES
from tests.support.admin import bearer

ADMIN_ROUTES = sorted(
    (path, method, entry)
    for path, methods in app.routes.items()
    if path.startswith("/admin")
    for method, entry in methods.items()
)
IDS = [f"{method} {path}" for path, method, _ in ADMIN_ROUTES]


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x", path)


def call(client: Any, method: str, path: str, headers: dict[str, str]) -> Any:
    body = b"{}" if method in ("POST", "PUT", "PATCH") else None
    return client.http.request(
        method, concrete(path), headers={"Content-Type": "application/json", **headers}, body=body
    )


def test_there_are_admin_routes_to_check() -> None:
    assert len(ADMIN_ROUTES) >= 20


@pytest.mark.parametrize(("path", "method", "entry"), ADMIN_ROUTES, ids=IDS)
def test_every_admin_route_declares_a_role_and_the_authorizer(
    path: str, method: str, entry: Any
) -> None:
    assert entry.authorizer is not None and entry.authorizer.name == "admin_token"
    assert getattr(entry.view_function, "required_role", None) in ROLES


@pytest.mark.parametrize(("path", "method", "entry"), ADMIN_ROUTES, ids=IDS)
def test_every_admin_route_refuses_bad_credentials(
    client: Any, path: str, method: str, entry: Any
) -> None:
    assert call(client, method, path, {}).status_code == 401
    forged = jwt.encode(
        {"sub": "x", "role": "admin", "iss": "scrm", "aud": "scrm-admin", "iat": 0, "exp": 2**40},
        "not-the-signing-key-of-this-stage-0123456789",
        algorithm="HS256",
    )
    assert call(client, method, path, {"Authorization": f"Bearer {forged}"}).status_code == 403
    assert call(client, method, path, bearer("admin", ttl_s=-60)).status_code == 403


@pytest.mark.parametrize(("path", "method", "entry"), ADMIN_ROUTES, ids=IDS)
def test_every_admin_route_refuses_a_weaker_role(
    client: Any, path: str, method: str, entry: Any
) -> None:
    needed = entry.view_function.required_role
    weaker = ROLES[: ROLES.index(needed)]
    for role in weaker:
        response = call(client, method, path, bearer(role))
        assert response.status_code == 403, (role, response.body)
        assert response.json_body["error"] == "role_required"
