"""Logging, metrics and tracing (AWS Lambda Powertools).

- ``logger``: structured JSON logs; every request line carries its correlation id.
- ``metrics``: one CloudWatch metric per business event, written as EMF log lines.
- ``invocation``: what every Lambda invocation runs inside (the correlation id and the
  Lambda context on every log line, tracing, metrics flushed at the end); the Chalice
  functions through :mod:`chalicelib.core.middleware`, a plain handler through
  :func:`lambda_entry`.
- ``tracer()``: X-Ray tracing only when ``TRACING_ENABLED=true``. Creating a Tracer patches
  botocore at import (about 340 ms of cold start), so it is created on first use, never at
  import, and a no-op stands in when tracing is off.

The service name differs from the Chalice app name on purpose: Powertools' Logger would
otherwise share Python's logger with ``app.log`` and print every line twice.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, Protocol, TypeVar

from aws_lambda_powertools import Logger, Metrics

from chalicelib.core import coldstart

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME", "scrm-api")
NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "PrivateDomainSCRM")

logger = Logger(service=SERVICE)
# urllib3 logs whole URLs at DEBUG, and WeCom puts the access token in the query string.
logging.getLogger("urllib3").setLevel(logging.WARNING)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)

F = TypeVar("F", bound=Callable[..., Any])
H = TypeVar("H", bound=Callable[..., Any])


class TracerLike(Protocol):
    def capture_method(self, method: F) -> F: ...

    def put_annotation(self, key: str, value: Any) -> Any: ...


class _NoTracer:
    def capture_method(self, method: F) -> F:
        return method

    def put_annotation(self, key: str, value: Any) -> Any:
        return None


@lru_cache(maxsize=1)
def tracer() -> TracerLike:
    if os.environ.get("TRACING_ENABLED", "false").lower() != "true":
        return _NoTracer()
    from aws_lambda_powertools import Tracer

    tracer_: TracerLike = Tracer(service=SERVICE)
    return tracer_


#: Lambda context attributes put on every log line (Powertools' ``inject_lambda_context``).
CONTEXT_KEYS = {
    "function_name": "function_name",
    "function_memory_size": "memory_limit_in_mb",
    "function_arn": "invoked_function_arn",
    "function_request_id": "aws_request_id",
}

_inside = contextvars.ContextVar("inside_invocation", default=False)
_cold = {"start": True}


@contextmanager
def invocation(name: str, correlation_id: str | None, lambda_context: Any = None) -> Iterator[None]:
    """Around one Lambda invocation: log keys in, metrics flushed out (even on failure)."""
    if _inside.get():
        yield
        return
    token = _inside.set(True)
    logger.set_correlation_id(correlation_id)
    keys = {
        key: getattr(lambda_context, attr)
        for key, attr in CONTEXT_KEYS.items()
        if getattr(lambda_context, attr, None) is not None
    }
    logger.append_keys(cold_start=_cold["start"], **keys)
    _cold["start"] = False
    # With TRACING_ENABLED=true the first event creates the Tracer, which patches botocore
    # and requests: every DynamoDB, S3 and WeCom call becomes an X-Ray subsegment.
    tracer().put_annotation("event", name)
    try:
        yield
    finally:
        _inside.reset(token)
        logger.remove_keys(["cold_start", *keys])
        if metrics.metric_set:
            metrics.flush_metrics()
        coldstart.first_event_answered()


def lambda_entry(handler: H) -> H:
    """Wrap a plain ``(event, context)`` Lambda handler in the same :func:`invocation`."""

    @functools.wraps(handler)
    def entry(event: Any, context: Any = None, *args: Any, **kwargs: Any) -> Any:
        correlation_id = getattr(context, "aws_request_id", None)
        with invocation(handler.__name__, correlation_id, context):
            return handler(event, context, *args, **kwargs)

    return entry  # type: ignore[return-value]
