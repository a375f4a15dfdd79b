"""``/admin/live-codes`` (upkeep, stats, QR images) and ``GET /l/{code}`` (the public scan).

The scan answers a customer's phone, not a program: its failures are small HTML pages
(404 unknown, 410 expired, 503 nobody available), never JSON or a traceback.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from chalice.app import Response

from chalicelib.core.errors import DomainError
from chalicelib.core.http import ApiBlueprint
from chalicelib.core.lazy import lazy_import

if TYPE_CHECKING:
    from chalicelib.identity.models import Principal
    from chalicelib.livecodes import groupcodes, scanning, service
    from chalicelib.livecodes.models import (
        CodeStats,
        GroupCode,
        GroupCodeIn,
        GroupCodeStats,
        LiveCode,
        LiveCodeIn,
        ReferralCodeIn,
    )
else:
    service = lazy_import("chalicelib.livecodes.service")
    #: The scan alone: no pydantic, no PynamoDB on a customer's first request.
    scanning = lazy_import("chalicelib.livecodes.scanning")
    groupcodes = lazy_import("chalicelib.livecodes.groupcodes")

blueprint = ApiBlueprint(__name__, models="chalicelib.livecodes.models")
CODE = "/admin/live-codes/{code}"
GROUP_CODE = "/admin/group-codes/{code}"

HTML: dict[str, str | list[str]] = {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
}
FRIENDLY = {
    404: ("二维码不存在", "这个二维码无效，请联系商家获取新的二维码。"),
    410: ("二维码已过期", "这个活动二维码已过期，请联系商家获取新的二维码。"),
    503: ("客服暂时忙碌", "当前没有可接待的客服，请稍后再扫码。"),
}


def _qr(code: str, kind: str) -> tuple[str, bytes]:
    """The link and QR image of a code; the base is configured, never the Host header."""
    from chalicelib.core.links import public_base_url

    base = public_base_url(blueprint.current_request.context)
    return service.qr_image(base, _checked(code), blueprint.param("channel"), kind)


@blueprint.get("/admin/live-codes", "viewer", response="LiveCode[]", listed="code")
def list_live_codes() -> list[LiveCode]:
    return service.list_codes()


@blueprint.put(CODE, "operator", body="LiveCodeIn", response="LiveCode")
def put_live_code(code: str, body: LiveCodeIn, principal: Principal) -> LiveCode:
    return service.put_code(_checked(code), body, principal.userid, principal.role)


@blueprint.get(CODE, "viewer", response="LiveCode")
def get_live_code(code: str) -> LiveCode:
    return service.get_code(_checked(code))


@blueprint.delete(CODE, "operator")
def delete_live_code(code: str) -> None:
    service.delete_code(_checked(code))


@blueprint.get(f"{CODE}/stats", "viewer", response="CodeStats")
def live_code_stats(code: str) -> CodeStats:
    return service.stats(_checked(code), blueprint.param("from"), blueprint.param("to"))


@blueprint.get(f"{CODE}/qr.svg", "viewer")
def live_code_svg(code: str) -> Response:
    target, image = _qr(code, "svg")
    return Response(
        body=image.decode(), headers={"Content-Type": "image/svg+xml", "X-Live-Code-Link": target}
    )


@blueprint.get(f"{CODE}/qr.png", "viewer")
def live_code_png(code: str) -> Response:
    """PNG is binary: API Gateway (and Chalice) send it as bytes only when the request's
    Accept names ``image/png``; the admin UI asks for it that way."""
    target, image = _qr(code, "png")
    return Response(body=image, headers={"Content-Type": "image/png", "X-Live-Code-Link": target})


@blueprint.put(
    "/admin/contacts/{external_userid}/referral-code",
    "operator",
    body="ReferralCodeIn",
    response="LiveCode",
)
def put_referral_code(external_userid: str, body: ReferralCodeIn, principal: Principal) -> LiveCode:
    return service.put_referral_code(external_userid, body, principal.userid, principal.role)


@blueprint.get("/admin/group-codes", "viewer", response="GroupCode[]", listed="code")
def list_group_codes() -> list[GroupCode]:
    return groupcodes.list_group_codes()


@blueprint.put(GROUP_CODE, "operator", body="GroupCodeIn", response="GroupCode")
def put_group_code(code: str, body: GroupCodeIn, principal: Principal) -> GroupCode:
    return groupcodes.put_group_code(_checked(code), body, principal.userid)


@blueprint.get(GROUP_CODE, "viewer", response="GroupCode")
def get_group_code(code: str) -> GroupCode:
    return groupcodes.get_group_code(_checked(code))


@blueprint.delete(GROUP_CODE, "operator")
def delete_group_code(code: str) -> None:
    groupcodes.delete_group_code(_checked(code))


@blueprint.get(f"{GROUP_CODE}/stats", "viewer", response="GroupCodeStats")
def group_code_stats(code: str) -> GroupCodeStats:
    day = blueprint.param("day") or service.now_local().date().isoformat()
    return groupcodes.stats(_checked(code), day)


@blueprint.get("/g/{code}")
def scan_group_code(code: str) -> Response:
    """A customer scanned a printed group code: on to the join way's QR."""
    try:
        if not _valid(code):
            raise _unknown()
        qr_code = groupcodes.scan(code)
    except DomainError as error:
        return _friendly(error.status)
    return Response(
        body="", status_code=302, headers={"Location": qr_code, "Cache-Control": "no-store"}
    )


@blueprint.get("/l/{code}")
def scan_live_code(code: str) -> Response:
    """A customer scanned a printed code: route them to a staff member's QR."""
    try:
        if not _valid(code):
            raise _unknown()
        routed = scanning.scan(code, blueprint.param("c"))
    except DomainError as error:
        return _friendly(error.status)
    if routed.landing == "redirect":
        return Response(
            body="",
            status_code=302,
            headers={"Location": routed.qr_code, "Cache-Control": "no-store"},
        )
    return Response(body=_landing(routed.title, routed.hint, routed.qr_code), headers=HTML)


def _valid(code: str) -> bool:
    import re

    return re.fullmatch(r"[a-z0-9]{1,10}", code) is not None


def _unknown() -> DomainError:
    from chalicelib.livecodes.errors import LiveCodeNotFound

    return LiveCodeNotFound("no such live code")


def _checked(code: str) -> str:
    if not _valid(code):
        from chalicelib.core.errors import BadRequest

        raise BadRequest("a live code is 1 to 10 lowercase letters or digits", code="invalid_code")
    return code


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>body{{font-family:sans-serif;"
        "text-align:center;padding:2em 1em;color:#333}img{width:80%;max-width:320px}</style>"
        f"</head><body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )


def _friendly(status: int) -> Response:
    title, text = FRIENDLY.get(status, FRIENDLY[503])
    return Response(
        body=_page(title, f"<p>{html.escape(text)}</p>"),
        status_code=status if status in FRIENDLY else 503,
        headers=HTML,
    )


def _landing(title: str, hint: str, qr_code: str) -> str:
    body = (
        f'<img src="{html.escape(qr_code, quote=True)}" alt="QR">'
        f"<p>{html.escape(hint or '长按识别二维码，添加专属顾问')}</p>"
    )
    return _page(title or "添加顾问", body)
