"""Live codes through the Chalice app over moto: admin upkeep with WeCom's contact ways,
the public scan, caps under concurrency, attribution, stats and QR images."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import math
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from chalicelib.livecodes import qr, service
from chalicelib.livecodes.errors import NoStaffAvailable
from tests.support.admin import bearer
from tests.support.fake_wecom_api import FakeWeComApi, contact_event_xml, dispatch_again

JSON = {"Content-Type": "application/json"}


def put(client: Any, code: str, body: dict[str, Any], role: str = "operator") -> Any:
    return client.http.put(
        f"/admin/live-codes/{code}", body=json.dumps(body), headers=JSON | bearer(role)
    )


def get(client: Any, path: str, role: str = "viewer", **headers: str) -> Any:
    return client.http.get(path, headers=bearer(role) | headers)


def scan(client: Any, code: str, channel: str = "poster") -> Any:
    return client.http.get(f"/l/{code}?c={channel}")


def owner_of(wecom: FakeWeComApi, location: str) -> str:
    config_id = location.rsplit("/", 1)[-1].removesuffix(".png")
    return str(wecom.ways[config_id]["user"][0])


POOL = {
    "name": "门店海报",
    "mode": "round_robin",
    "staff": [{"userid": "zhangsan"}, {"userid": "lisi"}],
    "channels": ["poster", "parcel"],
}


def test_admin_crud_by_role_keeps_wecom_contact_ways_in_step(
    client: Any, wecom: FakeWeComApi
) -> None:
    assert put(client, "c1", POOL, role="viewer").status_code == 403
    assert client.http.get("/admin/live-codes").status_code == 401

    created = put(client, "c1", POOL)
    assert created.status_code == 200, created.body
    ways = created.json_body["ways"]
    assert {(w["userid"], w["channel"]) for w in ways} == {
        (u, c) for u in ("zhangsan", "lisi") for c in ("poster", "parcel")
    }
    assert {w["state"] for w in ways} == {"lc:c1:poster", "lc:c1:parcel"}
    adds = [body for path, body in wecom.way_calls if path.endswith("add_contact_way")]
    assert all(b["type"] == 1 and b["scene"] == 2 and b["skip_verify"] for b in adds)
    assert len(wecom.ways) == 4

    # The same PUT again changes nothing at WeCom.
    calls = len(wecom.way_calls)
    assert put(client, "c1", POOL).status_code == 200
    assert len(wecom.way_calls) == calls

    # lisi leaves the pool, wangwu joins, verification is switched on.
    changed = POOL | {"staff": [{"userid": "zhangsan"}, {"userid": "wangwu"}], "skip_verify": False}
    assert put(client, "c1", changed).status_code == 200
    paths = Counter(path.rsplit("/", 1)[-1] for path, _ in wecom.way_calls[calls:])
    assert paths == {"add_contact_way": 2, "update_contact_way": 2, "del_contact_way": 2}
    assert {w["user"][0] for w in wecom.ways.values()} == {"zhangsan", "wangwu"}
    assert all(w["skip_verify"] is False for w in wecom.ways.values())

    listed = get(client, "/admin/live-codes").json_body["items"]
    assert [c["code"] for c in listed] == ["c1"]
    assert get(client, "/admin/live-codes/c1").json_body["name"] == "门店海报"

    removed = client.http.delete("/admin/live-codes/c1", headers=bearer("operator"))
    assert removed.status_code == 204
    assert wecom.ways == {}
    assert get(client, "/admin/live-codes/c1").status_code == 404
    assert get(client, "/admin/live-codes").json_body["items"] == []


def test_invalid_bodies_are_refused(client: Any, wecom: FakeWeComApi) -> None:
    assert put(client, "c1", POOL | {"staff": []}).status_code == 400
    assert put(client, "c1", POOL | {"channels": ["a" * 17]}).status_code == 400
    assert put(client, "C_1", POOL).status_code == 400
    assert wecom.ways == {}


def test_a_scan_redirects_to_the_chosen_members_qr_in_turn(
    client: Any, wecom: FakeWeComApi
) -> None:
    put(client, "c1", POOL)
    owners = []
    for _ in range(4):
        response = scan(client, "c1")
        assert response.status_code == 302
        location = response.headers["Location"]
        assert wecom.ways[location.rsplit("/", 1)[-1][:-4]]["state"] == "lc:c1:poster"
        owners.append(owner_of(wecom, location))
    assert owners == ["zhangsan", "lisi", "zhangsan", "lisi"]


def test_a_scan_reads_with_one_batch_get_and_counts_with_one_update(
    client: Any, wecom: FakeWeComApi
) -> None:
    put(
        client, "c5", POOL | {"staff": [{"userid": "zhangsan", "daily_cap": 5}, {"userid": "lisi"}]}
    )
    with _counting() as tally:
        for _ in range(2):
            assert scan(client, "c5").status_code == 302
    # The rules (caps, schedules, rotation) are evaluated on what the one read returned.
    assert [c.operation for c in tally.calls] == ["BatchGetItem", "UpdateItem"] * 2


def _counting() -> Any:
    """:func:`benchmarks.requests.counting`, with the scan path's low-level client hooked."""
    from benchmarks.requests import counting, hook
    from chalicelib.core import aws

    hook(aws.client("dynamodb"))
    return counting()


def _wide_code(code: str, members: int, channels: int) -> None:
    """A code of ``members`` × ``channels`` contact ways, stored as a save stores it."""
    from chalicelib.livecodes import service, store
    from chalicelib.livecodes.models import LiveCode

    names = [f"ch{n}" for n in range(channels)]
    schedule = {str(d): [{"start": "00:00", "end": "24:00"}] for d in range(1, 8)}
    live = LiveCode.model_validate(
        {
            "code": code,
            "mode": "weighted",
            "staff": [
                {
                    "userid": f"staff{n:03d}",
                    "weight": 1 + n % 3,
                    "daily_cap": 1000,
                    "schedule": schedule,
                }
                for n in range(members)
            ],
            "backup": ["staff000"],
            "channels": names,
            "ways": [
                {
                    "userid": f"staff{n:03d}",
                    "channel": channel,
                    "config_id": f"cfg{n}{channel}",
                    "qr_code": f"https://wework.qpic.cn/wwpic/{_token(n, channel)}/0",
                    "state": f"lc:{code}:{channel}",
                }
                for n in range(members)
                for channel in names
            ],
        }
    )
    store.put_doc(code, live.model_dump(mode="json"), code, 1, service.routes_of(live))


@pytest.mark.parametrize(("members", "channels"), [(1, 1), (50, 10), (100, 5)])
def test_a_scan_costs_two_requests_and_one_read_unit_whatever_the_ways(
    client: Any, members: int, channels: int
) -> None:
    """A 500-way code (50 members × 10 channels, or the largest pool, 100 members × 5) is
    read as cheaply as a 1-way one: the
    scan reads the channel's route item and today's counters, never every way."""
    from chalicelib.livecodes import store

    _wide_code("wide", members, channels)
    for _ in range(3):
        with _counting() as tally:
            assert scan(client, "wide", f"ch{channels - 1}").status_code == 302
        assert tally.requests <= 2
        assert tally.by_operation() == {"BatchGetItem": 1, "UpdateItem": 1}
    # moto reports a fixed capacity, so the charge is worked out as DynamoDB does for an
    # eventually consistent BatchGetItem: half a unit per item per started 4 KB.
    day = service.now_local().date().isoformat()
    read = [
        _raw(store.code_pk("wide"), store.day_sk(day)),
        _raw(store.code_pk("wide"), store.route_sk(f"ch{channels - 1}")),
    ]
    assert sum(0.5 * math.ceil(_size(item) / 4096) for item in read) <= 1.0


def _token(n: int, channel: str) -> str:
    """A QR id as random as WeCom's (its compression is not flattered)."""
    digest = hashlib.sha256(f"{n}{channel}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()[:32]


def _raw(pk: str, sk: str) -> dict[str, Any]:
    from chalicelib.core import aws
    from chalicelib.core.settings import get_settings

    table = get_settings().table_name("live-codes")
    answer = aws.client("dynamodb").get_item(
        TableName=table, Key={"pk": {"S": pk}, "sk": {"S": sk}}
    )
    return dict(answer["Item"])


def _size(item: dict[str, Any]) -> int:
    """An item's size as DynamoDB counts it: names and values in UTF-8 (numbers ~21)."""
    total = 0
    for name, value in item.items():
        [(kind, raw)] = value.items()
        size = 21 if kind == "N" else len(raw) if kind == "B" else len(str(raw).encode())
        total += len(name.encode()) + size
    return total


def test_the_landing_page_shows_qr_title_and_hint(client: Any, wecom: FakeWeComApi) -> None:
    put(client, "c2", POOL | {"landing": "page", "title": "品牌<会员>", "hint": "长按添加"})
    response = scan(client, "c2", "parcel")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    page = response.body.decode()
    assert "品牌&lt;会员&gt;" in page and "长按添加" in page
    assert "https://qr.test/cfg" in page


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [("/l/nope", 404, "二维码不存在"), ("/l/BAD!", 404, "二维码不存在"), ("/l/old", 410, "已过期")],
)
def test_unknown_and_expired_codes_get_a_friendly_page(
    client: Any, wecom: FakeWeComApi, path: str, status: int, words: str
) -> None:
    put(client, "old", POOL | {"expires_at": int(time.time()) - 1})
    response = client.http.get(path)
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("text/html")
    page = response.body.decode()
    assert words in page
    assert "Traceback" not in page and "error" not in page


def test_backup_takes_over_when_nobody_is_eligible(client: Any, wecom: FakeWeComApi) -> None:
    body = POOL | {
        "staff": [
            {"userid": "zhangsan", "daily_cap": 0},
            {"userid": "lisi", "schedule": {}},  # never on duty
        ],
        "backup": ["wangwu"],
    }
    put(client, "c3", body)
    for _ in range(3):
        response = scan(client, "c3")
        assert owner_of(wecom, response.headers["Location"]) == "wangwu"
    put(client, "c4", body | {"backup": []})
    response = scan(client, "c4")
    assert response.status_code == 503
    assert "客服暂时忙碌" in response.body.decode()


def _try_scan(code: str) -> str:
    try:
        return service.scan(code, "poster").userid
    except Exception as error:  # the test counts refusals by type
        return type(error).__name__


@pytest.mark.usefixtures("atomic_moto")
def test_caps_hold_under_50_concurrent_scans(client: Any, wecom: FakeWeComApi) -> None:
    put(
        client,
        "c6",
        POOL
        | {
            "mode": "weighted",
            "staff": [
                {"userid": "zhangsan", "daily_cap": 7, "weight": 3},
                {"userid": "lisi", "daily_cap": 11},
                {"userid": "wangwu", "daily_cap": 4},
            ],
        },
    )
    with ThreadPoolExecutor(max_workers=50) as pool:
        outcomes = Counter(pool.map(lambda _: _try_scan("c6"), range(50)))
    assert outcomes == {"zhangsan": 7, "lisi": 11, "wangwu": 4, "NoStaffAvailable": 28}
    day = service.now_local().date().isoformat()
    staff = {
        s["userid"]: s
        for s in get(client, f"/admin/live-codes/c6/stats?from={day}&to={day}").json_body["staff"]
    }
    assert {u: s["scans"] for u, s in staff.items()} == {"zhangsan": 7, "lisi": 11, "wangwu": 4}


def add_event(userid: str, customer: str, state: str, at: int) -> str:
    return contact_event_xml(
        "add_external_contact", customer, userid, create_time=at, state=state, welcome_code="WC1"
    )


def test_real_adds_count_toward_the_cap_and_deletions_are_credited_to_the_channel(
    client: Any, wecom: FakeWeComApi
) -> None:
    body = POOL | {
        "staff": [{"userid": "zhangsan", "daily_cap": 1}, {"userid": "lisi"}],
        "scan_allowance": 3,
        "welcome_text": "欢迎来到门店！",
    }
    put(client, "c7", body)
    now = int(time.time())
    assert owner_of(wecom, scan(client, "c7").headers["Location"]) == "zhangsan"

    # The customer adds zhangsan through the poster way: WeCom calls back with its state.
    wecom.follow("wmA", "zhangsan", createtime=now, state="lc:c7:poster")
    dispatch_again(add_event("zhangsan", "wmA", "lc:c7:poster", now))
    dispatch_again(add_event("zhangsan", "wmA", "lc:c7:poster", now))  # a retry: once
    assert wecom.welcomes[0]["text"] == "欢迎来到门店！"

    # zhangsan reached his cap of real adds: every scan now goes to lisi.
    owners = {owner_of(wecom, scan(client, "c7").headers["Location"]) for _ in range(4)}
    assert owners == {"lisi"}

    # The customer deletes zhangsan the next minute; the deletion goes back to poster.
    wecom.unfollow("wmA", "zhangsan")
    dispatch_again(contact_event_xml("del_follow_user", "wmA", "zhangsan", create_time=now + 60))
    day = service.now_local(now).date().isoformat()
    stats = get(client, f"/admin/live-codes/c7/stats?from={day}&to={day}").json_body
    by_channel = {c["channel"]: c for c in stats["channels"]}
    assert by_channel["poster"] | {"day": day} == {
        "day": day,
        "channel": "poster",
        "scans": 5,
        "adds": 1,
        "deletions": 1,
        "net_adds": 0,
        "conversion": 0.2,
    }
    assert by_channel["parcel"]["adds"] == 0 and by_channel["parcel"]["scans"] == 0
    staff = {s["userid"]: s for s in stats["staff"]}
    assert (staff["zhangsan"]["adds"], staff["zhangsan"]["daily_cap"]) == (1, 1)
    assert staff["lisi"]["scans"] == 4


def test_a_codes_own_auto_tags_go_on_its_adds_only(client: Any, wecom: FakeWeComApi) -> None:
    from chalicelib.contacts import service as contacts

    # Auto-tags make a tag rule: an admin's to set (an operator may keep them as they are).
    tagged = POOL | {"tag_ids": ["etStore"], "store_id": "shop-017"}
    assert put(client, "c9", tagged, role="admin").status_code == 200
    assert get(client, "/admin/live-codes/c9").json_body["store_id"] == "shop-017"
    put(client, "c10", POOL)
    now = int(time.time())
    wecom.follow("wmT", "zhangsan", createtime=now, state="lc:c9:parcel")
    dispatch_again(add_event("zhangsan", "wmT", "lc:c9:parcel", now))
    wecom.follow("wmU", "lisi", createtime=now, state="lc:c10:parcel")
    dispatch_again(add_event("lisi", "wmU", "lc:c10:parcel", now))  # another code: no tag
    assert wecom.marks == [{"userid": "zhangsan", "external_userid": "wmT", "add": ["etStore"]}]
    assert contacts.get_contact("wmT").tag_ids == ["etStore"]
    assert contacts.get_contact("wmU").tag_ids == []

    # The code stops naming tags: its next add is not tagged.
    assert put(client, "c9", POOL, role="admin").status_code == 200
    wecom.follow("wmV", "lisi", createtime=now + 1, state="lc:c9:poster")
    dispatch_again(add_event("lisi", "wmV", "lc:c9:poster", now + 1))
    assert len(wecom.marks) == 1


def test_qr_images_carry_the_codes_link(client: Any, wecom: FakeWeComApi) -> None:
    put(client, "c8", POOL)
    svg = get(client, "/admin/live-codes/c8/qr.svg?channel=parcel")
    assert svg.status_code == 200
    link = svg.headers["X-Live-Code-Link"]
    assert link.endswith("/l/c8?c=parcel")
    assert svg.body == qr.svg(link)
    assert svg.body.startswith(b"<?xml") and b"<svg" in svg.body

    png = get(client, "/admin/live-codes/c8/qr.png", Accept="image/png")
    assert png.status_code == 200
    assert png.headers["Content-Type"] == "image/png"
    assert png.body.startswith(b"\x89PNG\r\n\x1a\n")
    assert png.body == qr.png(png.headers["X-Live-Code-Link"])
    assert png.headers["X-Live-Code-Link"].endswith("/l/c8?c=poster")

    assert get(client, "/admin/live-codes/c8/qr.svg?channel=tv").status_code == 400


def test_a_referral_code_credits_its_adds_to_the_referring_contact(
    client: Any, wecom: FakeWeComApi
) -> None:
    from chalicelib.contacts import service as contacts

    now = int(time.time())
    wecom.follow("wmRef", "lisi", createtime=now, state="poster")
    dispatch_again(add_event("lisi", "wmRef", "poster", now))

    response = client.http.put(
        "/admin/contacts/wmRef/referral-code",
        body=json.dumps({"title": "好友推荐"}),
        headers=JSON | bearer("operator"),
    )
    assert response.status_code == 200, response.body
    code = response.json_body
    assert code["code"] == service.referral_code_id("wmRef") and code["referrer"] == "wmRef"
    [way] = code["ways"]
    assert (way["userid"], way["state"]) == ("lisi", f"lc:{code['code']}:referral")
    assert len(way["state"]) <= 30

    page = scan(client, code["code"], "referral")
    assert page.status_code == 200 and "好友推荐" in page.body.decode()

    wecom.follow("wmNew", "lisi", createtime=now + 5, state=way["state"])
    dispatch_again(add_event("lisi", "wmNew", way["state"], now + 5))
    dispatch_again(add_event("lisi", "wmNew", way["state"], now + 5))  # a retry: once
    referrer = [e for e in contacts.get_timeline("wmRef", 20) if e.kind == "referral_added"]
    assert [e.detail["referred"] for e in referrer] == ["wmNew"]
    referred = [e for e in contacts.get_timeline("wmNew", 20) if e.kind == "referred_by"]
    assert [e.detail["referrer"] for e in referred] == ["wmRef"]
    assert contacts.get_contact("wmNew").relationships[0].channel == "referral"

    unknown = client.http.put(
        "/admin/contacts/wmNobody/referral-code", body="{}", headers=JSON | bearer("operator")
    )
    assert unknown.status_code == 404


def test_a_printed_code_is_rewritten_when_a_member_reaches_the_cap(
    client: Any, wecom: FakeWeComApi
) -> None:
    body = POOL | {
        "channels": ["store"],
        "printed": True,
        "staff": [{"userid": "zhangsan", "daily_cap": 1}, {"userid": "lisi"}],
        "backup": ["wangwu"],
    }
    code = put(client, "p1", body).json_body
    [printed] = code["printed_ways"]
    way = wecom.ways[printed["config_id"]]
    assert (way["type"], way["user"], way["state"]) == (2, ["zhangsan", "lisi"], "lc:p1:store")

    calls = len(wecom.way_calls)
    now = int(time.time())
    wecom.follow("wmP", "zhangsan", createtime=now, state="lc:p1:store")
    dispatch_again(add_event("zhangsan", "wmP", "lc:p1:store", now))
    assert wecom.ways[printed["config_id"]]["user"] == ["lisi"]
    dispatch_again(add_event("zhangsan", "wmP", "lc:p1:store", now))  # a replay: no rewrite
    assert [p for p, _ in wecom.way_calls[calls:]] == ["externalcontact/update_contact_way"]
    assert get(client, "/admin/live-codes/p1").json_body["printed_ways"][0]["users"] == ["lisi"]

    put(client, "p1", body | {"printed": False})
    assert printed["config_id"] not in wecom.ways


def test_a_printed_code_follows_working_hours_with_no_add_to_trigger_it(
    client: Any, wecom: FakeWeComApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    shanghai = ZoneInfo("Asia/Shanghai")
    clock = {"now": datetime(2026, 11, 23, 10, 0, tzinfo=shanghai)}
    monkeypatch.setattr(service, "now_local", lambda at=None: clock["now"])
    mornings = {str(day): [{"start": "09:00", "end": "12:00"}] for day in range(1, 8)}
    body = POOL | {
        "channels": ["store"],
        "printed": True,
        "staff": [{"userid": "zhangsan", "schedule": mornings}, {"userid": "lisi"}],
    }
    [printed] = put(client, "p2", body).json_body["printed_ways"]
    put(client, "c2", POOL)  # not printed: never looked at by the shift job
    way = wecom.ways[printed["config_id"]]
    assert way["user"] == ["zhangsan", "lisi"]
    calls = len(wecom.way_calls)

    def shift_job() -> Any:
        event = client.events.generate_cw_event(
            source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
        )
        return client.lambda_.invoke("refresh_printed_codes", event).payload

    assert shift_job() == {"rewritten": []}  # nothing changed: WeCom is not called
    clock["now"] = datetime(2026, 11, 23, 12, 0, tzinfo=shanghai)  # zhangsan's shift ends
    assert shift_job() == {"rewritten": ["p2"]}
    assert wecom.ways[printed["config_id"]]["user"] == ["lisi"]
    assert shift_job() == {"rewritten": []}
    clock["now"] = datetime(2026, 11, 24, 9, 0, tzinfo=shanghai)  # and begins again
    assert service.refresh_printed_codes() == ["p2"]
    assert wecom.ways[printed["config_id"]]["user"] == ["zhangsan", "lisi"]
    assert [p for p, _ in wecom.way_calls[calls:]] == ["externalcontact/update_contact_way"] * 2


def test_a_forged_host_does_not_change_a_printed_link(
    client: Any, wecom: FakeWeComApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Links come from PUBLIC_BASE_URL, never from the Host or X-Forwarded-* headers."""
    from chalicelib.core.settings import reset_settings

    monkeypatch.setenv("PUBLIC_BASE_URL", "https://go.example.com/")
    reset_settings()
    put(client, "c8", POOL)
    for forged in (
        {"Host": "evil.example.net"},
        {"Host": "x", "X-Forwarded-Proto": "javascript", "X-Forwarded-Host": "evil.example.net"},
    ):
        svg = get(client, "/admin/live-codes/c8/qr.svg?channel=parcel", **forged)
        assert svg.status_code == 200
        assert svg.headers["X-Live-Code-Link"] == "https://go.example.com/l/c8?c=parcel"
        assert svg.body == qr.svg("https://go.example.com/l/c8?c=parcel")
    reset_settings()


def test_without_a_configured_base_a_link_names_the_api_stage_not_the_host() -> None:
    """On a deploy without a custom domain the link is the API Gateway endpoint with its
    stage (``/api``), taken from the context API Gateway fills in; a forged Host counts
    for nothing, and a non-local stage with no safe base answers 503."""
    from chalicelib.core.errors import DependencyUnavailable
    from chalicelib.core.links import public_base_url
    from chalicelib.core.settings import reset_settings

    context = {"domainName": "abc123defg.execute-api.ap-east-1.amazonaws.com", "stage": "api"}
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("PUBLIC_BASE_URL", raising=False)
        patch.setenv("STAGE", "prod")
        reset_settings()
        assert public_base_url(context) == (
            "https://abc123defg.execute-api.ap-east-1.amazonaws.com/api"
        )
        with pytest.raises(DependencyUnavailable):
            public_base_url({"domainName": "evil.example.net", "stage": "api"})
    reset_settings()


@pytest.mark.parametrize("bad", ["javascript://x", "https://go.example.com/?a=1", "ftp://x"])
def test_a_public_base_url_that_is_not_a_plain_http_url_is_refused(bad: str) -> None:
    from pydantic import ValidationError

    from chalicelib.core.settings import Settings

    with pytest.raises(ValidationError):
        Settings.from_env({"PUBLIC_BASE_URL": bad})


def test_a_save_wecom_refuses_leaves_the_code_and_wecom_as_they_were(
    client: Any, wecom: FakeWeComApi
) -> None:
    first = POOL | {"staff": [{"userid": "zhangsan", "daily_cap": 5}], "channels": ["poster"]}
    assert put(client, "aon", first).status_code == 200
    before = get(client, "/admin/live-codes/aon").json_body
    ways_before = copy.deepcopy(wecom.ways)

    # A bigger cap, lisi and then an unknown member in the pool, a backup, verification on.
    refused = put(
        client,
        "aon",
        first
        | {
            "staff": [
                {"userid": "zhangsan", "daily_cap": 50},
                {"userid": "lisi"},
                {"userid": "ghost"},
            ],
            "backup": ["wangwu"],
            "skip_verify": False,
            "printed": True,
        },
    )
    assert (refused.status_code, refused.json_body["error"]) == (422, "wecom_refused")
    assert get(client, "/admin/live-codes/aon").json_body == before
    assert wecom.ways == ways_before  # the ways made for lisi were deleted again

    # A new code WeCom refuses is not saved at all.
    ghost = put(client, "aon2", POOL | {"staff": [{"userid": "lisi"}, {"userid": "ghost"}]})
    assert ghost.status_code == 422
    assert get(client, "/admin/live-codes/aon2").status_code == 404
    assert wecom.ways == ways_before


def test_a_route_may_not_do_what_its_role_could_not_do_directly(
    client: Any, wecom: FakeWeComApi
) -> None:
    tagged = POOL | {"tag_ids": ["etVIP"]}
    refused = put(client, "roles", tagged)  # an operator: tag rules are for admins
    assert (refused.status_code, refused.json_body["error"]) == (403, "field_role_required")
    assert "tag_ids" in refused.json_body["message"]
    referred = put(client, "roles", POOL | {"referrer": "wmSomeone"})
    assert referred.status_code == 403 and "referrer" in referred.json_body["message"]
    assert get(client, "/admin/live-codes/roles").status_code == 404
    assert wecom.ways == {}
    assert get(client, "/admin/tag-rules/live-code-roles").status_code == 404

    # An admin may; then an operator may change the rest as long as the tags stay.
    assert put(client, "roles", tagged, role="admin").status_code == 200
    assert put(client, "roles", tagged | {"name": "改名"}).status_code == 200
    assert put(client, "roles", POOL).status_code == 403  # removing the tags is a change too
    unknown = put(client, "roles", tagged | {"referrer": "wmNobody"}, role="admin")
    assert (unknown.status_code, unknown.json_body["error"]) == (404, "contact_not_found")

    # The referral-code route: its referrer is the contact itself, but its tags are tags.
    now = int(time.time())
    wecom.follow("wmRef2", "lisi", createtime=now, state="poster")
    dispatch_again(add_event("lisi", "wmRef2", "poster", now))
    with_tags = client.http.put(
        "/admin/contacts/wmRef2/referral-code",
        body=json.dumps({"tag_ids": ["etVIP"]}),
        headers=JSON | bearer("operator"),
    )
    assert with_tags.status_code == 403 and "tag_ids" in with_tags.json_body["message"]


def test_anonymous_scans_hold_a_members_slots_minutes_not_the_day(
    client: Any, wecom: FakeWeComApi
) -> None:
    body = POOL | {
        "staff": [{"userid": "zhangsan", "daily_cap": 3}, {"userid": "lisi", "daily_cap": 3}],
        "hold_s": 300,
    }
    assert put(client, "busy", body).status_code == 200
    now = int(time.time())
    # the three windows below fall on one local day (Shanghai): the caps count per day
    if (now + 8 * 3600) % 86_400 > 86_400 - 1_800:
        now -= 3_600
    window_start = (now // 300) * 300
    at = float(window_start + 1)
    routed = [service.scan("busy", "poster", at=at).userid for _ in range(6)]
    assert Counter(routed) == {"zhangsan": 3, "lisi": 3}
    with pytest.raises(NoStaffAvailable):  # every slot is held, for now
        service.scan("busy", "poster", at=at + 10)

    # Five minutes on, nobody added: the reservations expired and scans are routed again.
    later = at + 300
    assert service.scan("busy", "poster", at=later).userid in {"zhangsan", "lisi"}

    # Real adds are what the cap counts: two adds for zhangsan leave him one slot a window.
    for n, customer in enumerate(("wmP1", "wmP2")):
        wecom.follow(customer, "zhangsan", createtime=int(later) + n, state="lc:busy:poster")
        dispatch_again(add_event("zhangsan", customer, "lc:busy:poster", int(later) + n))
    next_window = later + 300
    owners = Counter(service.scan("busy", "poster", at=next_window).userid for _ in range(4))
    assert owners == {"zhangsan": 1, "lisi": 3}
