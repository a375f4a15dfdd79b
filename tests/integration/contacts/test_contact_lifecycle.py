"""A customer's life on the contacts side: add, a second staff member, edit, deletions."""

from __future__ import annotations

import json
import threading
from typing import Any

import boto3
import pytest

from chalicelib.callbacks import processing
from chalicelib.contacts import service, store
from chalicelib.core.settings import get_settings, reset_settings
from chalicelib.reports.queries import day_counters as report_counters
from chalicelib.tags import service as tags_service
from chalicelib.tags.models import TagRuleIn
from chalicelib.welcome import service as welcome_service
from chalicelib.welcome.models import WelcomeMessageIn
from tests.support.fake_wecom_api import (
    FakeWeComApi,
    contact_event_xml,
    dispatch_again,
    stored_event,
)
from tests.support.wecom import signed_post

CONTACT_COUNTERS = ("adds", "deletions_by_customer", "deletions_by_staff", "deletions_by_transfer")


def day_counters(day: str, dimension: str) -> dict[str, int]:
    """The adds and deletions of a day's dimension (the reports' counters)."""
    counters = report_counters(day, dimension)
    return {name: counters[name] for name in CONTACT_COUNTERS if name in counters}


T0 = 1_700_000_000  # 2023-11-15 06:13:20 in Asia/Shanghai (2023-11-14 in UTC)
DAY = "2023-11-15"
EXT = "wmCustomerA"
PHONE = "+86 138-0013-8000"
RAW_DIGITS = "13800138000"


@pytest.fixture
def configured(wecom: FakeWeComApi) -> FakeWeComApi:
    """A customer who scanned the live code ``live1`` of channel ``store``; a welcome for
    that channel; a rule tagging every ``store`` add with etVIP."""
    wecom.customer(EXT, name="Alice", gender=2, unionid="ouAlice")
    wecom.follow(EXT, "zhangsan", createtime=T0, state="live1:store", remark_mobiles=[PHONE])
    wecom.tag_groups = [
        {"group_id": "g1", "group_name": "Level", "tag": [{"id": "etVIP", "name": "VIP"}]}
    ]
    tags_service.sync_catalogue()
    welcome_service.put_message(
        "store", WelcomeMessageIn(text="Hi {name}, I am {staff} {unknown}"), "tester"
    )
    tags_service.put_rule("store-vip", TagRuleIn(tag_ids=["etVIP"], channel="store"))
    return wecom


def add_xml(userid: str = "zhangsan", at: int = T0, state: str = "live1:store") -> str:
    return contact_event_xml(
        "add_external_contact",
        EXT,
        userid,
        create_time=at,
        state=state,
        welcome_code=f"WC-{userid}-{at}",
    )


def kinds(external_userid: str = EXT) -> list[str]:
    return [entry.kind for entry in service.get_timeline(external_userid, 50)]


def test_an_add_through_the_callback_url_stores_the_contact_welcomes_and_tags(
    client: Any, configured: FakeWeComApi
) -> None:
    path, body = signed_post(add_xml(), timestamp=None)
    response = client.http.post(path, body=body, headers={"Content-Type": "text/xml"})
    assert response.status_code == 200
    from chalicelib.callbacks import store as inbox

    [pending] = list(inbox.due(T0 * 10, 10))
    assert processing.process(pending.pk).outcome == "processed"

    contact = service.get_contact(EXT)
    assert (contact.name, contact.gender, contact.unionid) == ("Alice", 2, "ouAlice")
    assert (contact.first_channel, contact.first_added_at, contact.status) == (
        "store",
        T0,
        "active",
    )
    [rel] = contact.relationships
    assert (rel.staff_userid, rel.code, rel.channel, rel.added_at) == (
        "zhangsan",
        "live1",
        "store",
        T0,
    )
    assert (rel.state, rel.add_way, rel.oper_userid) == ("live1:store", 1, EXT)
    assert rel.tag_ids == ["etVIP"] and contact.tag_ids == ["etVIP"]
    assert len(rel.phone_hashes) == 1 and RAW_DIGITS not in rel.phone_hashes[0]

    assert configured.welcomes == [
        {
            "welcome_code": f"WC-zhangsan-{T0}",
            "text": "Hi Alice, I am 张三 {unknown}",
            "attachments": [],
        }
    ]
    assert configured.marks == [{"userid": "zhangsan", "external_userid": EXT, "add": ["etVIP"]}]
    assert sorted(kinds()) == ["added", "tagged", "welcome_sent"]
    assert day_counters(DAY, "channel#store") == {"adds": 1}
    assert day_counters(DAY, "staff#zhangsan") == {"adds": 1}


@pytest.mark.usefixtures("atomic_moto")
def test_replays_and_racing_duplicates_have_one_effect(configured: FakeWeComApi) -> None:
    xml = add_xml()
    key = stored_event(xml)
    outcomes = [processing.process(key).outcome for _ in range(3)]
    assert outcomes == ["processed", "skipped", "skipped"]
    for _ in range(3):  # the handlers again, as after a crash before the completion mark
        dispatch_again(xml)

    errors: list[BaseException] = []

    def race(index: int) -> None:
        try:
            if index % 2:
                processing.process(key)
            else:
                dispatch_again(xml)
        except BaseException as error:  # surfaced by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=race, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []

    items = list(store.ProfileItem.bound().query(store.contact_pk(EXT)))
    assert [item.sk for item in items if item.sk == "profile"] == ["profile"]
    assert len(store.relationships(EXT)) == 1
    assert len(configured.welcomes) == 1 and configured.welcome_attempts == 1
    assert len(configured.marks) == 1
    assert day_counters(DAY, "channel#store") == {"adds": 1}
    assert day_counters(DAY, "staff#zhangsan") == {"adds": 1}
    assert sorted(kinds()) == ["added", "tagged", "welcome_sent"]


def test_a_second_staff_member_adds_the_same_customer(configured: FakeWeComApi) -> None:
    processing.process(stored_event(add_xml()))
    configured.follow(EXT, "lisi", createtime=T0 + 3600, state="ads")
    processing.process(stored_event(add_xml("lisi", T0 + 3600, "ads")))

    contact = service.get_contact(EXT)
    assert [r.staff_userid for r in contact.relationships] == ["zhangsan", "lisi"]
    assert [r.channel for r in contact.relationships] == ["store", "ads"]
    assert (contact.first_channel, contact.first_added_at) == ("store", T0)
    assert (
        len(
            list(
                store.ProfileItem.bound().query(
                    store.contact_pk(EXT), store.ProfileItem.sk == "profile"
                )
            )
        )
        == 1
    )
    assert day_counters(DAY, "channel#ads") == {"adds": 1}
    assert day_counters(DAY, "channel#store") == {"adds": 1}
    assert [row.external_userid for row in service.staff_contacts("lisi", 10)] == [EXT]


def test_the_customer_deleting_staff_is_churn_credited_to_the_original_channel(
    configured: FakeWeComApi,
) -> None:
    processing.process(stored_event(add_xml()))
    configured.unfollow(EXT, "zhangsan")
    deleted_at = T0 + 3 * 86_400 + 5 * 3600
    xml = contact_event_xml("del_follow_user", EXT, "zhangsan", create_time=deleted_at)
    key = stored_event(xml)
    assert processing.process(key).outcome == "processed"
    dispatch_again(xml)
    dispatch_again(xml)

    contact = service.get_contact(EXT)
    [rel] = contact.relationships
    assert (rel.status, rel.ended_by, rel.ended_at, rel.retention_days) == (
        "ended",
        "customer",
        deleted_at,
        3,
    )
    assert contact.status == "lost"
    assert day_counters("2023-11-18", "channel#store") == {"deletions_by_customer": 1}
    assert day_counters("2023-11-18", "staff#zhangsan") == {"deletions_by_customer": 1}
    [alert] = configured.app_messages
    assert alert["touser"] == "zhangsan"
    assert (
        "Alice" in alert["content"] and "store" in alert["content"] and "3 天" in alert["content"]
    )
    [deleted] = [e for e in service.get_timeline(EXT, 50) if e.kind == "deleted"]
    assert deleted.detail["by"] == "customer" and deleted.detail["retention_days"] == 3


def test_no_churn_alert_when_alerts_are_disabled(
    configured: FakeWeComApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHURN_ALERTS_ENABLED", "false")
    reset_settings()
    assert get_settings().churn_alerts_enabled is False
    processing.process(stored_event(add_xml()))
    xml = contact_event_xml("del_follow_user", EXT, "zhangsan", create_time=T0 + 60)
    processing.process(stored_event(xml))
    assert configured.app_messages == []
    assert service.get_contact(EXT).relationships[0].ended_by == "customer"


def test_staff_deletions_and_transfers_are_told_apart(configured: FakeWeComApi) -> None:
    processing.process(stored_event(add_xml()))
    configured.follow(EXT, "lisi", createtime=T0 + 10, state="ads")
    processing.process(stored_event(add_xml("lisi", T0 + 10, "ads")))

    by_staff = contact_event_xml("del_external_contact", EXT, "lisi", create_time=T0 + 100)
    processing.process(stored_event(by_staff))
    contact = service.get_contact(EXT)
    assert contact.relationship("lisi").ended_by == "staff"  # type: ignore[union-attr]
    assert contact.status == "active"  # zhangsan still follows
    assert day_counters(DAY, "channel#ads") == {"adds": 1, "deletions_by_staff": 1}

    transfer = contact_event_xml(
        "del_external_contact", EXT, "zhangsan", create_time=T0 + 200, source="DELETE_BY_TRANSFER"
    )
    processing.process(stored_event(transfer))
    contact = service.get_contact(EXT)
    assert contact.relationship("zhangsan").ended_by == "transfer"  # type: ignore[union-attr]
    assert contact.status == "lost"
    assert day_counters(DAY, "channel#store") == {"adds": 1, "deletions_by_transfer": 1}
    assert configured.app_messages == []  # only the customer's deletion is churn


def test_a_deletion_older_than_a_re_add_leaves_the_relationship_active(
    configured: FakeWeComApi,
) -> None:
    configured.follow(EXT, "zhangsan", createtime=T0 + 500, state="live1:store")
    processing.process(stored_event(add_xml(at=T0 + 500)))
    stale = contact_event_xml("del_follow_user", EXT, "zhangsan", create_time=T0 + 100)
    processing.process(stored_event(stale))
    assert service.get_contact(EXT).relationships[0].status == "active"
    assert configured.app_messages == []


def test_an_edit_refreshes_remark_and_tags_from_wecom(configured: FakeWeComApi) -> None:
    processing.process(stored_event(add_xml()))
    configured.follow(
        EXT, "zhangsan", createtime=T0, state="live1:store", remark="Alice (VIP)", tags=["etGold"]
    )
    edit = contact_event_xml("edit_external_contact", EXT, "zhangsan", create_time=T0 + 50)
    processing.process(stored_event(edit))
    contact = service.get_contact(EXT)
    [rel] = contact.relationships
    assert rel.remark == "Alice (VIP)"
    assert rel.tag_ids == ["etGold"] and contact.tag_ids == ["etGold"]
    assert rel.phone_hashes == []  # the remark phone was removed in WeCom
    assert service.contacts_by_phone(PHONE) == []
    assert kinds()[0] == "edited"


def test_a_failed_transfer_is_on_the_timeline(configured: FakeWeComApi) -> None:
    xml = contact_event_xml(
        "transfer_fail", EXT, "zhangsan", create_time=T0, fail_reason="customer_refused"
    )
    processing.process(stored_event(xml))
    [entry] = service.get_timeline(EXT, 10)
    assert entry.kind == "transfer_failed" and entry.detail["reason"] == "customer_refused"


def test_no_raw_phone_number_is_stored_or_logged(
    configured: FakeWeComApi, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    processing.process(stored_event(add_xml()))
    assert service.contacts_by_phone("13800138000") == [EXT]
    assert service.contacts_by_phone("008613800138000") == [EXT]

    settings = get_settings()
    dynamodb = boto3.client("dynamodb", region_name=settings.aws_region)
    dumped = json.dumps(
        [
            dynamodb.scan(TableName=settings.table_name(logical))["Items"]  # test-only dump
            for logical in (
                "contacts",
                "daily-stats",
                "tags",
                "welcome-messages",
                "callback-events",
            )
        ]
    )
    captured = capsys.readouterr()
    for text in (dumped, captured.out, captured.err, caplog.text):
        assert RAW_DIGITS not in text
        assert "138-0013-8000" not in text


def test_staff_in_a_welcome_is_the_members_name_read_once_and_the_userid_when_unknown(
    client: Any, configured: FakeWeComApi
) -> None:
    from chalicelib.callbacks import store as inbox

    configured.follow(EXT, "lisi", createtime=T0 + 1, state="live1:store")
    configured.follow(EXT, "ghost", createtime=T0 + 2, state="live1:store")
    for userid, at in (("zhangsan", T0), ("lisi", T0 + 1), ("ghost", T0 + 2)):
        path, body = signed_post(add_xml(userid, at), timestamp=None)
        assert client.http.post(path, body=body, headers={"Content-Type": "text/xml"}).status_code
    for pending in list(inbox.due(T0 * 10, 10)):
        processing.process(pending.pk)
    texts = {w["welcome_code"]: w["text"] for w in configured.welcomes}
    assert texts == {
        f"WC-zhangsan-{T0}": "Hi Alice, I am 张三 {unknown}",
        f"WC-lisi-{T0 + 1}": "Hi Alice, I am 李四 {unknown}",
        f"WC-ghost-{T0 + 2}": "Hi Alice, I am ghost {unknown}",  # user/get: 60111
    }
