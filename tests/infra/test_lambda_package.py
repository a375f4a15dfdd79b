"""The Lambda package the synth ships: small, byte-compiled, nothing unused, and enough on
its own to answer a first request.

The package is the one the CDK construct built for the synthesized stacks (``chalice
package`` then :func:`infra.stacks.package.slim`), read back from its zip.
"""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra.stacks.package import AWS_SERVICES, MAX_ZIP_BYTES, RUNTIME_PYTHON, extract
from tests.infra.conftest import Synthesized

pytestmark = pytest.mark.infra

ROOT = Path(__file__).resolve().parents[2]
PYC_TAG = f"cpython-{RUNTIME_PYTHON[0]}{RUNTIME_PYTHON[1]}"
#: Shipped before, never imported by a function.
UNUSED_PREFIXES = (
    "aws_lambda_powertools/event_handler/",
    "aws_lambda_powertools/utilities/parser/",
    "aws_lambda_powertools/utilities/data_classes/",
    "aws_xray_sdk/",
    "wrapt/",
    "pycparser/",
    "cffi/",
    "botocore/data/ec2/",
    "botocore/data/sagemaker/",
    "pydantic/v1/",
)
#: The chalicelib modules that only the directory function imports (DuckDB and pyarrow
#: come with its layer, not with this package).
DIRECTORY_ENGINE = re.compile(
    r"^chalicelib/directory/(engine|readmodel|handler|compiler|export|columns)\.py$"
)


@pytest.fixture(scope="module")
def names(synthesized: Synthesized) -> list[str]:
    with zipfile.ZipFile(synthesized.package) as package:
        return package.namelist()


def test_the_package_is_at_most_15_mb(synthesized: Synthesized) -> None:
    size = synthesized.package.stat().st_size
    assert size <= MAX_ZIP_BYTES, f"{size / 1e6:.1f} MB"
    assert MAX_ZIP_BYTES <= 15 * 1024 * 1024


def test_every_module_ships_its_bytecode_for_the_runtime(synthesized: Synthesized) -> None:
    with zipfile.ZipFile(synthesized.package) as package:
        names = set(package.namelist())
        sources = [n for n in names if n.endswith(".py")]
        missing = [
            n
            for n in sources
            if f"{n.rpartition('/')[0]}/__pycache__/{Path(n).stem}.{PYC_TAG}.pyc".lstrip("/")
            not in names
        ]
        assert len(sources) > 500 and not missing, missing[:10]
        header = package.read(f"chalicelib/core/__pycache__/settings.{PYC_TAG}.pyc")[:8]
    from importlib.util import MAGIC_NUMBER

    assert header[:4] == MAGIC_NUMBER  # compiled by this (the runtime's) Python version
    # PEP 552 flags: hash-based (bit 0), not checked against the source (bit 1 clear).
    assert int.from_bytes(header[4:8], "little") == 0b01


def test_unused_packages_are_left_out(names: list[str]) -> None:
    assert not [n for n in names if n.startswith(UNUSED_PREFIXES)]
    assert not [n for n in names if n.endswith((".pyi", "examples-1.json"))]
    services = {
        n.split("/")[2] for n in names if n.startswith("botocore/data/") and n.count("/") > 2
    }
    assert services == set(AWS_SERVICES)


def test_the_endpoint_table_names_only_the_services_packaged(synthesized: Synthesized) -> None:
    """botocore parses ``endpoints.json`` on each session's first client (cold start)."""
    with zipfile.ZipFile(synthesized.package) as package:
        data = package.read("botocore/data/endpoints.json")
    table = json.loads(data)
    assert len(data) < 100_000, len(data)  # 1.2 MB whole
    partitions = {p["partition"]: p for p in table["partitions"]}
    assert {"aws", "aws-cn"} <= set(partitions)
    for partition in partitions.values():
        assert set(partition["services"]) <= set(AWS_SERVICES), partition["partition"]
        assert partition["regions"] and partition["regionRegex"]
    assert set(partitions["aws"]["services"]) == set(AWS_SERVICES)
    assert "ap-east-1" in partitions["aws"]["services"]["dynamodb"]["endpoints"]


def test_the_service_models_ship_without_their_documentation(synthesized: Synthesized) -> None:
    """Each cold start's first client parses its service's model: DynamoDB's is a fifth of
    its size without the documentation strings, which botocore reads only for docstrings."""
    import gzip

    with zipfile.ZipFile(synthesized.package) as package:
        raw = package.read("botocore/data/dynamodb/2012-08-10/service-2.json.gz")
        s3 = json.loads(
            gzip.decompress(package.read("botocore/data/s3/2006-03-01/service-2.json.gz"))
        )
    model = json.loads(gzip.decompress(raw))
    assert len(raw) < 30_000, len(raw)  # 94 KB with them
    assert "documentation" not in json.dumps(model["operations"]["PutItem"])
    assert "documentation" not in json.dumps(model["shapes"]["PutItemInput"])
    assert model["operations"]["PutItem"]["input"] == {"shape": "PutItemInput"}
    # What botocore indexes stays: S3's client context parameters keep theirs.
    assert all("documentation" in p for p in s3["clientContextParams"].values())


def test_the_sdk_shipped_is_the_one_pinned(names: list[str]) -> None:
    pins = dict(
        line.split("==")
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    )
    shipped = {n.split("/")[0] for n in names if n.split("/")[0].endswith(".dist-info")}
    assert f"boto3-{pins['boto3']}.dist-info" in shipped
    assert f"botocore-{pins['botocore']}.dist-info" in shipped


def test_every_service_the_code_calls_is_packaged() -> None:
    """A client of a service whose model was left out fails only when first called."""
    called = {"dynamodb", "secretsmanager", "ssm"}  # PynamoDB and Powertools' parameters
    for path in (ROOT / "chalicelib").rglob("*.py"):
        called |= set(re.findall(r"client\(\s*[\"']([a-z0-9-]+)[\"']", path.read_text()))
    assert called <= set(AWS_SERVICES), sorted(called - set(AWS_SERVICES))


# --- a first request, from the package alone ----------------------------------------------

#: Run with ``python -S -E -B``: no site-packages, no PYTHONPATH, nothing written. Imports
#: the handler from the unpacked package, answers the events, imports every module of
#: chalicelib the functions may load, and reports any module loaded from elsewhere than
#: the package or the standard library, and any that had no bytecode; and which heavy
#: libraries the two first requests had loaded (pydantic included: neither needs a model).
DRIVER = """
import json, sys, sysconfig
from types import SimpleNamespace
task, events_path, modules = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
sys.path.insert(0, task)
from app import app
context = SimpleNamespace(aws_request_id="first", function_name="api", memory_limit_in_mb=512,
    invoked_function_arn="arn:aws:lambda:ap-east-1:000000000000:function:api",
    get_remaining_time_in_millis=lambda: 30000)
answers = [app(event, context) for event in json.load(open(events_path))]
first = sorted(
    m for m in ("wechatpy", "requests", "boto3", "s3transfer", "pydantic") if m in sys.modules
)
import importlib
for name in modules:
    importlib.import_module(name)
stdlib = (sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"])
files = {n: getattr(m, "__file__", None) for n, m in list(sys.modules.items())}
outside = sorted(n for n, f in files.items() if f and not f.startswith((task, *stdlib)))
import importlib.util, os
uncompiled = sorted(
    n for n, f in files.items()
    if f and f.startswith(task) and f.endswith(".py")
    and not os.path.exists(importlib.util.cache_from_source(f))
)
print(json.dumps(
    {"answers": answers, "first": first, "outside": outside, "uncompiled": uncompiled}
))
"""


@pytest.fixture(scope="module")
def dynamodb_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from local_stack import LocalStack, StackConfig

    stack = LocalStack(StackConfig.ephemeral(log_dir=tmp_path_factory.mktemp("package-stack")))
    stack.start(services=("dynamodb",))
    try:
        yield stack
    finally:
        stack.stop()


def _proxy_event(
    method: str, path: str, resource: str, query: dict[str, str] | None, body: str | None
) -> dict[str, Any]:
    headers = {"content-type": "text/xml"} if body else {}
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in (query or {}).items()} or None,
        "pathParameters": {"code": path.rsplit("/", 1)[-1]} if "{code}" in resource else None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": method,
            "path": f"/api{path}",
            "stage": "api",
            "requestId": secrets.token_hex(8),
            "identity": {"sourceIp": "203.0.113.9"},
        },
        "body": body,
        "isBase64Encoded": False,
    }


def _callback(env: dict[str, str], customer: str) -> dict[str, Any]:
    from chalicelib.wecom.crypto import CallbackCrypto

    crypto = CallbackCrypto(env["WECOM_TOKEN"], env["WECOM_ENCODING_AES_KEY"], env["WECOM_CORP_ID"])
    now = str(int(time.time()))
    xml = (
        f"<xml><ToUserName><![CDATA[{env['WECOM_CORP_ID']}]]></ToUserName>"
        f"<FromUserName><![CDATA[sys]]></FromUserName><CreateTime>{now}</CreateTime>"
        "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_contact]]></Event>"
        "<ChangeType><![CDATA[add_external_contact]]></ChangeType>"
        f"<UserID><![CDATA[zhangsan]]></UserID><ExternalUserID><![CDATA[{customer}]]>"
        "</ExternalUserID></xml>"
    )
    nonce = secrets.token_hex(5)
    encrypted, signature = crypto.encrypt(xml, nonce, now)
    body = f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    query = {"msg_signature": signature, "timestamp": now, "nonce": nonce}
    return _proxy_event("POST", "/wecom/callback", "/wecom/callback", query, body)


def _package_env(stack: Any) -> dict[str, str]:
    """The functions' environment against the local DynamoDB (no S3, no metrics)."""
    env = {
        **stack.config.app_env(),
        "AWS_EC2_METADATA_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
    }
    env.pop("S3_ENDPOINT", None)
    return env


def _run_isolated(driver: str, task: Path, env: dict[str, str], *args: str) -> dict[str, Any]:
    """Run ``driver`` with only the unpacked package and the standard library
    (``python -S -E -B``); its last line of output, as JSON."""
    done = subprocess.run(
        [sys.executable, "-S", "-E", "-B", "-c", driver, str(task), *args],
        cwd=task,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def test_the_packaged_app_answers_first_requests_with_only_what_it_ships(
    synthesized: Synthesized, dynamodb_stack: Any, tmp_path: Path
) -> None:
    task = extract(synthesized.package, tmp_path / "task")
    env = _package_env(dynamodb_stack)
    customer = "wm" + secrets.token_hex(8)
    events = [
        _callback(env, customer),
        _proxy_event("GET", "/l/nosuch", "/l/{code}", None, None),
    ]
    (tmp_path / "events.json").write_text(json.dumps(events))
    modules = sorted(
        path.relative_to(task).with_suffix("").as_posix().replace("/", ".")
        for path in (task / "chalicelib").rglob("*.py")
        if not DIRECTORY_ENGINE.match(path.relative_to(task).as_posix())
        and path.name != "__main__.py"
    )
    report = _run_isolated(
        DRIVER,
        task,
        env,
        str(tmp_path / "events.json"),
        ",".join(m.removesuffix(".__init__") for m in modules),
    )
    callback, scan = report["answers"]
    assert (callback["statusCode"], callback["body"]) == (200, "success"), callback
    assert scan["statusCode"] == 404 and "二维码不存在" in scan["body"], scan
    # What the first callback and the first scan need, not more (cold start).
    assert report["first"] == []
    assert report["outside"] == []
    assert report["uncompiled"] == []
    # The callback was stored: the package's botocore and PynamoDB wrote it.
    import boto3

    table = f"{dynamodb_stack.config.table_prefix}callback-events"
    client = boto3.session.Session().client(
        "dynamodb", endpoint_url=dynamodb_stack.config.dynamodb_url, region_name="ap-east-1"
    )
    stored = client.scan(TableName=table)["Items"]
    assert [item for item in stored if customer in json.dumps(item)]


#: One ``sop_tick`` from the unpacked package, as its schedule calls it; then which heavy
#: libraries it loaded.
TICK_DRIVER = """
import json, sys, time
from types import SimpleNamespace
sys.path.insert(0, sys.argv[1])
from chalicelib.sop.jobs import sop_tick
context = SimpleNamespace(aws_request_id="tick", function_name="sop_tick", memory_limit_in_mb=512,
    invoked_function_arn="arn:aws:lambda:ap-east-1:000000000000:function:sop_tick",
    get_remaining_time_in_millis=lambda: 290000)
event = {"version": "0", "id": "t1", "detail-type": "Scheduled Event", "source": "aws.events",
    "account": "000000000000", "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    "region": "ap-east-1", "resources": ["arn:aws:events:ap-east-1:000000000000:rule/sop_tick"],
    "detail": {}}
answer = sop_tick(event, context)
loaded = [m for m in ("pydantic", "requests") if m in sys.modules]
print(json.dumps({"answer": answer, "loaded": loaded}))
"""


def test_a_tick_with_nothing_to_do_loads_no_model_and_a_date_plan_loads_them(
    synthesized: Synthesized, dynamodb_stack: Any, tmp_path: Path
) -> None:
    """Most ticks find nothing due, no broadcast waiting and no date plan: their cold start
    reads the listings as plain data. A listed date plan is read as a plan (pydantic)."""
    import boto3

    task = extract(synthesized.package, tmp_path / "task")
    env = _package_env(dynamodb_stack)

    def tick() -> dict[str, Any]:
        return _run_isolated(TICK_DRIVER, task, env)

    idle = tick()
    assert idle["answer"]["date_plans_started"] == 0 and idle["answer"]["broadcasts_planned"] == 0
    assert idle["loaded"] == []

    client = boto3.session.Session().client(
        "dynamodb", endpoint_url=dynamodb_stack.config.dynamodb_url, region_name="ap-east-1"
    )
    listing = {"pk": {"S": "plans"}, "sk": {"S": "new-year"}, "value": {"S": "date"}}
    client.put_item(TableName=f"{dynamodb_stack.config.table_prefix}sop", Item=listing)
    try:
        assert tick()["loaded"] == ["pydantic"]
    finally:
        client.delete_item(
            TableName=f"{dynamodb_stack.config.table_prefix}sop",
            Key={"pk": listing["pk"], "sk": listing["sk"]},
        )
