"""The groups table (a group's daily joins and leaves are the reports context's).

Items of the ``groups`` table (one model, since every item shares the ``by_member`` index):

- ``pk=group#<chat_id>, sk=profile`` — name, owner, notice, create_time, member_count,
  member_version, status, seen_at, updated_at;
- ``pk=group#<chat_id>, sk=member#<userid>`` — member_id (the ``by_member`` key), type,
  status in/left, join_time, join_scene, invitor, unionid, name, left_at, quit_scene, seen_at;
- ``pk=groups, sk=group#<chat_id>`` — the listing entry of each group (name, owner,
  member_count, status), so the admin list is one query, never a scan.

``seen_at`` (epoch ms) is when the state written was observed: a refresh stamps the time it
asked WeCom, a delta the time it was applied. Every write is conditional on the stored
``seen_at`` not being newer, so a slow refresh or a late event never overwrites a newer
state.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError, PynamoDBException, UpdateError

from chalicelib.core.errors import DependencyUnavailable
from chalicelib.groups.models import IN, LEFT, ChatMember, GroupChat
from chalicelib.storage.dynamo import TableModel, condition_failed, index
from chalicelib.storage.keys import Prefix
from chalicelib.storage.schema import GROUPS, RUNTIME_STATE

PROFILE = "profile"
MEMBER = "member#"
LISTING_PK = "groups"
LISTING = "group#"

RECONCILE_KEY = "groups#reconcile"
STATE_TTL = timedelta(days=30)


group_pk = Prefix("group#")
member_sk = Prefix(MEMBER)


class GroupItem(TableModel):
    schema = GROUPS
    chat_id = UnicodeAttribute()
    seen_at = NumberAttribute(default=0)
    updated_at = NumberAttribute(default=0)
    status = UnicodeAttribute(null=True)
    # profile and listing
    name = UnicodeAttribute(null=True)
    owner = UnicodeAttribute(null=True)
    notice = UnicodeAttribute(null=True)
    create_time = NumberAttribute(null=True)
    member_count = NumberAttribute(null=True)
    member_version = UnicodeAttribute(null=True)
    # member
    member_id = UnicodeAttribute(null=True)
    type = NumberAttribute(null=True)
    join_time = NumberAttribute(null=True)
    join_scene = NumberAttribute(null=True)
    invitor = UnicodeAttribute(null=True)
    unionid = UnicodeAttribute(null=True)
    left_at = NumberAttribute(null=True)
    quit_scene = NumberAttribute(null=True)

    by_member = index(GROUPS, "by_member")


class ReconcileStateItem(TableModel):
    """``pk=groups#reconcile``: where the periodic reconcile stopped in ``groupchat/list``."""

    schema = RUNTIME_STATE

    cursor = UnicodeAttribute(null=True)
    #: How many groups of the page at ``cursor`` are done (a run stopped inside it).
    offset = NumberAttribute(default=0)
    cycle_started_at = NumberAttribute(default=0)
    refreshed_in_cycle = NumberAttribute(default=0)
    updated_at = NumberAttribute(default=0)
    expires_at = TTLAttribute(null=True)


# --- reading ------------------------------------------------------------------------------


def get_profile(chat_id: str) -> GroupItem | None:
    model = GroupItem
    try:
        return model.get(group_pk(chat_id), PROFILE)
    except model.DoesNotExist:
        return None
    except PynamoDBException as error:
        raise DependencyUnavailable("the groups table did not answer") from error


def get_member(chat_id: str, userid: str) -> GroupItem | None:
    model = GroupItem
    try:
        return model.get(group_pk(chat_id), member_sk(userid))
    except model.DoesNotExist:
        return None


def members(chat_id: str) -> list[GroupItem]:
    model = GroupItem
    return list(model.query(group_pk(chat_id), model.sk.startswith(MEMBER)))


def count_present(chat_id: str) -> int:
    """Members now in the group (a query on the group's own partition)."""
    model = GroupItem
    return int(
        model.count(
            group_pk(chat_id),
            range_key_condition=model.sk.startswith(MEMBER),
            filter_condition=model.status == IN,
            consistent_read=True,
        )
    )


def listing(limit: int, after: str | None) -> tuple[list[GroupItem], str | None]:
    """A page of the listing, ordered by chat id; the cursor is the last chat id given."""
    model = GroupItem
    condition = model.sk > f"{LISTING}{after}" if after else model.sk.startswith(LISTING)
    items = list(model.query(LISTING_PK, condition, limit=limit))
    return items, (items[-1].chat_id if len(items) == limit else None)


def groups_of_page(
    member_id: str, limit: int, cursor: str | None
) -> tuple[list[GroupItem], str | None]:
    """A page of the groups a member is (or was) in, and the next page's cursor."""
    from chalicelib.storage.ops import page

    return page(GroupItem, member_id, limit, cursor, index="by_member")


def groups_of(member_id: str, limit: int) -> list[GroupItem]:
    model = GroupItem
    return list(model.by_member.query(member_id, limit=limit))


# --- writing ------------------------------------------------------------------------------


def _not_newer(seen_at: int) -> Any:
    model = GroupItem
    return model.pk.does_not_exist() | (model.seen_at <= seen_at)


def _conditional_update(item: GroupItem, actions: list[Any], condition: Any) -> bool:
    try:
        item.update(actions=actions, condition=condition)
    except UpdateError as error:
        if condition_failed(error):
            return False
        raise DependencyUnavailable("the groups table did not accept a write") from error
    return True


def _conditional_put(item: GroupItem, condition: Any) -> bool:
    try:
        item.save(condition=condition)
    except PutError as error:
        if condition_failed(error):
            return False
        raise DependencyUnavailable("the groups table did not accept a write") from error
    return True


def save_snapshot(chat: GroupChat, status: str, seen_at: int, now: int) -> bool:
    """Store a full ``groupchat/get`` answer observed at ``seen_at`` (ms).

    False (and nothing written) when the profile already holds a newer observation.
    Members no longer listed are marked left; member writes are conditional too, so a
    delta applied meanwhile is not undone.
    """
    model = GroupItem
    profile = model(
        group_pk(chat.chat_id),
        PROFILE,
        chat_id=chat.chat_id,
        name=chat.name,
        owner=chat.owner,
        notice=chat.notice,
        create_time=chat.create_time,
        member_count=len(chat.member_list),
        member_version=chat.member_version,
        status=status,
        seen_at=seen_at,
        updated_at=now,
    )
    if not _conditional_put(profile, _not_newer(seen_at)):
        return False
    _save_listing(profile)
    present = {m.userid for m in chat.member_list}
    for member in chat.member_list:
        _conditional_put(_member_item(chat.chat_id, member, seen_at, now), _not_newer(seen_at))
    for held in members(chat.chat_id):
        if held.member_id not in present and held.status == IN:
            _conditional_update(
                held,
                [
                    model.status.set(LEFT),
                    model.left_at.set(now),
                    model.seen_at.set(seen_at),
                    model.updated_at.set(now),
                ],
                (model.status == IN) & (model.seen_at <= seen_at),
            )
    return True


def _member_item(chat_id: str, member: ChatMember, seen_at: int, now: int) -> GroupItem:
    return GroupItem(
        group_pk(chat_id),
        member_sk(member.userid),
        chat_id=chat_id,
        member_id=member.userid,
        type=member.type,
        status=IN,
        join_time=member.join_time or None,
        join_scene=member.join_scene,
        invitor=member.invitor or None,
        unionid=member.unionid or None,
        name=member.name or member.group_nickname or None,
        seen_at=seen_at,
        updated_at=now,
    )


def _save_listing(profile: GroupItem) -> None:
    model = GroupItem
    entry = model(
        LISTING_PK,
        f"{LISTING}{profile.chat_id}",
        chat_id=profile.chat_id,
        name=profile.name,
        owner=profile.owner,
        notice=profile.notice,
        create_time=profile.create_time,
        member_count=profile.member_count,
        member_version=profile.member_version,
        status=profile.status,
        seen_at=profile.seen_at,
        updated_at=profile.updated_at,
    )
    _conditional_put(entry, _not_newer(int(profile.seen_at)))


def member_joined(
    chat_id: str,
    userid: str,
    member_type: int,
    join_time: int,
    join_scene: int | None,
    seen_at: int,
    now: int,
) -> bool:
    """A delta's join: present from ``join_time``, unless a newer state is stored."""
    model = GroupItem
    joined = [
        model.status.set(IN),
        model.join_time.set(join_time),
        model.left_at.remove(),
        model.quit_scene.remove(),
    ]
    if join_scene is not None:
        joined.append(model.join_scene.set(join_scene))
    return _member_update(chat_id, userid, member_type, joined, seen_at, now)


def member_left(
    chat_id: str,
    userid: str,
    member_type: int,
    left_at: int,
    quit_scene: int | None,
    seen_at: int,
    now: int,
) -> bool:
    """A delta's leave: kept as ``left`` with when and how, unless a newer state is stored."""
    model = GroupItem
    left = [model.status.set(LEFT), model.left_at.set(left_at)]
    if quit_scene is not None:
        left.append(model.quit_scene.set(quit_scene))
    return _member_update(chat_id, userid, member_type, left, seen_at, now)


def _member_update(
    chat_id: str, userid: str, member_type: int, change: list[Any], seen_at: int, now: int
) -> bool:
    """A member's ``change`` (and the type, when seen), unless a newer state is stored."""
    model = GroupItem
    item = model(group_pk(chat_id), member_sk(userid))
    actions = [
        model.chat_id.set(chat_id),
        model.member_id.set(userid),
        model.type.set(model.type | member_type),
        *change,
        model.seen_at.set(seen_at),
        model.updated_at.set(now),
    ]
    return _conditional_update(item, actions, _not_newer(seen_at))


def advance_version(chat_id: str, last: str, cur: str, seen_at: int, now: int) -> bool:
    """Move the held member version from ``last`` to ``cur``; False if it is not ``last``."""
    model = GroupItem
    count = count_present(chat_id)
    done = _conditional_update(
        model(group_pk(chat_id), PROFILE),
        [
            model.member_version.set(cur),
            model.member_count.set(count),
            model.seen_at.set(seen_at),
            model.updated_at.set(now),
        ],
        (model.member_version == last) & (model.seen_at <= seen_at),
    )
    if done:
        _conditional_update(
            model(LISTING_PK, f"{LISTING}{chat_id}"),
            [model.member_count.set(count), model.seen_at.set(seen_at), model.updated_at.set(now)],
            model.pk.exists() & (model.seen_at <= seen_at),
        )
    return done


def set_status(chat_id: str, status: str, seen_at: int, now: int) -> bool:
    """Mark a group dismissed / unavailable (both the profile and its listing entry)."""
    model = GroupItem
    actions = [
        model.chat_id.set(chat_id),
        model.status.set(status),
        model.seen_at.set(seen_at),
        model.updated_at.set(now),
    ]
    done = _conditional_update(model(group_pk(chat_id), PROFILE), actions, _not_newer(seen_at))
    if done:
        _conditional_update(model(LISTING_PK, f"{LISTING}{chat_id}"), actions, _not_newer(seen_at))
    return done


# --- reconcile cursor ---------------------------------------------------------------------


def reconcile_state() -> ReconcileStateItem:
    model = ReconcileStateItem
    try:
        return model.get(RECONCILE_KEY)
    except model.DoesNotExist:
        return model(RECONCILE_KEY)


def save_reconcile_state(
    state: ReconcileStateItem, cursor: str | None, offset: int, now: int
) -> None:
    """Where the reconcile is: the page at ``cursor``, ``offset`` of its groups done
    (``cursor`` ``None`` and ``offset`` 0: a cycle just ended)."""
    moved = offset - int(state.offset or 0) if (state.cursor or None) == cursor else offset
    state.cursor = cursor or None
    state.offset = offset
    if not state.cycle_started_at:
        state.cycle_started_at = now
    state.refreshed_in_cycle = int(state.refreshed_in_cycle or 0) + max(moved, 0)
    state.updated_at = now
    state.expires_at = STATE_TTL
    if cursor is None and not offset:
        state.cycle_started_at = 0
        state.refreshed_in_cycle = 0
    try:
        state.save()
    except PutError as error:
        raise DependencyUnavailable("the reconcile cursor could not be saved") from error
