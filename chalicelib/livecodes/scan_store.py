"""The live-codes table on the scan path: the channel's route item and today's counters
in one BatchGetItem, the scan counted by one conditional UpdateItem (the table's layout:
:mod:`chalicelib.livecodes.store`).

The low-level client only, no PynamoDB: its per-call overhead is a large share of a ~2 ms
request, and a scan's cold start does not load it.
"""

from __future__ import annotations

import zlib
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.core import aws
from chalicelib.core.errors import DependencyUnavailable
from chalicelib.core.settings import get_settings
from chalicelib.storage.keys import Prefix
from chalicelib.storage.schema import LIVE_CODES

META = "meta"
DAY = "day#"
ROUTE = "route#"

code_pk = Prefix("code#")
day_sk = Prefix(DAY)


def route_sk(channel: str) -> str:
    """The route item of ``channel`` (``""``: the code's first channel)."""
    return f"{ROUTE}{channel}"


def table_name() -> str:
    return get_settings().table_name(LIVE_CODES.logical_name)


def load_route(code: str, day: str, channel: str) -> tuple[str | None, dict[str, int]]:
    """The route item of ``channel`` (raw JSON, ``None`` when the code has no such item)
    and today's counters, in one BatchGetItem (eventually consistent, as the Query was)."""
    pk = {"S": code_pk(code)}
    request: dict[str, Any] = {
        table_name(): {
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
            for item in answer.get("Responses", {}).get(table_name(), []):
                if item["sk"]["S"].startswith(ROUTE):
                    route = zlib.decompress(item["zdoc"]["B"]).decode()
                else:
                    counters = counters_of(item)
            request = answer.get("UnprocessedKeys") or {}
    except (ClientError, BotoCoreError) as error:
        raise DependencyUnavailable("the live codes did not answer") from error
    return route, counters


def load_for_scan(code: str, day: str) -> tuple[str | None, dict[str, int]]:
    """The code's document (raw JSON) and today's counters in one Query."""
    request = {
        "TableName": table_name(),
        "KeyConditionExpression": "pk = :pk AND sk >= :day",
        "ExpressionAttributeValues": {":pk": {"S": code_pk(code)}, ":day": {"S": day_sk(day)}},
    }
    doc: str | None = None
    counters: dict[str, int] = {}
    today = day_sk(day)
    for item in query_all(request):
        sk = item["sk"]["S"]
        if sk == META:
            doc = str(item["doc"]["S"])
        elif sk == today:
            counters = counters_of(item)
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
        "TableName": table_name(),
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


def query_all(request: dict[str, Any]) -> list[dict[str, Any]]:
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


def counters_of(item: dict[str, Any]) -> dict[str, int]:
    return {name: int(value["N"]) for name, value in item.items() if "N" in value}
