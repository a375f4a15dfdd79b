"""``/admin/welcome-messages``: one message per channel, ``default`` as the fallback."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.core.http import ApiBlueprint
from chalicelib.core.lazy import lazy_import

if TYPE_CHECKING:
    from chalicelib.identity.models import Principal
    from chalicelib.welcome import service
    from chalicelib.welcome.models import WelcomeMessage, WelcomeMessageIn
else:
    service = lazy_import("chalicelib.welcome.service")

blueprint = ApiBlueprint(__name__, models="chalicelib.welcome.models")
CHANNEL = "/admin/welcome-messages/{channel}"


@blueprint.get("/admin/welcome-messages", "viewer", response="WelcomeMessage[]", listed="channel")
def list_welcome_messages() -> list[WelcomeMessage]:
    return service.list_messages()


@blueprint.get(CHANNEL, "viewer", response="WelcomeMessage")
def get_welcome_message(channel: str) -> WelcomeMessage:
    return service.get_message(channel)


@blueprint.put(CHANNEL, "operator", body="WelcomeMessageIn", response="WelcomeMessage")
def put_welcome_message(
    channel: str, body: WelcomeMessageIn, principal: Principal
) -> WelcomeMessage:
    return service.put_message(channel, body, principal.userid)


@blueprint.delete(CHANNEL, "operator")
def delete_welcome_message(channel: str) -> None:
    service.delete_message(channel)
