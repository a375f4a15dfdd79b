"""Importing ``app.py`` stays cheap: the heavy libraries load with the first request that
needs them (the cold-start figure of ``make bench`` depends on it)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

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
