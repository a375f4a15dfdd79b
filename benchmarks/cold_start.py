"""Cold starts: a new process answering its first event, against ``import boto3``.

boto3 is the floor every Lambda of this stack pays on its first AWS call. Measured whole
(interpreter start to exit, both sides), each in a fresh subprocess run from the Lambda
package as the synth builds it (:mod:`infra.stacks.package`: only what ships, with its
bytecode, no site-packages: ``python -S -E -B``), interleaved with ``import boto3`` from
the same package, against the real DynamoDB Local and the WeCom simulator
(:mod:`benchmarks.first_request`):

- the first WeCom callback (``POST /wecom/callback``, an ``add_external_contact``: verify,
  decrypt, store);
- the first live-code scan (``GET /l/{code}``, a 302 to a member's QR code; the code
  saved as the console saves it, with its route items: one BatchGetItem, one update);
- the first stream batch (``process_callback_events`` acting on a stored
  ``add_external_contact``: contacts, welcome message, tags, live-code counter, SOPs...;
  the bench stores the event and builds the stream's record with its NEW_IMAGE before
  the process starts, as DynamoDB Streams hands it to the function; the answer must
  count it processed);
- the first ``sop_tick``.

Beside the stream batch, a reference: the same batch's DynamoDB requests and WeCom calls
made again from a bare boto3 client in a new process (:mod:`benchmarks.bare_requests`), a
lower bound of that figure with none of the app's code (the goal applies to it too: a
batch whose requests alone pass it cannot meet it).

Each measured process does what the function does on its first invocation in AWS, no
setup: ``benchmarks/first_request.py`` imports the function's handler as the package's
template names it (``app.app`` for the API; the stream consumer and ``sop_tick`` import
their own modules, never ``app.py``) and calls it once.

Goal: each <= 1.5x. ``import app`` alone (the handler module's import from the project,
goal <= 1.3x) is kept as the figure it was. Building the package takes a minute (pip);
``COLD_START_PACKAGE=<folder>`` reuses an unpacked one.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.harness import ROOT, Figure, import_time_ms, interleaved, on_local_stack

ROUNDS = 15
FIRST_ROUNDS = 11
GOAL = 1.5
#: No site-packages, no PYTHON* variables, no bytecode written: the package alone.
ISOLATED = ("-S", "-E", "-B")
#: botocore's service names as the figures print them.
NAMES = {"dynamodb": "DynamoDB", "s3": "S3"}
CODE = "cold1"
MEMBER = "zhangsan"

#: function -> the figure's name.
FUNCTIONS = {
    "callback": "cold start: first WeCom callback (POST /wecom/callback)",
    "scan": "cold start: first live-code scan (GET /l/{code})",
    "stream": "cold start: first callback stream batch (process_callback_events)",
    "sop_tick": "cold start: first sop_tick",
}


def run() -> list[Figure]:
    figures = [_import_app()]
    package = lambda_package()
    return [
        *figures,
        *on_local_stack(
            lambda stack: _first_events(stack, package), services=("dynamodb", "simulator")
        ),
    ]


def lambda_package() -> Path:
    """The Lambda package built as the synth builds it, unpacked as Lambda does."""
    reused = os.environ.get("COLD_START_PACKAGE")
    if reused:
        return Path(reused)
    from infra.stacks.package import build, extract

    out = ROOT / "var" / "bench" / "package"
    shutil.rmtree(out, ignore_errors=True)
    config = {
        "manage_iam_role": False,
        "iam_role_arn": "arn:aws:iam::123456789012:role/bench",
        "environment_variables": {},
    }
    saved = dict(os.environ)
    os.environ.setdefault("AWS_DEFAULT_REGION", "ap-east-1")
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            package = build(ROOT, out / "chalice", "bench", config)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return extract(package.path, out / "task")


#: Each function's Lambda handler (``chalice package``'s template names them): the API's
#: is ``app.app``; a stream consumer's or a schedule's is its own module's function, so
#: its cold start never imports ``app.py``.
HANDLERS = {
    "APIHandler": "app.app",
    "ProcessCallbackEvents": "chalicelib.callbacks.jobs.process_callback_events",
    "SopTick": "chalicelib.sop.jobs.sop_tick",
}


def lambda_handlers(package: Path) -> dict[str, str]:
    """The handler of each function as the package's template names it (beside the
    unpacked package when the bench built it), else :data:`HANDLERS`."""
    template = package.parent / "chalice" / "sam.json"
    if not template.exists():
        return HANDLERS
    resources = json.loads(template.read_text(encoding="utf-8"))["Resources"]
    found = {
        name: resource["Properties"]["Handler"]
        for name, resource in resources.items()
        if "Handler" in resource.get("Properties", {})
    }
    return {name: found[name] for name in HANDLERS}


def _env() -> dict[str, str]:
    return {**os.environ, "AWS_DEFAULT_REGION": "ap-east-1", "AWS_EC2_METADATA_DISABLED": "true"}


def _import_app() -> Figure:
    env = _env()
    for statement in ("import app", "import boto3"):  # warm the bytecode cache
        import_time_ms(statement, env)
    app_ms, boto3_ms = interleaved(
        lambda: import_time_ms("import app", env),
        lambda: import_time_ms("import boto3", env),
        ROUNDS,
    )
    return Figure("cold import of app.py", app_ms, boto3_ms, 1.3, "import boto3", ROUNDS)


def process_ms(argv: list[str], env: dict[str, str]) -> float:
    """Wall time of a whole new Python process running ``argv`` (it must exit 0)."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *argv], cwd=ROOT, env=env, capture_output=True, text=True
    )
    elapsed = (time.perf_counter() - started) * 1000
    if done.returncode != 0:
        raise RuntimeError(f"{argv} failed: {done.stdout[-800:]} {done.stderr[-2000:]}")
    return elapsed


# --- the events ---------------------------------------------------------------------------


def _proxy_event(
    method: str,
    resource: str,
    path: str,
    *,
    query: dict[str, str] | None = None,
    path_params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    body: str | None = None,
) -> dict[str, Any]:
    """API Gateway's REST proxy event, as it reaches the Lambda handler."""
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": headers or {},
        "multiValueHeaders": {k: [v] for k, v in (headers or {}).items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": path_params,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": method,
            "path": f"/api{path}",
            "stage": "api",
            "requestId": secrets.token_hex(8),
            "identity": {"sourceIp": "203.0.113.9", "userAgent": "bench"},
            "domainName": "go.example.com",
        },
        "body": body,
        "isBase64Encoded": False,
    }


class Events:
    """Makes a fresh event of each kind (a new customer for each callback)."""

    def __init__(self, stack: Any, code: str = CODE) -> None:
        from chalicelib.callbacks import service

        self.stack = stack
        self.code = code
        self.crypto = service.crypto()
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        self.last_customer = ""
        self.last_xml = ""
        _put_live_code(code)

    def _added_customer(self) -> tuple[str, str, str, bytes]:
        """A customer adds a member in the simulator: the envelope WeCom would push."""
        request = urllib.request.Request(  # noqa: S310 - the simulator on loopback
            f"{self.stack.config.simulator_url}/_sim/customers/add",
            data=json.dumps({"userid": MEMBER, "state": f"lc:{self.code}:poster"}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with self.opener.open(request, timeout=30) as answer:
            added = json.loads(answer.read())
        xml = self.last_xml = added["xml"]
        self.last_customer = added["external_userid"]
        timestamp, nonce = str(int(time.time())), secrets.token_hex(5)
        encrypted, signature = self.crypto.encrypt(xml, nonce, timestamp)
        body = f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>".encode()
        return signature, timestamp, nonce, body

    def callback(self) -> dict[str, Any]:
        signature, timestamp, nonce, body = self._added_customer()
        query = {"msg_signature": signature, "timestamp": timestamp, "nonce": nonce}
        event = _proxy_event(
            "POST",
            "/wecom/callback",
            "/wecom/callback",
            query=query,
            headers={"content-type": "text/xml"},
            body=body.decode(),
        )
        return {**event, "expect": 200}

    def scan(self) -> dict[str, Any]:
        event = _proxy_event(
            "GET",
            "/l/{code}",
            f"/l/{self.code}",
            query={"c": "poster"},
            path_params={"code": self.code},
        )
        return {**event, "expect": 302}

    def last_key(self) -> str:
        """The inbox key of the last customer's add event."""
        from chalicelib.wecom.inbound import parse_event

        return parse_event(self.last_xml).key

    @staticmethod
    def stream_record(key: str) -> dict[str, Any]:
        """The callback-events stream's record of a newly stored event: its keys and the
        stored item (the table streams NEW_IMAGE, which the stream function acts on)."""
        from chalicelib.callbacks import store as inbox

        stored = inbox.CallbackEventModel._get_connection().get_item(key, consistent_read=True)
        return {
            "eventID": secrets.token_hex(8),
            "eventName": "INSERT",
            "eventSource": "aws:dynamodb",
            "dynamodb": {
                "Keys": {"pk": {"S": key}},
                "NewImage": stored["Item"],
                "StreamViewType": "NEW_IMAGE",
            },
        }

    def stream(self) -> dict[str, Any]:
        from chalicelib.callbacks import service

        receipt = service.receive(*self._added_customer())
        return {"Records": [self.stream_record(receipt.key)], "expect": {"processed": 1}}

    def sop_tick(self) -> dict[str, Any]:
        return {
            "version": "0",
            "id": secrets.token_hex(8),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": "000000000000",
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "region": "ap-east-1",
            "resources": ["arn:aws:events:ap-east-1:000000000000:rule/sop_tick"],
            "detail": {},
        }


def _put_live_code(name: str) -> None:
    """A code as the console saves it: its document and its route items (a scan reads one
    route item; a code without them is one saved before they existed)."""
    from chalicelib.livecodes import service, store
    from chalicelib.livecodes.models import LiveCode

    code = LiveCode.model_validate(
        {
            "code": name,
            "mode": "round_robin",
            "staff": [{"userid": MEMBER, "daily_cap": 100_000}],
            "channels": ["poster"],
            "ways": [
                {
                    "userid": MEMBER,
                    "channel": "poster",
                    "config_id": f"cfg{name}",
                    "qr_code": f"https://wework.qpic.cn/wwpic/{name}/0",
                    "state": f"lc:{name}:poster",
                }
            ],
        }
    )
    store.put_doc(
        name, code.model_dump(mode="json"), "bench", int(time.time()), service.routes_of(code)
    )


# --- the figures --------------------------------------------------------------------------


def _first_events(stack: Any, package: Path) -> list[Figure]:
    env = _env()
    events = Events(stack)
    handlers = lambda_handlers(package)
    makers: dict[str, tuple[str, Callable[[], dict[str, Any]]]] = {
        "callback": (handlers["APIHandler"], events.callback),
        "scan": (handlers["APIHandler"], events.scan),
        "stream": (handlers["ProcessCallbackEvents"], events.stream),
        "sop_tick": (handlers["SopTick"], events.sop_tick),
    }
    figures = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "event.json"

        def first(kind: str) -> float:
            handler, make = makers[kind]
            path.write_text(json.dumps(make()))
            driver = str(ROOT / "benchmarks" / "first_request.py")
            return process_ms([*ISOLATED, driver, handler, str(path), str(package)], env)

        def floor() -> float:
            return process_ms(
                [
                    *ISOLATED,
                    "-c",
                    f"import sys; sys.path.insert(0, {str(package)!r}); import boto3",
                ],
                env,
            )

        floor()
        for kind, name in FUNCTIONS.items():
            first(kind)  # the package ships its bytecode: this only warms the OS's file cache
            measured, floor_ms = interleaved(lambda k=kind: first(k), floor, FIRST_ROUNDS)
            figures.append(
                Figure(name, measured, floor_ms, GOAL, "import boto3 (package)", FIRST_ROUNDS)
            )
            if kind == "stream":
                figures.append(_bare_stream(package, events, handlers, floor, Path(folder), env))
    return figures


def _bare_stream(
    package: Path,
    events: Events,
    handlers: dict[str, str],
    floor: Callable[[], float],
    folder: Path,
    env: dict[str, str],
) -> Figure:
    """The first stream batch's own requests, made again from a bare boto3 client in a new
    process (:mod:`benchmarks.bare_requests`): what the batch costs with none of the app's
    code, against the same floor. The stream figure's distance to it is the app's."""
    driver = str(ROOT / "benchmarks" / "bare_requests.py")
    event, calls = folder / "bare-event.json", folder / "bare-calls.json"
    event.write_text(json.dumps(events.stream()))
    handler = handlers["ProcessCallbackEvents"]
    process_ms([*ISOLATED, driver, "record", handler, str(event), str(package), str(calls)], env)

    def bare() -> float:
        return process_ms([*ISOLATED, driver, "replay", str(package), str(calls)], env)

    bare()
    measured, floor_ms = interleaved(bare, floor, FIRST_ROUNDS)
    made = json.loads(calls.read_text())
    services = Counter(NAMES.get(c["service"], c["service"]) for c in made if "service" in c)
    wecom = sum("service" not in call for call in made)
    requests = ", ".join(f"{n} {service} requests" for service, n in services.items())
    return Figure(
        f"reference: that batch's {requests} and {wecom} WeCom "
        f"call{'' if wecom == 1 else 's'}, from bare boto3 in a new process",
        measured,
        floor_ms,
        GOAL,
        "import boto3 (package)",
        FIRST_ROUNDS,
    )


if __name__ == "__main__":
    from benchmarks.__main__ import table

    print(table(run()))
