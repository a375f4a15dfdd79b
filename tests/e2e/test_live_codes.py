"""Live codes on the real local stack: scans routed over HTTP, adds through the WeCom
simulator's contact ways and callbacks, per-channel stats from the admin API, and caps
holding under concurrent scans against DynamoDB Local."""

from __future__ import annotations

import concurrent.futures
import time
import urllib.error
import urllib.request
from collections import Counter
from typing import Any

import pytest

from local_stack import LocalStack
from tests.e2e.test_contacts_exactly_once import settle


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def scan(stack: LocalStack, code: str, channel: str) -> tuple[int, str]:
    """``GET /l/<code>?c=<channel>`` without following the redirect: status, Location."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(f"{stack.config.api_url}/l/{code}?c={channel}", timeout=30) as answer:
            return answer.status, ""
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location", "")


def put_code(admin: Any, code: str, body: dict[str, Any]) -> tuple[int, Any]:
    """PUT a live code, again on a 503: the stack's WeCom timeout is 1 s, which a loaded
    machine can pass, and a PUT is safe to repeat (the ways made so far are reused)."""
    for _ in range(3):
        status, answer = admin("PUT", f"/admin/live-codes/{code}", body, role="operator")
        if status != 503:
            break
    return status, answer


def test_three_scans_from_two_channels_are_routed_attributed_and_counted(
    stack: LocalStack, sim: str, http: Any, admin: Any, dynamodb: Any
) -> None:
    status, code = put_code(
        admin,
        "e2e1",
        {
            "name": "e2e",
            "mode": "round_robin",
            "staff": [{"userid": "zhangsan"}, {"userid": "lisi"}],
            "channels": ["poster", "parcel"],
        },
    )
    assert status == 200, code
    ways = {w["qr_code"]: w for w in code["ways"]}
    assert len(ways) == 4

    xmls, owners = [], []
    for channel in ("poster", "parcel", "poster"):
        status, location = scan(stack, "e2e1", channel)
        assert status == 302
        way = ways[location]
        assert way["channel"] == channel
        owners.append(way["userid"])
        # The customer scans that member's QR and adds them: the simulator takes the state
        # from the contact way and pushes add_external_contact with it.
        _, added = http(
            "POST", f"{sim}/_sim/customers/add", {"config_id": way["config_id"], "name": "客户"}
        )
        assert added["state"] == f"lc:e2e1:{channel}"
        xmls.append(added["xml"])
    assert owners == ["zhangsan", "lisi", "zhangsan"]
    rows = settle(dynamodb, stack, xmls)
    assert [r["status"]["S"] for r in rows] == ["processed"] * 3

    status, stats = admin("GET", "/admin/live-codes/e2e1/stats", role="viewer")
    assert status == 200
    by_channel = {c["channel"]: c for c in stats["channels"]}
    assert (by_channel["poster"]["scans"], by_channel["poster"]["adds"]) == (2, 2)
    assert (by_channel["parcel"]["scans"], by_channel["parcel"]["adds"]) == (1, 1)
    staff = {s["userid"]: (s["scans"], s["adds"]) for s in stats["staff"]}
    assert staff == {"zhangsan": (2, 2), "lisi": (1, 1)}


def test_caps_hold_under_50_concurrent_scans_on_dynamodb_local(
    stack: LocalStack, sim: str, admin: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    status, answer = put_code(
        admin,
        "e2e2",
        {
            "mode": "least_loaded",
            "staff": [
                {"userid": "zhangsan", "daily_cap": 6},
                {"userid": "lisi", "daily_cap": 9},
                {"userid": "wangwu", "daily_cap": 3},
            ],
            "channels": ["poster"],
        },
    )
    assert status == 200, answer
    from chalicelib.core.aws import reset_clients
    from chalicelib.core.settings import reset_settings
    from chalicelib.livecodes import service
    from chalicelib.livecodes.errors import NoStaffAvailable

    for name, value in stack.config.app_env().items():
        monkeypatch.setenv(name, value)
    reset_settings()
    reset_clients()

    def one(_: int) -> str:
        try:
            return service.scan("e2e2", "poster").userid
        except NoStaffAvailable:
            return "refused"

    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(50) as pool:
        outcomes = Counter(pool.map(one, range(50)))
    assert time.monotonic() - started < 30
    assert outcomes == {"zhangsan": 6, "lisi": 9, "wangwu": 3, "refused": 32}


def test_a_printed_link_ignores_a_forged_host_header(
    stack: LocalStack, sim: str, admin: Any
) -> None:
    """Over real HTTP (``chalice local``): the QR's link is the stack's PUBLIC_BASE_URL
    whatever Host, X-Forwarded-Host or X-Forwarded-Proto the request names."""
    from chalicelib.auth.tokens import mint

    status, answer = put_code(
        admin, "e2ehost", {"name": "host", "staff": [{"userid": "zhangsan"}], "channels": ["a"]}
    )
    assert status == 200, answer
    token = mint("e2e", "viewer", key=stack.config.admin_jwt_secret)
    request = urllib.request.Request(
        f"{stack.config.api_url}/admin/live-codes/e2ehost/qr.svg?channel=a",
        headers={
            "Authorization": f"Bearer {token}",
            "Host": "evil.example.net",
            "X-Forwarded-Host": "evil.example.net",
            "X-Forwarded-Proto": "javascript",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        link = response.headers["X-Live-Code-Link"]
    assert link == f"{stack.config.api_url}/l/e2ehost?c=a"
