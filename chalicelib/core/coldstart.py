"""A new process answers its first event without the garbage collector's passes.

A cold start makes some 70,000 (a callback, a scan) to 120,000 (a stream batch) objects
that live as long as the process: modules, classes, botocore's models, pydantic's
validators. At the default threshold the cyclic collector runs a pass every 700 new
objects and traverses the young ones again and again: 30 to 60 ms of a first event's CPU,
measured from the Lambda package (docs/decisions.md, "Cold start: no collector passes").
So, from the first import of ``chalicelib`` (:func:`defer_collection`) until the first
invocation is answered (:func:`first_event_answered`, called by
:func:`chalicelib.core.observability.invocation`), a pass waits for :data:`HELD` new
objects: an ordinary first event sees none, a heavy first job still collects. Then
everything alive is frozen (``gc.freeze``: later passes skip it, as they would skip what
lives as long as the process anyway; a cycle made garbage during that first event is never
freed, a bounded loss) and the default thresholds come back.
"""

from __future__ import annotations

import gc

#: New objects (net) before a pass, until the first event is answered: above what a first
#: event of the API, the stream consumer or a schedule makes.
HELD = 200_000

_state: dict[str, tuple[int, int, int] | None] = {"default": None}


def defer_collection() -> None:
    """Hold the collector's passes back until :func:`first_event_answered` (once)."""
    if _state["default"] is None and gc.get_threshold()[0] < HELD:
        default = gc.get_threshold()
        _state["default"] = default
        gc.set_threshold(HELD, default[1], default[2])


def first_event_answered() -> None:
    """Freeze what the cold start made and restore the default thresholds (once)."""
    default = _state["default"]
    if default is None:
        return
    _state["default"] = None
    gc.freeze()
    gc.set_threshold(*default)
