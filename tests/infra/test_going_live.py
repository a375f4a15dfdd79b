"""Going live on a real WeCom corp: fixed egress, domains, the console, limits, alarms.

Two configurations are synthesized once per session: a NAT gateway with every domain
(``synthesized``) and the small brand's NAT instance without domains (``small``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.infra.conftest import CONTEXT, Synthesized

pytestmark = pytest.mark.infra

FUNCTION = "AWS::Serverless::Function"
CALLS_WECOM_NOT = {"CallbackHandler"}


def resources(synthesized: Synthesized, kind: str) -> dict[str, Any]:
    return dict(synthesized.api.find_resources(kind))


def functions_group(synthesized: Synthesized) -> tuple[str, dict[str, Any]]:
    (found,) = [
        (name, group["Properties"])
        for name, group in resources(synthesized, "AWS::EC2::SecurityGroup").items()
        if group["Properties"]["GroupDescription"].startswith("SCRM functions")
    ]
    return found


def only(synthesized: Synthesized, kind: str) -> dict[str, Any]:
    (resource,) = resources(synthesized, kind).values()
    return dict(resource["Properties"])


# --- egress -------------------------------------------------------------------------------


@pytest.mark.parametrize("config", ["synthesized", "small"])
def test_functions_that_call_wecom_run_in_the_vpc_others_stay_out(
    config: str, request: pytest.FixtureRequest
) -> None:
    synthesized: Synthesized = request.getfixturevalue(config)
    group_id = functions_group(synthesized)[0]
    for name, function in resources(synthesized, FUNCTION).items():
        vpc = function["Properties"].get("VpcConfig")
        if name in CALLS_WECOM_NOT:
            assert vpc is None, name
        else:
            assert vpc["SecurityGroupIds"] == [{"Fn::GetAtt": [group_id, "GroupId"]}], name
            assert len(vpc["SubnetIds"]) == 2, name


def test_the_functions_group_allows_only_https_out(synthesized: Synthesized) -> None:
    (rule,) = functions_group(synthesized)[1]["SecurityGroupEgress"]
    assert (rule["CidrIp"], rule["IpProtocol"], rule["FromPort"], rule["ToPort"]) == (
        "0.0.0.0/0",
        "tcp",
        443,
        443,
    )


def test_nat_gateway_leaves_through_the_retained_elastic_ip(synthesized: Synthesized) -> None:
    (nat,) = resources(synthesized, "AWS::EC2::NatGateway").values()
    assert "Fn::ImportValue" in json.dumps(nat["Properties"]["AllocationId"])
    assert "EgressIp" in json.dumps(nat["Properties"]["AllocationId"])
    assert resources(synthesized, "AWS::EC2::Instance") == {}
    (eip,) = synthesized.data.find_resources("AWS::EC2::EIP").values()
    assert eip["DeletionPolicy"] == "Retain"


def test_nat_instance_option_binds_the_elastic_ip_to_a_small_instance(small: Synthesized) -> None:
    assert resources(small, "AWS::EC2::NatGateway") == {}
    (instance,) = resources(small, "AWS::EC2::Instance").values()
    assert instance["Properties"]["InstanceType"] == "t4g.nano"
    assert instance["Properties"]["SourceDestCheck"] is False
    (association,) = resources(small, "AWS::EC2::EIPAssociation").values()
    assert "Fn::ImportValue" in json.dumps(association["Properties"]["AllocationId"])
    assert association["Properties"]["InstanceId"] == {
        "Ref": next(iter(resources(small, "AWS::EC2::Instance")))
    }


@pytest.mark.parametrize("config", ["synthesized", "small"])
def test_gateway_endpoints_for_dynamodb_and_s3(config: str, request: pytest.FixtureRequest) -> None:
    synthesized: Synthesized = request.getfixturevalue(config)
    endpoints = [e["Properties"] for e in resources(synthesized, "AWS::EC2::VPCEndpoint").values()]
    services = sorted(json.dumps(e["ServiceName"]).split(".")[-1].strip('"]}') for e in endpoints)
    assert services == ["dynamodb", "s3"]
    assert all(e["VpcEndpointType"] == "Gateway" for e in endpoints)


@pytest.mark.parametrize("config", ["synthesized", "small"])
def test_the_stack_outputs_the_ip_to_paste_into_wecom(
    config: str, request: pytest.FixtureRequest
) -> None:
    synthesized: Synthesized = request.getfixturevalue(config)
    outputs = synthesized.api.find_outputs("EgressIp")
    (output,) = outputs.values()
    assert "企业可信IP" in output["Description"]
    assert "Fn::ImportValue" in json.dumps(output["Value"])


# --- domains and links --------------------------------------------------------------------


def test_links_and_sign_in_use_the_configured_domains(synthesized: Synthesized) -> None:
    for name, function in resources(synthesized, FUNCTION).items():
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["PUBLIC_BASE_URL"] == f"https://{CONTEXT['api_domain']}", name
        assert variables["CONSOLE_URL"] == f"https://{CONTEXT['console_domain']}", name


def test_without_a_domain_no_base_url_is_guessed(small: Synthesized) -> None:
    for function in resources(small, FUNCTION).values():
        variables = function["Properties"]["Environment"]["Variables"]
        assert "PUBLIC_BASE_URL" not in variables and "CONSOLE_URL" not in variables


def test_the_api_answers_on_its_custom_domain(synthesized: Synthesized) -> None:
    domain = only(synthesized, "AWS::ApiGateway::DomainName")
    assert domain["DomainName"] == CONTEXT["api_domain"]
    assert domain["SecurityPolicy"] == "TLS_1_2"
    assert domain["EndpointConfiguration"] == {"Types": ["REGIONAL"]}
    certificate = only(synthesized, "AWS::CertificateManager::Certificate")
    assert certificate["DomainName"] == CONTEXT["api_domain"]
    assert certificate["ValidationMethod"] == "DNS"
    (mapping,) = resources(synthesized, "AWS::ApiGateway::BasePathMapping").values()
    assert mapping["Properties"]["Stage"] == "api"
    assert mapping["DependsOn"] == ["RestAPIapiStage"]
    records = [r["Properties"] for r in resources(synthesized, "AWS::Route53::RecordSet").values()]
    assert {r["Name"].rstrip(".") for r in records} == {
        CONTEXT["api_domain"],
        CONTEXT["console_domain"],
    }
    assert all("AliasTarget" in r for r in records)


def test_the_console_is_a_private_bucket_behind_cloudfront(synthesized: Synthesized) -> None:
    distribution = only(synthesized, "AWS::CloudFront::Distribution")["DistributionConfig"]
    assert distribution["Aliases"] == [CONTEXT["console_domain"]]
    assert (
        distribution["ViewerCertificate"]["AcmCertificateArn"]
        == (CONTEXT["console_certificate_arn"])
    )
    assert distribution["DefaultRootObject"] == "index.html"
    (s3_origin,) = [o for o in distribution["Origins"] if "S3OriginConfig" in o]
    assert "OriginAccessControlId" in s3_origin
    assert resources(synthesized, "AWS::CloudFront::OriginAccessControl")
    buckets = resources(synthesized, "AWS::S3::Bucket")
    (bucket,) = buckets.values()
    assert bucket["Properties"]["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert "WebsiteConfiguration" not in bucket["Properties"]


def test_api_paths_go_to_the_api_stage_on_the_same_origin(synthesized: Synthesized) -> None:
    distribution = only(synthesized, "AWS::CloudFront::Distribution")["DistributionConfig"]
    (behavior,) = distribution["CacheBehaviors"]
    assert behavior["PathPattern"] == "/api/*"
    assert behavior["AllowedMethods"] == [
        "GET",
        "HEAD",
        "OPTIONS",
        "PUT",
        "PATCH",
        "POST",
        "DELETE",
    ]
    (origin,) = [o for o in distribution["Origins"] if o["Id"] == behavior["TargetOriginId"]]
    assert "execute-api" in json.dumps(origin["DomainName"])
    assert "OriginPath" not in origin or origin["OriginPath"] == ""  # /api/x is stage api, /x
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"


def test_the_spa_falls_back_to_index_and_the_api_keeps_its_errors(
    synthesized: Synthesized,
) -> None:
    distribution = only(synthesized, "AWS::CloudFront::Distribution")["DistributionConfig"]
    assert "CustomErrorResponses" not in distribution  # the API's 403/404 stay JSON
    (association,) = distribution["DefaultCacheBehavior"]["FunctionAssociations"]
    assert association["EventType"] == "viewer-request"
    code = only(synthesized, "AWS::CloudFront::Function")["FunctionCode"]
    assert "/index.html" in code


def test_the_console_sends_security_headers(synthesized: Synthesized) -> None:
    policy = only(synthesized, "AWS::CloudFront::ResponseHeadersPolicy")
    headers = policy["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31_536_000
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    assert headers["ContentTypeOptions"]["Override"] is True
    assert "default-src 'self'" in headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]


def test_the_wecom_verification_file_is_deployed_at_the_root(synthesized: Synthesized) -> None:
    """Two sources: the console (a placeholder without ``console/dist``) and the file,
    both at the bucket's root, which is the console domain's root."""
    (deployment,) = resources(synthesized, "Custom::CDKBucketDeployment").values()
    properties = deployment["Properties"]
    assert len(properties["SourceObjectKeys"]) == 2
    assert "DestinationBucketKeyPrefix" not in properties
    output = synthesized.api.find_outputs("WecomVerifyFile")["WecomVerifyFile"]
    assert output["Value"] == CONTEXT["wecom_verify_file"]


def test_no_console_dist_still_synthesizes_with_a_placeholder(small: Synthesized) -> None:
    (deployment,) = resources(small, "Custom::CDKBucketDeployment").values()
    assert len(deployment["Properties"]["SourceObjectKeys"]) == 1


# --- limits -------------------------------------------------------------------------------


def test_stage_and_route_throttling(synthesized: Synthesized) -> None:
    api = only(synthesized, "AWS::Serverless::Api")
    settings = {(s["ResourcePath"], s["HttpMethod"]): s for s in api["MethodSettings"]}
    assert settings[("/*", "*")]["ThrottlingRateLimit"] == 100
    assert settings[("/*", "*")]["ThrottlingBurstLimit"] == 200
    assert settings[("/~1l~1{code}", "GET")]["ThrottlingRateLimit"] == 50
    assert settings[("/~1g~1{code}", "GET")]["ThrottlingRateLimit"] == 50
    assert settings[("/~1webhooks~1orders~1{source}", "POST")]["ThrottlingRateLimit"] == 50
    assert settings[("/~1wecom~1callback", "POST")]["ThrottlingRateLimit"] == 200


def test_access_logs_are_written_as_json(synthesized: Synthesized) -> None:
    api = only(synthesized, "AWS::Serverless::Api")
    log_format = json.loads(api["AccessLogSetting"]["Format"])
    assert {"requestId", "ip", "status", "path"} <= set(log_format)
    assert "Fn::GetAtt" in api["AccessLogSetting"]["DestinationArn"]
    assert resources(synthesized, "AWS::ApiGateway::Account")


def test_waf_has_managed_rules_and_per_ip_rate_rules(synthesized: Synthesized) -> None:
    acl = only(synthesized, "AWS::WAFv2::WebACL")
    assert acl["Scope"] == "REGIONAL"
    rules = {rule["Name"]: rule for rule in acl["Rules"]}
    managed = {
        name for name, rule in rules.items() if "ManagedRuleGroupStatement" in rule["Statement"]
    }
    assert {
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesAmazonIpReputationList",
    } <= managed
    expected = {
        "RateScans": ["/l/", "/g/"],
        "RateWebhooks": ["/webhooks/"],
        "RateSignIn": ["/auth/"],
    }
    for name, prefixes in expected.items():
        statement = rules[name]["Statement"]["RateBasedStatement"]
        assert statement["AggregateKeyType"] == "IP"
        assert rules[name]["Action"] == {"Block": {}}
        text = json.dumps(statement["ScopeDownStatement"])
        assert all(f'"{p}"' in text and f'"/api{p}"' in text for p in prefixes), name
    association = only(synthesized, "AWS::WAFv2::WebACLAssociation")
    assert "/stages/api" in json.dumps(association["ResourceArn"])


def test_waf_managed_rules_leave_the_wecom_callback_alone(synthesized: Synthesized) -> None:
    acl = only(synthesized, "AWS::WAFv2::WebACL")
    for rule in acl["Rules"]:
        group = rule["Statement"].get("ManagedRuleGroupStatement")
        if group:
            text = json.dumps(group["ScopeDownStatement"]["NotStatement"])
            assert '"/wecom/callback"' in text, rule["Name"]


def test_the_callback_has_its_own_function_and_reserved_concurrency(
    synthesized: Synthesized,
) -> None:
    functions = resources(synthesized, FUNCTION)
    assert functions["CallbackHandler"]["Properties"]["ReservedConcurrentExecutions"] == 10
    assert functions["PublicHandler"]["Properties"]["ReservedConcurrentExecutions"] == 50
    paths = only(synthesized, "AWS::Serverless::Api")["DefinitionBody"]["paths"]

    def target(path: str, method: str) -> str:
        uri = paths[path][method]["x-amazon-apigateway-integration"]["uri"]
        return json.dumps(uri)

    assert '"CallbackHandler"' in target("/wecom/callback", "post")
    assert '"CallbackHandler"' in target("/wecom/callback", "get")
    assert '"PublicHandler"' in target("/l/{code}", "get")
    assert '"PublicHandler"' in target("/webhooks/orders/{source}", "post")
    assert "APIHandler.Arn" in target("/admin/live-codes", "get")
    permissions = resources(synthesized, "AWS::Lambda::Permission")
    invoked = {json.dumps(p["Properties"]["FunctionName"]) for p in permissions.values()}
    assert '{"Ref": "CallbackHandler"}' in invoked and '{"Ref": "PublicHandler"}' in invoked


# --- alarms -------------------------------------------------------------------------------


def alarm(synthesized: Synthesized, metric: str) -> dict[str, Any]:
    (found,) = [
        a["Properties"]
        for a in resources(synthesized, "AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("MetricName") == metric
        and a["Properties"].get("Namespace") == "PrivateDomainSCRM"
    ]
    return found


@pytest.mark.parametrize(
    "metric",
    ["CallbackDeadLettered", "AuditIncomplete", "BadSignatures", "RefusedTokens"],
)
def test_application_alarms(synthesized: Synthesized, metric: str) -> None:
    found = alarm(synthesized, metric)
    assert found["Dimensions"] == [{"Name": "service", "Value": "scrm-api"}]
    assert found["AlarmActions"]


def test_the_60020_alarm_says_what_to_fix(synthesized: Synthesized) -> None:
    found = alarm(synthesized, "WeComIpNotTrusted")
    text = json.dumps(found["AlarmDescription"], ensure_ascii=False)
    assert "60020" in text and "企业可信IP" in text and "make doctor" in text
    assert "Fn::ImportValue" in text  # names the Elastic IP itself
    assert found["Threshold"] == 1


def test_log_filters_count_bad_signatures_and_refused_tokens(synthesized: Synthesized) -> None:
    filters = [f["Properties"] for f in resources(synthesized, "AWS::Logs::MetricFilter").values()]
    by_metric: dict[str, list[str]] = {}
    for f in filters:
        (transformation,) = f["MetricTransformations"]
        by_metric.setdefault(transformation["MetricName"], []).append(f["FilterPattern"])
    assert len(by_metric["BadSignatures"]) == 2
    assert all(
        "invalid_signature" in p and "bad_signature" in p for p in by_metric["BadSignatures"]
    )
    # Admin routes authenticate in the app: a refused credential is a 401 in its log.
    assert by_metric["RefusedTokens"] == ['{ $.message = "request refused" && $.status = 401 }']
