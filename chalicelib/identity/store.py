"""The identity and sessions tables (see :mod:`chalicelib.storage.schema`).

identity: ``pk=people, sk=person#<userid>`` :class:`PersonItem`; ``pk=member#<userid>,
sk=member`` :class:`MemberItem`; ``pk=departments, sk=tree`` :class:`DepartmentsItem`;
``pk=api-keys, sk=key#<key id>`` :class:`ApiKeyItem`. sessions: :class:`SessionItem`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

from pynamodb.attributes import (
    JSONAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
)
from pynamodb.exceptions import PynamoDBException

from chalicelib.core.errors import DependencyUnavailable
from chalicelib.storage.dynamo import TableModel, index
from chalicelib.storage.keys import Prefix
from chalicelib.storage.schema import IDENTITY, SESSIONS

PEOPLE = "people"
API_KEYS = "api-keys"
DEPARTMENTS = "departments"


person_sk = Prefix("person#")
member_pk = Prefix("member#")
key_sk = Prefix("key#")


class IdentityItem(TableModel):
    schema = IDENTITY

    class Meta(TableModel.Meta):
        abstract = True


class PersonItem(IdentityItem):
    userid = UnicodeAttribute()
    name = UnicodeAttribute(default="")
    role = UnicodeAttribute()
    scope = UnicodeAttribute(default="own")
    departments = JSONAttribute(default=list)
    status = UnicodeAttribute(default="active")
    wecom_departments = JSONAttribute(default=list)
    granted_by = UnicodeAttribute(default="")
    updated_at = NumberAttribute(default=0)
    last_sign_in_at = NumberAttribute(null=True)


class MemberItem(IdentityItem):
    userid = UnicodeAttribute()
    name = UnicodeAttribute(default="")
    departments = JSONAttribute(default=list)
    status = NumberAttribute(default=1)
    synced_at = NumberAttribute(default=0)


class DepartmentsItem(IdentityItem):
    #: ``[{"id": 2, "parentid": 1, "name": "…"}, …]`` as WeCom's department/list answers.
    tree = JSONAttribute(default=list)
    synced_at = NumberAttribute(default=0)


class ApiKeyItem(IdentityItem):
    key_id = UnicodeAttribute()
    name = UnicodeAttribute()
    secret_hash = UnicodeAttribute()
    role = UnicodeAttribute()
    scope = UnicodeAttribute(default="all")
    departments = JSONAttribute(default=list)
    created_at = NumberAttribute()
    created_by = UnicodeAttribute(default="")
    expires_at = NumberAttribute()
    last_used_at = NumberAttribute(null=True)
    revoked_at = NumberAttribute(null=True)


class SessionItem(TableModel):
    schema = SESSIONS
    pk = UnicodeAttribute(hash_key=True)  # the session id
    userid = UnicodeAttribute()
    secret_hash = UnicodeAttribute()
    csrf = UnicodeAttribute()
    created_at = NumberAttribute()
    last_seen_at = NumberAttribute()
    max_until = NumberAttribute()
    user_agent = UnicodeAttribute(default="")
    via = UnicodeAttribute(default="web")
    expires_at = TTLAttribute()  # the absolute end: DynamoDB removes the item after it

    by_person = index(SESSIONS, "by_person")


def _unavailable(what: str, error: Exception) -> DependencyUnavailable:
    return DependencyUnavailable(f"the {what} table did not answer")


# --- people ----------------------------------------------------------------------------


def get_person(userid: str) -> PersonItem | None:
    model = PersonItem
    try:
        return model.get(PEOPLE, person_sk(userid), consistent_read=True)
    except model.DoesNotExist:
        return None
    except PynamoDBException as error:
        raise _unavailable("identity", error) from error


def people() -> list[PersonItem]:
    model = PersonItem
    try:
        return list(model.query(PEOPLE, model.sk.startswith("person#")))
    except PynamoDBException as error:
        raise _unavailable("identity", error) from error


def update_person(
    userid: str, *, expect_status: str, status: str | None = None, **values: object
) -> bool:
    """Change a grant only while its status is ``expect_status`` (a revocation racing a
    sign-in or a re-enable always wins). False when the condition failed."""
    model = PersonItem
    actions = [getattr(model, name).set(value) for name, value in values.items()]
    if status is not None:
        actions.append(model.status.set(status))
    try:
        model(PEOPLE, person_sk(userid)).update(
            actions=actions, condition=model.status == expect_status
        )
    except PynamoDBException as error:
        if getattr(error, "cause_response_code", "") == "ConditionalCheckFailedException":
            return False
        raise _unavailable("identity", error) from error
    return True


def save(item: IdentityItem | SessionItem) -> None:
    try:
        item.save()
    except PynamoDBException as error:
        raise _unavailable("identity", error) from error


# --- members and departments -----------------------------------------------------------


def get_member(userid: str) -> MemberItem | None:
    model = MemberItem
    try:
        return model.get(member_pk(userid), "member")
    except model.DoesNotExist:
        return None
    except PynamoDBException as error:
        raise _unavailable("identity", error) from error


def get_departments() -> DepartmentsItem | None:
    model = DepartmentsItem
    try:
        return model.get(DEPARTMENTS, "tree")
    except model.DoesNotExist:
        return None
    except PynamoDBException as error:
        raise _unavailable("identity", error) from error


# --- API keys ----------------------------------------------------------------------------


def get_api_key(key_id: str) -> ApiKeyItem | None:
    model = ApiKeyItem
    try:
        return model.get(API_KEYS, key_sk(key_id), consistent_read=True)
    except model.DoesNotExist:
        return None
    except PynamoDBException as error:
        raise _unavailable("identity", error) from error


def api_keys() -> list[ApiKeyItem]:
    model = ApiKeyItem
    try:
        return list(model.query(API_KEYS, model.sk.startswith("key#")))
    except PynamoDBException as error:
        raise _unavailable("identity", error) from error


def touch_api_key(item: ApiKeyItem, at: int) -> None:
    try:
        item.update(actions=[ApiKeyItem.last_used_at.set(at)])
    except PynamoDBException as error:
        raise _unavailable("identity", error) from error


# --- sessions ----------------------------------------------------------------------------


def get_session(session_id: str) -> SessionItem | None:
    model = SessionItem
    try:
        return model.get(session_id, consistent_read=True)
    except model.DoesNotExist:
        return None
    except PynamoDBException as error:
        raise _unavailable("sessions", error) from error


def sessions_of(userid: str) -> Iterator[SessionItem]:
    model = SessionItem
    try:
        found = model.by_person.query(userid, scan_index_forward=False)
        yield from cast(Iterator[SessionItem], found)
    except PynamoDBException as error:
        raise _unavailable("sessions", error) from error


def touch_session(item: SessionItem, at: int) -> None:
    try:
        item.update(actions=[SessionItem.last_seen_at.set(at)], condition=SessionItem.pk.exists())
    except PynamoDBException as error:
        if getattr(error, "cause_response_code", "") == "ConditionalCheckFailedException":
            return  # revoked meanwhile: the next read refuses it
        raise _unavailable("sessions", error) from error


def delete_session(session_id: str) -> None:
    model = SessionItem
    try:
        model(session_id).delete()
    except PynamoDBException as error:
        raise _unavailable("sessions", error) from error
