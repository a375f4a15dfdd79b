"""Cross-cutting behaviour for every Lambda event: correlation ids, tracing (when switched
on) and metric flushing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice.app import Blueprint

from chalicelib.core.observability import logger, metrics, tracer

blueprint = Blueprint(__name__)


def _correlation_id(event: Any) -> str | None:
    context = getattr(event, "context", None)
    if isinstance(context, dict):  # API Gateway request
        return context.get("requestId")
    lambda_context = getattr(event, "lambda_context", None) or context
    return getattr(lambda_context, "aws_request_id", None)


@blueprint.middleware("all")
def observe(event: Any, get_response: Callable[[Any], Any]) -> Any:
    logger.set_correlation_id(_correlation_id(event))
    # With TRACING_ENABLED=true the first event creates the Tracer, which patches botocore
    # and requests: every DynamoDB, S3 and WeCom call becomes an X-Ray subsegment.
    tracer().put_annotation("event", type(event).__name__)
    try:
        return get_response(event)
    finally:
        if metrics.metric_set:
            metrics.flush_metrics()
