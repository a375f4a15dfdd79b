"""Cold import of the Lambda handler module (``app.py``) against ``import boto3``.

boto3 is the floor every Lambda of this stack pays on its first AWS call; ``app.py``
should cost about as much, not a multiple of it (goal <= 1.3x).
"""

from __future__ import annotations

import os

from benchmarks.harness import Figure, import_time_ms, interleaved

ROUNDS = 15


def run() -> list[Figure]:
    env = {**os.environ, "AWS_DEFAULT_REGION": "ap-east-1", "AWS_EC2_METADATA_DISABLED": "true"}
    for statement in ("import app", "import boto3"):  # warm the bytecode cache
        import_time_ms(statement, env)
    app_ms, boto3_ms = interleaved(
        lambda: import_time_ms("import app", env),
        lambda: import_time_ms("import boto3", env),
        ROUNDS,
    )
    return [Figure("cold import of app.py", app_ms, boto3_ms, 1.3, "import boto3", ROUNDS)]
