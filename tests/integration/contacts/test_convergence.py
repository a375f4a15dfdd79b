"""Contact state converges: any order of add, edit, deletion and a retried add ends where
the order in which they happened ends (the events' CreateTime decides)."""

from __future__ import annotations

from itertools import permutations
from typing import Any

import pytest

from chalicelib.contacts import service
from chalicelib.reports.queries import day_counters as report_counters
from chalicelib.wecom.client import use_client
from chalicelib.wecom.errors import WeComError
from tests.support.admin import bearer
from tests.support.fake_wecom_api import FakeWeComApi, contact_event_xml, dispatch_again

CONTACT_COUNTERS = ("adds", "deletions_by_customer", "deletions_by_staff", "deletions_by_transfer")


def day_counters(day: str, dimension: str) -> dict[str, int]:
    """The adds and deletions of a day's dimension (the reports' counters)."""
    counters = report_counters(day, dimension)
    return {name: counters[name] for name in CONTACT_COUNTERS if name in counters}


T0 = 1_700_000_000  # 2023-11-15 in Asia/Shanghai
DAY = "2023-11-15"
EVENTS = ("add", "edit", "delete", "add again")
ORDERS = sorted(set(permutations(EVENTS)))  # the 12 distinct orders


def _xml(kind: str, ext: str, userid: str, channel: str) -> str:
    if kind.startswith("add"):  # "add again" is WeCom's retry of the same event
        return contact_event_xml(
            "add_external_contact",
            ext,
            userid,
            create_time=T0,
            state=f"lc:live1:{channel}",
            welcome_code=f"WC-{ext}",
        )
    if kind == "edit":
        return contact_event_xml("edit_external_contact", ext, userid, create_time=T0 + 100)
    return contact_event_xml("del_follow_user", ext, userid, create_time=T0 + 200)


class FlakyGet(FakeWeComApi):
    """``externalcontact/get`` busy (-1) for the first call per customer, as WeCom at a busy
    hour: the first attempt of whichever event comes first fails and is retried."""

    def __init__(self) -> None:
        super().__init__()
        self.failed: set[str] = set()

    def get_external_contact(self, external_userid: str) -> dict[str, Any]:
        if external_userid not in self.failed:
            self.failed.add(external_userid)
            raise WeComError(-1, "system busy", "externalcontact/get")
        return super().get_external_contact(external_userid)


def _report_row(day: str, dimension: str) -> dict[str, int]:
    counters = report_counters(day, dimension)
    names = ("retention_known", "retention_days_sum", "cohort_lost")
    return {n: counters[n] for n in names if counters.get(n)}


@pytest.mark.parametrize("world", ["gone", "one_way"])
def test_every_order_of_add_edit_delete_and_a_retried_add_ends_the_same(
    client: Any, wecom: FakeWeComApi, monkeypatch: pytest.MonkeyPatch, world: str
) -> None:
    flaky = FlakyGet()
    use_client(flaky)  # type: ignore[arg-type]
    for index, order in enumerate(ORDERS):
        ext, userid, channel = f"wmC{index}", f"s{index}", f"p{index}"
        if world == "one_way":  # the member still lists the customer who deleted them
            flaky.customer(ext, name="Carol")
            flaky.follow(ext, userid, createtime=T0, state=f"lc:live1:{channel}", remark="VIP")
        for kind in order:
            try:
                dispatch_again(_xml(kind, ext, userid, channel))
            except WeComError:
                dispatch_again(_xml(kind, ext, userid, channel))  # the retry

        answer = client.http.get(f"/admin/contacts/{ext}", headers=bearer("viewer"))
        assert answer.status_code == 200, (order, answer.body)
        contact = answer.json_body
        assert contact["status"] == "lost", order
        [rel] = contact["relationships"]
        assert (rel["status"], rel["ended_by"], rel["channel"], rel["code"]) == (
            "ended",
            "customer",
            channel,
            "live1",
        ), order
        assert (rel["added_at"], rel["ended_at"], rel["retention_days"]) == (
            T0,
            T0 + 200,
            0,
        ), order
        assert day_counters(DAY, f"channel#{channel}") == {
            "adds": 1,
            "deletions_by_customer": 1,
        }, order
        assert day_counters(DAY, f"staff#{userid}") == {
            "adds": 1,
            "deletions_by_customer": 1,
        }, order
        assert day_counters(DAY, f"code#live1#{channel}") == {
            "adds": 1,
            "deletions_by_customer": 1,
        }, order
        assert _report_row(DAY, f"channel#{channel}") == {
            "retention_known": 1,
            "cohort_lost": 1,
        }, order
        timeline = service.get_timeline(ext, 50)
        assert sorted(e.kind for e in timeline if e.kind != "welcome_failed") == [
            "added",
            "deleted",
            "edited",
        ], order
        [deleted] = [e for e in timeline if e.kind == "deleted"]
        assert deleted.detail["channel"] == channel, order
        alerts = [m for m in flaky.app_messages if m["touser"] == userid]
        assert len(alerts) == 1, order
        listed = client.http.get(f"/admin/staff/{userid}/contacts", headers=bearer("viewer"))
        assert [(r["external_userid"], r["status"]) for r in listed.json_body["items"]] == [
            (ext, "ended")
        ], order

    # nothing was ever left on the unknown channel
    unknown = day_counters(DAY, "channel#unknown")
    assert unknown.get("deletions_by_customer", 0) == 0
    assert _report_row(DAY, "channel#unknown") == {}


def test_a_deletion_older_than_a_comeback_is_counted_and_leaves_the_contact_active(
    wecom: FakeWeComApi,
) -> None:
    """add (T0), deletion (T0+200), add again (T0+300, the customer came back): in any
    order the relationship is active with the second add, and the deletion counts once."""
    ext, userid = "wmBack", "zhangsan"
    first = contact_event_xml(
        "add_external_contact", ext, userid, create_time=T0, state="lc:live1:poster"
    )
    gone = contact_event_xml("del_follow_user", ext, userid, create_time=T0 + 200)
    back = contact_event_xml(
        "add_external_contact", ext, userid, create_time=T0 + 300, state="lc:live1:parcel"
    )
    wecom.customer(ext)
    wecom.follow(ext, userid, createtime=T0 + 300, state="lc:live1:parcel")
    for index, order in enumerate(permutations((first, gone, back))):
        ext_i = f"{ext}{index}"
        wecom.contacts[ext_i] = wecom.contacts[ext]
        for xml in order:
            dispatch_again(xml.replace(ext, ext_i))
        contact = service.get_contact(ext_i)
        [rel] = contact.relationships
        assert (contact.status, rel.status, rel.channel, rel.added_at) == (
            "active",
            "active",
            "parcel",
            T0 + 300,
        )
    assert day_counters(DAY, "channel#poster") == {"adds": 6, "deletions_by_customer": 6}
    assert day_counters(DAY, "channel#parcel") == {"adds": 6}
