"""The directory function: its own Lambda and layer (DuckDB and pyarrow stay out of the API
package), refresh every two minutes, nightly compaction, a role scoped to what it reads and
writes, and the API allowed to invoke it by name."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Match

from tests.infra.conftest import Synthesized

NAME = "scrm-qa-directory"


def _directory(synthesized: Synthesized) -> dict[str, Any]:
    found = synthesized.api.find_resources(
        "AWS::Lambda::Function", {"Properties": {"FunctionName": NAME}}
    )
    [(_, resource)] = found.items()
    return dict(resource["Properties"])


def test_the_directory_is_its_own_function_with_its_own_layer(synthesized: Synthesized) -> None:
    props = _directory(synthesized)
    assert props["Handler"] == "chalicelib.directory.handler.handle"
    assert props["Runtime"] == "python3.11"
    assert len(props["Layers"]) == 1
    assert props["Timeout"] == 900
    env = props["Environment"]["Variables"]
    assert "DIRECTORY_FUNCTION" not in env
    assert env["REPORTS_BUCKET"]


def test_every_api_function_knows_the_directory_by_name(synthesized: Synthesized) -> None:
    functions = synthesized.api.find_resources("AWS::Serverless::Function")
    assert functions
    for resource in functions.values():
        assert resource["Properties"]["Environment"]["Variables"]["DIRECTORY_FUNCTION"] == NAME
    synthesized.api.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {"Sid": "DirectoryInvoke", "Action": "lambda:InvokeFunction"}
                        )
                    ]
                )
            }
        },
    )


def test_refresh_and_compaction_are_scheduled(synthesized: Synthesized) -> None:
    rules = synthesized.api.find_resources("AWS::Events::Rule")
    schedules = {r["Properties"]["ScheduleExpression"]: r for r in rules.values()}
    assert "rate(2 minutes)" in schedules
    assert "cron(30 19 * * ? *)" in schedules
    inputs = [t["Input"] for r in rules.values() for t in r["Properties"]["Targets"]]
    assert '{"op":"refresh"}' in inputs and '{"op":"compact"}' in inputs


def test_its_role_writes_only_the_directory_tables_and_objects(synthesized: Synthesized) -> None:
    policies = synthesized.api.find_resources("AWS::IAM::Policy")
    statements = [
        s
        for p in policies.values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Sid") in ("ReadModelSources", "DirectoryTables", "DirectoryObjects")
    ]
    by_sid = {s["Sid"]: s for s in statements}
    assert set(by_sid) == {"ReadModelSources", "DirectoryTables", "DirectoryObjects"}
    assert "dynamodb:Scan" not in str(statements)
    assert all("Put" not in a and "Delete" not in a for a in by_sid["ReadModelSources"]["Action"])
    assert "directory/*" in str(by_sid["DirectoryObjects"]["Resource"])
    bulk = [
        s
        for p in policies.values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Sid") == "ContactsInBulk"
    ]
    assert len(bulk) == 1 and sorted(bulk[0]["Action"]) == [
        "dynamodb:PartiQLSelect",
        "dynamodb:Scan",
    ]
    assert "index" not in str(bulk[0]["Resource"])  # the contacts table only, no index


def test_its_errors_raise_an_alarm(synthesized: Synthesized) -> None:
    alarms = synthesized.api.find_resources("AWS::CloudWatch::Alarm")
    described = [a["Properties"]["AlarmDescription"] for a in alarms.values()]
    assert any(d.startswith("The directory function") for d in described)
