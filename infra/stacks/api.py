"""The stateless API stack: the Chalice app, its least-privilege role, alarms.

The Chalice construct packages the project (``chalice package``) on every synth and
imports the resulting SAM template. The role is owned here (``autogen_policy`` is off):
item-level DynamoDB actions on this stage's tables only, stream reads on streamed tables,
read/write on the report bucket, read on the one WeCom secret, X-Ray and CloudWatch Logs.
Table streams are wired to their consumer functions here (Chalice cannot name a stream
that another stack creates).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from chalice.utils import to_cfn_resource_name
from constructs import Construct

from chalicelib.storage import schema
from infra.config import DeploymentConfig
from infra.stacks.chalice_app import CheckedChalice
from infra.stacks.directory import DirectoryFunction

#: The REST API resource in the Chalice SAM template.
REST_API = "RestAPI"

#: Stream reads, on ``<table arn>/stream/*`` of streamed tables only.
STREAM_ACTIONS = (
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
)

#: Item-level actions only: no Scan, no table management. TransactWriteItems and
#: TransactGetItems are authorised through the item actions they contain.
DYNAMODB_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:Query",
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable",
)
#: Operations watched by the DynamoDB alarms (an alarm's math takes at most 10 metrics).
WATCHED_OPERATIONS = (
    "GetItem",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "BatchGetItem",
    "BatchWriteItem",
    "TransactWriteItems",
    "TransactGetItems",
)


@dataclass(frozen=True)
class DataResources:
    """What the API stack needs from the stateful stack."""

    tables: dict[str, dynamodb.ITable]
    reports_bucket: s3.IBucket
    wecom_secret: secretsmanager.ISecret


class ApiStack(cdk.Stack):
    """The Chalice functions (REST API, stream consumer, schedules), their role, alarms."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeploymentConfig,
        data: DataResources,
        project_dir: Path,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config
        self.data = data
        self.role = self._role()
        self.chalice = CheckedChalice(
            self,
            "Chalice",
            source_dir=str(project_dir),
            stage_config=self._stage_config(),
        )
        for function_id in self.chalice.function_ids:
            # Create functions only once the role's policy exists, not just the role.
            self.chalice.get_resource(function_id).node.add_dependency(self.role)
        self.directory = DirectoryFunction(
            self,
            "Directory",
            config=config,
            project_dir=project_dir,
            tables=data.tables,
            reports_bucket=data.reports_bucket,
            environment={
                k: v for k, v in self.function_environment().items() if k != "DIRECTORY_FUNCTION"
            },
        )
        self._name_rest_api()
        self._log_groups()
        self._stream_consumers()
        self.alarm_topic = self._alarm_topic()
        self._alarms()

    # --- the function's configuration -------------------------------------------------

    def function_environment(self) -> dict[str, str]:
        """Environment variables of every function (see ``chalicelib.core.settings``).

        The Chalice stage is named after the CDK stack, so the per-stage blocks of
        ``.chalice/config.json`` do not apply: everything stage-specific is set here.
        """
        return {
            "STAGE": self.config.stage,
            "TABLE_PREFIX": self.config.prefix,
            "REPORTS_BUCKET": self.data.reports_bucket.bucket_name,
            "SECRETS_SOURCE": "secretsmanager",
            "SECRETS_ID": self.config.secret_name,
            "WECOM_CORP_ID": self.config.corp_id,
            "WECOM_AGENT_ID": self.config.agent_id,
            "WECOM_API_BASE": self.config.wecom_api_base,
            "CONSOLE_URL": self.config.console_url,
            "TRACING_ENABLED": "true" if self.config.tracing else "false",
            "POWERTOOLS_LOG_LEVEL": "INFO",
            # The customer directory's engine runs in its own function (DuckDB, pyarrow).
            "DIRECTORY_FUNCTION": self.directory_function_name,
        }

    @property
    def directory_function_name(self) -> str:
        return f"{self.config.prefix}directory"

    def _stage_config(self) -> dict[str, Any]:
        return {
            "manage_iam_role": False,
            "iam_role_arn": self.role.role_arn,
            "xray": self.config.tracing,
            "api_gateway_endpoint_type": "REGIONAL",
            "environment_variables": self.function_environment(),
        }

    def _name_rest_api(self) -> None:
        """Give the REST API a per-stage name, so its metrics are per stage too."""
        rest_api = self.chalice.get_resource(REST_API)
        rest_api.add_property_override("Name", self.api_name)
        rest_api.add_property_override("DefinitionBody.info.title", self.api_name)

    @property
    def api_name(self) -> str:
        return f"scrm-{self.config.stage}"

    def _log_groups(self) -> None:
        """One log group per function, with retention.

        Chalice's own ``log_retention_in_days`` emits ``${ApiHandler}`` for a function whose
        logical ID is ``APIHandler``, which does not synthesize; the groups are made here.
        """
        for function_id in self.chalice.function_ids:
            function_name = self.chalice.get_resource(function_id).ref
            group = logs.CfnLogGroup(
                self,
                f"{function_id}Logs",
                log_group_name=cdk.Fn.join("", ["/aws/lambda/", function_name]),
                retention_in_days=self.config.log_retention_days,
            )
            group.apply_removal_policy(cdk.RemovalPolicy.DESTROY)

    def _stream_consumers(self) -> None:
        """Feed each streamed table's new items to its consumer function."""
        for spec in schema.ALL_TABLES:
            if spec.stream_consumer is None:
                continue
            consumer = to_cfn_resource_name(spec.stream_consumer)
            mapping = lambda_.CfnEventSourceMapping(
                self,
                f"{consumer}Stream",
                function_name=self.chalice.get_resource(consumer).ref,
                event_source_arn=self.data.tables[spec.logical_name].table_stream_arn,
                starting_position="TRIM_HORIZON",
                batch_size=10,
                bisect_batch_on_function_error=True,
                maximum_retry_attempts=3,
                maximum_record_age_in_seconds=3600,
                filter_criteria=lambda_.CfnEventSourceMapping.FilterCriteriaProperty(
                    filters=[
                        lambda_.CfnEventSourceMapping.FilterProperty(
                            pattern=json.dumps({"eventName": ["INSERT"]})
                        )
                    ]
                ),
            )
            mapping.node.add_dependency(self.role)

    # --- least-privilege role ---------------------------------------------------------

    def _role(self) -> iam.Role:
        role = iam.Role(
            self,
            "FunctionRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"SCRM {self.config.stage} Lambda functions",
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name(
                    "service-role/AWSLambdaBasicExecutionRole"
                )
            ],
        )
        for statement in self.policy_statements():
            role.add_to_policy(statement)
        return role

    def policy_statements(self) -> list[iam.PolicyStatement]:
        """The role's own statements, each on named resources only (X-Ray has none)."""
        tables = self.data.tables
        table_resources: list[str] = []
        for spec in schema.ALL_TABLES:
            arn = tables[spec.logical_name].table_arn
            table_resources.append(arn)
            if spec.indexes:
                table_resources.append(f"{arn}/index/*")
        stream_resources = [
            f"{tables[spec.logical_name].table_arn}/stream/*"
            for spec in schema.ALL_TABLES
            if spec.stream
        ]
        bucket = self.data.reports_bucket
        statements = [
            iam.PolicyStatement(
                sid="TableItems", actions=list(DYNAMODB_ACTIONS), resources=table_resources
            ),
            iam.PolicyStatement(
                sid="ReportObjects",
                actions=["s3:GetObject", "s3:PutObject"],
                resources=[bucket.arn_for_objects("*")],
            ),
            iam.PolicyStatement(
                sid="ReportList", actions=["s3:ListBucket"], resources=[bucket.bucket_arn]
            ),
            iam.PolicyStatement(
                sid="WecomSecret",
                actions=["secretsmanager:GetSecretValue"],
                resources=[self.data.wecom_secret.secret_arn],
            ),
            iam.PolicyStatement(
                sid="DirectoryInvoke",
                actions=["lambda:InvokeFunction"],
                resources=[
                    self.format_arn(
                        service="lambda",
                        resource="function",
                        resource_name=self.directory_function_name,
                        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                    )
                ],
            ),
            iam.PolicyStatement(
                sid="Tracing",
                actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                resources=["*"],
            ),
        ]
        if stream_resources:
            statements.append(
                iam.PolicyStatement(
                    sid="TableStreams", actions=list(STREAM_ACTIONS), resources=stream_resources
                )
            )
        return statements

    # --- alarms ---------------------------------------------------------------------

    def _alarm_topic(self) -> sns.Topic:
        topic = sns.Topic(self, "AlarmTopic", display_name=f"SCRM {self.config.stage} alarms")
        topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="DenyInsecureTransport",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=["sns:Publish"],
                resources=[topic.topic_arn],
                conditions={"Bool": {"aws:SecureTransport": "false"}},
            )
        )
        if self.config.alarm_email:
            topic.add_subscription(subscriptions.EmailSubscription(self.config.alarm_email))
        return topic

    def _alarm(
        self,
        construct_id: str,
        metric: cloudwatch.IMetric,
        description: str,
        threshold: float = 1,
    ) -> None:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            metric=metric,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )
        alarm.add_alarm_action(cloudwatch_actions.SnsAction(self.alarm_topic))

    def _alarms(self) -> None:
        five_minutes = cdk.Duration.minutes(5)
        for function_id in self.chalice.function_ids:
            function = self.chalice.get_function(function_id)
            self._alarm(
                f"{function_id}Errors",
                function.metric_errors(period=five_minutes, statistic="Sum"),
                f"Lambda {function_id} raised unhandled errors.",
            )
            self._alarm(
                f"{function_id}Throttles",
                function.metric_throttles(period=five_minutes, statistic="Sum"),
                f"Lambda {function_id} was throttled.",
            )
        for spec in (t for t in schema.ALL_TABLES if t.stream_consumer):
            function_id = to_cfn_resource_name(str(spec.stream_consumer))
            if function_id in self.chalice.function_ids:
                self._alarm(
                    f"{function_id}IteratorAge",
                    self.chalice.get_function(function_id).metric(
                        "IteratorAge", period=five_minutes, statistic="Maximum"
                    ),
                    f"The {spec.logical_name} stream is more than 5 minutes behind.",
                    threshold=300_000,
                )
        self._alarm(
            "DirectoryErrors",
            self.directory.function.metric_errors(period=five_minutes, statistic="Sum"),
            "The directory function (search, refresh, exports) raised unhandled errors.",
        )
        self._alarm(
            "Api5xx",
            cloudwatch.Metric(
                namespace="AWS/ApiGateway",
                metric_name="5XXError",
                dimensions_map={"ApiName": self.api_name},
                period=five_minutes,
                statistic="Sum",
            ),
            "API Gateway answered with 5XX errors.",
        )
        for spec in schema.ALL_TABLES:
            for metric_name in ("ThrottledRequests", "SystemErrors"):
                self._alarm(
                    f"{metric_name}-{spec.logical_name}",
                    self._table_metric(spec, metric_name, five_minutes),
                    f"DynamoDB {metric_name} on {spec.logical_name}.",
                )

    def _table_metric(
        self, spec: schema.Table, metric_name: str, period: cdk.Duration
    ) -> cloudwatch.MathExpression:
        """A table metric summed over the operations the app uses.

        ``SUM(METRICS())`` counts whichever operations reported in a period (a ``+`` of
        sparse series is empty unless every operation reported).
        """
        table_name = f"{self.config.prefix}{spec.logical_name}"
        return cloudwatch.MathExpression(
            expression="SUM(METRICS())",
            label=f"{metric_name} {table_name}",
            period=period,
            using_metrics={
                operation.lower(): cloudwatch.Metric(
                    namespace="AWS/DynamoDB",
                    metric_name=metric_name,
                    dimensions_map={"TableName": table_name, "Operation": operation},
                    period=period,
                    statistic="Sum",
                )
                for operation in WATCHED_OPERATIONS
            },
        )
