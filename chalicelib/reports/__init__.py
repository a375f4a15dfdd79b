"""Reports: daily aggregates kept on write, and report files (XLSX, CSV, HTML) in S3."""
