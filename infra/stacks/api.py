"""The stateless API stack: the Chalice functions, one least-privilege role each, the
network they call WeCom through, what stands in front of the API, the console, alarms.

The Chalice construct packages the project (``chalice package``) on every synth and
imports the resulting SAM template. This stack then:

- gives every function its own role (:mod:`infra.stacks.access`; ``autogen_policy`` is
  off): item-level DynamoDB actions on the tables it needs, stream reads for stream
  consumers, the report bucket and the stage's secret only where used;
- splits the HTTP routes over three functions of the same package: the WeCom callback
  (``CallbackHandler``, outside the VPC, with reserved concurrency, so no flood elsewhere
  can make WeCom's deliveries fail), the public scans and webhooks (``PublicHandler``,
  capped, so a flood of scans cannot take the account's concurrency), and the admin API
  (Chalice's ``APIHandler``);
- runs the functions that call WeCom in the VPC of :mod:`infra.stacks.network`, leaving
  through the Elastic IP WeCom trusts;
- adds the API's domain, throttling, WAF and access logs (:mod:`infra.stacks.edge`) and
  the console's hosting (:mod:`infra.stacks.console`);
- wires table streams to their consumers (Chalice cannot name a stream that another
  stack creates) and raises alarms (Lambda errors and throttles, API 5XX, DynamoDB
  throttles, dead letters, incomplete audits, bad signatures, refused tokens, WeCom 60020).
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
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sam as sam
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from chalice.utils import to_cfn_resource_name
from constructs import Construct

from chalicelib.storage import schema
from infra.config import DeploymentConfig
from infra.stacks import access as grants
from infra.stacks.chalice_app import CheckedChalice
from infra.stacks.console import ConsoleSite
from infra.stacks.directory import DirectoryFunction
from infra.stacks.edge import CALLBACK_PATH, ApiEdge
from infra.stacks.network import Egress

#: The REST API resource in the Chalice SAM template.
REST_API = "RestAPI"
ADMIN_HANDLER = "APIHandler"
CALLBACK_HANDLER = "CallbackHandler"
PUBLIC_HANDLER = "PublicHandler"
#: Public routes served by ``PublicHandler`` (everything else but the callback: the admin API).
PUBLIC_PREFIXES = ("/l/", "/g/", "/webhooks/")
#: The structured logs' namespace and service dimension (``chalicelib.core.observability``).
METRICS_NAMESPACE = "PrivateDomainSCRM"
METRICS_SERVICE = "scrm-api"

#: Stream reads, on ``<table arn>/stream/*`` of streamed tables only.
STREAM_ACTIONS = (
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
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
    egress_allocation_id: str
    egress_ip: str


def http_routes() -> list[tuple[str, str]]:
    """Every ``(path, METHOD)`` the Chalice app routes."""
    from app import app

    return [(path, method) for path, methods in app.routes.items() for method in methods]


def handler_of(path: str) -> str:
    """The function that serves ``path``."""
    if path == CALLBACK_PATH:
        return CALLBACK_HANDLER
    if path.startswith(PUBLIC_PREFIXES):
        return PUBLIC_HANDLER
    return ADMIN_HANDLER


class ApiStack(cdk.Stack):
    """The Chalice functions (REST API, stream consumer, schedules), their roles, network,
    edge, console and alarms."""

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
        self.zone = self._zone()
        self.egress = Egress(self, "Egress", config=config, allocation_id=data.egress_allocation_id)
        self.roles: dict[str, iam.Role] = {ADMIN_HANDLER: self._role(grants.ACCESS[ADMIN_HANDLER])}
        self.chalice = CheckedChalice(
            self,
            "Chalice",
            source_dir=str(project_dir),
            stage_config=self._stage_config(),
        )
        unknown = sorted(set(self.chalice.function_ids) - set(grants.ACCESS))
        if unknown:
            raise ValueError(
                f"functions {unknown} have no entry in infra/stacks/access.py: say what they "
                "may touch before they deploy"
            )
        self.rest_api = self.chalice.get_resource(REST_API)
        self.http_functions = self._http_functions()
        #: Every function of the stack: Chalice's and the two HTTP functions made here.
        self.function_ids: tuple[str, ...] = tuple(
            sorted((*self.chalice.function_ids, *self.http_functions))
        )
        for function_id in self.chalice.function_ids:
            self._configure(function_id)
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
        self.log_groups = self._log_groups()
        self._stream_consumers()
        self.edge = ApiEdge(
            self,
            "Edge",
            config=config,
            rest_api=self.rest_api,
            routes=http_routes(),
            zone=self.zone,
            log_retention_days=config.log_retention_days,
        )
        self.console = ConsoleSite(
            self,
            "Console",
            config=config,
            rest_api_id=self.rest_api.ref,
            dist_dir=project_dir / "console" / "dist",
            zone=self.zone,
        )
        self.alarm_topic = self._alarm_topic()
        self._alarms()
        self._outputs()

    # --- the functions' configuration -------------------------------------------------

    def function_environment(self) -> dict[str, str]:
        """Environment variables of every function (see ``chalicelib.core.settings``).

        The Chalice stage is named after the CDK stack, so the per-stage blocks of
        ``.chalice/config.json`` do not apply: everything stage-specific is set here.
        ``PUBLIC_BASE_URL`` and ``CONSOLE_URL`` come from the domains (without a domain,
        links take the API Gateway endpoint of the request, never its Host header).
        """
        environment = {
            "STAGE": self.config.stage,
            "TABLE_PREFIX": self.config.prefix,
            "REPORTS_BUCKET": self.data.reports_bucket.bucket_name,
            "SECRETS_SOURCE": "secretsmanager",
            "SECRETS_ID": self.config.secret_name,
            "WECOM_CORP_ID": self.config.corp_id,
            "WECOM_AGENT_ID": self.config.agent_id,
            "WECOM_API_BASE": self.config.wecom_api_base,
            "TRACING_ENABLED": "true" if self.config.tracing else "false",
            "POWERTOOLS_LOG_LEVEL": "INFO",
            # The customer directory's engine runs in its own function (DuckDB, pyarrow).
            "DIRECTORY_FUNCTION": self.directory_function_name,
        }
        if self.config.public_base_url:
            environment["PUBLIC_BASE_URL"] = self.config.public_base_url
        if self.config.console_origin:
            environment["CONSOLE_URL"] = self.config.console_origin
        return environment

    @property
    def directory_function_name(self) -> str:
        return f"{self.config.prefix}directory"

    def _stage_config(self) -> dict[str, Any]:
        return {
            "manage_iam_role": False,
            "iam_role_arn": self.roles[ADMIN_HANDLER].role_arn,
            "xray": self.config.tracing,
            "api_gateway_endpoint_type": "REGIONAL",
            "environment_variables": self.function_environment(),
        }

    def _vpc_config(self) -> dict[str, Any]:
        return {
            "SubnetIds": self.egress.subnet_ids,
            "SecurityGroupIds": [self.egress.security_group.security_group_id],
        }

    def _configure(self, function_id: str) -> None:
        """Give a Chalice function its own role, and the VPC if it calls WeCom."""
        access = grants.ACCESS[function_id]
        role = self.roles.get(function_id) or self._role(access)
        self.roles[function_id] = role
        function = self.chalice.get_resource(function_id)
        function.add_property_override("Role", role.role_arn)
        if access.calls_wecom:
            function.add_property_override("VpcConfig", self._vpc_config())
        # Create functions only once the role's policy exists, not just the role.
        function.node.add_dependency(role)

    def _http_functions(self) -> dict[str, sam.CfnFunction]:
        """The WeCom callback and the public routes on functions of their own.

        Same package and handler (``app.app``) as Chalice's API handler; API Gateway sends
        each of them only its own paths, by rewriting those paths' integrations.
        """
        template = self.chalice.get_resource(ADMIN_HANDLER)
        assert isinstance(template, sam.CfnFunction)
        made: dict[str, sam.CfnFunction] = {}
        for function_id, concurrency in (
            (CALLBACK_HANDLER, self.config.callback_concurrency),
            (PUBLIC_HANDLER, self.config.public_concurrency),
        ):
            access = grants.ACCESS[function_id]
            role = self._role(access)
            self.roles[function_id] = role
            function = sam.CfnFunction(
                self,
                function_id,
                code_uri=template.code_uri,
                handler=template.handler,
                runtime=template.runtime,
                architectures=template.architectures,
                memory_size=template.memory_size,
                timeout=10 if function_id == CALLBACK_HANDLER else template.timeout,
                tracing=template.tracing,
                environment=template.environment,
                role=role.role_arn,
                reserved_concurrent_executions=concurrency,
                vpc_config=(
                    sam.CfnFunction.VpcConfigProperty(
                        subnet_ids=self.egress.subnet_ids,
                        security_group_ids=[self.egress.security_group.security_group_id],
                    )
                    if access.calls_wecom
                    else None
                ),
                tags={"scrm-function": function_id},
            )
            function.node.add_dependency(role)
            lambda_.CfnPermission(
                self,
                f"{function_id}InvokePermission",
                action="lambda:InvokeFunction",
                function_name=function.ref,
                principal="apigateway.amazonaws.com",
                source_arn=cdk.Fn.sub(
                    "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/*",
                    {"Api": self.rest_api.ref},
                ),
            )
            made[function_id] = function
        for path, method in http_routes():
            function_id = handler_of(path)
            if function_id == ADMIN_HANDLER:
                continue
            self.rest_api.add_property_override(
                f"DefinitionBody.paths.{path}.{method.lower()}.x-amazon-apigateway-integration.uri",
                cdk.Fn.sub(
                    "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31"
                    "/functions/${Handler}/invocations",
                    {"Handler": cdk.Fn.get_att(function_id, "Arn").to_string()},
                ),
            )
        return made

    def function(self, function_id: str) -> lambda_.IFunction:
        """A function of the stack, for its metrics."""
        if function_id in self.http_functions:
            return lambda_.Function.from_function_attributes(
                self,
                f"{function_id}Ref",
                function_arn=cdk.Fn.get_att(function_id, "Arn").to_string(),
                same_environment=True,
            )
        return self.chalice.get_function(function_id)

    def _function_name(self, function_id: str) -> str:
        if function_id in self.http_functions:
            return self.http_functions[function_id].ref
        return self.chalice.get_resource(function_id).ref

    def _zone(self) -> route53.IHostedZone | None:
        if not self.config.hosted_zone_id or not self.config.hosted_zone_name:
            return None
        return route53.HostedZone.from_hosted_zone_attributes(
            self,
            "Zone",
            hosted_zone_id=self.config.hosted_zone_id,
            zone_name=self.config.hosted_zone_name,
        )

    def _name_rest_api(self) -> None:
        """Give the REST API a per-stage name, so its metrics are per stage too."""
        self.rest_api.add_property_override("Name", self.api_name)
        self.rest_api.add_property_override("DefinitionBody.info.title", self.api_name)

    @property
    def api_name(self) -> str:
        return f"scrm-{self.config.stage}"

    def _log_groups(self) -> dict[str, logs.CfnLogGroup]:
        """One log group per function, with retention.

        Chalice's own ``log_retention_in_days`` emits ``${ApiHandler}`` for a function whose
        logical ID is ``APIHandler``, which does not synthesize; the groups are made here.
        """
        groups = {}
        for function_id in self.function_ids:
            group = logs.CfnLogGroup(
                self,
                f"{function_id}Logs",
                log_group_name=cdk.Fn.join("", ["/aws/lambda/", self._function_name(function_id)]),
                retention_in_days=self.config.log_retention_days,
            )
            group.apply_removal_policy(cdk.RemovalPolicy.DESTROY)
            groups[function_id] = group
        return groups

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
            mapping.node.add_dependency(self.roles[consumer])

    def _outputs(self) -> None:
        cdk.CfnOutput(
            self,
            "EgressIp",
            value=self.data.egress_ip,
            description="Paste into WeCom: 应用管理 → the app → 企业可信IP",
        )
        api_url = self.config.public_base_url or cdk.Fn.sub(
            "https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}/api",
            {"Api": self.rest_api.ref},
        )
        cdk.CfnOutput(self, "PublicBaseUrl", value=api_url, description="Printed links")
        cdk.CfnOutput(
            self,
            "CallbackUrl",
            value=f"{api_url}{CALLBACK_PATH}",
            description="WeCom: the app → 接收消息 → API 接收 URL",
        )
        cdk.CfnOutput(
            self,
            "ConsoleUrl",
            value=self.config.console_origin or self.console.url,
            description="The console (and WeCom's 可信域名 when on the console domain)",
        )
        cdk.CfnOutput(
            self,
            "ConsoleDistributionDomain",
            value=self.console.distribution.distribution_domain_name,
            description="CNAME the console domain to this (when its DNS is not in Route 53)",
        )
        cdk.CfnOutput(self, "ConsoleBucket", value=self.console.bucket.bucket_name)
        # What make doctor STAGE=… reads to check the stage.
        cdk.CfnOutput(self, "ReportsBucket", value=self.data.reports_bucket.bucket_name)
        cdk.CfnOutput(self, "CorpId", value=self.config.corp_id or "-")
        cdk.CfnOutput(self, "AgentId", value=self.config.agent_id)
        cdk.CfnOutput(self, "WecomApiBase", value=self.config.wecom_api_base)
        if self.config.wecom_verify_file and self.config.wecom_verify_content:
            cdk.CfnOutput(self, "WecomVerifyFile", value=self.config.wecom_verify_file)
            cdk.CfnOutput(self, "WecomVerifyContent", value=self.config.wecom_verify_content)

    # --- least-privilege roles --------------------------------------------------------

    def _role(self, access: grants.FunctionAccess) -> iam.Role:
        managed = (
            "service-role/AWSLambdaVPCAccessExecutionRole"
            if access.calls_wecom
            else "service-role/AWSLambdaBasicExecutionRole"
        )
        role = iam.Role(
            self,
            f"{access.function_id}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"SCRM {self.config.stage} {access.function_id}",
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(managed)],
        )
        for statement in self.policy_statements(access):
            role.add_to_policy(statement)
        return role

    def _table_resources(self, specs: list[schema.Table]) -> list[str]:
        resources: list[str] = []
        for spec in specs:
            arn = self.data.tables[spec.logical_name].table_arn
            resources.append(arn)
            if spec.indexes:
                resources.append(f"{arn}/index/*")
        return resources

    def policy_statements(self, access: grants.FunctionAccess) -> list[iam.PolicyStatement]:
        """One function's statements, each on named resources only (X-Ray has none)."""
        by_level: dict[str, list[schema.Table]] = {"read": [], "write": [], "append": []}
        for spec in schema.ALL_TABLES:
            level = access.level(spec)
            if level != "none":
                by_level[level].append(spec)
        statements: list[iam.PolicyStatement] = []
        readable = by_level["read"] + by_level["write"] + by_level["append"]
        if readable:
            statements.append(
                iam.PolicyStatement(
                    sid="TableRead",
                    actions=list(grants.READ_ACTIONS),
                    resources=self._table_resources(readable),
                )
            )
        if by_level["write"]:
            statements.append(
                iam.PolicyStatement(
                    sid="TableWrite",
                    actions=list(grants.WRITE_ACTIONS),
                    resources=self._table_resources(by_level["write"]),
                )
            )
        if by_level["append"]:
            appended = [self.data.tables[s.logical_name].table_arn for s in by_level["append"]]
            statements.append(
                iam.PolicyStatement(
                    sid="AuditAppend", actions=["dynamodb:PutItem"], resources=appended
                )
            )
            statements.append(
                iam.PolicyStatement(
                    sid="AuditOutcome",
                    actions=["dynamodb:UpdateItem"],
                    resources=appended,
                    conditions={
                        "ForAllValues:StringEquals": {
                            "dynamodb:Attributes": list(grants.AUDIT_OUTCOME_ATTRIBUTES)
                        }
                    },
                )
            )
        streams = [
            f"{self.data.tables[spec.logical_name].table_arn}/stream/*"
            for spec in schema.ALL_TABLES
            if spec.stream_consumer
            and to_cfn_resource_name(spec.stream_consumer) == access.function_id
        ]
        if streams:
            statements.append(
                iam.PolicyStatement(
                    sid="TableStreams", actions=list(STREAM_ACTIONS), resources=streams
                )
            )
        bucket = self.data.reports_bucket
        if access.reports_bucket != "none":
            object_actions = ["s3:GetObject"]
            if access.reports_bucket == "write":
                object_actions.append("s3:PutObject")
            statements.append(
                iam.PolicyStatement(
                    sid="ReportObjects",
                    actions=object_actions,
                    resources=[bucket.arn_for_objects("*")],
                )
            )
            statements.append(
                iam.PolicyStatement(
                    sid="ReportList", actions=["s3:ListBucket"], resources=[bucket.bucket_arn]
                )
            )
        if access.secret:
            statements.append(
                iam.PolicyStatement(
                    sid="WecomSecret",
                    actions=["secretsmanager:GetSecretValue"],
                    resources=[self.data.wecom_secret.secret_arn],
                )
            )
        if access.invokes_directory:
            statements.append(
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
                )
            )
        statements.append(
            iam.PolicyStatement(
                sid="Tracing",
                actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                resources=["*"],
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
        for function_id in self.function_ids:
            function = self.function(function_id)
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
        self._application_alarms(five_minutes)

    def _app_metric(self, name: str, period: cdk.Duration) -> cloudwatch.Metric:
        """A metric the code emits (EMF, ``chalicelib.core.observability``) or that a log
        filter below counts; both carry the ``service`` dimension."""
        return cloudwatch.Metric(
            namespace=METRICS_NAMESPACE,
            metric_name=name,
            dimensions_map={"service": METRICS_SERVICE},
            period=period,
            statistic="Sum",
        )

    def _log_metric(self, name: str, pattern: str, function_ids: tuple[str, ...]) -> None:
        """Count the structured log lines matching ``pattern`` as metric ``name``."""
        for function_id in function_ids:
            filter_ = logs.CfnMetricFilter(
                self,
                f"{name}-{function_id}",
                log_group_name=self.log_groups[function_id].ref,
                filter_pattern=pattern,
                metric_transformations=[
                    logs.CfnMetricFilter.MetricTransformationProperty(
                        metric_namespace=METRICS_NAMESPACE,
                        metric_name=name,
                        metric_value="1",
                        default_value=0,
                        dimensions=[
                            logs.CfnMetricFilter.DimensionProperty(
                                key="service", value=METRICS_SERVICE
                            )
                        ],
                    )
                ],
            )
            filter_.add_dependency(self.log_groups[function_id])

    def _application_alarms(self, period: cdk.Duration) -> None:
        """Alarms on what the product itself reports."""
        self._log_metric(
            "BadSignatures",
            '{ $.message = "request refused" && '
            '($.error = "invalid_signature" || $.error = "bad_signature") }',
            (CALLBACK_HANDLER, PUBLIC_HANDLER),
        )
        self._log_metric(
            "RefusedTokens",
            '{ $.message = "request refused" && $.status = 401 }',
            (ADMIN_HANDLER,),
        )
        self._alarm(
            "CallbackDeadLetters",
            self._app_metric("CallbackDeadLettered", period),
            "A WeCom callback event became a dead letter after every retry: look at "
            "GET /admin/callbacks/dead-letters, fix the cause, then requeue it.",
        )
        self._alarm(
            "AuditIncomplete",
            self._app_metric("AuditIncomplete", period),
            "An admin write ran but its audit entry could not record the outcome: look at "
            "the audit-log table's throttles and the APIHandler logs.",
        )
        self._alarm(
            "BadSignatureSpike",
            self._app_metric("BadSignatures", period),
            "20+ callbacks or order webhooks with a bad signature in 5 minutes: a secret "
            "was rotated on one side only (WECOM_TOKEN / EncodingAESKey or a shop's webhook "
            "secret), or someone is probing the public routes.",
            threshold=20,
        )
        self._alarm(
            "RefusedTokenSpike",
            self._app_metric("RefusedTokens", period),
            "20+ refused admin tokens or sessions in 5 minutes: a client with an expired or "
            "forged credential, or someone guessing.",
            threshold=20,
        )
        self._alarm(
            "WecomIpNotTrusted",
            self._app_metric("WeComIpNotTrusted", period),
            cdk.Fn.join(
                "",
                [
                    "WeCom answered 60020 (IP not trusted): calls from this stage are refused. "
                    "Fix: WeCom admin console → 应用管理 → the self-built app → 企业可信IP, add ",
                    self.data.egress_ip,
                    " (the stack output EgressIp), then run make doctor STAGE="
                    + self.config.stage
                    + ".",
                ],
            ),
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
