"""Group membership from callbacks: deltas, replays, late and lost events, reconcile."""

from __future__ import annotations

from typing import Any

from chalicelib.callbacks.dispatch import dispatch
from chalicelib.groups import handlers, service, store
from chalicelib.groups.models import CUSTOMER, DISMISSED, IN, LEFT, STAFF
from chalicelib.reports.queries import group_days
from tests.integration.groups.conftest import chat_event
from tests.support.fake_group_world import FakeGroupWorld

DAY = "2023-11-15"  # 1_700_000_100 in Asia/Shanghai


def created(world: FakeGroupWorld, chat_id: str = "wrChat1") -> None:
    world.create_group(chat_id)
    dispatch(chat_event(f"evt:create-{chat_id}", chat_id, "create"))


def add(world: FakeGroupWorld, key: str, chat_id: str, *userids: str, scene: str = "3") -> Any:
    last, cur = world.join(chat_id, *userids)
    return chat_event(
        key,
        chat_id,
        UpdateDetail="add_member",
        JoinScene=scene,
        MemChangeCnt=str(len(userids)),
        MemChangeList=list(userids),
        LastMemVer=last,
        CurMemVer=cur,
    )


def remove(world: FakeGroupWorld, key: str, chat_id: str, *userids: str, scene: str = "0") -> Any:
    last, cur = world.leave(chat_id, *userids)
    return chat_event(
        key,
        chat_id,
        UpdateDetail="del_member",
        QuitScene=scene,
        MemChangeCnt=str(len(userids)),
        MemChangeList=list(userids),
        LastMemVer=last,
        CurMemVer=cur,
    )


def member(chat_id: str, userid: str) -> store.GroupItem:
    item = store.get_member(chat_id, userid)
    assert item is not None
    return item


def get_calls(world: FakeGroupWorld) -> int:
    return sum(path == "externalcontact/groupchat/get" for path, _ in world.calls)


def test_create_stores_the_profile_and_members(world: FakeGroupWorld) -> None:
    created(world)
    detail = service.get_group("wrChat1")
    assert detail.group.owner == "zhangsan"
    assert detail.group.member_version == "ver-wrChat1-1"
    assert detail.group.member_count == 1
    assert [(m.userid, m.type, m.status) for m in detail.members] == [("zhangsan", STAFF, IN)]


def test_join_then_leave_moves_member_status_and_daily_counters(
    world: FakeGroupWorld, timeline: list[tuple[str, str, str]]
) -> None:
    created(world)
    calls_before = get_calls(world)
    joined = add(world, "evt:join", "wrChat1", "wmAlice", scene="3")
    assert handlers.on_chat_change(joined) == "delta"
    alice = member("wrChat1", "wmAlice")
    assert (alice.status, alice.type, alice.join_scene) == (IN, CUSTOMER, 3)
    assert get_calls(world) == calls_before  # a continuing delta needs no groupchat/get
    assert store.get_profile("wrChat1").member_version == "ver-wrChat1-2"  # type: ignore[union-attr]

    left = remove(world, "evt:leave", "wrChat1", "wmAlice", scene="1")
    assert handlers.on_chat_change(left) == "delta"
    alice = member("wrChat1", "wmAlice")
    assert (alice.status, alice.quit_scene, alice.left_at) == (LEFT, 1, 1_700_000_100)
    profile = store.get_profile("wrChat1")
    assert profile is not None and profile.member_count == 1

    assert group_days("wrChat1", [DAY]).get(DAY, {}) == {
        "joins": 1,
        "join_qr": 1,
        "leaves": 1,
        "quit_removed": 1,
    }
    assert timeline == [
        ("wmAlice", "group_joined", "evt:join"),
        ("wmAlice", "group_left", "evt:leave"),
    ]


def test_the_same_event_three_times_moves_the_counters_once(
    world: FakeGroupWorld, timeline: list[tuple[str, str, str]]
) -> None:
    created(world)
    joined = add(world, "evt:join-replayed", "wrChat1", "wmAlice", "wmBob", scene="0")
    plans = [handlers.on_chat_change(joined) for _ in range(3)]
    assert plans == ["delta", "skip", "skip"]
    assert group_days("wrChat1", [DAY]).get(DAY, {}) == {"joins": 2, "join_invited": 2}
    assert member("wrChat1", "wmBob").status == IN
    # The timeline entry is keyed on the event: each replay rewrites the same entry.
    assert set(timeline) == {
        ("wmAlice", "group_joined", "evt:join-replayed"),
        ("wmBob", "group_joined", "evt:join-replayed"),
    }


def test_staff_joining_is_counted_but_not_put_on_a_customer_timeline(
    world: FakeGroupWorld, timeline: list[tuple[str, str, str]]
) -> None:
    created(world)
    handlers.on_chat_change(add(world, "evt:staff", "wrChat1", "lisi", scene="0"))
    assert member("wrChat1", "lisi").type == STAFF
    assert timeline == []
    assert group_days("wrChat1", [DAY]).get(DAY, {})["joins"] == 1


def test_an_older_event_arriving_late_does_not_undo_a_newer_state(
    world: FakeGroupWorld, timeline: list[tuple[str, str, str]]
) -> None:
    created(world)
    join_alice = add(world, "evt:join-alice", "wrChat1", "wmAlice")
    assert handlers.on_chat_change(join_alice) == "delta"
    leave_alice = remove(world, "evt:leave-alice", "wrChat1", "wmAlice")
    join_bob = add(world, "evt:join-bob", "wrChat1", "wmBob")
    # Bob's join overtakes Alice's leave: it does not continue from what we hold: refresh.
    assert handlers.on_chat_change(join_bob) == "refresh"
    assert member("wrChat1", "wmAlice").status == LEFT
    assert member("wrChat1", "wmBob").status == IN
    # Alice's leave arrives late, then her old join again (re-sent under another key):
    # neither delta is replayed over the newer state.
    assert handlers.on_chat_change(leave_alice) == "refresh"
    resent = join_alice.model_copy(update={"key": "evt:join-alice-resent"})
    assert handlers.on_chat_change(resent) == "refresh"
    assert member("wrChat1", "wmAlice").status == LEFT
    assert member("wrChat1", "wmBob").status == IN
    assert store.get_profile("wrChat1").member_version == "ver-wrChat1-4"  # type: ignore[union-attr]
    # Each event counts once, on the day it happened (the re-sent one is another event).
    assert group_days("wrChat1", [DAY]).get(DAY, {}) == {
        "joins": 3,
        "join_qr": 3,
        "leaves": 1,
        "quit_left": 1,
    }


def test_a_stale_snapshot_cannot_overwrite_a_newer_one(world: FakeGroupWorld) -> None:
    created(world)
    world.join("wrChat1", "wmAlice")
    assert service.refresh_group("wrChat1")
    newer = store.get_profile("wrChat1")
    assert newer is not None
    world.leave("wrChat1", "wmAlice")
    from chalicelib.groups.models import ACTIVE, GroupChat

    stale = GroupChat.model_validate(world.get_group_chat("wrChat1"))
    assert not store.save_snapshot(stale, ACTIVE, seen_at=int(newer.seen_at) - 1, now=0)
    assert member("wrChat1", "wmAlice").status == IN


def test_a_lost_event_is_detected_by_the_next_ones_version(world: FakeGroupWorld) -> None:
    created(world)
    world.join("wrChat1", "wmLost")  # its callback never arrives
    later = add(world, "evt:after-loss", "wrChat1", "wmAlice")
    assert handlers.on_chat_change(later) == "refresh"
    assert member("wrChat1", "wmLost").status == IN
    assert member("wrChat1", "wmLost").unionid == "union-wmLost"


def test_a_lost_event_is_repaired_by_reconcile(world: FakeGroupWorld) -> None:
    created(world)
    handlers.on_chat_change(add(world, "evt:join-a", "wrChat1", "wmAlice"))
    world.leave("wrChat1", "wmAlice")  # the leave event is lost
    world.groups["wrChat1"].name = "Renamed"  # and so is change_name
    run = service.reconcile()
    assert run.finished_cycle and run.refreshed == 1
    assert member("wrChat1", "wmAlice").status == LEFT
    assert service.get_group("wrChat1").group.name == "Renamed"


def test_reconcile_resumes_from_its_stored_cursor(world: FakeGroupWorld) -> None:
    for n in range(5):
        world.create_group(f"wrChat{n}")
    first = service.reconcile(max_groups=2, page_size=2)
    assert (first.refreshed, first.finished_cycle, first.cursor) == (2, False, "2")
    assert store.get_profile("wrChat2") is None
    assert store.reconcile_state().cursor == "2"

    second = service.reconcile(max_groups=2, page_size=2)
    assert (second.refreshed, second.finished_cycle) == (2, False)
    listed = [d["cursor"] for p, d in world.calls if p == "externalcontact/groupchat/list"]
    assert listed == ["", "2"]  # the second run began where the first stopped

    third = service.reconcile(max_groups=2, page_size=2)
    assert (third.refreshed, third.finished_cycle, third.cursor) == (1, True, None)
    assert all(store.get_profile(f"wrChat{n}") is not None for n in range(5))
    assert store.reconcile_state().cursor is None  # the next run starts a new cycle


def test_reconcile_runs_until_its_time_budget_and_resumes_inside_the_page(
    world: FakeGroupWorld,
) -> None:
    """No cap on groups a run (300 a run covered 1,200 groups a day): a run goes page
    after page until its time budget is spent, and the next one resumes at the next group
    of the page it stopped in."""
    for n in range(7):
        world.create_group(f"wrChat{n}")
    ticks = iter(range(1000))
    clock = lambda: float(next(ticks))  # noqa: E731 - one tick per look at the clock

    first = service.reconcile(page_size=3, budget_s=6, clock=clock)
    done = [n for n in range(7) if store.get_profile(f"wrChat{n}") is not None]
    assert first.refreshed == len(done) and 0 < len(done) < 7 and not first.finished_cycle
    assert done == list(range(len(done)))  # in WeCom's order
    state = store.reconcile_state()
    page_start = len(done) - len(done) % 3
    assert (state.cursor, state.offset) == (str(page_start) if page_start else None, len(done) % 3)

    rest = service.reconcile(page_size=3)  # the full budget: every group left, one cycle
    assert rest.finished_cycle and rest.refreshed == 7 - len(done)
    assert all(store.get_profile(f"wrChat{n}") is not None for n in range(7))
    gets = [d["chat_id"] for p, d in world.calls if p == "externalcontact/groupchat/get"]
    assert sorted(gets) == sorted(f"wrChat{n}" for n in range(7))  # none twice
    assert (store.reconcile_state().cursor, store.reconcile_state().offset) == (None, 0)


def test_a_run_stopped_by_wecom_keeps_the_pages_already_done(world: FakeGroupWorld) -> None:
    import pytest

    from chalicelib.wecom.errors import WeComUnavailable

    for n in range(4):
        world.create_group(f"wrChat{n}")
    world.fail_list_after = 1
    with pytest.raises(WeComUnavailable):
        service.reconcile(max_groups=10, page_size=2)
    assert store.reconcile_state().cursor == "2"
    world.fail_list_after = None
    assert service.reconcile(max_groups=10, page_size=2).refreshed == 2


def test_profile_changes_and_dismiss(world: FakeGroupWorld) -> None:
    created(world)
    world.groups["wrChat1"].owner = "lisi"
    world.groups["wrChat1"].notice = "Be kind"
    handlers.on_chat_change(chat_event("evt:owner", "wrChat1", UpdateDetail="change_owner"))
    profile = service.get_group("wrChat1").group
    assert (profile.owner, profile.notice) == ("lisi", "Be kind")
    handlers.on_chat_change(chat_event("evt:dismiss", "wrChat1", "dismiss"))
    assert service.get_group("wrChat1").group.status == DISMISSED
    assert service.list_groups(10, None).items[0].status == DISMISSED


def test_a_group_wecom_no_longer_knows_is_marked_unavailable(world: FakeGroupWorld) -> None:
    created(world)
    del world.groups["wrChat1"]
    assert not service.refresh_group("wrChat1")
    assert service.get_group("wrChat1").group.status == "unavailable"
    assert not service.refresh_group("wrUnknown")
    assert store.get_profile("wrUnknown") is None
