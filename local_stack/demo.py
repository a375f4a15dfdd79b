"""``make demo``: the local stack, end to end over real HTTP, then a clean shutdown.

A simulated customer scans a live-code poster and adds a staff member; the WeCom
simulator pushes the encrypted ``add_external_contact`` callback to the app, exactly as
WeCom would; the app verifies, decrypts and stores it once. A retried delivery of the same
event is then answered without a second row.
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.request
from typing import Any

from local_stack.processes import StartupError
from local_stack.stack import ROOT, LocalStack, StackConfig


def call(method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        raw = response.read()
    return json.loads(raw) if raw else None


def stored_event(stack: LocalStack, xml: str) -> Any:
    """The inbox row of a pushed event, read from DynamoDB Local through the app's model."""
    from chalicelib.callbacks import store
    from chalicelib.callbacks.events import parse_event
    from chalicelib.core.settings import Settings

    settings = Settings.from_env(stack.config.app_env())
    os.environ.update(stack.config.aws_env())
    model = store.CallbackEventModel.bound(settings)
    try:
        return model.get(parse_event(xml).key, consistent_read=True)
    except model.DoesNotExist:
        return None


def step(number: int, title: str) -> None:
    print(f"\n{number}. {title}", flush=True)


def run(stack: LocalStack) -> None:
    api, sim = stack.config.api_url, stack.config.simulator_url

    step(1, "Health: the API answers, with DynamoDB Local and S3 behind it")
    health = call("GET", f"{api}/health")
    print(f"   GET /health -> {json.dumps(health)}")
    if not health["ok"]:
        raise SystemExit("health check failed")

    step(2, "WeCom verifies the callback URL (signed, encrypted echostr)")
    verification = call("POST", f"{sim}/_sim/callbacks/verify_url", {})
    print(f"   the app answered the decrypted echostr: {verification.get('ok')}")

    step(3, "A customer scans the store poster and adds staff member zhangsan")
    added = call(
        "POST",
        f"{sim}/_sim/customers/add",
        {"userid": "zhangsan", "name": "Li Lei", "state": "demo-poster"},
    )
    delivery = added.get("delivery", {})
    print(
        f"   WeCom pushed add_external_contact for {added['external_userid']} "
        f"-> HTTP {delivery.get('status')} after {delivery.get('attempts', 1)} attempt(s)"
    )

    step(4, "The event was stored, raw, before anything acted on it")
    event = stored_event(stack, added["xml"])
    if event is None:
        raise SystemExit("the event was not stored")
    print(f"   key {event.pk[:24]}…  {event.kind}")
    print(
        f"   received_at={event.received_at}  status={event.status}  "
        f"kept until {event.expires_at:%Y-%m-%d}"
    )

    step(5, "WeCom delivers the same event again (a retry): answered 200, stored once")
    retry = call("POST", f"{sim}/_sim/callbacks/push", {"xml": added["xml"]})
    again = stored_event(stack, added["xml"])
    print(
        f"   retry answered HTTP {retry.get('status')}; the row is unchanged: "
        f"received_at={again.received_at}, attempts={again.attempts}"
    )
    if again.received_at != event.received_at:
        raise SystemExit("a retried delivery was stored twice")

    step(6, "The table's stream hands the event to the processor, once")
    deadline = time.monotonic() + 20
    while again.status != "processed" and time.monotonic() < deadline:
        time.sleep(0.2)
        again = stored_event(stack, added["xml"])
    print(f"   status={again.status} after {again.attempts} attempt(s)")
    if again.status != "processed":
        raise SystemExit("the event was not processed")

    print("\nWhere to look:")
    print(stack.describe())


def main() -> int:
    config = StackConfig.ephemeral(log_dir=ROOT / "var" / "log" / "demo")
    print(
        "Starting the local stack (DynamoDB Local, S3, WeCom simulator, chalice local)…", flush=True
    )
    try:
        with LocalStack(config) as stack:
            run(stack)
    except StartupError as error:
        print(f"the local stack did not start: {error}", file=sys.stderr)
        return 1
    print("\nDemo finished; every service has been stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
