"""The corp's members for the console's staff pickers: from WeCom, kept five minutes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.members import service
from tests.support.admin import bearer
from tests.support.fake_wecom_api import FakeWeComApi


@pytest.fixture
def address_book(wecom: FakeWeComApi) -> Iterator[FakeWeComApi]:
    service.forget()
    wecom.address_book = {
        1: [
            {"userid": "zhangsan", "name": "张三", "department": [1, 2]},
            {"userid": "lisi", "name": "李四", "department": [1]},
        ],
        2: [{"userid": "zhangsan", "name": "张三", "department": [1, 2]}],
        3: [{"userid": "wangwu", "name": "王五", "department": [3]}],
    }
    yield wecom
    service.forget()


def test_members_of_every_department_once_each_by_userid(
    client: Any, address_book: FakeWeComApi
) -> None:
    answer = client.http.get("/admin/wecom/members", headers=bearer("viewer"))
    assert answer.status_code == 200
    items = answer.json_body["items"]
    assert [(m["userid"], m["name"]) for m in items] == [
        ("lisi", "李四"),
        ("wangwu", "王五"),
        ("zhangsan", "张三"),
    ]
    assert items[2]["department"] == [1, 2]


def test_the_list_is_kept_until_refreshed(client: Any, address_book: FakeWeComApi) -> None:
    client.http.get("/admin/wecom/members", headers=bearer("viewer"))
    address_book.address_book[1].append({"userid": "zhaoliu", "name": "赵六", "department": [1]})
    kept = client.http.get("/admin/wecom/members", headers=bearer("viewer")).json_body
    assert "zhaoliu" not in [m["userid"] for m in kept["items"]]
    assert address_book.address_book_reads == 1
    fresh = client.http.get("/admin/wecom/members?refresh=1", headers=bearer("viewer")).json_body
    assert "zhaoliu" in [m["userid"] for m in fresh["items"]]
    assert address_book.address_book_reads == 2


def test_the_cache_expires(address_book: FakeWeComApi) -> None:
    first = service.list_members(now=1_000)
    service.list_members(now=1_000 + service.CACHE_TTL_S - 1)
    assert address_book.address_book_reads == 1
    later = service.list_members(now=1_000 + service.CACHE_TTL_S)
    assert address_book.address_book_reads == 2 and later.fetched_at > first.fetched_at


def test_signed_in_only(client: Any, address_book: FakeWeComApi) -> None:
    assert client.http.get("/admin/wecom/members").status_code == 401
