"""The stateful stack: DynamoDB tables, the report bucket and the WeCom secret.

Everything here outlives the API stack: tables and bucket are retained on stack deletion,
tables have deletion protection and point-in-time recovery. Tables are built from
``chalicelib.storage.schema.ALL_TABLES``, the one definition of every key schema.
"""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from chalicelib.storage import schema
from infra.config import DeploymentConfig

ATTRIBUTE_TYPES = {
    "S": dynamodb.AttributeType.STRING,
    "N": dynamodb.AttributeType.NUMBER,
    "B": dynamodb.AttributeType.BINARY,
}

#: Secret keys the operator fills in after the first deploy. WECOM_TOKEN is generated
#: (32 letters and digits, valid as a WeCom callback token); the others start empty
#: (the admin token key and the phone-hash key: 32+ random bytes each, never rotated
#: casually — rotating PHONE_HASH_KEY orphans every stored phone hash). The admin token
#: key rotates: move it to ADMIN_JWT_SECRET_PREVIOUS, set a new one, empty the previous a
#: day later (no token lives longer).
SECRET_TEMPLATE = {
    "WECOM_ENCODING_AES_KEY": "",
    "WECOM_SECRET": "",
    "ADMIN_JWT_SECRET": "",
    "ADMIN_JWT_SECRET_PREVIOUS": "",
    "PHONE_HASH_KEY": "",
    "SHOPIFY_WEBHOOK_SECRET": "",
    "YOUZAN_CLIENT_SECRET": "",
    "GENERIC_WEBHOOK_SECRET": "",
}
GENERATED_SECRET_KEY = "WECOM_TOKEN"  # noqa: S105 - a key name, not a value


def attribute(key: schema.Key) -> dynamodb.Attribute:
    """The CDK attribute of a schema key."""
    return dynamodb.Attribute(name=key.name, type=ATTRIBUTE_TYPES[key.type])


class StatefulStack(cdk.Stack):
    """Tables, bucket and secret of one stage; the API stack reads the public attributes."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: DeploymentConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config
        #: Logical table name (``schema.Table.logical_name``) -> table.
        self.tables: dict[str, dynamodb.Table] = {
            spec.logical_name: self._table(spec) for spec in schema.ALL_TABLES
        }
        self.reports_bucket = self._reports_bucket()
        self.wecom_secret = self._wecom_secret()

    def _table(self, spec: schema.Table) -> dynamodb.Table:
        table = dynamodb.Table(
            self,
            f"Table-{spec.logical_name}",
            table_name=f"{self.config.prefix}{spec.logical_name}",
            partition_key=attribute(spec.partition),
            sort_key=attribute(spec.sort) if spec.sort else None,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=True,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            time_to_live_attribute=spec.ttl_attribute,
            stream=dynamodb.StreamViewType.NEW_IMAGE if spec.stream else None,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        for index in spec.indexes:
            table.add_global_secondary_index(
                index_name=index.name,
                partition_key=attribute(index.partition),
                sort_key=attribute(index.sort) if index.sort else None,
                projection_type=dynamodb.ProjectionType.ALL,
            )
        return table

    def _reports_bucket(self) -> s3.Bucket:
        return s3.Bucket(
            self,
            "ReportsBucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            versioned=True,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="reports-age-out",
                    transitions=[
                        s3.Transition(
                            storage_class=s3.StorageClass.INFREQUENT_ACCESS,
                            transition_after=cdk.Duration.days(30),
                        )
                    ],
                    expiration=cdk.Duration.days(400),
                    noncurrent_version_expiration=cdk.Duration.days(30),
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(7),
                ),
                s3.LifecycleRule(id="expired-delete-markers", expired_object_delete_marker=True),
            ],
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )

    def _wecom_secret(self) -> secretsmanager.Secret:
        secret = secretsmanager.Secret(
            self,
            "WecomSecret",
            secret_name=self.config.secret_name,
            description="WeCom token, EncodingAESKey and secret; admin token and phone-hash keys.",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps(SECRET_TEMPLATE),
                generate_string_key=GENERATED_SECRET_KEY,
                exclude_punctuation=True,
                include_space=False,
                password_length=32,
            ),
        )
        secret.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
        return secret
