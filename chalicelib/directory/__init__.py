"""The customer directory: who the customers are, by any combination of channel, tag, date,
spend, segment, tier, points, groups and staff member; counts as a filter is edited; saved
audiences that broadcasts and SOP date plans target; exports of a filter's customers.

DynamoDB stays the system of record; the directory answers from a columnar read model (one
Parquet row per contact in the report bucket) queried with DuckDB in its own function. See
``docs/architecture.md`` (Customer directory) and ``docs/decisions.md``.
"""
