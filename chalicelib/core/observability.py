"""Logging, metrics and tracing (AWS Lambda Powertools).

- ``logger``: structured JSON logs; every request line carries its correlation id.
- ``metrics``: one CloudWatch metric per business event, written as EMF log lines.
- ``tracer()``: X-Ray tracing only when ``TRACING_ENABLED=true``. Creating a Tracer patches
  botocore at import (about 340 ms of cold start), so it is created on first use, never at
  import, and a no-op stands in when tracing is off.

The service name differs from the Chalice app name on purpose: Powertools' Logger would
otherwise share Python's logger with ``app.log`` and print every line twice.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from functools import lru_cache
from typing import Any, Protocol, TypeVar

from aws_lambda_powertools import Logger, Metrics

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME", "scrm-api")
NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "PrivateDomainSCRM")

logger = Logger(service=SERVICE)
# urllib3 logs whole URLs at DEBUG, and WeCom puts the access token in the query string.
logging.getLogger("urllib3").setLevel(logging.WARNING)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)

F = TypeVar("F", bound=Callable[..., Any])


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
