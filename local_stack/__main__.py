"""``python -m local_stack`` (``make run``): start the local stack and wait for Ctrl-C."""

from __future__ import annotations

import signal
import sys
import threading

from local_stack.processes import StartupError
from local_stack.stack import LocalStack, StackConfig


def main() -> int:
    stack = LocalStack(StackConfig.persistent())
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    try:
        stack.start()
    except StartupError as error:
        print(f"local stack did not start: {error}", file=sys.stderr)
        return 1
    print(
        "Local stack is up:\n"
        + stack.describe()
        + "\n"
        + stack.config.credentials_note()
        + "\nIts environment is in that file: `source` it before"
        " `python -m cli token --role admin`.\nCtrl-C stops every service.",
        flush=True,
    )
    try:
        while not stopping.wait(0.5):
            dead = [child.name for child in stack.children if not child.alive()]
            if dead:
                print(f"stopped unexpectedly: {', '.join(dead)}; see the logs", file=sys.stderr)
                return 1
    finally:
        stack.stop()
        print("Local stack stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
