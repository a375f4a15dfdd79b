"""The API stack: the Chalice functions run with a least-privilege role, and are watched."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Match
from chalice.utils import to_cfn_resource_name

from chalicelib.storage import schema
from tests.infra.conftest import CONTEXT, Synthesized

pytestmark = pytest.mark.infra

FUNCTION = "AWS::Serverless::Function"
RESTRICTED_SERVICES = ("dynamodb", "s3", "secretsmanager")
ALLOWED_DYNAMODB_ACTIONS = {
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:Query",
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable",
}
STREAM_ACTIONS = {
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
}
STREAMED = [spec for spec in schema.ALL_TABLES if spec.stream]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def policy_statements(synthesized: Synthesized) -> list[dict[str, Any]]:
    """Every statement of every IAM policy in both stacks (inline role policies too)."""
    statements: list[dict[str, Any]] = []
    for template in (synthesized.data, synthesized.api):
        for policy in template.find_resources("AWS::IAM::Policy").values():
            statements += policy["Properties"]["PolicyDocument"]["Statement"]
        for role in template.find_resources("AWS::IAM::Role").values():
            for inline in role["Properties"].get("Policies", []):
                statements += inline["PolicyDocument"]["Statement"]
    return statements


def the_role_id(synthesized: Synthesized) -> str:
    """The Chalice functions' role (the directory function has its own)."""
    roles = synthesized.api.find_resources("AWS::IAM::Role")
    assert len(roles) == 2
    [role_id] = [
        name
        for name, role in roles.items()
        if role["Properties"]["Description"].endswith("Lambda functions")
    ]
    return role_id


def test_the_project_has_an_api_handler(synthesized: Synthesized) -> None:
    assert "APIHandler" in synthesized.function_ids
    functions = synthesized.api.find_resources(FUNCTION)
    assert sorted(functions) == sorted(synthesized.function_ids)


def test_functions_use_the_stack_role(synthesized: Synthesized) -> None:
    role_id = the_role_id(synthesized)
    for name, function in synthesized.api.find_resources(FUNCTION).items():
        assert function["Properties"]["Role"] == {"Fn::GetAtt": [role_id, "Arn"]}, name
        assert role_id in function["DependsOn"], name


def test_role_is_assumed_by_lambda_only(synthesized: Synthesized) -> None:
    synthesized.api.has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": {
                "Statement": [
                    Match.object_like(
                        {
                            "Action": "sts:AssumeRole",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                        }
                    )
                ]
            }
        },
    )


def test_functions_have_the_stage_environment(synthesized: Synthesized) -> None:
    stage = CONTEXT["stage"]
    for name, function in synthesized.api.find_resources(FUNCTION).items():
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["STAGE"] == stage, name
        assert variables["TABLE_PREFIX"] == f"scrm-{stage}-", name
        assert variables["SECRETS_SOURCE"] == "secretsmanager", name
        assert variables["SECRETS_ID"] == f"scrm/{stage}/wecom", name
        assert variables["WECOM_CORP_ID"] == CONTEXT["corp_id"], name
        assert variables["WECOM_AGENT_ID"] == CONTEXT["agent_id"], name
        assert "Fn::ImportValue" in variables["REPORTS_BUCKET"], name
        assert not {"WECOM_TOKEN", "WECOM_ENCODING_AES_KEY", "WECOM_SECRET"} & set(variables)


def test_no_scan_and_no_table_management(synthesized: Synthesized) -> None:
    actions = {
        action
        for statement in policy_statements(synthesized)
        for action in as_list(statement["Action"])
        if action.startswith("dynamodb:")
    }
    assert actions == ALLOWED_DYNAMODB_ACTIONS | (STREAM_ACTIONS if STREAMED else set())


def test_no_wildcard_resource_for_data_services(synthesized: Synthesized) -> None:
    for statement in policy_statements(synthesized):
        actions = as_list(statement["Action"])
        assert not any(action.endswith(":*") for action in actions), statement
        if any(action.split(":")[0] in RESTRICTED_SERVICES for action in actions):
            assert "*" not in as_list(statement["Resource"]), statement


def test_dynamodb_resources_are_the_stage_tables(synthesized: Synthesized) -> None:
    statement = next(s for s in policy_statements(synthesized) if s.get("Sid") == "TableItems")
    resources = as_list(statement["Resource"])
    tables = [r for r in resources if "Fn::ImportValue" in r]
    indexes = [r for r in resources if "Fn::Join" in r]
    assert len(tables) == len(schema.ALL_TABLES)
    assert len(indexes) == sum(1 for spec in schema.ALL_TABLES if spec.indexes)
    assert all(r["Fn::Join"][1][-1] == "/index/*" for r in indexes)


def test_stream_reads_are_on_streamed_tables_only(synthesized: Synthesized) -> None:
    statements = [s for s in policy_statements(synthesized) if s.get("Sid") == "TableStreams"]
    if not STREAMED:
        assert statements == []
        return
    (statement,) = statements
    assert set(as_list(statement["Action"])) == STREAM_ACTIONS
    resources = as_list(statement["Resource"])
    assert len(resources) == len(STREAMED)
    assert all(r["Fn::Join"][1][-1] == "/stream/*" for r in resources)


@pytest.mark.parametrize("spec", STREAMED, ids=lambda spec: spec.logical_name)
def test_streamed_tables_feed_their_consumer(synthesized: Synthesized, spec: schema.Table) -> None:
    consumer = to_cfn_resource_name(str(spec.stream_consumer))
    assert consumer in synthesized.function_ids
    mappings = synthesized.api.find_resources(
        "AWS::Lambda::EventSourceMapping", {"Properties": {"FunctionName": {"Ref": consumer}}}
    )
    (mapping,) = mappings.values()
    props = mapping["Properties"]
    assert "Fn::ImportValue" in props["EventSourceArn"]
    assert props["FilterCriteria"] == {"Filters": [{"Pattern": '{"eventName": ["INSERT"]}'}]}
    assert props["BisectBatchOnFunctionError"] is True
    assert props["MaximumRetryAttempts"] >= 1


def test_secret_read_is_get_secret_value_only(synthesized: Synthesized) -> None:
    actions = {
        action
        for statement in policy_statements(synthesized)
        for action in as_list(statement["Action"])
        if action.startswith("secretsmanager:")
    }
    assert actions == {"secretsmanager:GetSecretValue"}


def test_rest_api_is_named_per_stage(synthesized: Synthesized) -> None:
    synthesized.api.has_resource_properties(
        "AWS::Serverless::Api",
        {"Name": f"scrm-{CONTEXT['stage']}", "EndpointConfiguration": "REGIONAL"},
    )


def test_each_function_has_a_log_group_with_retention(synthesized: Synthesized) -> None:
    groups = synthesized.api.find_resources("AWS::Logs::LogGroup")
    assert len(groups) == len(synthesized.function_ids) + 1  # and the directory function's
    assert all(group["Properties"]["RetentionInDays"] == 90 for group in groups.values())


def alarms(synthesized: Synthesized) -> list[dict[str, Any]]:
    return [
        a["Properties"] for a in synthesized.api.find_resources("AWS::CloudWatch::Alarm").values()
    ]


def simple_alarms(synthesized: Synthesized, namespace: str, metric: str) -> list[dict[str, Any]]:
    return [
        a
        for a in alarms(synthesized)
        if a.get("Namespace") == namespace and a.get("MetricName") == metric
    ]


def alarmed_functions(alarm_list: list[dict[str, Any]]) -> set[str]:
    return {
        alarm["Dimensions"][0]["Value"]["Fn::Select"][1]["Fn::Split"][1]["Fn::GetAtt"][0]
        for alarm in alarm_list
    }


@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
def test_every_function_has_error_and_throttle_alarms(
    synthesized: Synthesized, metric: str
) -> None:
    chalice = [
        alarm
        for alarm in simple_alarms(synthesized, "AWS/Lambda", metric)
        if "Fn::Select" in alarm["Dimensions"][0]["Value"]  # not the directory function's
    ]
    assert alarmed_functions(chalice) == set(synthesized.function_ids)


def test_stream_consumers_have_an_iterator_age_alarm(synthesized: Synthesized) -> None:
    watched = alarmed_functions(simple_alarms(synthesized, "AWS/Lambda", "IteratorAge"))
    assert watched == {to_cfn_resource_name(str(spec.stream_consumer)) for spec in STREAMED}


def test_api_gateway_5xx_alarm(synthesized: Synthesized) -> None:
    (alarm,) = simple_alarms(synthesized, "AWS/ApiGateway", "5XXError")
    assert alarm["Dimensions"] == [{"Name": "ApiName", "Value": f"scrm-{CONTEXT['stage']}"}]


@pytest.mark.parametrize("metric", ["ThrottledRequests", "SystemErrors"])
def test_dynamodb_alarms_per_table(synthesized: Synthesized, metric: str) -> None:
    watched: set[str] = set()
    for alarm in alarms(synthesized):
        queries = alarm.get("Metrics", [])
        stats = [q["MetricStat"]["Metric"] for q in queries if "MetricStat" in q]
        if stats and all(stat["MetricName"] == metric for stat in stats):
            assert queries[0]["Expression"] == "SUM(METRICS())"
            (table_name,) = {
                d["Value"] for s in stats for d in s["Dimensions"] if d["Name"] == "TableName"
            }
            watched.add(table_name)
    stage = CONTEXT["stage"]
    assert watched == {f"scrm-{stage}-{spec.logical_name}" for spec in schema.ALL_TABLES}


def test_alarms_notify_the_topic_and_ignore_missing_data(synthesized: Synthesized) -> None:
    (topic_id,) = synthesized.api.find_resources("AWS::SNS::Topic")
    all_alarms = alarms(synthesized)
    # Errors and throttles per Chalice function, API 5xx, the directory function's errors.
    expected = 2 * len(synthesized.function_ids) + 2 + 2 * len(schema.ALL_TABLES) + len(STREAMED)
    assert len(all_alarms) == expected
    for alarm in all_alarms:
        assert alarm["TreatMissingData"] == "notBreaching"
        assert alarm["AlarmActions"] == [{"Ref": topic_id}]


def test_alarm_email_is_subscribed(synthesized: Synthesized) -> None:
    synthesized.api.has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": CONTEXT["alarm_email"]}
    )


def test_long_running_jobs_get_their_own_timeout(synthesized: Synthesized) -> None:
    """A reconcile with a 10-minute budget must not die at the API's 30 s."""
    from chalice.utils import to_cfn_resource_name

    functions = synthesized.api.find_resources(FUNCTION)
    timeouts = {name: f["Properties"]["Timeout"] for name, f in functions.items()}
    assert timeouts["APIHandler"] == 30
    assert timeouts[to_cfn_resource_name("reconcile_groups")] == 900
    assert timeouts[to_cfn_resource_name("process_callback_events")] == 120
    assert timeouts[to_cfn_resource_name("sweep_callback_events")] == 300


def test_every_schedule_of_the_app_triggers_its_function(synthesized: Synthesized) -> None:
    """Each ``@schedule`` handler is deployed with its rule (expressions are UTC)."""
    from chalice.app import ScheduledEventConfig

    from app import app

    expected = {
        to_cfn_resource_name(source.name): (
            source.schedule_expression
            if isinstance(source.schedule_expression, str)
            else source.schedule_expression.to_string()
        )
        for source in app.event_sources
        if isinstance(source, ScheduledEventConfig)
    }
    deployed = {
        name: event["Properties"]["Schedule"]
        for name, function in synthesized.api.find_resources(FUNCTION).items()
        for event in function["Properties"].get("Events", {}).values()
        if event["Type"] == "Schedule"
    }
    assert expected[to_cfn_resource_name("sweep_callback_events")] == "rate(1 minute)"
    assert expected[to_cfn_resource_name("reconcile_groups")] == "rate(6 hours)"
    assert deployed == expected
