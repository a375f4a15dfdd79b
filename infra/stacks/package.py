"""The Lambda package: what ``chalice package`` zips, cut to what runs, and byte-compiled.

``chalice package`` (run by the CDK construct on every synth) zips the project and the
wheels of ``requirements.txt``, sources only. :func:`slim` rewrites that zip:

- **The AWS SDK is packaged, pinned and cut to the services the functions call**
  (:data:`AWS_SERVICES`). The runtime's own boto3 is not used: its version is AWS's to
  change, and the package's botocore (a PynamoDB dependency) would run with it
  (docs/decisions.md). botocore's models of the ~400 other services were 59 % of the zip.
- **Nothing the functions never import**: Powertools' REST/GraphQL event handlers and
  utilities other than parameters (:data:`UNUSED`), type stubs, botocore's documentation
  examples, cffi's and pycparser's Python code (cryptography needs only ``_cffi_backend``),
  and the X-Ray SDK and wrapt unless tracing is on (``-c tracing=true``); the
  documentation strings of the SDK's models (:func:`strip_documentation`).
- **Bytecode for the runtime's Python** (``__pycache__/*.cpython-311.pyc``, unchecked hash:
  ``/var/task`` is read-only, so without them every cold start compiles every module it
  imports, and the zip's timestamps are not the files').

``build`` packages the project exactly as the CDK construct does; the infra tests check
the result (size, bytecode, no unused package, a first request answered from the package
alone).
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: The runtime the functions run on; the bytecode is compiled for it.
RUNTIME_PYTHON = (3, 11)
RUNTIME = f"python{RUNTIME_PYTHON[0]}.{RUNTIME_PYTHON[1]}"
#: Lambda's limit is 50 MB zipped; ours, so that a cold start stays quick to fetch.
MAX_ZIP_BYTES = 15 * 1024 * 1024
#: Every AWS service a function creates a client for (``chalicelib.core.aws.client``,
#: PynamoDB, Powertools' parameters). A call to another one fails with UnknownServiceError:
#: add it here (tests/infra/test_lambda_package.py reads the code for client names).
AWS_SERVICES = ("dynamodb", "lambda", "s3", "secretsmanager", "ssm")
#: Paths (prefixes) in the zip that no function imports.
UNUSED = (
    "aws_lambda_powertools/event_handler/",
    *(
        f"aws_lambda_powertools/utilities/{name}/"
        for name in (
            "auth_alpha",
            "batch",
            "circuit_breaker",
            "data_classes",
            "data_masking",
            "feature_flags",
            "idempotency",
            "kafka",
            "metadata",
            "parser",
            "streaming",
            "validation",
        )
    ),
    # pydantic 1's API and the experimental one, mypy's plugin.
    "pydantic/v1/",
    "pydantic/experimental/",
    "pydantic/mypy.py",
    # botocore keeps only dateutil's tz; zone names come from the standard zoneinfo.
    "dateutil/zoneinfo/",
    "charset_normalizer/cli/",
    "cffi/",
    "pycparser/",
    "wrapt-stubs/",
)
#: Only with tracing on (``Tracer()``, see chalicelib.core.observability).
TRACING_ONLY = ("aws_xray_sdk/", "wrapt/")
MISSING_DEPENDENCIES_MARKER = "Could not install dependencies"
#: The keys of botocore's models that only its documentation reads.
DOCUMENTATION_KEYS = frozenset({"documentation", "documentationUrl"})
#: A fixed date for every entry, so that the same input gives the same zip (and asset hash).
ZIP_DATE = (2020, 1, 1, 0, 0, 0)


class PackagingError(RuntimeError):
    """The Lambda package misses dependencies, or cannot be made right."""


@dataclass(frozen=True)
class Package:
    path: Path
    size: int
    files: int
    compiled: int


def build(
    project_dir: Path | str,
    output_dir: Path | str,
    stage: str,
    stage_config: dict[str, Any] | None,
) -> Package:
    """``chalice package`` the project as the CDK construct does, then :func:`slim` it."""
    from chalice import api

    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        api.package_app(
            project_dir=str(project_dir),
            output_dir=str(output_dir),
            stage=stage,
            chalice_config=stage_config,
        )
    check_output(output.getvalue())
    tracing = bool((stage_config or {}).get("xray"))
    return slim(Path(output_dir) / "deployment.zip", tracing=tracing)


def check_output(text: str) -> None:
    """``chalice package`` only prints that a compiled dependency had no Lambda wheel."""
    sys.stderr.write(text)
    if MISSING_DEPENDENCIES_MARKER in text:
        raise PackagingError(text.strip())


def unused(name: str, *, tracing: bool) -> bool:
    """Whether the zip entry ``name`` can be left out."""
    if name.startswith(UNUSED) or name.endswith(".pyi"):
        return True
    if not tracing and name.startswith(TRACING_ONLY):
        return True
    if name.startswith(("botocore/data/", "boto3/data/")):
        parts = name.split("/")
        if len(parts) > 3:  # <sdk>/data/<service>/...: keep the services called
            return parts[2] not in AWS_SERVICES or parts[-1] == "examples-1.json"
    return False


def slim(zip_path: Path, *, tracing: bool = False) -> Package:
    """Rewrite the zip at ``zip_path`` in place; returns what it holds."""
    if sys.version_info[:2] != RUNTIME_PYTHON:
        raise PackagingError(
            f"the package is compiled for {RUNTIME}: run the synth with Python "
            f"{RUNTIME_PYTHON[0]}.{RUNTIME_PYTHON[1]}, not {sys.version.split()[0]}"
        )
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "task"
        with zipfile.ZipFile(zip_path) as source:
            kept = [
                entry
                for entry in source.infolist()
                if not entry.is_dir() and not unused(entry.filename, tracing=tracing)
            ]
            modes = {entry.filename: entry.external_attr for entry in kept}
            for entry in kept:
                source.extract(entry, root)
        cut_endpoints(root / "botocore" / "data" / "endpoints.json")
        for model in sorted((root / "botocore" / "data").glob("*/*/service-2.json*")):
            strip_documentation(model)
        compile_for_lambda(root)
        partial = zip_path.with_suffix(".slim.zip")
        files = compiled = 0
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                name = path.relative_to(root).as_posix()
                entry = zipfile.ZipInfo(name, ZIP_DATE)
                entry.compress_type = zipfile.ZIP_DEFLATED
                entry.external_attr = modes.get(name, 0o644 << 16)
                target.writestr(entry, path.read_bytes(), compresslevel=9)
                files += 1
                compiled += name.endswith(".pyc")
        os.replace(partial, zip_path)
    return Package(zip_path, zip_path.stat().st_size, files, compiled)


def cut_endpoints(path: Path) -> None:
    """Keep only :data:`AWS_SERVICES` in each partition of botocore's ``endpoints.json``
    (written compact): the resolver reads no other service's entry, a client of another
    service fails anyway (its model is not packaged)."""
    if not path.exists():
        return
    table = json.loads(path.read_text(encoding="utf-8"))
    for partition in table["partitions"]:
        partition["services"] = {
            name: entry
            for name, entry in partition.get("services", {}).items()
            if name in AWS_SERVICES
        }
    path.write_text(json.dumps(table, separators=(",", ":")), encoding="utf-8")


def strip_documentation(path: Path) -> None:
    """Drop the documentation strings of a botocore ``service-2`` model: the service's,
    each operation's (and its ``documentationUrl``), each shape's and each member's, which
    botocore reads only (with a default) to write docstrings; written back compact in its
    own format (``.json`` or ``.json.gz``). Four fifths of DynamoDB's model, which each
    cold start's first client parses. Other documentation (e.g. S3's client context
    parameters, which botocore indexes) stays."""
    name = path.name
    if not name.startswith("service-2.json"):
        return
    packed = name.endswith(".gz")
    model = json.loads(gzip.decompress(path.read_bytes()) if packed else path.read_bytes())
    model.pop("documentation", None)
    for operation in model.get("operations", {}).values():
        for key in DOCUMENTATION_KEYS:
            operation.pop(key, None)
    for shape in model.get("shapes", {}).values():
        shape.pop("documentation", None)
        for member in shape.get("members", {}).values():
            member.pop("documentation", None)
    data = json.dumps(model, separators=(",", ":")).encode()
    path.write_bytes(gzip.compress(data, 9, mtime=0) if packed else data)


def compile_for_lambda(root: Path) -> None:
    """``__pycache__/*.pyc`` beside every module: hash-based and unchecked (PEP 552: the
    loader trusts them without reading the source, which never changes in /var/task), and
    without column ranges (``-X no_debug_ranges``: tracebacks keep their lines and lose the
    ``^^^`` marks; a third less bytecode)."""
    done = subprocess.run(  # noqa: S603 - fixed arguments
        [
            sys.executable,
            "-X",
            "no_debug_ranges",
            "-m",
            "compileall",
            "-q",
            "-d",
            "/var/task",
            "--invalidation-mode",
            "unchecked-hash",
            str(root),
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise PackagingError(f"a module of the package does not compile: {done.stdout[-2000:]}")


def extract(package: Path, target: Path) -> Path:
    """Unpack a package as Lambda does into ``/var/task`` (tests)."""
    if target.exists():
        shutil.rmtree(target)
    with zipfile.ZipFile(package) as source:
        source.extractall(target)
    return target
