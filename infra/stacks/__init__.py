"""The CDK stacks: stateful data (tables, bucket, secret) and the stateless API."""
