"""``/admin/live-codes`` (upkeep, stats, QR images) and ``GET /l/{code}`` (the public scan).

The scan answers a customer's phone, not a program: its failures are small HTML pages
(404 unknown, 410 expired, 503 nobody available), never JSON or a traceback.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from chalice.app import Response

from chalicelib.core.errors import DomainError
from chalicelib.core.http import ApiBlueprint, current_principal, request_json
from chalicelib.core.lazy import lazy_import
from chalicelib.core.paging import listed

blueprint = ApiBlueprint(__name__)
service = lazy_import("chalicelib.livecodes.service")
models = lazy_import("chalicelib.livecodes.models")
groupcodes = lazy_import("chalicelib.livecodes.groupcodes")

HTML: dict[str, str | list[str]] = {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
}
FRIENDLY = {
    404: ("二维码不存在", "这个二维码无效，请联系商家获取新的二维码。"),
    410: ("二维码已过期", "这个活动二维码已过期，请联系商家获取新的二维码。"),
    503: ("客服暂时忙碌", "当前没有可接待的客服，请稍后再扫码。"),
}


def _query(name: str) -> str | None:
    query: Mapping[str, str] = blueprint.current_request.query_params or {}
    return query.get(name)


def _base_url() -> str:
    """The configured public base of printed links; never the request's Host header."""
    from chalicelib.core.links import public_base_url

    return public_base_url(blueprint.current_request.context)


@blueprint.route(
    "/admin/live-codes",
    methods=["GET"],
    role="viewer",
    response="chalicelib.livecodes.models:LiveCode[]",
)
def list_live_codes() -> dict[str, Any]:
    return listed(blueprint, service.list_codes(), "code")


@blueprint.route(
    "/admin/live-codes/{code}",
    methods=["PUT"],
    role="operator",
    body="chalicelib.livecodes.models:LiveCodeIn",
    response="chalicelib.livecodes.models:LiveCode",
)
def put_live_code(code: str) -> dict[str, Any]:
    _checked(code)
    body = models.LiveCodeIn.model_validate(request_json(blueprint) or {})
    subject, role = current_principal(blueprint)
    return dict(service.put_code(code, body, subject, role).model_dump(mode="json"))


@blueprint.route(
    "/admin/live-codes/{code}",
    methods=["GET"],
    role="viewer",
    response="chalicelib.livecodes.models:LiveCode",
)
def get_live_code(code: str) -> dict[str, Any]:
    return dict(service.get_code(_checked(code)).model_dump(mode="json"))


@blueprint.route("/admin/live-codes/{code}", methods=["DELETE"], role="operator")
def delete_live_code(code: str) -> Response:
    service.delete_code(_checked(code))
    return Response(body="", status_code=204)


@blueprint.route(
    "/admin/live-codes/{code}/stats",
    methods=["GET"],
    role="viewer",
    response="chalicelib.livecodes.models:CodeStats",
)
def live_code_stats(code: str) -> dict[str, Any]:
    found = service.stats(_checked(code), _query("from"), _query("to"))
    return dict(found.model_dump(mode="json"))


@blueprint.route("/admin/live-codes/{code}/qr.svg", methods=["GET"], role="viewer")
def live_code_svg(code: str) -> Response:
    target, image = service.qr_image(_base_url(), _checked(code), _query("channel"), "svg")
    return Response(
        body=image.decode(),
        headers={"Content-Type": "image/svg+xml", "X-Live-Code-Link": target},
    )


@blueprint.route("/admin/live-codes/{code}/qr.png", methods=["GET"], role="viewer")
def live_code_png(code: str) -> Response:
    """PNG is binary: API Gateway (and Chalice) send it as bytes only when the request's
    Accept names ``image/png``; the admin UI asks for it that way."""
    target, image = service.qr_image(_base_url(), _checked(code), _query("channel"), "png")
    return Response(body=image, headers={"Content-Type": "image/png", "X-Live-Code-Link": target})


@blueprint.route(
    "/admin/contacts/{external_userid}/referral-code",
    methods=["PUT"],
    role="operator",
    body="chalicelib.livecodes.models:ReferralCodeIn",
    response="chalicelib.livecodes.models:LiveCode",
)
def put_referral_code(external_userid: str) -> dict[str, Any]:
    body = models.ReferralCodeIn.model_validate(request_json(blueprint) or {})
    subject, role = current_principal(blueprint)
    found = service.put_referral_code(unquote(external_userid), body, subject, role)
    return dict(found.model_dump(mode="json"))


@blueprint.route(
    "/admin/group-codes",
    methods=["GET"],
    role="viewer",
    response="chalicelib.livecodes.models:GroupCode[]",
)
def list_group_codes() -> dict[str, Any]:
    return listed(blueprint, groupcodes.list_group_codes(), "code")


@blueprint.route(
    "/admin/group-codes/{code}",
    methods=["PUT"],
    role="operator",
    body="chalicelib.livecodes.models:GroupCodeIn",
    response="chalicelib.livecodes.models:GroupCode",
)
def put_group_code(code: str) -> dict[str, Any]:
    _checked(code)
    body = models.GroupCodeIn.model_validate(request_json(blueprint) or {})
    subject, _ = current_principal(blueprint)
    return dict(groupcodes.put_group_code(code, body, subject).model_dump(mode="json"))


@blueprint.route(
    "/admin/group-codes/{code}",
    methods=["GET"],
    role="viewer",
    response="chalicelib.livecodes.models:GroupCode",
)
def get_group_code(code: str) -> dict[str, Any]:
    return dict(groupcodes.get_group_code(_checked(code)).model_dump(mode="json"))


@blueprint.route("/admin/group-codes/{code}", methods=["DELETE"], role="operator")
def delete_group_code(code: str) -> Response:
    groupcodes.delete_group_code(_checked(code))
    return Response(body="", status_code=204)


@blueprint.route(
    "/admin/group-codes/{code}/stats",
    methods=["GET"],
    role="viewer",
    response="chalicelib.livecodes.models:GroupCodeStats",
)
def group_code_stats(code: str) -> dict[str, Any]:
    day = _query("day") or service.now_local().date().isoformat()
    return dict(groupcodes.stats(_checked(code), day).model_dump(mode="json"))


@blueprint.route("/g/{code}", methods=["GET"])
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


@blueprint.route("/l/{code}", methods=["GET"])
def scan_live_code(code: str) -> Response:
    """A customer scanned a printed code: route them to a staff member's QR."""
    try:
        if not _valid(code):
            raise _unknown()
        routed = service.scan(code, _query("c"))
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
