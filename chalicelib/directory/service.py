"""Use cases of the directory on the API side: check a filter against what exists and the
requester's scope, then ask the directory function (:mod:`chalicelib.directory.gateway`).
Saved audiences and export records live in the directory's own tables."""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING, Any

from chalicelib.core.errors import BadRequest, NotFound
from chalicelib.directory import gateway, store
from chalicelib.directory.models import (
    AUDIENCE_ID,
    Audience,
    AudienceIn,
    CountIn,
    CountOut,
    ExportIn,
    ExportStarted,
    ExportState,
    Filter,
    SearchIn,
    SearchOut,
)

if TYPE_CHECKING:
    from chalicelib.directory.compiler import Scope


class UnknownTag(BadRequest):
    code = "unknown_tag"


class UnknownSegment(BadRequest):
    code = "unknown_segment"


class UnknownTier(BadRequest):
    code = "unknown_tier"


class OutsideScope(BadRequest):
    code = "filter_outside_scope"


class AudienceNotFound(NotFound):
    code = "audience_not_found"


class InvalidAudienceId(BadRequest):
    code = "invalid_audience_id"


def checked(filter_: Filter, scope: Scope) -> Filter:
    """``filter_`` when everything it names exists and lies within ``scope``; otherwise a
    400 naming what does not."""
    from chalicelib.membership import queries as membership
    from chalicelib.screening import queries as screening
    from chalicelib.tags import queries as tags

    if filter_.tags is not None:
        unknown = tags.unknown_tag_ids(filter_.tags.ids())
        if unknown:
            raise UnknownTag(f"no such tag: {', '.join(unknown)}")
        both = set(filter_.tags.any_of + filter_.tags.all_of) & set(filter_.tags.none_of)
        if both:
            raise BadRequest(f"a tag cannot be both wanted and excluded: {', '.join(sorted(both))}")
    if filter_.segments:
        unknown = sorted(set(filter_.segments) - set(screening.segments()))
        if unknown:
            raise UnknownSegment(f"no such segment: {', '.join(unknown)}")
    if filter_.tiers:
        unknown = sorted(set(filter_.tiers) - set(membership.tier_names()))
        if unknown:
            raise UnknownTier(f"no such tier: {', '.join(unknown)}")
    if scope.staff is not None and filter_.staff:
        outside = sorted(set(filter_.staff) - scope.staff)
        if outside:
            raise OutsideScope(
                f"the filter names staff outside your data scope: {', '.join(outside)}"
            )
    return filter_


def _scope_payload(scope: Scope) -> dict[str, Any]:
    return {"scope_staff": None if scope.staff is None else sorted(scope.staff)}


def search(body: SearchIn, scope: Scope) -> SearchOut:
    checked(body.filter, scope)
    answer = gateway.call(
        {
            "op": "search",
            "filter": body.filter.model_dump(mode="json", exclude_defaults=True),
            "sort": body.sort,
            "order": body.order,
            "cursor": body.cursor,
            "limit": body.limit,
            "now": int(time.time()),
            **_scope_payload(scope),
        }
    )
    return SearchOut.model_validate(answer)


def count(body: CountIn, scope: Scope) -> CountOut:
    checked(body.filter, scope)
    answer = gateway.call(
        {
            "op": "count",
            "filter": body.filter.model_dump(mode="json", exclude_defaults=True),
            "now": int(time.time()),
            **_scope_payload(scope),
        }
    )
    return CountOut.model_validate(answer)


# --- audiences -------------------------------------------------------------------------------


def checked_audience_id(audience_id: str) -> str:
    if not AUDIENCE_ID.match(audience_id):
        raise InvalidAudienceId("an audience id is 1-48 lowercase letters, digits or dashes")
    return audience_id


def put_audience(audience_id: str, body: AudienceIn, scope: Scope, by: str) -> Audience:
    checked(body.filter, scope)
    audience = Audience(
        **body.model_dump(),
        id=checked_audience_id(audience_id),
        updated_at=int(time.time()),
        updated_by=by,
    )
    store.put_audience(audience.id, audience.model_dump(mode="json"), audience.updated_at)
    return audience


def get_audience(audience_id: str) -> Audience:
    body = store.get_audience(checked_audience_id(audience_id))
    if body is None:
        raise AudienceNotFound(f"no audience {audience_id!r}")
    return Audience.model_validate(body)


def list_audiences() -> list[Audience]:
    return sorted((Audience.model_validate(body) for body in store.audiences()), key=lambda a: a.id)


def delete_audience(audience_id: str) -> None:
    get_audience(audience_id)
    store.delete_audience(audience_id)


# --- exports ---------------------------------------------------------------------------------


def start_export(body: ExportIn, scope: Scope, by: str) -> ExportStarted:
    """Record the export, then start the job (the record first: a job never runs unrecorded)."""
    checked(body.filter, scope)
    export_id = uuid.uuid4().hex
    now = int(time.time())
    record: dict[str, object] = {
        "export_id": export_id,
        "status": "queued",
        "progress": 0.0,
        "rows": 0,
        "format": body.format,
        "filter": body.filter.model_dump(mode="json", exclude_defaults=True),
        "created_at": now,
        "created_by": by,
        **_scope_payload(scope),
    }
    store.save_export(export_id, record, now)
    gateway.start({"op": "export", "export_id": export_id})
    return ExportStarted(export_id=export_id, status="queued")


def export_state(export_id: str, by: str) -> ExportState:
    from chalicelib.directory.export import ExportNotFound, link

    record = store.get_export(export_id) if len(export_id) == 32 else None
    if record is None or record.get("created_by") != by:
        raise ExportNotFound(f"no export {export_id!r}")
    key = record.get("key")
    return ExportState(
        export_id=export_id,
        status=record["status"],
        progress=float(record.get("progress") or 0),
        rows=int(record.get("rows") or 0),
        format=record.get("format", "csv"),
        url=link(str(key)) if record["status"] == "done" and key else None,
        error=record.get("error"),
    )
