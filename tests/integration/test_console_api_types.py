"""The console's typed client cannot drift from the API: ``console/src/api/schema.d.ts`` is
what ``npm run gen:api`` makes from the routes' own models today."""

from __future__ import annotations

import shutil
import subprocess
import sys

from tests.conftest import ROOT

CONSOLE = ROOT / "console"


def test_the_committed_api_types_match_a_fresh_generation() -> None:
    node = shutil.which("node")
    assert node, "Node 20 is needed for the console"
    assert (CONSOLE / "node_modules" / "openapi-typescript").is_dir(), (
        "the console's packages are missing: run `make install`"
    )
    check = subprocess.run(
        [node, "scripts/gen-api.mjs", "--check"],
        cwd=CONSOLE,
        env={"PATH": "/usr/bin:/bin", "PYTHON": sys.executable, "HOME": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stderr + check.stdout
