"""The Chalice CDK construct, made to fail when a dependency is left out of the package,
and to ship the slimmed, byte-compiled package of :mod:`infra.stacks.package`.

``chalice package`` (which the construct runs on every synth) only prints
"Could not install dependencies" when a compiled dependency has no wheel for Lambda, and
goes on with a package that breaks at import time. This construct raises instead, and
lists the functions of the packaged template.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from chalice.cdk import Chalice

from infra.stacks import package
from infra.stacks.package import PackagingError

MISSING_DEPENDENCIES_MARKER = package.MISSING_DEPENDENCIES_MARKER
FUNCTION_TYPE = "AWS::Serverless::Function"

__all__ = ["CheckedChalice", "PackagingError"]


class CheckedChalice(Chalice):
    """``chalice.cdk.Chalice`` that raises :class:`PackagingError` on missing dependencies
    and deploys :func:`infra.stacks.package.build`'s zip."""

    #: Logical IDs of the packaged Lambda functions (``APIHandler`` and one per handler).
    function_ids: tuple[str, ...] = ()
    #: The zip every function of the construct runs.
    package: package.Package

    def _package_app(self) -> None:
        self.package = package.build(
            self.source_dir, self._sam_package_dir, self.stage_name, self.stage_config
        )
        with open(os.path.join(self._sam_package_dir, "sam.json")) as sam_file:
            resources = json.load(sam_file)["Resources"]
        self.function_ids = tuple(
            sorted(name for name, body in resources.items() if body["Type"] == FUNCTION_TYPE)
        )

    @property
    def package_path(self) -> Path:
        return self.package.path
