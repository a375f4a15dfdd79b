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

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, cast

from pynamodb.attributes import (
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    VersionAttribute,
)
from pynamodb.exceptions import PutError, PynamoDBException

from chalicelib.core.errors import DependencyUnavailable
from chalicelib.storage import ops
from chalicelib.storage.dynamo import TableModel, condition_failed, index
from chalicelib.storage.keys import Prefix
from chalicelib.storage.schema import CONTACTS

if TYPE_CHECKING:
    from pynamodb.transactions import TransactWrite

PROFILE = "profile"
REL = "rel#"
TIMELINE = "tl#"

ACTIVE = "active"
LOST = "lost"
ENDED = "ended"


contact_pk = Prefix("contact#")
rel_sk = Prefix(REL)
phone_pk = Prefix("phone#")


class ContactsItem(TableModel):
    """Keys and index attributes every item type of the table declares (abstract)."""

    schema = CONTACTS

    class Meta(TableModel.Meta):
        abstract = True

    # Index keys: set only on the item type they belong to (DynamoDB refuses empty keys).
    unionid = UnicodeAttribute(null=True)
    staff_userid = UnicodeAttribute(null=True)
    added_at = NumberAttribute(null=True)

    by_unionid = index(CONTACTS, "by_unionid")
    by_staff = index(CONTACTS, "by_staff")


class ProfileItem(ContactsItem):
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
    kind = UnicodeAttribute()
    at = NumberAttribute()  # epoch milliseconds
    detail = JSONAttribute(default=dict)
    event_key = UnicodeAttribute(default="")


class PhoneItem(ContactsItem):
    external_userid = UnicodeAttribute()


# --- reads -------------------------------------------------------------------------------


def read_contact(external_userid: str) -> tuple[ProfileItem | None, list[RelationshipItem]]:
    """The profile and every relationship in one consistent Query: ``sk=profile`` and
    ``sk=rel#…`` sort next to each other, before the timeline (``sk=tl#…``)."""
    connection = ProfileItem._get_connection()
    profile: ProfileItem | None = None
    relationships: list[RelationshipItem] = []
    start: dict[str, Any] | None = None
    while True:
        try:
            answer = connection.query(
                contact_pk(external_userid),
                range_key_condition=ProfileItem.sk.between(PROFILE, REL + "\uffff"),
                consistent_read=True,
                exclusive_start_key=start,
            )
        except PynamoDBException as error:
            raise DependencyUnavailable("the contacts table did not answer") from error
        for raw in answer.get("Items", []):
            if raw["sk"]["S"] == PROFILE:
                profile = ProfileItem.from_raw_data(raw)
            elif raw["sk"]["S"].startswith(REL):
                relationships.append(RelationshipItem.from_raw_data(raw))
        start = answer.get("LastEvaluatedKey")
        if not start:
            return profile, relationships


def new_relationship(external_userid: str, userid: str) -> RelationshipItem:
    return RelationshipItem(
        contact_pk(external_userid),
        rel_sk(userid),
        external_userid=external_userid,
        staff_userid=userid,
    )


def timeline_item(
    external_userid: str, kind: str, at_ms: int, detail: dict[str, Any], event_key: str
) -> TimelineItem:
    """One timeline entry, keyed by when and by the event that caused it (a rewrite of the
    same pair is the same item)."""
    suffix = event_key.rsplit(":", 1)[-1][-16:]
    return TimelineItem(
        contact_pk(external_userid),
        f"{TIMELINE}{at_ms:015d}#{suffix}#{kind}",
        kind=kind,
        at=at_ms,
        detail=dict(detail),
        event_key=event_key,
    )


def phone_item(digest: str, external_userid: str) -> PhoneItem:
    return PhoneItem(phone_pk(digest), contact_pk(external_userid), external_userid=external_userid)


# --- writes ------------------------------------------------------------------------------


def write_contact(saves: Sequence[ContactsItem], deletes: Iterable[ContactsItem] = ()) -> None:
    """Everything one fact changes, in one transaction: a versioned item (profile,
    relationship) is written only if nobody saved it since it was read
    (:class:`~chalicelib.storage.ops.Conflict` otherwise: read again)."""
    removed = list(deletes)
    if len(saves) == 1 and not removed and not isinstance(saves[0], ProfileItem | RelationshipItem):
        save(saves[0])  # one unversioned item: a plain put costs half a transaction's units
        return

    def write(tx: TransactWrite) -> None:
        for item in saves:
            tx.save(item)
        for item in removed:
            tx.delete(item)

    ops.transact(write, "the contacts table")


def mark_tags(
    external_userid: str, userid: str, tag_ids: Iterable[str], entries: Sequence[TimelineItem]
) -> bool:
    """Add ``tag_ids`` to one relationship's tags and the profile's union, with their
    timeline entries, in one transaction and without reading first (each versioned item's
    version moves on, so a writer that read before loses its race). False when the
    relationship or the profile is not stored."""
    added = set(tag_ids)
    pk = contact_pk(external_userid)

    def write(tx: TransactWrite) -> None:
        for item, attribute in (
            (RelationshipItem(pk, rel_sk(userid), version=0), RelationshipItem.tag_ids),
            (ProfileItem(pk, PROFILE, version=0), ProfileItem.tag_ids),
        ):
            tx.update(
                item,
                actions=[attribute.add(added)],
                condition=type(item).pk.exists(),
                add_version_condition=False,
            )
        for entry in entries:
            tx.save(entry)

    try:
        ops.transact(write, "the contacts table")
    except ops.Conflict:
        return False
    return True


def save(item: ContactsItem) -> None:
    try:
        item.save()
    except PynamoDBException as error:
        raise DependencyUnavailable("the contacts table did not accept the change") from error


def get_profile(external_userid: str) -> ProfileItem | None:
    model = ProfileItem
    try:
        return model.get(contact_pk(external_userid), PROFILE, consistent_read=True)
    except model.DoesNotExist:
        return None
    except PynamoDBException as error:
        raise DependencyUnavailable("the contacts table did not answer") from error


def get_relationship(external_userid: str, userid: str) -> RelationshipItem | None:
    model = RelationshipItem
    try:
        return model.get(contact_pk(external_userid), rel_sk(userid), consistent_read=True)
    except model.DoesNotExist:
        return None
    except PynamoDBException as error:
        raise DependencyUnavailable("the contacts table did not answer") from error


def relationships(external_userid: str) -> list[RelationshipItem]:
    model = RelationshipItem
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
    entries = TimelineItem.sk.startswith(TIMELINE)
    pk = contact_pk(external_userid)
    return ops.page(TimelineItem, pk, limit, cursor, condition=entries, newest_first=True)


def staff_relationships(userid: str, limit: int) -> Iterator[RelationshipItem]:
    """A staff member's relationships, newest add first (the by_staff index, never a scan)."""
    model = RelationshipItem
    found = model.by_staff.query(userid, scan_index_forward=False, limit=limit)
    return cast(Iterator[RelationshipItem], found)  # the index is bound to RelationshipItem


def staff_relationships_page(
    userid: str, limit: int, cursor: str | None = None
) -> tuple[list[RelationshipItem], str | None]:
    """A page of a staff member's relationships, newest add first (the by_staff index,
    never a scan), and the cursor of the next page."""
    model = RelationshipItem
    items, following = ops.page(model, userid, limit, cursor, index="by_staff", newest_first=True)
    return cast(list[RelationshipItem], items), following


def contacts_by_phone_hash(digest: str) -> list[str]:
    model = PhoneItem
    return [item.external_userid for item in model.query(phone_pk(digest))]


def save_if_unchanged(item: ContactsItem, what: str) -> bool:
    """Save a versioned item (profile, relationship) if nobody saved it since it was read;
    False when somebody did (read again). ``what`` names the change in the 503 of any
    other failure."""
    try:
        item.save()
    except PutError as error:
        if condition_failed(error):
            return False
        raise DependencyUnavailable(f"the contacts table did not accept {what}") from error
    except PynamoDBException as error:
        raise DependencyUnavailable(f"the contacts table did not accept {what}") from error
    return True


# --- reads for jobs and bulk reads -------------------------------------------------------


def profile_ids_page(
    start: dict[str, Any] | None, limit: int
) -> tuple[list[str], dict[str, Any] | None]:
    """One page of the stored contacts' ids (a Scan keeping profiles only, ``limit`` items
    examined), and the key the next page starts after (``None``: the last page)."""
    connection = ProfileItem._get_connection()
    try:
        answer = connection.scan(
            filter_condition=ProfileItem.sk == PROFILE,
            attributes_to_get=["pk", "sk", "external_userid"],
            limit=limit,
            exclusive_start_key=cast(Any, start),  # the key map itself
        )
    except PynamoDBException as error:
        raise DependencyUnavailable("the contacts table did not answer") from error
    ids = [
        raw["external_userid"]["S"] for raw in answer.get("Items", []) if "external_userid" in raw
    ]
    return ids, answer.get("LastEvaluatedKey")


def read_contacts_at_once(
    external_userids: Sequence[str],
) -> tuple[dict[str, ProfileItem], dict[str, list[RelationshipItem]]]:
    """The profiles and relationships of ``external_userids`` (never the timeline) in one
    PartiQL ``SELECT`` of that many partitions. Nothing for a store that refuses the
    statement (read each contact on its own then)."""
    from botocore.exceptions import BotoCoreError, ClientError

    from chalicelib.core.aws import client

    ids = list(external_userids)
    profiles: dict[str, ProfileItem] = {}
    relationships: dict[str, list[RelationshipItem]] = {}
    if not ids:
        return profiles, relationships
    table = ProfileItem.bound().Meta.table_name
    marks = ", ".join("?" for _ in ids)
    statement = f'SELECT * FROM "{table}" WHERE pk IN [{marks}] AND sk BETWEEN ? AND ?'  # noqa: S608 - our table's name; every value is a parameter
    parameters = [{"S": contact_pk(c)} for c in ids]
    parameters += [{"S": PROFILE}, {"S": REL + "\uffff"}]
    items: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        more = {"NextToken": token} if token else {}
        try:
            answer = client("dynamodb").execute_statement(
                Statement=statement, Parameters=parameters, ConsistentRead=True, **more
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ValidationException":
                return profiles, relationships  # a store that refuses the statement
            raise DependencyUnavailable("the contacts table did not answer") from error
        except BotoCoreError as error:
            raise DependencyUnavailable("the contacts table did not answer") from error
        items.extend(answer.get("Items", []))
        token = answer.get("NextToken")
        if not token:
            break
    for raw in items:
        sk = raw["sk"]["S"]
        contact_id = raw.get("external_userid", {}).get("S", "")
        if sk == PROFILE:
            profiles[contact_id] = ProfileItem.from_raw_data(raw)
        elif sk.startswith(REL):
            relationships.setdefault(contact_id, []).append(RelationshipItem.from_raw_data(raw))
    return profiles, relationships


def ids_by_unionid(unionid: str) -> list[str]:
    """The external_userids of the profiles with this WeChat unionid (the by_unionid
    index), sorted."""
    try:
        return sorted(
            str(item.pk).removeprefix("contact#")
            for item in ProfileItem.by_unionid.query(unionid)
            if item.sk == PROFILE
        )
    except PynamoDBException as error:
        raise DependencyUnavailable("the contacts table did not answer") from error
