"""``GET /l/{code}`` and ``GET /g/{code}`` (public scans) under arbitrary codes, channels and
query strings: the answer is always a redirect to a QR we created, a landing page showing
one, or a friendly page — never a 5xx, never a traceback, never an unknown link."""

from __future__ import annotations

import json
import re
import time
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.fuzz.conftest import Tally, fuzz_settings, mutations
from tests.support.admin import bearer
from tests.support.fake_wecom_api import FakeWeComApi

EXAMPLES, VARIANTS = 2_000, 3  # 2 scans per example + 3 variants: 10,000 inputs
JSON = {"Content-Type": "application/json"}
CODES = {
    "c1": {"staff": [{"userid": "zhangsan"}, {"userid": "lisi", "weight": 3}], "mode": "weighted",
           "channels": ["poster", "parcel", "store"]},
    "page1": {"staff": [{"userid": "wangwu"}], "channels": ["poster"], "landing": "page",
              "title": "<script>alert(1)</script>", "hint": "\"'&<>"},
    "old1": {"staff": [{"userid": "zhangsan"}], "channels": ["poster"], "expires_at": 1},
}  # fmt: skip
CHATS = ["wrFuzz1", "wrFuzz2"]
FRIENDLY = {404, 410}


@pytest.fixture
def scans(client: Any, wecom: FakeWeComApi) -> tuple[Any, set[str]]:
    """The client, with staff and group codes in place; and every QR link they may lead to."""
    from chalicelib.groups import store

    for chat_id in CHATS:
        store.GroupItem.bound()(
            store.group_pk(chat_id), "profile", chat_id=chat_id, member_count=1, status="active"
        ).save()
    links: set[str] = set()
    for code, body in CODES.items():
        put = client.http.put(
            f"/admin/live-codes/{code}", body=json.dumps(body), headers=JSON | bearer("operator")
        )
        assert put.status_code == 200, put.body
        links |= {way["qr_code"] for way in put.json_body["ways"]}
    group = client.http.put(
        "/admin/group-codes/g1",
        body=json.dumps({"chat_ids": CHATS, "max_members": 200}),
        headers=JSON | bearer("operator"),
    )
    assert group.status_code == 200, group.body
    links.add(group.json_body["qr_code"])
    return client, links


codes = st.one_of(
    st.text(max_size=24),
    st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=11),
    st.sampled_from([*CODES, "g1", "C1", "c1 ", "c1/x", "..", "%2e%2e", "c1%00"]),
)
channels = st.none() | st.text(max_size=40) | st.sampled_from(["poster", "parcel", "store", ""])
queries = st.dictionaries(
    st.sampled_from(["c", "channel", "utm_source", "x", "c[]", ""]) | st.text(max_size=8),
    st.text(max_size=40),
    max_size=3,
)


def test_arbitrary_scans_get_a_known_qr_or_a_friendly_page(scans: tuple[Any, set[str]]) -> None:
    client, links = scans
    tally = Tally("live-code scans")
    started = time.monotonic()

    def scan(prefix: str, code: str, channel: str | None, query: dict[str, str]) -> None:
        params = dict(query)
        if channel is not None:
            params["c"] = channel
        path = f"{prefix}/{quote(code, safe='')}" + (f"?{urlencode(params)}" if params else "")
        response = client.http.get(path)
        tally.saw(response.status_code)
        status, body = response.status_code, response.body.decode(errors="replace")
        assert status in {200, 302, 400, 403, 404, 410}, (path, status, body[:300])
        assert "Traceback" not in body
        if status == 302:
            assert response.headers["Location"] in links, (path, response.headers)
        elif status == 200:
            src = re.search(r'<img src="([^"]*)"', body)
            assert src is not None and src.group(1).replace("&amp;", "&") in links
            assert "<script>" not in body  # the title is escaped
        elif status in FRIENDLY:
            assert response.headers["Content-Type"].startswith("text/html")

    @fuzz_settings(EXAMPLES)
    @given(code=codes, channel=channels, query=queries, seed=st.integers(0, 2**32))
    @example(code="c1", channel="poster", query={}, seed=0)
    @example(code="page1", channel=None, query={}, seed=0)
    @example(code="old1", channel="poster", query={}, seed=0)
    @example(code="g1", channel=None, query={}, seed=0)
    def run(code: str, channel: str | None, query: dict[str, str], seed: int) -> None:
        scan("/l", code, channel, query)
        scan("/g", code, channel, query)
        for variant in mutations(code.encode(), seed, VARIANTS):
            scan("/l", variant.decode(errors="replace"), channel, {})

    run()
    print(tally.report(), f"{time.monotonic() - started:.0f} s")
    assert tally.tried >= EXAMPLES * (2 + VARIANTS)
    for status in (200, 302, 404, 410):  # every kind of answer was reached
        assert tally.statuses.get(status, 0) > 0, tally.statuses
