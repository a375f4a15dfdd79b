"""The data stack: tables follow ``schema.ALL_TABLES``; bucket and secret are locked down."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from chalicelib.storage import schema
from tests.infra.conftest import CONTEXT, Synthesized

pytestmark = pytest.mark.infra

PREFIX = f"scrm-{CONTEXT['stage']}-"


def resources(template: Template, resource_type: str) -> dict[str, dict[str, Any]]:
    return dict(template.find_resources(resource_type))


def table_named(template: Template, logical_name: str) -> dict[str, Any]:
    found = template.find_resources(
        "AWS::DynamoDB::Table", {"Properties": {"TableName": f"{PREFIX}{logical_name}"}}
    )
    assert len(found) == 1, f"expected one table {logical_name}, found {len(found)}"
    return next(iter(found.values()))


def by_name(items: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    return sorted(items, key=lambda item: item[key])


def test_one_table_per_schema_entry(synthesized: Synthesized) -> None:
    tables = resources(synthesized.data, "AWS::DynamoDB::Table")
    names = sorted(t["Properties"]["TableName"] for t in tables.values())
    assert names == sorted(f"{PREFIX}{spec.logical_name}" for spec in schema.ALL_TABLES)


@pytest.mark.parametrize("spec", schema.ALL_TABLES, ids=lambda spec: spec.logical_name)
def test_table_keys_match_schema(synthesized: Synthesized, spec: schema.Table) -> None:
    expected = spec.create_table_request(f"{PREFIX}{spec.logical_name}")
    props = table_named(synthesized.data, spec.logical_name)["Properties"]

    assert props["KeySchema"] == expected["KeySchema"]
    assert by_name(props["AttributeDefinitions"], "AttributeName") == by_name(
        expected["AttributeDefinitions"], "AttributeName"
    )
    assert by_name(props.get("GlobalSecondaryIndexes", []), "IndexName") == by_name(
        expected.get("GlobalSecondaryIndexes", []), "IndexName"
    )
    if spec.ttl_attribute:
        assert props["TimeToLiveSpecification"] == {
            "AttributeName": spec.ttl_attribute,
            "Enabled": True,
        }
    else:
        assert "TimeToLiveSpecification" not in props
    assert props.get("StreamSpecification") == (
        {"StreamViewType": "NEW_IMAGE"} if spec.stream else None
    )


@pytest.mark.parametrize("spec", schema.ALL_TABLES, ids=lambda spec: spec.logical_name)
def test_table_is_protected_and_on_demand(synthesized: Synthesized, spec: schema.Table) -> None:
    table = table_named(synthesized.data, spec.logical_name)
    props = table["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["DeletionProtectionEnabled"] is True
    assert props["SSESpecification"] == {"SSEEnabled": True}
    assert table["DeletionPolicy"] == "Retain"
    assert table["UpdateReplacePolicy"] == "Retain"


def the_bucket(template: Template) -> dict[str, Any]:
    buckets = resources(template, "AWS::S3::Bucket")
    assert len(buckets) == 1
    return next(iter(buckets.values()))


def test_bucket_is_encrypted_private_versioned_and_retained(synthesized: Synthesized) -> None:
    bucket = the_bucket(synthesized.data)
    props = bucket["Properties"]
    assert props["BucketEncryption"] == {
        "ServerSideEncryptionConfiguration": [
            {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
        ]
    }
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert bucket["DeletionPolicy"] == "Retain"


def test_bucket_lifecycle_ages_reports_out(synthesized: Synthesized) -> None:
    rules = the_bucket(synthesized.data)["Properties"]["LifecycleConfiguration"]["Rules"]
    assert all(rule["Status"] == "Enabled" for rule in rules)
    main = next(rule for rule in rules if "ExpirationInDays" in rule)
    assert main["Transitions"] == [{"StorageClass": "STANDARD_IA", "TransitionInDays": 30}]
    assert main["ExpirationInDays"] == 400
    assert main["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}
    assert main["NoncurrentVersionExpiration"] == {"NoncurrentDays": 30}
    assert any(rule.get("ExpiredObjectDeleteMarker") for rule in rules)


def test_bucket_policy_denies_insecure_transport(synthesized: Synthesized) -> None:
    synthesized.data.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Action": "s3:*",
                                "Principal": {"AWS": "*"},
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        )
                    ]
                )
            }
        },
    )


def test_secret_is_named_per_stage_and_holds_no_values(synthesized: Synthesized) -> None:
    secrets = resources(synthesized.data, "AWS::SecretsManager::Secret")
    assert len(secrets) == 1
    secret = next(iter(secrets.values()))
    props = secret["Properties"]
    assert props["Name"] == f"scrm/{CONTEXT['stage']}/wecom"
    assert "SecretString" not in props
    generated = props["GenerateSecretString"]
    assert generated["GenerateStringKey"] == "WECOM_TOKEN"
    template = json.loads(generated["SecretStringTemplate"])
    assert set(values for values in template.values()) == {""}
    # Every secret the app reads is either generated or left for the operator to fill in.
    from chalicelib.auth.tokens import ADMIN_JWT_SECRET, ADMIN_JWT_SECRET_PREVIOUS
    from chalicelib.core import secrets as app_secrets
    from chalicelib.orders.signatures import WEBHOOK_SECRETS

    read_by_app = {
        app_secrets.WECOM_TOKEN,
        app_secrets.WECOM_ENCODING_AES_KEY,
        app_secrets.WECOM_SECRET,
        app_secrets.PHONE_HASH_KEY,
        ADMIN_JWT_SECRET,
        ADMIN_JWT_SECRET_PREVIOUS,
        *WEBHOOK_SECRETS,
    }
    assert set(template) | {generated["GenerateStringKey"]} == read_by_app
    assert secret["DeletionPolicy"] == "Retain"
