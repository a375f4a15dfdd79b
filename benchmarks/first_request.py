"""One Lambda cold start in this process: import the handler module, answer one event, exit.

``python -S -E -B benchmarks/first_request.py <function> <event.json> <package dir>`` does
what Lambda does in a new execution environment: import ``app`` from the unpacked Lambda
package (nothing else than it and the standard library on the path) and call the
function's handler once with the event, then checks that the answer is the one a user
would get (exit status 1 if not); without a package directory it imports the project. The
function is ``api`` (the HTTP routes; the event is API Gateway's proxy event) or the name
of a Chalice handler (``process_callback_events``, ``sop_tick``...). Timed whole, from the
outside, by :mod:`benchmarks.cold_start`.
"""

import json
import sys
from types import SimpleNamespace


def main(function: str, event_path: str, package: str | None = None) -> int:
    if package:
        sys.path.insert(0, package)
    with open(event_path, encoding="utf-8") as source:
        event = json.load(source)
    expected = event.pop("expect", None)
    from app import app

    handler = app if function == "api" else app.handler_map[function]
    context = SimpleNamespace(
        aws_request_id="cold-start",
        function_name=function,
        memory_limit_in_mb=512,
        invoked_function_arn=f"arn:aws:lambda:ap-east-1:000000000000:function:{function}",
        get_remaining_time_in_millis=lambda: 30_000,
    )
    answer = handler(event, context)
    # The API's status code, or a job's counts (``{"processed": 1}``: the batch acted).
    got = (
        answer.get("statusCode")
        if function == "api"
        else {k: answer.get(k) for k in expected or {}}
    )
    if expected is not None and got != expected:
        print(f"{function}: expected {expected}, answered {json.dumps(answer)[:500]}")
        return 1
    print(json.dumps(answer, default=str)[:200])
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
