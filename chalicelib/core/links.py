"""The public base URL of every link the product prints (live codes, group codes).

A printed link must never depend on who asked: the request's ``Host`` (or
``X-Forwarded-Host``) header is whatever the client sent, so a forged one would print a
link to another site, or a ``javascript:`` one. The base is, in order:

1. ``PUBLIC_BASE_URL`` (set by infra from the API's custom domain, by the local stack
   from its API port);
2. the API Gateway endpoint the request came through, taken from the request context that
   API Gateway fills in itself (``<id>.execute-api.<region>.amazonaws.com`` and the stage,
   so the ``/api`` stage is never missed);
3. on the local stage only, ``http://127.0.0.1:8000``.

Anywhere else there is no safe base and the answer is a 503 naming the setting.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from chalicelib.core.errors import DependencyUnavailable
from chalicelib.core.settings import checked_base_url, get_settings

EXECUTE_API_HOST = re.compile(r"^[a-z0-9]{10}\.execute-api\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$")
STAGE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
LOCAL_DEFAULT = "http://127.0.0.1:8000"


class NoPublicBaseUrl(DependencyUnavailable):
    code = "public_base_url_missing"


def public_base_url(request_context: Mapping[str, Any] | None = None) -> str:
    """Where printed links point (see the module docstring); never from a header."""
    settings = get_settings()
    if settings.public_base_url:
        return checked_base_url(settings.public_base_url)
    context = request_context or {}
    domain = str(context.get("domainName") or "")
    stage = str(context.get("stage") or "")
    if EXECUTE_API_HOST.match(domain) and STAGE_NAME.match(stage):
        return f"https://{domain}/{stage}"
    if settings.stage == "local":
        return LOCAL_DEFAULT
    raise NoPublicBaseUrl("PUBLIC_BASE_URL is not configured: printed links have no safe base")
