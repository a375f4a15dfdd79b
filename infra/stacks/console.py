"""The console's hosting: a private bucket behind CloudFront, ``/api/*`` on the same origin.

- The bucket is private (origin access control, no website hosting, no public access).
- ``/api/*`` goes to API Gateway with the path unchanged: the stage is named ``api``, so
  ``/api/admin/live-codes`` is the stage's ``/admin/live-codes``. Nothing there is cached,
  every method and viewer header but Host is forwarded (API Gateway needs its own Host).
- Other paths without a file extension are the single-page app: a CloudFront Function
  answers them with ``/index.html`` (a distribution-wide error page would also rewrite the
  API's own 403 and 404 answers).
- Security headers on every answer: HSTS, nosniff, frame denial, a strict referrer policy
  and a content security policy that allows only this origin.
- ``console/dist`` is deployed when it exists; without it (an offline synth, the tests) a
  placeholder page is deployed instead. WeCom's domain verification file
  (``WW_verify_….txt``) is deployed at the root from configuration.
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_route53_targets as targets
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from infra.config import DeploymentConfig

SPA_REWRITE = """\
function handler(event) {
  var request = event.request;
  var last = request.uri.split('/').pop();
  if (last.indexOf('.') === -1) {
    request.uri = '/index.html';
  }
  return request;
}
"""
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob: https:; font-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
)
PLACEHOLDER = (
    "<!doctype html><meta charset=utf-8><title>SCRM</title>"
    "<p>The console has not been built into this deploy: run <code>make deploy</code>, "
    "which builds <code>console/dist</code> first.</p>"
)


class ConsoleSite(Construct):
    """Bucket, distribution, SPA routing, security headers, contents and DNS."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeploymentConfig,
        rest_api_id: str,
        dist_dir: Path,
        zone: route53.IHostedZone | None,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        headers = cloudfront.ResponseHeadersPolicy(
            self,
            "SecurityHeaders",
            comment=f"SCRM {config.stage} console security headers",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=cdk.Duration.days(365),
                    include_subdomains=True,
                    override=True,
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
                    override=True,
                ),
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=CONTENT_SECURITY_POLICY, override=True
                ),
            ),
        )
        spa = cloudfront.Function(
            self,
            "SpaRewrite",
            code=cloudfront.FunctionCode.from_inline(SPA_REWRITE),
            runtime=cloudfront.FunctionRuntime.JS_2_0,
            comment="Paths without a file extension are the console's routes",
        )
        api_origin = origins.HttpOrigin(
            f"{rest_api_id}.execute-api.{stack.region}.{stack.url_suffix}",
            protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
        )
        certificate = (
            acm.Certificate.from_certificate_arn(
                self, "Certificate", config.console_certificate_arn
            )
            if config.console_certificate_arn
            else None
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment=f"SCRM {config.stage} console",
            default_root_object="index.html",
            domain_names=[config.console_domain] if config.console_domain else None,
            certificate=certificate,
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
            price_class=cloudfront.PriceClass.PRICE_CLASS_ALL,
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=headers,
                function_associations=[
                    cloudfront.FunctionAssociation(
                        function=spa, event_type=cloudfront.FunctionEventType.VIEWER_REQUEST
                    )
                ],
            ),
            additional_behaviors={
                "/api/*": cloudfront.BehaviorOptions(
                    origin=api_origin,
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                    allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                    cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                    origin_request_policy=(
                        cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER
                    ),
                    response_headers_policy=headers,
                )
            },
        )
        sources = [
            s3deploy.Source.asset(str(dist_dir))
            if (dist_dir / "index.html").is_file()
            else s3deploy.Source.data("index.html", PLACEHOLDER)
        ]
        if config.wecom_verify_file and config.wecom_verify_content:
            verify = s3deploy.Source.data(config.wecom_verify_file, config.wecom_verify_content)
            sources.append(verify)
        s3deploy.BucketDeployment(
            self,
            "Contents",
            sources=sources,
            destination_bucket=self.bucket,
            distribution=self.distribution,
            distribution_paths=["/*"],
            memory_limit=256,
        )
        if zone is not None and config.console_domain:
            route53.ARecord(
                self,
                "Alias",
                zone=zone,
                record_name=config.console_domain,
                target=route53.RecordTarget.from_alias(targets.CloudFrontTarget(self.distribution)),
            )

    @property
    def url(self) -> str:
        return f"https://{self.distribution.distribution_domain_name}"
