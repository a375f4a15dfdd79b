"""What stands in front of the REST API: its custom domain, throttling, a WAF web ACL and
access logs.

- Custom domain: ``api_domain`` on a regional endpoint (TLS 1.2), its stage ``api``
  mapped at the root, so printed links are ``https://<api_domain>/l/<code>``.
- Throttling: stage-wide limits, and tighter ones per public route (scans, webhooks,
  sign-in); the WeCom callback gets its own, wider, limit.
- WAF: AWS managed rules (IP reputation, common rule set, known bad inputs) and per-IP
  rate rules on ``/l/*`` and ``/g/*``, the order webhooks and ``/auth/*``. The WeCom
  callback is left out of every rule: WeCom sends signed XML from its own few addresses,
  and a false positive there loses customer events.
- Access logs: one JSON line per request in their own log group.

SAM names the REST API's stage ``RestAPIapiStage``; what needs the stage to exist first
(the base path mapping, the WAF association) names it in ``DependsOn``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from infra.config import DeploymentConfig

STAGE_NAME = "api"
STAGE_RESOURCE = "RestAPIapiStage"
CALLBACK_PATH = "/wecom/callback"
#: Paths as WAF sees them: through the custom domain (``/l/x``) or the stage URL (``/api/l/x``).
PATH_PREFIXES = ("", f"/{STAGE_NAME}")
ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "ip": "$context.identity.sourceIp",
    "method": "$context.httpMethod",
    "path": "$context.path",
    "resource": "$context.resourcePath",
    "status": "$context.status",
    "latencyMs": "$context.responseLatency",
    "integrationLatencyMs": "$context.integration.latency",
    "bytes": "$context.responseLength",
    "userAgent": "$context.identity.userAgent",
    "wafStatus": "$context.waf.status",
    "authorizerError": "$context.authorizer.error",
}


@dataclass(frozen=True)
class RouteLimit:
    """A per-route API Gateway limit (requests per second, burst)."""

    path: str
    method: str
    rate: int
    burst: int

    @property
    def resource_path(self) -> str:
        """A ``MethodSettings`` resource path: slashes inside the path escaped as ``~1``."""
        return "/" + self.path.replace("/", "~1")


def route_limits(routes: Iterable[tuple[str, str]]) -> list[RouteLimit]:
    """Per-route limits for the public routes the app has (``(path, METHOD)`` pairs)."""
    limits = []
    for path, method in sorted(set(routes)):
        if path == CALLBACK_PATH:
            limits.append(RouteLimit(path, method, rate=200, burst=400))
        elif path.startswith(("/l/", "/g/", "/webhooks/")):
            limits.append(RouteLimit(path, method, rate=50, burst=100))
        elif path.startswith("/auth/"):
            limits.append(RouteLimit(path, method, rate=10, burst=20))
    return limits


class ApiEdge(Construct):
    """Domain, throttling, WAF and access logs of the Chalice REST API."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeploymentConfig,
        rest_api: cdk.CfnResource,
        routes: Sequence[tuple[str, str]],
        zone: route53.IHostedZone | None,
        log_retention_days: int,
    ) -> None:
        super().__init__(scope, construct_id)
        self.config = config
        self.rest_api = rest_api
        self.access_logs = logs.CfnLogGroup(
            self, "AccessLogs", retention_in_days=log_retention_days
        )
        self.access_logs.apply_removal_policy(cdk.RemovalPolicy.DESTROY)
        self._account_logging_role()
        self._stage_settings(route_limits(routes))
        self.web_acl = self._web_acl()
        self.domain: apigateway.CfnDomainName | None = None
        if config.api_domain:
            self.domain = self._custom_domain(config.api_domain, zone)

    # --- stage ------------------------------------------------------------------------

    def _account_logging_role(self) -> None:
        """API Gateway writes access logs only once the account names a CloudWatch role."""
        role = iam.Role(
            self,
            "CloudWatchRole",
            assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name(
                    "service-role/AmazonAPIGatewayPushToCloudWatchLogs"
                )
            ],
        )
        # Account-wide: kept when this stack goes, so other APIs' logging keeps its role.
        role.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
        account = apigateway.CfnAccount(self, "Account", cloud_watch_role_arn=role.role_arn)
        account.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
        self.rest_api.node.add_dependency(account)

    def _stage_settings(self, limits: list[RouteLimit]) -> None:
        settings = [
            {
                "ResourcePath": "/*",
                "HttpMethod": "*",
                "ThrottlingRateLimit": self.config.throttle_rate,
                "ThrottlingBurstLimit": self.config.throttle_burst,
                "MetricsEnabled": True,
            }
        ] + [
            {
                "ResourcePath": limit.resource_path,
                "HttpMethod": limit.method,
                "ThrottlingRateLimit": limit.rate,
                "ThrottlingBurstLimit": limit.burst,
                "MetricsEnabled": True,
            }
            for limit in limits
        ]
        self.rest_api.add_property_override("MethodSettings", settings)
        self.rest_api.add_property_override(
            "AccessLogSetting",
            {
                "DestinationArn": self.access_logs.attr_arn,
                "Format": json.dumps(ACCESS_LOG_FORMAT, separators=(",", ":")),
            },
        )

    # --- WAF --------------------------------------------------------------------------

    @staticmethod
    def _starts_with(prefix: str) -> wafv2.CfnWebACL.StatementProperty:
        return wafv2.CfnWebACL.StatementProperty(
            byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
                field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(uri_path={}),
                positional_constraint="STARTS_WITH",
                search_string=prefix,
                text_transformations=[
                    wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")
                ],
            )
        )

    def _paths(self, *prefixes: str) -> wafv2.CfnWebACL.StatementProperty:
        statements = [self._starts_with(base + p) for p in prefixes for base in PATH_PREFIXES]
        if len(statements) == 1:
            return statements[0]
        return wafv2.CfnWebACL.StatementProperty(
            or_statement=wafv2.CfnWebACL.OrStatementProperty(statements=statements)
        )

    def _not_callback(self) -> wafv2.CfnWebACL.StatementProperty:
        return wafv2.CfnWebACL.StatementProperty(
            not_statement=wafv2.CfnWebACL.NotStatementProperty(statement=self._paths(CALLBACK_PATH))
        )

    def _visibility(self, name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
        return wafv2.CfnWebACL.VisibilityConfigProperty(
            cloud_watch_metrics_enabled=True,
            metric_name=f"scrm-{self.config.stage}-{name}",
            sampled_requests_enabled=True,
        )

    def _managed(
        self, priority: int, name: str, overrides: Sequence[str] = ()
    ) -> wafv2.CfnWebACL.RuleProperty:
        return wafv2.CfnWebACL.RuleProperty(
            name=name,
            priority=priority,
            override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
            statement=wafv2.CfnWebACL.StatementProperty(
                managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                    vendor_name="AWS",
                    name=name,
                    scope_down_statement=self._not_callback(),
                    rule_action_overrides=[
                        wafv2.CfnWebACL.RuleActionOverrideProperty(
                            name=rule, action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={})
                        )
                        for rule in overrides
                    ]
                    or None,
                )
            ),
            visibility_config=self._visibility(name),
        )

    def _rate(
        self, priority: int, name: str, limit: int, *prefixes: str
    ) -> wafv2.CfnWebACL.RuleProperty:
        return wafv2.CfnWebACL.RuleProperty(
            name=name,
            priority=priority,
            action=wafv2.CfnWebACL.RuleActionProperty(block={}),
            statement=wafv2.CfnWebACL.StatementProperty(
                rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                    limit=limit,
                    aggregate_key_type="IP",
                    evaluation_window_sec=300,
                    scope_down_statement=self._paths(*prefixes),
                )
            ),
            visibility_config=self._visibility(name),
        )

    def _web_acl(self) -> wafv2.CfnWebACL:
        config = self.config
        acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            name=f"scrm-{config.stage}-api",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=self._visibility("api"),
            rules=[
                self._rate(0, "RateScans", config.scan_rate_limit, "/l/", "/g/"),
                self._rate(1, "RateWebhooks", config.webhook_rate_limit, "/webhooks/"),
                self._rate(2, "RateSignIn", config.signin_rate_limit, "/auth/"),
                self._managed(10, "AWSManagedRulesAmazonIpReputationList"),
                # Shop order payloads often exceed the common rule set's 8 KB body limit.
                self._managed(11, "AWSManagedRulesCommonRuleSet", ["SizeRestrictions_BODY"]),
                self._managed(12, "AWSManagedRulesKnownBadInputsRuleSet"),
            ],
        )
        association = wafv2.CfnWebACLAssociation(
            self,
            "WebAclAssociation",
            resource_arn=cdk.Fn.sub(
                "arn:${AWS::Partition}:apigateway:${AWS::Region}::/restapis/${Api}/stages/"
                + STAGE_NAME,
                {"Api": self.rest_api.ref},
            ),
            web_acl_arn=acl.attr_arn,
        )
        association.add_override("DependsOn", [STAGE_RESOURCE])
        return acl

    # --- custom domain ----------------------------------------------------------------

    def _custom_domain(
        self, domain_name: str, zone: route53.IHostedZone | None
    ) -> apigateway.CfnDomainName:
        certificate: acm.ICertificate
        if self.config.api_certificate_arn:
            certificate = acm.Certificate.from_certificate_arn(
                self, "Certificate", self.config.api_certificate_arn
            )
        else:
            certificate = acm.Certificate(
                self,
                "Certificate",
                domain_name=domain_name,
                validation=acm.CertificateValidation.from_dns(zone),
            )
        domain = apigateway.CfnDomainName(
            self,
            "Domain",
            domain_name=domain_name,
            regional_certificate_arn=certificate.certificate_arn,
            endpoint_configuration=apigateway.CfnDomainName.EndpointConfigurationProperty(
                types=["REGIONAL"]
            ),
            security_policy="TLS_1_2",
        )
        mapping = apigateway.CfnBasePathMapping(
            self,
            "Mapping",
            domain_name=domain.ref,
            rest_api_id=self.rest_api.ref,
            stage=STAGE_NAME,
        )
        mapping.add_override("DependsOn", [STAGE_RESOURCE])
        if zone is not None:
            route53.CfnRecordSet(
                self,
                "Alias",
                hosted_zone_id=zone.hosted_zone_id,
                name=domain_name,
                type="A",
                alias_target=route53.CfnRecordSet.AliasTargetProperty(
                    dns_name=domain.attr_regional_domain_name,
                    hosted_zone_id=domain.attr_regional_hosted_zone_id,
                ),
            )
        cdk.CfnOutput(
            self,
            "DomainTarget",
            value=domain.attr_regional_domain_name,
            description=f"CNAME {domain_name} to this (when its DNS is not in Route 53)",
        )
        return domain
