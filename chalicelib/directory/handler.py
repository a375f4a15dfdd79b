"""The directory function: the one entry point of the query engine (DuckDB and pyarrow live
in this function's layer, not in the API package).

In AWS it is its own Lambda function (``infra/stacks/directory.py``): the API handler invokes
it for searches and counts, the SOP tick for audience pages, and EventBridge for the
refresh and the nightly compaction. Locally and in tests :mod:`chalicelib.directory.gateway`
calls :func:`handle` in-process: the same code either way.

It runs the same middleware as every other function (correlation id, metrics flushed:
:func:`chalicelib.core.observability.lambda_entry`). Requests are ``{"op": ..., ...}``;
answers are JSON objects, or ``{"error", "message", "status"}`` for a refusal (the gateway
raises it again on the caller's side).
"""

from __future__ import annotations

import time
from typing import Any

from chalicelib.core.errors import BadRequest, DomainError
from chalicelib.core.observability import lambda_entry, logger
from chalicelib.directory.compiler import Scope
from chalicelib.directory.models import MAX_PAGE, Filter

#: The function's scheduled jobs and their periods in seconds (EventBridge in AWS, the local
#: stack's event sources locally): the refresh every two minutes, compaction nightly.
SCHEDULES: dict[str, float] = {"refresh": 120.0, "compact": 86_400.0}


def scope_of(payload: dict[str, Any]) -> Scope:
    staff = payload.get("scope_staff")
    return Scope(None if staff is None else frozenset(str(s) for s in staff))


def _query(payload: dict[str, Any]) -> dict[str, Any]:
    from chalicelib.directory.engine import get_engine

    op = payload.get("op")
    filter_ = Filter.model_validate(payload.get("filter") or {})
    scope = scope_of(payload)
    now = int(payload.get("now") or time.time())
    engine = get_engine()
    if op == "count":
        return engine.count(filter_, scope, now)
    if op == "search":
        limit = int(payload.get("limit") or 50)
        if not 1 <= limit <= MAX_PAGE:
            raise BadRequest(f"limit must be from 1 to {MAX_PAGE}")
        return engine.search(
            filter_,
            scope,
            now,
            sort=str(payload.get("sort") or "added_at"),
            order=str(payload.get("order") or "desc"),
            cursor=payload.get("cursor"),
            limit=limit,
        )
    if op == "ids":
        return engine.ids(
            filter_, scope, now, after=payload.get("after"), limit=int(payload["limit"])
        )
    raise BadRequest(f"unknown directory operation {op!r}")


@lambda_entry
def handle(payload: dict[str, Any], context: Any = None) -> dict[str, Any]:
    op = payload.get("op")
    try:
        if op in ("count", "search", "ids"):
            return _query(payload)
        if op == "refresh":
            from chalicelib.directory import readmodel

            return readmodel.refresh().__dict__
        if op == "compact":
            from chalicelib.directory import readmodel

            manifest = readmodel.compact()
            return {"version": manifest.version, "rows": manifest.rows}
        if op == "backfill":
            from dataclasses import asdict

            from chalicelib.directory import backfill

            return asdict(backfill.run(again=bool(payload.get("again"))))
        if op == "export":
            from chalicelib.directory import export

            return export.run(str(payload["export_id"]))
        raise BadRequest(f"unknown directory operation {op!r}")
    except DomainError as error:
        logger.info("directory request refused", extra={"error": error.code})
        return {"error": error.code, "message": error.message, "status": error.status}
    except Exception as error:
        from pydantic import ValidationError

        if isinstance(error, ValidationError):
            return {"error": "invalid", "message": str(error), "status": 400}
        raise
