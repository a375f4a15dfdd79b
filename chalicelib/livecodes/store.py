"""The live-codes table.

- ``pk=code#<code>``, ``sk=meta``: :class:`LiveCodeItem`, the code's configuration and its
  contact ways as one JSON document (``doc``);
- ``pk=code#<code>``, ``sk=day#<YYYY-MM-DD>`` (local day): counters with names built from
  data, so they are written with the low-level client: ``scans``, ``scan#<channel>``,
  ``rsv#<userid>`` (scans routed to the member), ``add#<userid>`` (real adds) and
  ``hold#<userid>`` / ``holdw#<userid>`` (reservations of the current hold window);
- ``pk=code#<code>``, ``sk=route#<channel>`` (and ``route#`` for the first channel): what
  a scan of that channel needs and nothing else: the rotation rules, the pool (shared
  schedules written once) and that channel's QR per member, a few hundred bytes to a few
  KB however many ways the code has;
- ``pk=codes``, ``sk=<code>``: :class:`CodeIndexItem`, the admin list (a Query, not a Scan);
- ``pk=printed``, ``sk=<code>``: the codes printed as multi-person contact ways, which the
  shift job keeps eligible as working hours begin and end.

The scan path is one BatchGetItem (today's counters and the channel's route item, never
the whole document with every way) and one conditional UpdateItem; it uses the low-level
client because PynamoDB's per-call overhead is a large share of a ~2 ms request.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.attributes import BinaryAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.expressions.operand import Path
from pynamodb.transactions import TransactWrite

from chalicelib.core import aws
from chalicelib.core.errors import DependencyUnavailable
from chalicelib.core.settings import get_settings
from chalicelib.storage.dynamo import TableModel
from chalicelib.storage.keys import Prefix
from chalicelib.storage.once import apply_once
from chalicelib.storage.ops import transaction
from chalicelib.storage.schema import LIVE_CODES

META = "meta"
DAY = "day#"
ROUTE = "route#"
INDEX = "codes"
PRINTED = "printed"


code_pk = Prefix("code#")
day_sk = Prefix(DAY)


class LiveCodeItem(TableModel):
    schema = LIVE_CODES
    doc = UnicodeAttribute(null=True)
    #: A route item's JSON, zlib-compressed (a member's entry and QR in ~40 bytes).
    zdoc = BinaryAttribute(null=True, legacy_encoding=False)
    updated_at = NumberAttribute(null=True)


class CodeIndexItem(TableModel):
    schema = LIVE_CODES
    name = UnicodeAttribute(default="")


def _table() -> str:
    return get_settings().table_name(LIVE_CODES.logical_name)


# --- configuration (admin) ---------------------------------------------------------------


def get_doc(code: str) -> dict[str, Any] | None:
    return _doc(code_pk(code), "the live codes")


def _doc(pk: str, what: str) -> dict[str, Any] | None:
    """The configuration document under ``pk`` (a consistent read), ``None`` if absent."""
    model = LiveCodeItem
    try:
        item = model.get(pk, META, consistent_read=True)
    except model.DoesNotExist:
        return None
    except PynamoDBException as error:
        raise DependencyUnavailable(f"{what} did not answer") from error
    return dict(json.loads(item.doc or "{}"))


def route_sk(channel: str) -> str:
    """The route item of ``channel`` (``""``: the code's first channel)."""
    return f"{ROUTE}{channel}"


def put_doc(
    code: str,
    doc: dict[str, Any],
    name: str,
    at: int,
    routes: dict[str, str] | None = None,
    retired: list[str] | None = None,
) -> None:
    """Write the code's document, its index entry and (when given) its route items by
    channel (``retired``: the channels whose route items go), all or none."""
    try:
        with transaction() as tx:
            tx.save(
                LiveCodeItem(
                    code_pk(code), META, doc=json.dumps(doc, ensure_ascii=False), updated_at=at
                )
            )
            tx.save(CodeIndexItem(INDEX, code, name=name))
            if doc.get("printed"):
                tx.save(CodeIndexItem(PRINTED, code, name=name))
            else:
                tx.delete(CodeIndexItem(PRINTED, code))
            for channel, route in (routes or {}).items():
                packed = zlib.compress(route.encode(), 9)
                tx.save(LiveCodeItem(code_pk(code), route_sk(channel), zdoc=packed, updated_at=at))
            for channel in retired or []:
                tx.delete(LiveCodeItem(code_pk(code), route_sk(channel)))
    except TransactWriteError as error:
        raise DependencyUnavailable("the live codes did not accept the change") from error


def delete_doc(code: str, channels: list[str] | None = None) -> None:
    try:
        with transaction() as tx:
            tx.delete(LiveCodeItem(code_pk(code), META))
            tx.delete(CodeIndexItem(INDEX, code))
            tx.delete(CodeIndexItem(PRINTED, code))
            for channel in ["", *(channels or [])]:
                tx.delete(LiveCodeItem(code_pk(code), route_sk(channel)))
    except TransactWriteError as error:
        raise DependencyUnavailable("the live codes did not accept the deletion") from error


def list_codes(listing: str = INDEX) -> list[str]:
    """Every code (``INDEX``), or the printed ones (``PRINTED``): one Query."""
    model = CodeIndexItem
    try:
        return [item.sk for item in model.query(listing)]
    except PynamoDBException as error:
        raise DependencyUnavailable("the live codes did not answer") from error


def days(code: str, first: str, last: str) -> dict[str, dict[str, int]]:
    """Counter items of ``code`` from day ``first`` to ``last`` (inclusive), by day."""
    return days_of(code_pk(code), first, last)


def days_of(pk: str, first: str, last: str) -> dict[str, dict[str, int]]:
    found: dict[str, dict[str, int]] = {}
    request: dict[str, Any] = {
        "TableName": _table(),
        "KeyConditionExpression": "pk = :pk AND sk BETWEEN :a AND :b",
        "ExpressionAttributeValues": {
            ":pk": {"S": pk},
            ":a": {"S": day_sk(first)},
            ":b": {"S": day_sk(last)},
        },
        "ConsistentRead": True,
    }
    for item in _query(request):
        found[item["sk"]["S"][len(DAY) :]] = _counters(item)
    return found


# --- the scan path -------------------------------------------------------------------------


def load_route(code: str, day: str, channel: str) -> tuple[str | None, dict[str, int]]:
    """The route item of ``channel`` (raw JSON, ``None`` when the code has no such item)
    and today's counters, in one BatchGetItem (eventually consistent, as the Query was)."""
    pk = {"S": code_pk(code)}
    request: dict[str, Any] = {
        _table(): {
            "Keys": [
                {"pk": pk, "sk": {"S": day_sk(day)}},
                {"pk": pk, "sk": {"S": route_sk(channel)}},
            ]
        }
    }
    client = aws.client("dynamodb")
    route: str | None = None
    counters: dict[str, int] = {}
    try:
        while request:
            answer = client.batch_get_item(RequestItems=request)
            for item in answer.get("Responses", {}).get(_table(), []):
                if item["sk"]["S"].startswith(ROUTE):
                    route = zlib.decompress(item["zdoc"]["B"]).decode()
                else:
                    counters = _counters(item)
            request = answer.get("UnprocessedKeys") or {}
    except (ClientError, BotoCoreError) as error:
        raise DependencyUnavailable("the live codes did not answer") from error
    return route, counters


def load_for_scan(code: str, day: str) -> tuple[str | None, dict[str, int]]:
    """The code's document (raw JSON) and today's counters in one Query."""
    request = {
        "TableName": _table(),
        "KeyConditionExpression": "pk = :pk AND sk >= :day",
        "ExpressionAttributeValues": {":pk": {"S": code_pk(code)}, ":day": {"S": day_sk(day)}},
    }
    doc: str | None = None
    counters: dict[str, int] = {}
    today = day_sk(day)
    for item in _query(request):
        sk = item["sk"]["S"]
        if sk == META:
            doc = str(item["doc"]["S"])
        elif sk == today:
            counters = _counters(item)
    return doc, counters


def reserve(
    code: str,
    day: str,
    channel: str,
    userid: str,
    hold: tuple[int, int, bool] | None,
    add_cap: int | None,
) -> bool:
    """Count the scan (in all and per channel) and route it to ``userid``, atomically,
    while the member is under its cap of real adds and, with ``hold`` = ``(window, room,
    same_window)``, holds fewer than ``room`` reservations in hold window ``window``
    (``hold#<userid>`` counts them, ``holdw#<userid>`` names the window: a new window
    starts again from one, so reservations expire with theirs). False when another scan
    took the last slot or started the window first."""
    names = {"#s": "scans", "#c": f"scan#{channel}", "#r": f"rsv#{userid}"}
    values: dict[str, Any] = {":one": {"N": "1"}}
    update = "ADD #s :one, #c :one, #r :one"
    conditions = []
    if hold is not None:
        window, room, same_window = hold
        names |= {"#h": f"hold#{userid}", "#w": f"holdw#{userid}"}
        values[":w"] = {"N": str(window)}
        if same_window:
            update += ", #h :one"
            conditions.append("#w = :w AND #h < :room")
            values[":room"] = {"N": str(room)}
        else:
            update += " SET #h = :one, #w = :w"
            conditions.append("(attribute_not_exists(#w) OR #w < :w)")
    request: dict[str, Any] = {
        "TableName": _table(),
        "Key": {"pk": {"S": code_pk(code)}, "sk": {"S": day_sk(day)}},
        "UpdateExpression": update,
    }
    if add_cap is not None:
        names["#a"] = f"add#{userid}"
        conditions.append("(attribute_not_exists(#a) OR #a < :cap)")
        values[":cap"] = {"N": str(add_cap)}
    if conditions:
        request["ConditionExpression"] = " AND ".join(conditions)
    request["ExpressionAttributeNames"] = names
    request["ExpressionAttributeValues"] = values
    try:
        aws.client("dynamodb").update_item(**request)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise DependencyUnavailable("the live codes did not count the scan") from error
    except BotoCoreError as error:
        raise DependencyUnavailable("the live codes did not answer") from error
    return True


def count_add_once(effect_id: str, code: str, day: str, userid: str) -> bool:
    """Move ``add#<userid>`` of the code's day by one, once per ``effect_id``."""
    model = LiveCodeItem

    def effect(tx: TransactWrite) -> None:
        tx.update(model(code_pk(code), day_sk(day)), actions=[Path([f"add#{userid}"]).add(1)])

    return apply_once(effect_id, effect)


def _query(request: dict[str, Any]) -> list[dict[str, Any]]:
    client = aws.client("dynamodb")
    items: list[dict[str, Any]] = []
    try:
        while True:
            answer = client.query(**request)
            items.extend(answer.get("Items", []))
            if "LastEvaluatedKey" not in answer:
                return items
            request = {**request, "ExclusiveStartKey": answer["LastEvaluatedKey"]}
    except (ClientError, BotoCoreError) as error:
        raise DependencyUnavailable("the live codes did not answer") from error


def _counters(item: dict[str, Any]) -> dict[str, int]:
    return {name: int(value["N"]) for name, value in item.items() if "N" in value}


# --- group codes ---------------------------------------------------------------------------
#
# ``pk=gcode#<code>``: ``sk=meta`` (the document) and ``sk=day#<day>`` (``scans``,
# ``joins``); ``pk=gcodes, sk=<code>`` lists them; ``pk=chat#<chat_id>, sk=<code>`` finds
# the codes a group belongs to when its membership changes (a Query, not a Scan).

GROUP_INDEX = "gcodes"


group_pk = Prefix("gcode#")
chat_pk = Prefix("chat#")


def get_group_doc(code: str) -> dict[str, Any] | None:
    return _doc(group_pk(code), "the group codes")


def put_group_doc(
    code: str, doc: dict[str, Any], at: int, joined: list[str], left: list[str]
) -> None:
    """Write the document, its list entry and the group→code entries, all or none."""
    model = LiveCodeItem
    index = CodeIndexItem
    try:
        with transaction() as tx:
            tx.save(
                model(group_pk(code), META, doc=json.dumps(doc, ensure_ascii=False), updated_at=at)
            )
            tx.save(index(GROUP_INDEX, code, name=str(doc.get("name", ""))))
            for chat_id in joined:
                tx.save(index(chat_pk(chat_id), code))
            for chat_id in left:
                tx.delete(index(chat_pk(chat_id), code))
    except TransactWriteError as error:
        raise DependencyUnavailable("the group codes did not accept the change") from error


def delete_group_doc(code: str, chat_ids: list[str]) -> None:
    model = LiveCodeItem
    index = CodeIndexItem
    try:
        with transaction() as tx:
            tx.delete(model(group_pk(code), META))
            tx.delete(index(GROUP_INDEX, code))
            for chat_id in chat_ids:
                tx.delete(index(chat_pk(chat_id), code))
    except TransactWriteError as error:
        raise DependencyUnavailable("the group codes did not accept the deletion") from error


def list_group_codes() -> list[str]:
    return _index_keys(GROUP_INDEX)


def group_codes_of(chat_id: str) -> list[str]:
    return _index_keys(chat_pk(chat_id))


def _index_keys(pk: str) -> list[str]:
    model = CodeIndexItem
    try:
        return [item.sk for item in model.query(pk)]
    except PynamoDBException as error:
        raise DependencyUnavailable("the live codes did not answer") from error


def count_group_scan(code: str, day: str) -> None:
    try:
        aws.client("dynamodb").update_item(
            TableName=_table(),
            Key={"pk": {"S": group_pk(code)}, "sk": {"S": day_sk(day)}},
            UpdateExpression="ADD scans :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
        )
    except (ClientError, BotoCoreError) as error:
        raise DependencyUnavailable("the group codes did not count the scan") from error


def count_joins_once(effect_id: str, code: str, day: str, joins: int) -> bool:
    model = LiveCodeItem

    def effect(tx: TransactWrite) -> None:
        tx.update(model(group_pk(code), day_sk(day)), actions=[Path(["joins"]).add(joins)])

    return apply_once(effect_id, effect)


def group_day(code: str, day: str) -> dict[str, int]:
    return days_of(group_pk(code), day, day).get(day, {})
