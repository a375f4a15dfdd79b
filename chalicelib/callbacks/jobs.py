"""Non-HTTP entry points of the callback inbox: the stream processor and the sweeper."""

from __future__ import annotations

from typing import Any

from chalice.app import Rate

from chalicelib.core.lazy import lazy_import
from chalicelib.core.middleware import JobBlueprint

blueprint = JobBlueprint(__name__)
processing = lazy_import("chalicelib.callbacks.processing")


@blueprint.lambda_function(name="process_callback_events")
def process_callback_events(event: dict[str, Any], context: Any) -> dict[str, int]:
    """Fed by the callback-events table's stream (wired in infra and by the local stack)."""
    results = processing.process_stream(event.get("Records", []))
    return {"processed": sum(r.outcome == "processed" for r in results), "seen": len(results)}


@blueprint.schedule(Rate(1, unit=Rate.MINUTES), name="sweep_callback_events")
def sweep_callback_events(event: Any) -> dict[str, int]:
    """Retry events whose earlier attempt failed, once their backoff is over."""
    results = processing.sweep()
    return {"processed": sum(r.outcome == "processed" for r in results), "seen": len(results)}
