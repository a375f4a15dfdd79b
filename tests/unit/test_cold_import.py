"""Importing ``app.py`` stays cheap: the heavy libraries load with the first request that
needs them (the cold-start figure of ``make bench`` depends on it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from chalicelib.core.coldstart import HELD
from tests.conftest import ROOT

HEAVY = (
    "boto3",
    "pynamodb",
    "wechatpy",
    "cryptography",
    "aws_xray_sdk",
    "segno",
    "jwt",
    "duckdb",
    "pyarrow",
)


@pytest.mark.parametrize("tracing", ["false", "true"])
def test_importing_the_app_loads_no_heavy_library(tracing: str) -> None:
    probe = (
        "import sys, app; "
        f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules)); "
        "print(len(app.app.routes))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=os.environ | {"TRACING_ENABLED": tracing},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    loaded, routes = result.stdout.splitlines()
    assert loaded == ""
    assert int(routes) > 10  # the blueprints were registered, not skipped


#: A first scan in a new process: a fake DynamoDB client answers the route item (written
#: as the console's save writes it) and the counters' update; then the loaded modules.
SCAN_PROBE = """
import json, sys, zlib
from types import SimpleNamespace
route, table = sys.argv[1], sys.argv[2]

class DynamoDB:
    def batch_get_item(self, RequestItems):
        zdoc = {"B": zlib.compress(route.encode())}
        items = [{"pk": {"S": "code#cold1"}, "sk": {"S": "route#poster"}, "zdoc": zdoc}]
        return {"Responses": {table: items}}
    def update_item(self, **request):
        return {}

from app import app
from chalicelib.core import aws
import gc
passes = []
gc.callbacks.append(lambda phase, info: phase == "start" and passes.append(info["generation"]))
held = gc.get_threshold()
aws.use_client("dynamodb", DynamoDB())
event = {
    "resource": "/l/{code}", "path": "/l/cold1", "httpMethod": "GET", "headers": {},
    "multiValueHeaders": {}, "queryStringParameters": {"c": "poster"},
    "multiValueQueryStringParameters": {"c": ["poster"]}, "pathParameters": {"code": "cold1"},
    "stageVariables": None, "body": None, "isBase64Encoded": False,
    "requestContext": {"resourcePath": "/l/{code}", "httpMethod": "GET", "path": "/api/l/cold1",
        "stage": "api", "requestId": "r1", "identity": {"sourceIp": "203.0.113.9"}},
}
context = SimpleNamespace(aws_request_id="first", function_name="api", memory_limit_in_mb=512,
    invoked_function_arn="arn:aws:lambda:ap-east-1:000000000000:function:api",
    get_remaining_time_in_millis=lambda: 30000)
answer = app(event, context)
heavy = ("pydantic", "pynamodb", "wechatpy", "requests", "boto3")
print(json.dumps({"answer": answer, "loaded": [m for m in heavy if m in sys.modules],
    "held": held, "passes": passes, "after": gc.get_threshold(), "frozen": gc.get_freeze_count()}))
"""


def test_a_first_scan_loads_neither_pydantic_nor_pynamodb_and_runs_no_collector_pass() -> None:
    """The scan reads its route item as plain data (livecodes/scanning.py) through the
    low-level client (livecodes/scan_store.py): the customer's phone waits on no model,
    nor on the garbage collector."""
    from chalicelib.core.settings import get_settings
    from chalicelib.livecodes.models import LiveCode
    from chalicelib.livecodes.scanning import routes_of
    from chalicelib.storage.schema import LIVE_CODES

    live = LiveCode.model_validate(
        {
            "code": "cold1",
            "staff": [{"userid": "zhangsan", "daily_cap": 50}],
            "channels": ["poster"],
            "ways": [
                {
                    "userid": "zhangsan",
                    "channel": "poster",
                    "config_id": "cfg1",
                    "qr_code": "https://wework.qpic.cn/wwpic/cold1/0",
                    "state": "lc:cold1:poster",
                }
            ],
        }
    )
    table = get_settings().table_name(LIVE_CODES.logical_name)
    result = subprocess.run(
        [sys.executable, "-c", SCAN_PROBE, routes_of(live)["poster"], table],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["answer"]["statusCode"] == 302, report["answer"]
    assert report["answer"]["headers"]["Location"] == "https://wework.qpic.cn/wwpic/cold1/0"
    assert report["loaded"] == []
    # No collector pass during the first event; then what it loaded is frozen and the
    # default thresholds are back (chalicelib/core/coldstart.py).
    assert report["held"][0] == HELD
    assert report["passes"] == []
    assert report["after"] == [700, 10, 10]  # Python's defaults
    assert report["frozen"] > 10_000
