"""The contacts table's items (one table, several item types told apart by ``sk``).

- ``pk=contact#<ext id>``, ``sk=profile``: :class:`ProfileItem` (``unionid`` → by_unionid)
- ``pk=contact#<ext id>``, ``sk=rel#<staff userid>``: :class:`RelationshipItem`
  (``staff_userid`` and ``added_at`` → by_staff)
- ``pk=contact#<ext id>``, ``sk=tl#<epoch ms, 15 digits>#<event key suffix>#<kind>``:
  :class:`TimelineItem`
- ``pk=phone#<hmac hex>``, ``sk=contact#<ext id>``: :class:`PhoneItem` (orders match by phone)

The daily add and deletion counters are the reports context's
(:mod:`chalicelib.reports.store`), moved on the signals contacts publish.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

from pynamodb.attributes import (
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    VersionAttribute,
)
from pynamodb.exceptions import PynamoDBException
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.core.errors import DependencyUnavailable
from chalicelib.core.paging import PageRequest, query_page
from chalicelib.storage.dynamo import TableModel
from chalicelib.storage.schema import CONTACTS

PROFILE = "profile"
REL = "rel#"
TIMELINE = "tl#"

ACTIVE = "active"
LOST = "lost"
ENDED = "ended"


def contact_pk(external_userid: str) -> str:
    return f"contact#{external_userid}"


def rel_sk(userid: str) -> str:
    return f"{REL}{userid}"


def phone_pk(digest: str) -> str:
    return f"phone#{digest}"


class ByUnionid(GlobalSecondaryIndex["ContactsItem"]):
    """Contacts by WeChat unionid (orders from shops that know the buyer's unionid)."""

    class Meta:
        index_name = CONTACTS.indexes[0].name
        projection = AllProjection()

    unionid = UnicodeAttribute(hash_key=True)
    pk = UnicodeAttribute(range_key=True)


class ByStaff(GlobalSecondaryIndex["ContactsItem"]):
    """A staff member's relationships by add time (sparse: only relationship items)."""

    class Meta:
        index_name = CONTACTS.indexes[1].name
        projection = AllProjection()

    staff_userid = UnicodeAttribute(hash_key=True)
    added_at = NumberAttribute(range_key=True)


class ContactsItem(TableModel):
    """Keys and index attributes every item type of the table declares (abstract)."""

    schema = CONTACTS

    class Meta(TableModel.Meta):
        abstract = True

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    # Index keys: set only on the item type they belong to (DynamoDB refuses empty keys).
    unionid = UnicodeAttribute(null=True)
    staff_userid = UnicodeAttribute(null=True)
    added_at = NumberAttribute(null=True)

    by_unionid = ByUnionid()
    by_staff = ByStaff()


class ProfileItem(ContactsItem):
    class Meta(TableModel.Meta):
        abstract = False

    external_userid = UnicodeAttribute()
    name = UnicodeAttribute(default="")
    type = NumberAttribute(default=0)  # 1 WeChat user, 2 WeCom user
    gender = NumberAttribute(default=0)  # 0 unknown, 1 male, 2 female
    avatar = UnicodeAttribute(default="")
    corp_name = UnicodeAttribute(default="")
    first_channel = UnicodeAttribute(default="")
    first_added_at = NumberAttribute(null=True)
    tag_ids = UnicodeSetAttribute(default=set)
    status = UnicodeAttribute(default=ACTIVE)
    updated_at = NumberAttribute(default=0)
    version = VersionAttribute()


class RelationshipItem(ContactsItem):
    class Meta(TableModel.Meta):
        abstract = False

    external_userid = UnicodeAttribute()
    add_way = NumberAttribute(null=True)
    oper_userid = UnicodeAttribute(default="")
    state = UnicodeAttribute(default="")
    code = UnicodeAttribute(default="")
    channel = UnicodeAttribute(default="")
    remark = UnicodeAttribute(default="")
    description = UnicodeAttribute(default="")
    tag_ids = UnicodeSetAttribute(default=set)
    phone_hashes = UnicodeSetAttribute(default=set)
    status = UnicodeAttribute(default=ACTIVE)
    ended_at = NumberAttribute(null=True)
    ended_by = UnicodeAttribute(null=True)
    retention_days = NumberAttribute(null=True)
    updated_at = NumberAttribute(default=0)
    via = UnicodeAttribute(default="")  # "transfer" when a handover brought the customer
    #: Every add and deletion received (:mod:`chalicelib.contacts.states`); the status,
    #: channel and dates above are derived from them.
    facts = JSONAttribute(default=dict)
    #: What each deletion has moved in the daily counters so far (deletion fact → credit).
    credits = JSONAttribute(default=dict)
    version = VersionAttribute()


class TimelineItem(ContactsItem):
    class Meta(TableModel.Meta):
        abstract = False

    kind = UnicodeAttribute()
    at = NumberAttribute()  # epoch milliseconds
    detail = JSONAttribute(default=dict)
    event_key = UnicodeAttribute(default="")


class PhoneItem(ContactsItem):
    class Meta(TableModel.Meta):
        abstract = False

    external_userid = UnicodeAttribute()


# --- reads -------------------------------------------------------------------------------


def get_profile(external_userid: str) -> ProfileItem | None:
    model = ProfileItem.bound()
    try:
        return model.get(contact_pk(external_userid), PROFILE, consistent_read=True)
    except model.DoesNotExist:
        return None
    except PynamoDBException as error:
        raise DependencyUnavailable("the contacts table did not answer") from error


def get_relationship(external_userid: str, userid: str) -> RelationshipItem | None:
    model = RelationshipItem.bound()
    try:
        return model.get(contact_pk(external_userid), rel_sk(userid), consistent_read=True)
    except model.DoesNotExist:
        return None
    except PynamoDBException as error:
        raise DependencyUnavailable("the contacts table did not answer") from error


def relationships(external_userid: str) -> list[RelationshipItem]:
    model = RelationshipItem.bound()
    return list(
        model.query(contact_pk(external_userid), model.sk.startswith(REL), consistent_read=True)
    )


def timeline(external_userid: str, limit: int) -> list[TimelineItem]:
    """Newest first."""
    return timeline_page(external_userid, limit)[0]


def timeline_page(
    external_userid: str, limit: int, cursor: str | None = None
) -> tuple[list[TimelineItem], str | None]:
    """A page of the timeline, newest first, and the cursor of the next page."""
    model = TimelineItem.bound()
    pk = contact_pk(external_userid)
    return query_page(
        lambda start: model.query(
            pk,
            model.sk.startswith(TIMELINE),
            scan_index_forward=False,
            limit=limit,
            last_evaluated_key=start,
        ),
        PageRequest(limit, cursor),
        CONTACTS.page_key(),
        {"pk": pk},
    )


def staff_relationships(userid: str, limit: int) -> Iterator[RelationshipItem]:
    """A staff member's relationships, newest add first (the by_staff index, never a scan)."""
    model = RelationshipItem.bound()
    found = model.by_staff.query(userid, scan_index_forward=False, limit=limit)
    return cast(Iterator[RelationshipItem], found)  # the index is bound to RelationshipItem


def staff_relationships_page(
    userid: str, limit: int, cursor: str | None = None
) -> tuple[list[RelationshipItem], str | None]:
    """A page of a staff member's relationships, newest add first (the by_staff index,
    never a scan), and the cursor of the next page."""
    model = RelationshipItem.bound()
    items, following = query_page(
        lambda start: model.by_staff.query(
            userid, scan_index_forward=False, limit=limit, last_evaluated_key=start
        ),
        PageRequest(limit, cursor),
        CONTACTS.page_key("by_staff"),
        {"staff_userid": userid},
    )
    return cast(list[RelationshipItem], items), following


def contacts_by_phone_hash(digest: str) -> list[str]:
    model = PhoneItem.bound()
    return [item.external_userid for item in model.query(phone_pk(digest))]
