"""DynamoDB and S3: the key schema (defined once), PynamoDB binding and table set-up."""
