"""The requests of one first event, made again from a bare boto3 client in a new process.

A reference for the cold start of the first stream batch: what its own DynamoDB requests
and WeCom calls cost with nothing of the app around them (no handler, no models, no
PynamoDB), so that the figure's share of the app's code shows.

``python -S -E -B benchmarks/bare_requests.py record <handler> <event.json> <package> <calls.json>``
answers the event as :mod:`benchmarks.first_request` does (imported from its file) and
writes every AWS call (botocore's operation and parameters) and WeCom call (``requests``'s
method, URL and body) it made, in order.

``python -S -E -B benchmarks/bare_requests.py replay <package> <calls.json>`` imports
boto3 from the package, creates one client per service (the app's endpoint from the
environment) and makes the same calls again; WeCom calls go through urllib3, which botocore
loads anyway. Writes are replayed without their conditions (a condition that held the
first time may not hold again: a failed request would cost botocore an error to build, work
the batch did not do) and without a transaction's idempotency token (DynamoDB would answer
the same token as done, writing nothing), so each writes again what the batch wrote.
"""

import base64
import importlib.util
import json
import os
import re
import sys
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
PLACEHOLDER = re.compile(r"[#:][A-Za-z0-9_]+")
WRITES = ("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems")
#: A transaction's token would make its replay a no-op (the same token and items).
DROPPED = ("ConditionExpression", "ClientRequestToken")


def _encode(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"__bytes__": base64.b64encode(value).decode()}
    raise TypeError(f"cannot record {type(value).__name__}")


def _decode(value: dict[str, Any]) -> Any:
    return base64.b64decode(value["__bytes__"]) if "__bytes__" in value else value


def unconditional(params: dict[str, Any]) -> dict[str, Any]:
    """A write's parameters without its condition (and the names and values only the
    condition used: DynamoDB refuses unused ones) or its idempotency token."""
    params = {k: v for k, v in params.items() if k not in DROPPED}
    if "TransactItems" in params:
        params["TransactItems"] = [
            {kind: unconditional(body) if kind != "ConditionCheck" else body}
            for item in params["TransactItems"]
            for kind, body in item.items()
        ]
    # Besides the condition, a write's only expression is an update's.
    used = set(PLACEHOLDER.findall(params.get("UpdateExpression", "")))
    for key in ("ExpressionAttributeNames", "ExpressionAttributeValues"):
        if key in params:
            kept = {k: v for k, v in params[key].items() if k in used}
            if kept:
                params[key] = kept
            else:
                del params[key]
    return params


def record(handler: str, event_path: str, package: str, out: str) -> int:
    # The package goes first: this folder's ``requests.py`` must not stand for requests.
    sys.path.insert(0, package)
    import botocore.client
    import requests

    calls: list[dict[str, Any]] = []
    make_api_call = botocore.client.BaseClient._make_api_call
    send = requests.Session.send

    def recorded_call(client: Any, operation: str, params: dict[str, Any]) -> Any:
        service = client.meta.service_model.service_name
        calls.append({"service": service, "operation": operation, "params": params})
        return make_api_call(client, operation, params)

    def recorded_send(session: Any, request: Any, **kwargs: Any) -> Any:
        body = request.body.decode() if isinstance(request.body, bytes) else request.body
        calls.append({"method": request.method, "url": request.url, "body": body})
        return send(session, request, **kwargs)

    botocore.client.BaseClient._make_api_call = recorded_call  # type: ignore[method-assign]
    requests.Session.send = recorded_send  # type: ignore[method-assign]
    spec = importlib.util.spec_from_file_location(
        "first_request", os.path.join(HERE, "first_request.py")
    )
    assert spec is not None and spec.loader is not None
    first_request = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(first_request)
    status = int(first_request.main(handler, event_path))
    with open(out, "w", encoding="utf-8") as sink:
        json.dump(calls, sink, default=_encode)
    return status


def replay(package: str, calls_path: str) -> int:
    sys.path.insert(0, package)
    import boto3
    from botocore import xform_name

    with open(calls_path, encoding="utf-8") as source:
        calls = json.load(source, object_hook=_decode)
    clients: dict[str, Any] = {}
    pool: Any = None
    for call in calls:
        if "service" in call:
            service = call["service"]
            if service not in clients:
                endpoint = os.environ.get(f"{service.upper()}_ENDPOINT") or None
                clients[service] = boto3.client(service, endpoint_url=endpoint)
            params = call["params"]
            if call["operation"] in WRITES:
                params = unconditional(params)
            getattr(clients[service], xform_name(call["operation"]))(**params)
        else:
            if pool is None:
                import urllib3

                pool = urllib3.PoolManager()
            body = call["body"].encode() if isinstance(call["body"], str) else call["body"]
            pool.request(call["method"], call["url"], body=body)
    return 0


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    sys.exit(record(*args) if mode == "record" else replay(*args))
