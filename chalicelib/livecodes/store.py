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

The scan path (:mod:`chalicelib.livecodes.scan_store`, re-exported here) is one
BatchGetItem (today's counters and the channel's route item, never the whole document
with every way) and one conditional UpdateItem, on the low-level client.
"""

from __future__ import annotations

import json
import zlib
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.attributes import BinaryAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.expressions.operand import Path

from chalicelib.core import aws
from chalicelib.core.errors import DependencyUnavailable
from chalicelib.livecodes.scan_store import (
    DAY,
    META,
    code_pk,
    counters_of,
    day_sk,
    query_all,
    route_sk,
    table_name,
)
from chalicelib.livecodes.scan_store import load_for_scan as load_for_scan
from chalicelib.livecodes.scan_store import load_route as load_route
from chalicelib.livecodes.scan_store import reserve as reserve
from chalicelib.storage.dynamo import TableModel
from chalicelib.storage.keys import Prefix
from chalicelib.storage.once import apply_once
from chalicelib.storage.ops import transaction
from chalicelib.storage.schema import LIVE_CODES

if TYPE_CHECKING:
    from pynamodb.transactions import TransactWrite

INDEX = "codes"
PRINTED = "printed"


class LiveCodeItem(TableModel):
    schema = LIVE_CODES
    doc = UnicodeAttribute(null=True)
    #: A route item's JSON, zlib-compressed (a member's entry and QR in ~40 bytes).
    zdoc = BinaryAttribute(null=True, legacy_encoding=False)
    updated_at = NumberAttribute(null=True)


class CodeIndexItem(TableModel):
    schema = LIVE_CODES
    name = UnicodeAttribute(default="")


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
        "TableName": table_name(),
        "KeyConditionExpression": "pk = :pk AND sk BETWEEN :a AND :b",
        "ExpressionAttributeValues": {
            ":pk": {"S": pk},
            ":a": {"S": day_sk(first)},
            ":b": {"S": day_sk(last)},
        },
        "ConsistentRead": True,
    }
    for item in query_all(request):
        found[item["sk"]["S"][len(DAY) :]] = counters_of(item)
    return found


def count_add_once(effect_id: str, code: str, day: str, userid: str) -> bool:
    """Move ``add#<userid>`` of the code's day by one, once per ``effect_id``."""
    model = LiveCodeItem

    def effect(tx: TransactWrite) -> None:
        tx.update(model(code_pk(code), day_sk(day)), actions=[Path([f"add#{userid}"]).add(1)])

    return apply_once(effect_id, effect)


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
            TableName=table_name(),
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
