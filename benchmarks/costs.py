"""What 1 M adds, 1 M scans and 1 M order webhooks cost in AWS, from what the bench measures.

Prices: on-demand list prices of US East (N. Virginia), the region AWS publishes first
(other regions differ, Hong Kong by about +20 %), checked on :data:`PRICES_CHECKED`, no
free tier, no savings plan. Multiplied by what one event takes, measured here against
DynamoDB Local and the WeCom simulator, warm, in this process:

- **DynamoDB**: the request units each request consumed, as DynamoDB reports them
  (:mod:`benchmarks.requests` asks every request for ``ReturnConsumedCapacity``; on-demand
  bills exactly those units). Stream reads by Lambda's event source mapping are free.
- **Lambda**: one request per invocation, and GB-seconds = the handler's measured time x
  the configured memory (``.chalice/config.json``). Measured on this machine's full core:
  a 512 MB function has about 0.3 vCPU, so CPU-bound parts take longer in AWS.
- **API Gateway** (REST) and **WAF**: one request per HTTP event.
- **CloudWatch Logs**: the bytes the handler wrote (log lines and the EMF metric lines,
  counted as written), plus Lambda's START/END/REPORT lines and the API's access-log line.

An add is the WeCom callback (``POST /wecom/callback``: verify, decrypt, store) and the
stream function acting on it (contacts, welcome message, tags, live-code counter, SOPs...,
one record per batch: the dearest case); a scan is ``GET /l/{code}`` (a 302); an order
webhook is ``POST /webhooks/orders/generic``, a paid order of a known customer. Not
counted: storage, NAT data processing of the WeCom calls, data transfer out, the
schedules, and the INIT phase of cold starts (billed as duration since August 2025; see
:mod:`benchmarks.cold_start` for its length).
"""

from __future__ import annotations

import contextlib
import io
import json
import secrets
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.harness import ROOT, Figure, on_local_stack

#: When the prices below were read from AWS's pricing pages.
PRICES_CHECKED = "2026-12-01"
PRICE_REGION = "us-east-1"
#: DynamoDB on-demand, standard table class (since the 2024-11-01 price cut).
DYNAMODB_PER_MILLION_WRITE_UNITS = 0.625
DYNAMODB_PER_MILLION_READ_UNITS = 0.125
#: Lambda, x86_64, first 6 billion GB-s a month.
LAMBDA_PER_GB_SECOND = 0.0000166667
LAMBDA_PER_MILLION_REQUESTS = 0.20
#: API Gateway REST API, first 333 million requests a month.
API_GATEWAY_PER_MILLION_REQUESTS = 3.50
#: AWS WAF, per request inspected (the web ACL's and rules' monthly fees not included).
WAF_PER_MILLION_REQUESTS = 0.60
#: CloudWatch Logs, standard log class, ingestion.
LOGS_PER_GB = 0.50
#: Lambda's START, END and REPORT lines of one invocation.
PLATFORM_LOG_BYTES = 330
#: One line of the API's access log (infra/stacks/edge.py ``ACCESS_LOG_FORMAT``, filled in).
ACCESS_LOG_BYTES = 420

ROUNDS = 60
CODE = "cost1"
MILLION = 1_000_000

#: The figures of the last run, for :func:`table`.
_last: list[Cost] = []


@dataclass
class Invocation:
    """What one invocation of one function took, summed over the rounds."""

    function: str
    memory_mb: int
    durations_ms: list[float] = field(default_factory=list)
    read_units: float = 0.0
    write_units: float = 0.0
    requests: int = 0
    log_bytes: int = 0


@dataclass
class Cost:
    """What one kind of event costs, per million events, in USD."""

    name: str
    http: bool
    invocations: list[Invocation]
    rounds: int

    @property
    def read_units(self) -> float:
        return sum(i.read_units for i in self.invocations) / self.rounds

    @property
    def write_units(self) -> float:
        return sum(i.write_units for i in self.invocations) / self.rounds

    @property
    def dynamodb_requests(self) -> float:
        return sum(i.requests for i in self.invocations) / self.rounds

    @property
    def gb_seconds(self) -> float:
        return sum(
            statistics.median(i.durations_ms) / 1000 * i.memory_mb / 1024 for i in self.invocations
        )

    @property
    def log_bytes(self) -> float:
        logged = sum(i.log_bytes for i in self.invocations) / self.rounds
        return logged + PLATFORM_LOG_BYTES * len(self.invocations) + ACCESS_LOG_BYTES * self.http

    def items(self) -> dict[str, float]:
        """USD per million events, by line."""
        lambda_requests = len(self.invocations) * LAMBDA_PER_MILLION_REQUESTS
        return {
            "DynamoDB writes": self.write_units * DYNAMODB_PER_MILLION_WRITE_UNITS,
            "DynamoDB reads": self.read_units * DYNAMODB_PER_MILLION_READ_UNITS,
            "Lambda duration": self.gb_seconds * MILLION * LAMBDA_PER_GB_SECOND,
            "Lambda requests": lambda_requests,
            "API Gateway": API_GATEWAY_PER_MILLION_REQUESTS * self.http,
            "WAF": WAF_PER_MILLION_REQUESTS * self.http,
            "CloudWatch Logs": self.log_bytes * MILLION / 1e9 * LOGS_PER_GB,
        }

    @property
    def total(self) -> float:
        return sum(self.items().values())


def memory_mb() -> int:
    """The functions' configured memory (every function of the package has the same)."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    return int(config.get("lambda_memory_size", 128))


def run() -> list[Figure]:
    _last.clear()
    _last.extend(on_local_stack(_measure, services=("dynamodb", "simulator")))
    return []


class _Counter(io.TextIOBase):
    """A text stream that only counts the UTF-8 bytes written to it."""

    def __init__(self) -> None:
        self.bytes = 0

    def write(self, text: str) -> int:
        self.bytes += len(text.encode())
        return len(text)


@contextlib.contextmanager
def _logged() -> Iterator[_Counter]:
    """Count what the handler writes: the logger's lines and the EMF lines on stdout."""
    from chalicelib.core.observability import logger

    counter = _Counter()
    handler = logger.registered_handler
    previous = handler.setStream(counter)
    try:
        with contextlib.redirect_stdout(counter):
            yield counter
    finally:
        handler.setStream(previous)


def _invoke(
    invocation: Invocation, handler: Callable[[Any, Any], Any], event: Any, check: Any
) -> Any:
    from types import SimpleNamespace

    from benchmarks import requests
    from chalicelib.core import aws

    for client in list(aws._clients.values()):
        requests.hook(client)
    context = SimpleNamespace(
        aws_request_id=secrets.token_hex(8),
        function_name=invocation.function,
        memory_limit_in_mb=invocation.memory_mb,
        invoked_function_arn=f"arn:aws:lambda:{PRICE_REGION}:0:function:{invocation.function}",
        get_remaining_time_in_millis=lambda: 30_000,
    )
    with _logged() as logs, requests.counting() as tally:
        started = time.perf_counter()
        answer = handler(event, context)
        elapsed = (time.perf_counter() - started) * 1000
    check(answer)
    invocation.durations_ms.append(elapsed)
    invocation.read_units += tally.read_units
    invocation.write_units += tally.write_units
    invocation.requests += tally.requests
    invocation.log_bytes += logs.bytes
    return answer


def _status(expected: int) -> Callable[[Any], None]:
    def check(answer: Any) -> None:
        if answer.get("statusCode") != expected:
            raise AssertionError(f"expected {expected}, answered {str(answer)[:300]}")

    return check


def _bare(event: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in event.items() if k != "expect"}


def _processed(answer: Any) -> None:
    if answer.get("processed") != 1:
        raise AssertionError(f"the stored event was not processed: {answer}")


def _measure(stack: Any) -> list[Cost]:
    from app import app
    from benchmarks.cold_start import Events, _proxy_event
    from chalicelib.orders import signatures

    events = Events(stack, code=CODE)
    memory = memory_mb()
    callback = Invocation("CallbackHandler", memory)
    stream = Invocation("process_callback_events", memory)
    scan = Invocation("PublicHandler", memory)
    webhook = Invocation("PublicHandler", memory)
    process = app.handler_map["process_callback_events"]
    secret = stack.config.generic_webhook_secret
    customers: list[str] = []

    def add(invocations: tuple[Invocation, Invocation]) -> None:
        _invoke(invocations[0], app, _bare(events.callback()), _status(200))
        record = events.stream_record(events.last_key())
        _invoke(invocations[1], process, {"Records": [record]}, _processed)
        customers.append(events.last_customer)

    def order(invocation: Invocation, number: int) -> None:
        body = {
            "order_id": f"cost-{number}-{secrets.token_hex(4)}",
            "event": "paid",
            "amount_cents": 12_800,
            "buyer": {"external_userid": customers[number % len(customers)]},
        }
        raw = json.dumps(body)
        headers = {
            "content-type": "application/json",
            signatures.GENERIC_SIGNATURE_HEADER.lower(): signatures.generic_header(
                secret, raw.encode(), None
            ),
        }
        event = _proxy_event(
            "POST",
            "/webhooks/orders/{source}",
            "/webhooks/orders/generic",
            path_params={"source": "generic"},
            headers=headers,
            body=raw,
        )
        _invoke(invocation, app, event, _status(200))

    for number in range(5):  # warm every path (imports, connections, tokens)
        add((Invocation("warm", memory), Invocation("warm", memory)))
        _invoke(Invocation("warm", memory), app, _bare(events.scan()), _status(302))
        order(Invocation("warm", memory), number)
    for number in range(ROUNDS):
        add((callback, stream))
        _invoke(scan, app, _bare(events.scan()), _status(302))
        order(webhook, number)
    return [
        Cost("1 M adds (callback + stream processing)", True, [callback, stream], ROUNDS),
        Cost("1 M live-code scans (GET /l/{code})", True, [scan], ROUNDS),
        Cost("1 M order webhooks (paid, known customer)", True, [webhook], ROUNDS),
    ]


LINES = (
    "DynamoDB writes",
    "DynamoDB reads",
    "Lambda duration",
    "Lambda requests",
    "API Gateway",
    "WAF",
    "CloudWatch Logs",
)


def table(costs: list[Cost] | None = None) -> str:
    """The cost table (USD per million events), with what each event took."""
    costs = _last if costs is None else costs
    if not costs:
        return ""
    head = "| per 1 M events | " + " | ".join(LINES) + " | **total** |"
    rows = [head, "|---" * (len(LINES) + 2) + "|"]
    for cost in costs:
        items = cost.items()
        rows.append(
            f"| {cost.name} | "
            + " | ".join(f"${items[line]:,.2f}" for line in LINES)
            + f" | **${cost.total:,.2f}** |"
        )
    rows.append("")
    rows.append(
        "| one event takes | DynamoDB requests | read units | write units | Lambda ms "
        "(median per invocation) | GB-s | log bytes |"
    )
    rows.append("|---|---|---|---|---|---|---|")
    for cost in costs:
        durations = " + ".join(f"{statistics.median(i.durations_ms):.1f}" for i in cost.invocations)
        rows.append(
            f"| {cost.name} | {cost.dynamodb_requests:.1f} | {cost.read_units:.1f} | "
            f"{cost.write_units:.1f} | {durations} | {cost.gb_seconds:.4f} | "
            f"{cost.log_bytes:,.0f} |"
        )
    rows.append("")
    rows.append(
        f"On-demand list prices of {PRICE_REGION}, checked {PRICES_CHECKED} "
        f"(benchmarks/costs.py); {memory_mb()} MB functions; {costs[0].rounds} events each, "
        "warm, against DynamoDB Local and the WeCom simulator."
    )
    return "\n".join(rows)


def write(folder: Path) -> None:
    text = table()
    if text:
        (folder / "costs.md").write_text(text + "\n")


if __name__ == "__main__":
    run()
    print(table())
