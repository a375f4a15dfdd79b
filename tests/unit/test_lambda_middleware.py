"""Every Lambda entry point runs the same middleware as the API: log lines carry the
invocation's correlation id and the function's name, and the metrics a run records are
flushed when it ends.

Lambda calls a schedule or the stream consumer by its own handler string
(``chalicelib.points.jobs.expire_points``) and never imports ``app.py``, so each check runs
in a fresh interpreter that imports only what Lambda would.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from typing import Any

import pytest

from tests.conftest import ROOT

CONTEXT = """
from types import SimpleNamespace
context = SimpleNamespace(
    aws_request_id="req-7f3a", function_name="scrm-expire-points",
    memory_limit_in_mb=512, invoked_function_arn="arn:aws:lambda:ap-east-1:1:function:x",
)
scheduled = {
    "version": "0", "id": "evt-1", "detail-type": "Scheduled Event", "source": "aws.events",
    "account": "1", "time": "2026-12-01T00:00:00Z", "region": "ap-east-1",
    "resources": [], "detail": {},
}
"""


def run(script: str) -> tuple[list[dict[str, Any]], str]:
    """The JSON lines ``script`` prints (logs and EMF metrics), and its plain output."""
    result = subprocess.run(
        [sys.executable, "-c", CONTEXT + script],
        cwd=ROOT,
        env=os.environ
        | {
            "POWERTOOLS_METRICS_NAMESPACE": "Test",
            "POWERTOOLS_METRICS_DISABLED": "false",  # the tests switch metrics off
            "TRACING_ENABLED": "false",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines, plain = [], []
    for line in result.stdout.splitlines():
        try:
            lines.append(json.loads(line))
        except ValueError:
            plain.append(line)
    return lines, "\n".join(plain)


def handler_strings() -> list[str]:
    from app import app

    scheduled = [source.handler_string for source in app.event_sources]
    pure = [function.handler_string for function in app.pure_lambda_functions]
    return sorted(scheduled + pure)


def test_every_schedule_and_stream_handler_runs_the_middleware_without_the_app() -> None:
    names = handler_strings()
    assert "chalicelib.callbacks.jobs.process_callback_events" in names
    assert len(names) >= 10
    _, out = run(
        "import importlib, sys\n"
        "from chalicelib.core.middleware import MIDDLEWARE\n"
        f"for name in {names!r}:\n"
        "    module, _, attr = name.rpartition('.')\n"
        "    handler = getattr(importlib.import_module(module), attr)\n"
        "    assert list(handler.middleware_handlers) == list(MIDDLEWARE), name\n"
        "print('app' in sys.modules)\n"
    )
    assert out == "False"


def test_a_scheduled_job_flushes_its_metrics_and_logs_with_the_correlation_id() -> None:
    lines, out = run(
        "import importlib, sys\n"
        "from aws_lambda_powertools.metrics import MetricUnit\n"
        "from chalicelib.core.observability import logger, metrics\n"
        "import chalicelib.points.service as service\n"
        "class Run:\n"
        "    def model_dump(self):\n"
        "        return {'expired': 3}\n"
        "def expire_due(**_):\n"
        "    logger.info('points expired')\n"
        "    metrics.add_metric(name='PointsExpired', unit=MetricUnit.Count, value=3)\n"
        "    return Run()\n"
        "service.expire_due = expire_due\n"
        "handler = importlib.import_module('chalicelib.points.jobs').expire_points\n"
        "print(handler(scheduled, context))\n"
        "print('app' in sys.modules)\n"
    )
    assert out.splitlines() == ["{'expired': 3}", "False"]
    [log] = [line for line in lines if line.get("message") == "points expired"]
    assert log["correlation_id"] == "req-7f3a"
    assert log["function_name"] == "scrm-expire-points"
    assert log["function_request_id"] == "req-7f3a"
    [emf] = [line for line in lines if "_aws" in line]
    assert emf["PointsExpired"] == [3.0]
    assert emf["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Test"


def test_a_failed_run_still_flushes_what_it_counted() -> None:
    lines, out = run(
        "import importlib\n"
        "from aws_lambda_powertools.metrics import MetricUnit\n"
        "from chalicelib.core.observability import metrics\n"
        "import chalicelib.groups.service as service\n"
        "def reconcile():\n"
        "    metrics.add_metric(name='GroupsReconciled', unit=MetricUnit.Count, value=1)\n"
        "    raise RuntimeError('WeCom went away')\n"
        "service.reconcile = reconcile\n"
        "handler = importlib.import_module('chalicelib.groups.jobs').reconcile_groups\n"
        "try:\n"
        "    handler(scheduled, context)\n"
        "except RuntimeError as error:\n"
        "    print(error)\n"
    )
    assert out == "WeCom went away"
    assert [line["GroupsReconciled"] for line in lines if "_aws" in line] == [[1.0]]


def test_the_directory_function_logs_with_its_correlation_id() -> None:
    lines, out = run(
        "import json\n"
        "from chalicelib.directory.handler import handle\n"
        "print(json.dumps(handle({'op': 'nothing'}, context)) and 'answered')\n"
    )
    assert out == "answered"
    [refused] = [line for line in lines if line.get("message") == "directory request refused"]
    assert refused["correlation_id"] == "req-7f3a"
    assert refused["function_name"] == "scrm-expire-points"
    assert [line for line in lines if line.get("error") == "bad_request"]


@pytest.mark.parametrize("nested", [False, True])
def test_an_invocation_inside_another_keeps_the_outer_correlation_id(nested: bool) -> None:
    import io
    from types import SimpleNamespace

    from chalicelib.core.observability import invocation, lambda_entry, logger

    @lambda_entry
    def inner(event: Any, context: Any = None) -> None:
        logger.info("inner")

    inner_context = SimpleNamespace(aws_request_id="inner-id")
    written = io.StringIO()
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    previous = handler.setStream(written)
    try:
        if nested:
            with invocation("outer", "outer-id"):
                inner({}, inner_context)
        else:
            inner({}, inner_context)
    finally:
        handler.setStream(previous)
    [line] = [json.loads(x) for x in written.getvalue().splitlines() if '"inner"' in x]
    assert line["correlation_id"] == ("outer-id" if nested else "inner-id")
