"""The API Gateway authorizer of every ``/admin`` route.

It admits a request whose bearer token verifies and hands the role on in the authorizer
context; each route then checks that the role is strong enough (``ApiBlueprint``). A
missing header is refused by API Gateway itself (401); a bad, expired or unverifiable
token is denied (403).
"""

from __future__ import annotations

from chalice.app import AuthRequest, AuthResponse, Blueprint

from chalicelib.core.errors import DomainError
from chalicelib.core.observability import logger

blueprint = Blueprint(__name__)


@blueprint.authorizer(name="admin_token", ttl_seconds=300)
def admin_token(auth_request: AuthRequest) -> AuthResponse:
    from chalicelib.auth.tokens import verify

    try:
        principal = verify(auth_request.token or "")
    except DomainError as error:
        logger.info("admin token refused", extra={"reason": error.code})
        return AuthResponse(routes=[], principal_id="anonymous")
    return AuthResponse(
        routes=["*"], principal_id=principal.subject, context={"role": principal.role}
    )
