"""A member's name comes from ``user/get`` once and is reused for an hour."""

from __future__ import annotations

from typing import Any

from chalicelib.wecom import client as wecom_client
from chalicelib.wecom.client import WeComClient


def test_a_member_name_is_read_once_then_reused_until_it_expires(monkeypatch: Any) -> None:
    calls: list[tuple[str, Any]] = []

    def fake_get(self: WeComClient, url: str, params: Any = None, **kwargs: Any) -> Any:
        calls.append((url, params))
        return {"errcode": 0, "userid": params["userid"], "name": "张三"}

    monkeypatch.setattr(WeComClient, "get", fake_get)
    clock = [1000.0]
    monkeypatch.setattr(wecom_client.time, "monotonic", lambda: clock[0])
    client = WeComClient(corp_id="ww1", secret="s")
    assert client.member_name("zhangsan") == "张三"
    assert client.member_name("zhangsan") == "张三"
    assert calls == [("user/get", {"userid": "zhangsan"})]
    clock[0] += wecom_client.MEMBER_NAME_TTL_S + 1
    assert client.member_name("zhangsan") == "张三"
    assert len(calls) == 2
