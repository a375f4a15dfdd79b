"""The Chalice CDK construct, made to fail when a dependency is left out of the package.

``chalice package`` (which the construct runs on every synth) only prints
"Could not install dependencies" when a compiled dependency has no wheel for Lambda, and
goes on with a package that breaks at import time. This construct raises instead, and
lists the functions of the packaged template.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys

from chalice.cdk import Chalice

MISSING_DEPENDENCIES_MARKER = "Could not install dependencies"
FUNCTION_TYPE = "AWS::Serverless::Function"


class PackagingError(RuntimeError):
    """The Lambda package misses dependencies that have no Lambda-compatible wheel."""


class CheckedChalice(Chalice):
    """``chalice.cdk.Chalice`` that raises :class:`PackagingError` on missing dependencies."""

    #: Logical IDs of the packaged Lambda functions (``APIHandler`` and one per handler).
    function_ids: tuple[str, ...] = ()

    def _package_app(self) -> None:
        output = io.StringIO()
        with contextlib.redirect_stdout(output):
            super()._package_app()
        text = output.getvalue()
        sys.stderr.write(text)
        if MISSING_DEPENDENCIES_MARKER in text:
            raise PackagingError(text.strip())
        with open(os.path.join(self._sam_package_dir, "sam.json")) as sam_file:
            resources = json.load(sam_file)["Resources"]
        self.function_ids = tuple(
            sorted(name for name, body in resources.items() if body["Type"] == FUNCTION_TYPE)
        )
