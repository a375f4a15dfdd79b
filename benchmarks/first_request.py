"""One Lambda cold start in this process: import the handler's module, answer one event, exit.

``python -S -E -B benchmarks/first_request.py <handler> <event.json> <package dir>`` does
what Lambda does in a new execution environment: import the function's handler, as its
configuration names it (``app.app`` for the HTTP routes, whose event is API Gateway's proxy
event; ``chalicelib.callbacks.jobs.process_callback_events`` for the stream consumer, which
never imports ``app.py``...), from the unpacked Lambda package (nothing else than it and
the standard library on the path), and call it once with the event; then checks that the
answer is the one a user would get, or that a job did its work (the event's ``expect``: a
status code, or counts a job answers; exit status 1 if not). Without a package directory
it imports the project. Timed whole, from the outside, by :mod:`benchmarks.cold_start`.
"""

import importlib
import json
import sys
from types import SimpleNamespace


def main(handler: str, event_path: str, package: str | None = None) -> int:
    if package:
        sys.path.insert(0, package)
    with open(event_path, encoding="utf-8") as source:
        event = json.load(source)
    expected = event.pop("expect", None)
    module, _, name = handler.rpartition(".")
    function = getattr(importlib.import_module(module), name)
    context = SimpleNamespace(
        aws_request_id="cold-start",
        function_name=name,
        memory_limit_in_mb=512,
        invoked_function_arn=f"arn:aws:lambda:ap-east-1:000000000000:function:{name}",
        get_remaining_time_in_millis=lambda: 30_000,
    )
    answer = function(event, context)
    # An HTTP status code, or a job's counts (``{"processed": 1}``: the batch acted).
    got = (
        answer.get("statusCode")
        if isinstance(expected, int)
        else {k: answer.get(k) for k in expected or {}}
    )
    if expected is not None and got != expected:
        print(f"{handler}: expected {expected}, answered {json.dumps(answer)[:500]}")
        return 1
    print(json.dumps(answer, default=str)[:200])
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
