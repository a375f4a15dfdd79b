"""The directory function: the customer directory's query engine (DuckDB over Parquet), the
read model's refresh (every two minutes) and nightly compaction, and export jobs.

A plain Lambda function next to the Chalice ones, built from the same ``chalicelib`` code,
with its dependencies (``requirements-directory.txt``: the API's plus DuckDB and pyarrow)
in its own layer, so that neither grows the API handler's package or cold start. The API
functions invoke it by name (``DIRECTORY_FUNCTION``); its role reads the tables the read
model is built from and writes only the directory's own tables and ``directory/*`` objects.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from chalicelib.storage import schema
from infra.config import DeploymentConfig

HANDLER = "chalicelib.directory.handler.handle"
REQUIREMENTS = "requirements-directory.txt"
#: Lambda's limit on a function and its layers, unzipped, is 250 MB; stay clear of it.
LAYER_LIMIT_BYTES = 240 * 1024 * 1024
#: What the layer can do without (headers, tests, Arrow Flight and Substrait).
STRIP = ("pyarrow/include", "pyarrow/tests", "pyarrow/*flight*", "pyarrow/*substrait*")
#: Tables the read model is loaded from (through each context's queries) and its own.
READS = ("contacts", "screening", "points", "membership", "groups", "tags", "live-codes")
WRITES = ("directory", "audiences")
#: Only these files of the project make the function's code.
CODE_EXCLUDE = [
    ".*",
    "*.md",
    "*.txt",
    "*.toml",
    "*.json",
    "Makefile",
    "app.py",
    "node_modules",
    "console",
    "tests",
    "infra",
    "var",
    "benchmarks",
    "local_stack",
    "wecom_simulator",
    "cli",
    "docs",
    "cdk.out",
    "chalice.out",
    "**/__pycache__",
]


@jsii.implements(cdk.ILocalBundling)
class PipLayer:
    """Build the layer with pip on this machine (wheels for Lambda's Linux, Python 3.11),
    cached under ``var/directory-layer/<hash of the requirements>``."""

    def __init__(self, project_dir: Path) -> None:
        self.project_dir = project_dir

    def try_bundle(self, output_dir: str, *, image: Any = None, **_: Any) -> bool:
        digest = hashlib.sha256()
        for name in (REQUIREMENTS, "requirements.txt"):
            digest.update((self.project_dir / name).read_bytes())
        cache = self.project_dir / "var" / "directory-layer" / digest.hexdigest()[:16]
        if not (cache / "python").exists():
            target = cache / "python"
            subprocess.run(  # noqa: S603 - fixed arguments
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--platform",
                    "manylinux2014_x86_64",
                    "--implementation",
                    "cp",
                    "--python-version",
                    "3.11",
                    "--only-binary=:all:",
                    "-r",
                    str(self.project_dir / REQUIREMENTS),
                    "--target",
                    str(target),
                ],
                check=True,
            )
            for pattern in STRIP:
                for path in target.glob(pattern):
                    shutil.rmtree(path) if path.is_dir() else path.unlink()
            size = sum(p.stat().st_size for p in target.rglob("*") if p.is_file())
            if size > LAYER_LIMIT_BYTES:
                raise RuntimeError(f"the directory layer is {size >> 20} MB, over the limit")
        shutil.copytree(cache, output_dir, dirs_exist_ok=True)
        return True


class DirectoryFunction(Construct):
    """The function, its role, its schedules and its log group."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeploymentConfig,
        project_dir: Path,
        tables: dict[str, Any],
        reports_bucket: Any,
        environment: dict[str, str],
    ) -> None:
        super().__init__(scope, construct_id)
        self.function_name = f"{config.prefix}directory"
        self.role = self._role(tables, reports_bucket)
        self.layer = lambda_.LayerVersion(
            self,
            "Layer",
            code=self._layer_code(config, project_dir),
            compatible_runtimes=[lambda_.Runtime.PYTHON_3_11],
            description="DuckDB, pyarrow and the API's dependencies, for the directory",
        )
        self.function = lambda_.Function(
            self,
            "Function",
            function_name=self.function_name,
            runtime=lambda_.Runtime.PYTHON_3_11,
            handler=HANDLER,
            code=lambda_.Code.from_asset(str(project_dir), exclude=CODE_EXCLUDE),
            layers=[self.layer],
            role=self.role,
            memory_size=3008,
            ephemeral_storage_size=cdk.Size.mebibytes(4096),
            timeout=cdk.Duration.minutes(15),
            environment={
                **environment,
                "POWERTOOLS_SERVICE_NAME": "scrm-directory",
                "DIRECTORY_CACHE_DIR": "/tmp/scrm-directory",  # noqa: S108 - Lambda's scratch
            },
        )
        group = logs.CfnLogGroup(
            self,
            "Logs",
            log_group_name=f"/aws/lambda/{self.function_name}",
            retention_in_days=config.log_retention_days,
        )
        group.apply_removal_policy(cdk.RemovalPolicy.DESTROY)
        self._schedule("Refresh", events.Schedule.rate(cdk.Duration.minutes(2)), {"op": "refresh"})
        # 03:30 in China (UTC+8): the quietest hour.
        self._schedule("Compact", events.Schedule.cron(minute="30", hour="19"), {"op": "compact"})

    def _layer_code(self, config: DeploymentConfig, project_dir: Path) -> lambda_.Code:
        if config.directory_layer_dir:
            return lambda_.Code.from_asset(config.directory_layer_dir)
        return lambda_.Code.from_asset(
            str(project_dir),
            exclude=["*", f"!{REQUIREMENTS}", "!requirements.txt"],
            bundling=cdk.BundlingOptions(
                image=lambda_.Runtime.PYTHON_3_11.bundling_image,
                command=[
                    "bash",
                    "-c",
                    f"pip install -r {REQUIREMENTS} -t /asset-output/python",
                ],
                local=PipLayer(project_dir),
            ),
        )

    def _schedule(
        self, construct_id: str, schedule: events.Schedule, payload: dict[str, str]
    ) -> None:
        events.Rule(
            self,
            construct_id,
            schedule=schedule,
            targets=[
                targets.LambdaFunction(
                    self.function,
                    event=events.RuleTargetInput.from_object(payload),
                    retry_attempts=0,
                )
            ],
        )

    def _role(self, tables: dict[str, Any], bucket: Any) -> iam.Role:
        role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="SCRM directory function",
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name(
                    "service-role/AWSLambdaBasicExecutionRole"
                )
            ],
        )
        specs = {spec.logical_name: spec for spec in schema.ALL_TABLES}

        def resources(names: tuple[str, ...]) -> list[str]:
            found = []
            for name in names:
                arn = tables[name].table_arn
                found.append(arn)
                if specs[name].indexes:
                    found.append(f"{arn}/index/*")
            return found

        role.add_to_policy(
            iam.PolicyStatement(
                sid="ReadModelSources",
                actions=["dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchGetItem"],
                resources=resources(READS),
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                # The refresh reads contacts 50 to a request (a PartiQL partition-key IN);
                # the one-off backfill pages through every contact (a Scan of this table).
                sid="ContactsInBulk",
                actions=["dynamodb:PartiQLSelect", "dynamodb:Scan"],
                resources=[tables["contacts"].table_arn],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="DirectoryTables",
                actions=[
                    "dynamodb:GetItem",
                    "dynamodb:PutItem",
                    "dynamodb:UpdateItem",
                    "dynamodb:DeleteItem",
                    "dynamodb:Query",
                    "dynamodb:BatchWriteItem",
                    "dynamodb:ConditionCheckItem",
                ],
                resources=resources(WRITES),
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="DirectoryObjects",
                actions=["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                resources=[bucket.arn_for_objects("directory/*")],
            )
        )
        return role
