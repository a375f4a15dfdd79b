"""Cross-cutting behaviour for every Lambda invocation: correlation ids and the Lambda
context on every log line, tracing (when switched on) and metric flushing.

One :func:`~chalicelib.core.observability.invocation` serves every entry point, so they
all behave alike:

- the API (``app.app``): Chalice runs :func:`observe` on each request, registered on the app
  through :data:`blueprint`;
- the stream consumer and the schedules: each is declared on a :class:`JobBlueprint`, whose
  handlers carry :func:`observe` themselves. Lambda calls them by their own module path
  (``chalicelib.points.jobs.expire_points``) without importing ``app.py``, so the app's
  middleware would never reach them;
- a function with a plain ``(event, context)`` handler (the directory function) wraps it in
  :func:`chalicelib.core.observability.lambda_entry` (that function's package has no
  Chalice).

An invocation inside another one in the same process (the local stack and tests call the
directory handler in-process from an API request) adds nothing: the outer one owns the
correlation id and flushes the metrics.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice.app import Blueprint, EventSourceHandler

from chalicelib.core.observability import invocation

blueprint = Blueprint(__name__)


def _correlation_id(event: Any) -> str | None:
    context = getattr(event, "context", None)
    if isinstance(context, dict):  # API Gateway request
        return context.get("requestId")
    lambda_context = getattr(event, "lambda_context", None) or context
    return getattr(lambda_context, "aws_request_id", None)


def _lambda_context(event: Any) -> Any:
    context = getattr(event, "lambda_context", None)
    if context is None and not isinstance(getattr(event, "context", None), dict):
        context = getattr(event, "context", None)
    return context


def observe(event: Any, get_response: Callable[[Any], Any]) -> Any:
    """The Chalice middleware of every event the app or a :class:`JobBlueprint` handles."""
    with invocation(type(event).__name__, _correlation_id(event), _lambda_context(event)):
        return get_response(event)


#: The middleware every Chalice entry point runs, in order.
MIDDLEWARE: tuple[Callable[[Any, Callable[[Any], Any]], Any], ...] = (observe,)

for _middleware in MIDDLEWARE:
    blueprint.register_middleware(_middleware, "all")


class JobBlueprint(Blueprint):
    """A blueprint for schedules and stream consumers: each handler runs :data:`MIDDLEWARE`
    whether or not ``app.py`` was imported (registered on the app, it runs the app's
    middleware instead, which is the same)."""

    def _wrap_handler(self, handler_type: str, handler_name: str, user_handler: Any) -> Any:
        wrapped = super()._wrap_handler(handler_type, handler_name, user_handler)
        if isinstance(wrapped, EventSourceHandler):
            wrapped.middleware_handlers = list(MIDDLEWARE)
        return wrapped


def time_budget_s(event: Any, default_s: float = 25.0, margin_s: float = 3.0) -> float:
    """What is left of a scheduled run's time, less ``margin_s`` kept for answering
    (``default_s`` outside Lambda): the budget a paged job works within."""
    context = getattr(event, "context", None)
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return default_s
    return max(1.0, remaining() / 1000 - margin_s)
