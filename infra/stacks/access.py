"""What each function may touch: one role per function, derived from the table list.

Every function is one :class:`FunctionAccess`. A table it does not name gets the
function's ``default`` level, so a table added to ``chalicelib.storage.schema.ALL_TABLES``
reaches the functions whose default covers it without an edit here (the admin API and
the jobs write), and the functions that need nothing more (the
WeCom callback receiver) stay without it.

The audit log is append-only for everyone: only the admin API writes it (a new entry,
then its outcome: ``UpdateItem`` limited to the outcome attributes by an IAM condition),
and no function may delete or rewrite an entry. Nothing expires audit entries, so no
function has ``DeleteItem`` on that table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from chalicelib.storage import schema

Level = Literal["none", "read", "write", "append"]
BucketLevel = Literal["none", "read", "write"]

READ_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:BatchGetItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable",
)
#: Item-level writes only: no Scan, no table management. TransactWriteItems and
#: TransactGetItems are authorised through the item actions they contain.
WRITE_ACTIONS = (
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
)
#: The audit log: the attributes an entry's outcome sets (``chalicelib.audit.store.finish``)
#: and its keys; an ``UpdateItem`` naming any other attribute is refused.
AUDIT_OUTCOME_ATTRIBUTES = ("pk", "sk", "status", "outcome", "finished_at", "timeline")
#: Tables no function may rewrite or delete from, whatever its default.
APPEND_ONLY_TABLES = frozenset({schema.AUDIT_LOG.logical_name})


def _frozen(mapping: Mapping[str, Level] | None = None) -> Mapping[str, Level]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class FunctionAccess:
    """One function's grants.

    ``function_id`` is the CloudFormation logical ID (``APIHandler``, the
    job names in CamelCase, and this stack's own ``CallbackHandler``/``PublicHandler``).
    """

    function_id: str
    default: Level
    tables: Mapping[str, Level] = field(default_factory=_frozen)
    reports_bucket: BucketLevel = "none"
    #: Reads the stage's secret (WeCom credentials, signing keys).
    secret: bool = True
    #: Calls WeCom, so it runs in the VPC and leaves through the Elastic IP.
    calls_wecom: bool = True
    #: Invokes the directory function (customer search, counts, exports, audiences).
    invokes_directory: bool = True

    def level(self, table: schema.Table) -> Level:
        chosen = self.tables.get(table.logical_name, self.default)
        if table.logical_name in APPEND_ONLY_TABLES and chosen == "write":
            return "none"  # a default never reaches an append-only table
        return chosen


def _jobs(*function_ids: str, **overrides: FunctionAccess) -> dict[str, FunctionAccess]:
    return {
        function_id: overrides.get(function_id)
        or FunctionAccess(function_id=function_id, default="write")
        for function_id in function_ids
    }


ADMIN_API = FunctionAccess(
    function_id="APIHandler",
    default="write",
    tables=_frozen({schema.AUDIT_LOG.logical_name: "append"}),
    reports_bucket="write",
)
#: Live-code and group-code scans and the order webhooks (signals fan out to points and
#: membership, which call WeCom). No audit log, no reports.
PUBLIC_API = FunctionAccess(
    function_id="PublicHandler", default="write", invokes_directory=False
)
#: The WeCom callback receiver: verify, decrypt, store once. It calls nothing upstream,
#: so it stays outside the VPC (shortest cold start inside WeCom's 5 s).
CALLBACK_API = FunctionAccess(
    function_id="CallbackHandler",
    default="none",
    tables=_frozen({schema.CALLBACK_EVENTS.logical_name: "write"}),
    calls_wecom=False,
    invokes_directory=False,
)

#: Every function of the stack by logical ID. A Chalice function missing here fails the
#: synth (``ApiStack``), so a new job cannot deploy without a decision about its access.
ACCESS: Mapping[str, FunctionAccess] = MappingProxyType(
    {
        access.function_id: access
        for access in (
            ADMIN_API,
            PUBLIC_API,
            CALLBACK_API,
            *_jobs(
                "ProcessCallbackEvents",
                "SweepCallbackEvents",
                "ReconcileGroups",
                "ReconcilePeople",
                "RefreshTransfers",
                "RefreshPrintedCodes",
                "ReviewTiers",
                "ExpirePoints",
                "SopTick",
                "ScreenContacts",
                "WriteReports",
                WriteReports=FunctionAccess(
                    function_id="WriteReports", default="write", reports_bucket="write"
                ),
            ).values(),
        )
    }
)
