"""Every admin route in the app's route table refuses the unauthenticated, the too weak and
the too narrow.

The routes are enumerated from the app itself, so a new ``/admin`` route that forgets its
role, or reads across customers without saying how it filters, fails here without anyone
listing it.
"""

from __future__ import annotations

import re
from typing import Any

import jwt
import pytest

from app import app
from chalicelib.auth.roles import ROLES
from chalicelib.core.http import SCOPE_RULES
from tests.support.admin import bearer

ADMIN_ROUTES = sorted(
    (path, method, entry)
    for path, methods in app.routes.items()
    if path.startswith("/admin")
    for method, entry in methods.items()
)
IDS = [f"{method} {path}" for path, method, _ in ADMIN_ROUTES]
#: Routes whose data scope rule is ``corp``: across customers, so only ``all`` may call them.
CORP = [(p, m, e) for p, m, e in ADMIN_ROUTES if e.view_function.scope_rule == "corp"]
SCOPED = [(p, m, e) for p, m, e in ADMIN_ROUTES if e.view_function.scope_rule in ("contact",)]
STAFF = [(p, m, e) for p, m, e in ADMIN_ROUTES if e.view_function.scope_rule == "staff"]


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x", path)


def call(client: Any, method: str, path: str, headers: dict[str, str]) -> Any:
    body = b"{}" if method in ("POST", "PUT", "PATCH") else None
    return client.http.request(
        method, concrete(path), headers={"Content-Type": "application/json", **headers}, body=body
    )


def test_there_are_admin_routes_to_check() -> None:
    assert len(ADMIN_ROUTES) >= 20
    assert len(CORP) >= 10 and len(SCOPED) >= 8 and len(STAFF) >= 2


@pytest.mark.parametrize(("path", "method", "entry"), ADMIN_ROUTES, ids=IDS)
def test_every_admin_route_declares_a_role_and_a_scope_rule(
    path: str, method: str, entry: Any
) -> None:
    # Authenticated by the app itself (cookie, token or API key), not by API Gateway.
    assert entry.authorizer is None
    assert getattr(entry.view_function, "required_role", None) in ROLES
    assert getattr(entry.view_function, "scope_rule", None) in SCOPE_RULES
    if "{external_userid}" in path:
        assert entry.view_function.scope_rule == "contact"


@pytest.mark.parametrize(("path", "method", "entry"), ADMIN_ROUTES, ids=IDS)
def test_every_admin_route_refuses_bad_credentials(
    client: Any, path: str, method: str, entry: Any
) -> None:
    missing = call(client, method, path, {})
    assert missing.status_code == 401
    assert missing.json_body["error"] == "unauthenticated" and missing.json_body["message"]
    forged = jwt.encode(
        {"sub": "x", "role": "admin", "iss": "scrm", "aud": "scrm-admin", "iat": 0, "exp": 2**40},
        "not-the-signing-key-of-this-stage-0123456789",
        algorithm="HS256",
    )
    answer = call(client, method, path, {"Authorization": f"Bearer {forged}"})
    assert answer.status_code == 401 and answer.json_body["error"] == "invalid_token"
    expired = call(client, method, path, bearer("admin", ttl_s=-120))
    assert expired.status_code == 401 and "expired" in expired.json_body["message"]
    unknown_key = call(client, method, path, {"Authorization": "Bearer scrm_0123456789abcdef_x"})
    assert unknown_key.status_code == 401
    cookie = call(client, method, path, {"Cookie": "scrm_session=nosuchsession.secret"})
    assert cookie.status_code == 401


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


@pytest.mark.parametrize(("path", "method", "entry"), CORP, ids=[f"{m} {p}" for p, m, _ in CORP])
def test_every_route_across_customers_refuses_a_narrower_scope(
    client: Any, path: str, method: str, entry: Any
) -> None:
    for scope, departments in (("own", ()), ("departments", (1,))):
        response = call(client, method, path, bearer("admin", scope=scope, departments=departments))
        assert response.status_code == 403, (scope, response.body)
        assert response.json_body["error"] == "scope_required"


@pytest.mark.parametrize(
    ("path", "method", "entry"), SCOPED + STAFF, ids=[f"{m} {p}" for p, m, _ in SCOPED + STAFF]
)
def test_every_route_about_a_customer_refuses_one_outside_the_scope(
    client: Any, path: str, method: str, entry: Any
) -> None:
    # "x" is nobody's customer and no member's userid the principal may see.
    response = call(client, method, path, bearer("admin", scope="own", subject="zhangsan"))
    assert response.status_code == 403, response.body
    assert response.json_body["error"] == "scope_required"
