"""The API stack: the Chalice functions run with a least-privilege role, and are watched."""

from __future__ import annotations

import json
from typing import Any

import pytest
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


def role_of(synthesized: Synthesized, function_id: str) -> str:
    function = synthesized.api.find_resources(FUNCTION)[function_id]
    return str(function["Properties"]["Role"]["Fn::GetAtt"][0])


def statements_of(template: Any, role_id: str) -> list[Any]:
    """The statements of the policies attached to a role (CDK moves what does not fit in
    the inline policy to managed policies of the same role)."""
    statements: list[dict[str, Any]] = []
    for kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        for policy in template.find_resources(kind).values():
            if {"Ref": role_id} in policy["Properties"].get("Roles", []):
                statements += policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def function_statements(synthesized: Synthesized, function_id: str) -> list[dict[str, Any]]:
    return statements_of(synthesized.api, role_of(synthesized, function_id))


def table_of(resource: Any) -> str | None:
    """The export a table ARN comes from (``...Table-<logical name>...``), else None."""
    text = json.dumps(resource)
    for spec in sorted(schema.ALL_TABLES, key=lambda t: -len(t.logical_name)):
        marker = "Table" + spec.logical_name.replace("-", "")
        if marker in text.replace("-", ""):
            return spec.logical_name
    return None


def grants(statements: list[dict[str, Any]], table: str) -> set[str]:
    """Every DynamoDB action ``statements`` allow on ``table`` (the table or its indexes)."""
    allowed: set[str] = set()
    for statement in statements:
        resources = as_list(statement["Resource"])
        if any(table_of(r) == table for r in resources):
            allowed |= {a for a in as_list(statement["Action"]) if a.startswith("dynamodb:")}
    return allowed


def test_the_project_has_an_api_handler(synthesized: Synthesized) -> None:
    assert {"APIHandler", "CallbackHandler", "PublicHandler"} <= set(synthesized.function_ids)
    functions = synthesized.api.find_resources(FUNCTION)
    assert sorted(functions) == sorted(synthesized.function_ids)


def test_each_function_has_its_own_role(synthesized: Synthesized) -> None:
    roles = {name: role_of(synthesized, name) for name in synthesized.function_ids}
    assert len(set(roles.values())) == len(roles)
    for name, function in synthesized.api.find_resources(FUNCTION).items():
        assert roles[name] in function["DependsOn"], name


def test_no_function_can_delete_or_rewrite_audit_entries(synthesized: Synthesized) -> None:
    """Nothing expires audit entries, so no function may delete one; only the admin API
    appends, and it may update an entry's outcome attributes only."""
    audit = schema.AUDIT_LOG.logical_name
    for function_id in synthesized.function_ids:
        statements = function_statements(synthesized, function_id)
        allowed = grants(statements, audit)
        assert not allowed & {"dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}, function_id
        if function_id != "APIHandler":
            assert not allowed & {"dynamodb:PutItem", "dynamodb:UpdateItem"}, function_id
    admin = function_statements(synthesized, "APIHandler")
    (outcome,) = [s for s in admin if s.get("Sid") == "AuditOutcome"]
    assert outcome["Action"] == "dynamodb:UpdateItem"
    assert set(outcome["Condition"]["ForAllValues:StringEquals"]["dynamodb:Attributes"]) == {
        "pk",
        "sk",
        "status",
        "outcome",
        "finished_at",
        "timeline",
    }


def test_the_public_and_callback_handlers_keep_off_the_audit_log(
    synthesized: Synthesized,
) -> None:
    for function_id in ("PublicHandler", "CallbackHandler"):
        assert grants(function_statements(synthesized, function_id), "audit-log") == set()


def test_the_callback_receiver_touches_only_the_callback_events(
    synthesized: Synthesized,
) -> None:
    statements = function_statements(synthesized, "CallbackHandler")
    touched = {
        table_of(r)
        for s in statements
        for r in as_list(s["Resource"])
        if any(a.startswith("dynamodb:") for a in as_list(s["Action"]))
    }
    assert touched == {"callback-events"}


def test_no_api_gateway_authorizer_function_is_deployed(synthesized: Synthesized) -> None:
    """Admin routes authenticate inside the app (cookie, bearer JWT or API key), so that a
    revocation reaches every instance within a minute (docs/decisions.md)."""
    assert "AdminToken" not in synthesized.function_ids


def test_a_new_table_reaches_the_functions_whose_default_covers_it() -> None:
    """Per-function access is derived from the table list: an unnamed table takes the
    function's default (the admin API and the jobs write, the callback none)."""
    from infra.stacks import access

    new = schema.Table(logical_name="sessions", partition=schema.Key("pk"))
    assert access.ACCESS["APIHandler"].level(new) == "write"
    assert access.ACCESS["ReconcilePeople"].level(new) == "write"
    assert access.ACCESS["CallbackHandler"].level(new) == "none"
    assert access.ACCESS["APIHandler"].level(schema.AUDIT_LOG) == "append"
    assert access.ACCESS["ProcessCallbackEvents"].level(schema.AUDIT_LOG) == "none"


def test_only_the_report_writers_reach_the_report_bucket(synthesized: Synthesized) -> None:
    for function_id in synthesized.function_ids:
        sids = {s.get("Sid") for s in function_statements(synthesized, function_id)}
        assert ("ReportObjects" in sids) == (function_id in {"APIHandler", "WriteReports"})


def test_roles_are_assumed_by_lambda_only(synthesized: Synthesized) -> None:
    roles = synthesized.api.find_resources("AWS::IAM::Role")
    for function_id in synthesized.function_ids:
        document = roles[role_of(synthesized, function_id)]["Properties"]
        (statement,) = document["AssumeRolePolicyDocument"]["Statement"]
        assert statement["Principal"] == {"Service": "lambda.amazonaws.com"}
        assert statement["Action"] == "sts:AssumeRole"


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


#: The one statement that may read in bulk: the directory function's refresh (a PartiQL
#: partition-key IN) and its one-off backfill (a Scan), on the contacts table alone.
BULK_READS = {"dynamodb:PartiQLSelect", "dynamodb:Scan"}


def test_no_scan_and_no_table_management(synthesized: Synthesized) -> None:
    statements = policy_statements(synthesized)
    actions = {
        action
        for statement in statements
        if statement.get("Sid") != "ContactsInBulk"
        for action in as_list(statement["Action"])
        if action.startswith("dynamodb:")
    }
    assert actions == ALLOWED_DYNAMODB_ACTIONS | (STREAM_ACTIONS if STREAMED else set())
    (bulk,) = [s for s in statements if BULK_READS & set(as_list(s["Action"]))]
    assert bulk["Sid"] == "ContactsInBulk" and set(as_list(bulk["Action"])) == BULK_READS


def test_no_wildcard_resource_for_data_services(synthesized: Synthesized) -> None:
    for statement in policy_statements(synthesized):
        actions = as_list(statement["Action"])
        assert not any(action.endswith(":*") for action in actions), statement
        if any(action.split(":")[0] in RESTRICTED_SERVICES for action in actions):
            assert "*" not in as_list(statement["Resource"]), statement


def test_the_admin_api_reads_every_stage_table(synthesized: Synthesized) -> None:
    (statement,) = [
        s for s in function_statements(synthesized, "APIHandler") if s.get("Sid") == "TableRead"
    ]
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
    assert len(groups) == len(synthesized.function_ids) + 2  # the API's access logs, the directory
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
    application = 5  # dead letters, audits, signatures, tokens, WeCom 60020
    expected = (
        2 * len(synthesized.function_ids)
        + 1
        + 2 * len(schema.ALL_TABLES)
        + len(STREAMED)
        + application
        + 1  # the directory function's errors
    )
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
    # Every five minutes, each run up to 290 s: the loyalty jobs work nearly all day.
    assert timeouts[to_cfn_resource_name("expire_points")] == 290
    assert timeouts[to_cfn_resource_name("review_tiers")] == 290
    concurrency = {
        name: f["Properties"].get("ReservedConcurrentExecutions")
        for name, f in functions.items()
    }
    assert concurrency[to_cfn_resource_name("expire_points")] == 1  # runs never overlap
    assert concurrency[to_cfn_resource_name("review_tiers")] == 1


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
