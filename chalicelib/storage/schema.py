"""The key schema of every DynamoDB table, defined once.

This module is plain data with no AWS imports, so the CDK stack (``infra/``), the test
fixtures (moto), the local stack (DynamoDB Local) and the PynamoDB models all read the
same definitions. ``tests/unit/test_schema.py`` proves the models agree with it.

Physical table names are ``<TABLE_PREFIX><logical name>``; see ``Settings.table_name``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

KeyType = Literal["S", "N", "B"]


@dataclass(frozen=True)
class Key:
    name: str
    type: KeyType = "S"


@dataclass(frozen=True)
class Index:
    """A global secondary index projecting all attributes.

    ``shards`` > 1: the partition key's values are written sharded, ``<value>#<n>`` for
    ``n`` in ``range(shards)`` (a value every item would share otherwise makes one hot
    partition); readers query every shard (:meth:`shard_values`)."""

    name: str
    partition: Key
    sort: Key | None = None
    shards: int = 1

    def shard_values(self, value: str) -> list[str]:
        """The partition values ``value`` is written under."""
        if self.shards <= 1:
            return [value]
        return [f"{value}#{n}" for n in range(self.shards)]


@dataclass(frozen=True)
class Table:
    logical_name: str
    partition: Key
    sort: Key | None = None
    indexes: tuple[Index, ...] = field(default_factory=tuple)
    ttl_attribute: str | None = None
    #: The Chalice ``lambda_function`` fed by the table's stream (NEW_IMAGE); None: no stream.
    stream_consumer: str | None = None

    @property
    def stream(self) -> bool:
        return self.stream_consumer is not None

    def keys(self) -> Iterator[Key]:
        """Every key attribute of the table and its indexes, each once."""
        seen: set[str] = set()
        for key in (self.partition, self.sort, *_index_keys(self.indexes)):
            if key is not None and key.name not in seen:
                seen.add(key.name)
                yield key

    def page_key(self, index: str | None = None) -> set[str]:
        """The attributes of a last evaluated key of a Query of the table (or of
        ``index``): the table's keys, and the index's."""
        names = {k.name for k in (self.partition, self.sort) if k is not None}
        for found in self.indexes:
            if found.name == index:
                names |= {k.name for k in (found.partition, found.sort) if k is not None}
        return names

    def create_table_request(self, table_name: str) -> dict[str, Any]:
        """Arguments for boto3 ``create_table`` (DynamoDB Local and moto)."""
        request: dict[str, Any] = {
            "TableName": table_name,
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [
                {"AttributeName": k.name, "AttributeType": k.type} for k in self.keys()
            ],
            "KeySchema": _key_schema(self.partition, self.sort),
        }
        if self.indexes:
            request["GlobalSecondaryIndexes"] = [
                {
                    "IndexName": index.name,
                    "KeySchema": _key_schema(index.partition, index.sort),
                    "Projection": {"ProjectionType": "ALL"},
                }
                for index in self.indexes
            ]
        if self.stream:
            request["StreamSpecification"] = {
                "StreamEnabled": True,
                "StreamViewType": "NEW_IMAGE",
            }
        return request


def _index_keys(indexes: tuple[Index, ...]) -> Iterator[Key | None]:
    for index in indexes:
        yield index.partition
        yield index.sort


def _key_schema(partition: Key, sort: Key | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": partition.name, "KeyType": "HASH"}]
    if sort is not None:
        schema.append({"AttributeName": sort.name, "KeyType": "RANGE"})
    return schema


# --- the tables -------------------------------------------------------------------------

#: Every WeCom callback, stored raw before it is acted on. ``pk`` is the dedupe key;
#: the sparse ``by_status`` index lists only events still waiting for (re)processing,
#: under 16 write shards ``pending#<n>`` (hundreds of events a second would otherwise all
#: write one index partition); dead letters under ``dead``. Its stream feeds the
#: processor: the table is the queue.
CALLBACK_EVENTS = Table(
    logical_name="callback-events",
    partition=Key("pk"),
    indexes=(Index("by_status", Key("pending_status"), Key("due_at", "N"), shards=16),),
    ttl_attribute="expires_at",
    stream_consumer="process_callback_events",
)

#: Small shared state with an expiry: the WeCom access token, locks, cursors.
RUNTIME_STATE = Table(
    logical_name="runtime-state",
    partition=Key("pk"),
    ttl_attribute="expires_at",
)

#: Customers: a profile per contact, a relationship per staff member who follows them, their
#: timeline, and phone-hash lookups. ``by_unionid`` finds a contact from an order;
#: ``by_staff`` lists a staff member's customers (handover, caps, digests).
CONTACTS = Table(
    logical_name="contacts",
    partition=Key("pk"),
    sort=Key("sk"),
    indexes=(
        Index("by_unionid", Key("unionid"), Key("pk")),
        Index("by_staff", Key("staff_userid"), Key("added_at", "N")),
    ),
)

#: The corporate tag catalogue (mirrored from WeCom) and auto-tag rules.
TAGS = Table(logical_name="tags", partition=Key("pk"), sort=Key("sk"))

#: Welcome messages, one per channel plus a default.
WELCOME_MESSAGES = Table(logical_name="welcome-messages", partition=Key("pk"))

#: Customer groups and their members; ``by_member`` lists the groups a customer is in.
GROUPS = Table(
    logical_name="groups",
    partition=Key("pk"),
    sort=Key("sk"),
    indexes=(Index("by_member", Key("member_id"), Key("pk")),),
)

#: Handover of customers between staff (on-job and resigned), one item per customer.
TRANSFERS = Table(logical_name="transfers", partition=Key("pk"), sort=Key("sk"))

#: Counters per day and dimension (channel, staff, …), each moved once per event.
DAILY_STATS = Table(logical_name="daily-stats", partition=Key("pk"), sort=Key("sk"))

#: Live codes: per code ``sk=meta`` (its configuration and WeCom contact ways) and
#: ``sk=day#<YYYY-MM-DD>`` (that local day's scan, reservation and add counters), so a scan
#: reads one partition with one Query; ``pk=codes`` lists the codes (admin) without a scan.
LIVE_CODES = Table(logical_name="live-codes", partition=Key("pk"), sort=Key("sk"))

#: SOP plans and broadcasts: ``pk=plan#<id>`` / ``pk=plans`` (listing), enrolments
#: ``pk=enrol#<plan>#<contact>``, per-step funnel rows ``pk=funnel#<plan>``, a segment mirror
#: ``pk=segment#<name>`` and the tick cursor.
SOP = Table(logical_name="sop", partition=Key("pk"), sort=Key("sk"))

#: What is due to send: one item per (plan or broadcast, step, contact, round) and one per
#: send batch. ``by_due`` is sparse (only items waiting for the tick), bucketed by UTC hour,
#: so a tick reads only what is due; ``by_batch`` lists a batch's recipients; ``by_contact``
#: finds a contact's items (exit conditions, conversion credit).
SOP_DUE = Table(
    logical_name="sop-due",
    partition=Key("pk"),
    indexes=(
        Index("by_due", Key("due_bucket"), Key("due_at", "N")),
        Index("by_batch", Key("batch_id"), Key("pk")),
        Index("by_contact", Key("contact_id"), Key("planned_at", "N")),
    ),
)

#: Mass messages each customer received recently (frequency caps), one item per contact.
MESSAGE_CAPS = Table(logical_name="message-caps", partition=Key("pk"), ttl_attribute="expires_at")

#: Screening: per contact ``pk=contact#<id>``: ``sk=rfm`` (the RFM and community inputs kept on
#: write, the current score and segment) and ``sk=hist#<epoch ms>`` (segment history); per
#: order ``pk=order#<key>, sk=memo`` (what was already counted); the day-keyed work lists
#: ``pk=changed#<local day>`` and ``pk=due#<local day>`` (``sk=<contact>``), so the daily job
#: reads only that day's partitions; ``pk=config`` (weights, thresholds, tags).
SCREENING = Table(
    logical_name="screening", partition=Key("pk"), sort=Key("sk"), ttl_attribute="expires_at"
)

#: Reports: per-order memos of the aggregates (``pk=order#<key>``), and generated reports
#: ``pk=reports#<kind>, sk=<period start>`` (listing) with their S3 keys.
REPORTS = Table(
    logical_name="reports", partition=Key("pk"), sort=Key("sk"), ttl_attribute="expires_at"
)

#: Audit log of admin writes: ``pk=day#<local day>``, ``sk=<epoch ms>#<entry id>``, so a day
#: range is one Query per day, newest first.
AUDIT_LOG = Table(logical_name="audit-log", partition=Key("pk"), sort=Key("sk"))

#: Orders from shop webhooks: ``pk=order#<source>:<id>`` holds the order (``sk=order``) and
#: every delivery received for it (``sk=delivery#<event>``); ``pk=unmatched#<kind>#<value>``
#: lists orders waiting for their contact; ``pk=first#<contact>`` marks a contact's first
#: paid order. ``by_contact`` lists a contact's orders by order time. The sparse ``by_feed``
#: index lists every order (``feed=order`` on ``sk=order``) and the orders still waiting for
#: their contact (``feed=unmatched`` on ``sk=waiting``, removed once matched), newest first.
ORDERS = Table(
    logical_name="orders",
    partition=Key("pk"),
    sort=Key("sk"),
    indexes=(
        Index("by_contact", Key("contact_id"), Key("ordered_at", "N")),
        Index("by_feed", Key("feed"), Key("feed_at", "N")),
    ),
    #: Only stored deliveries carry it: they expire, the orders and facts do not.
    ttl_attribute="expires_at",
)

#: The points ledger: ``pk=account#<contact>`` holds the balance (``sk=balance``) and one
#: ``sk=entry#<entry id>`` per ledger entry; ``pk=config`` holds the earning rules. The sparse
#: ``by_expiry`` index lists credit entries that still have points to expire (sharded).
POINTS = Table(
    logical_name="points",
    partition=Key("pk"),
    sort=Key("sk"),
    indexes=(Index("by_expiry", Key("expiry_shard"), Key("expires_at", "N")),),
)

#: Membership: ``pk=member#<contact>`` holds the tier (``sk=tier``) and its history
#: (``sk=hist#…``); ``pk=config`` the tier levels. The sparse ``by_tier`` index lists the
#: members above the lowest level, for the daily review (downgrades as the window rolls).
MEMBERSHIP = Table(
    logical_name="membership",
    partition=Key("pk"),
    sort=Key("sk"),
    indexes=(Index("by_tier", Key("tier_key"), Key("reviewed_at", "N")),),
)

#: Identity: who may sign in and what they may see. ``pk=people, sk=person#<userid>`` the
#: grants (role, data scope), one partition so the admin list is one Query;
#: ``pk=member#<userid>, sk=member`` what WeCom says of a member (name, departments,
#: status); ``pk=departments, sk=tree`` WeCom's department tree; ``pk=api-keys,
#: sk=key#<key id>`` the API keys (hashes only).
IDENTITY = Table(logical_name="identity", partition=Key("pk"), sort=Key("sk"))

#: Console sessions, one item per signed-in browser (``pk=<session id>``, the secret half
#: of the cookie stored hashed); ``by_person`` lists a person's sessions (revoke them all).
#: DynamoDB's TTL removes them after their absolute expiry.
SESSIONS = Table(
    logical_name="sessions",
    partition=Key("pk"),
    indexes=(Index("by_person", Key("userid"), Key("created_at", "N")),),
    ttl_attribute="expires_at",
)

#: The customer directory's change log and jobs: ``pk=changed#<UTC minute>#<shard>``,
#: ``sk=<contact id>`` (contacts touched that minute, folded into the read model by the
#: refresh job, which reads only the minutes since its cursor), ``pk=cursor`` (the refresh
#: cursor) and ``pk=export#<id>`` (an export's status and progress).
DIRECTORY = Table(
    logical_name="directory", partition=Key("pk"), sort=Key("sk"), ttl_attribute="expires_at"
)

#: Saved audiences (named directory filters): ``pk=audiences``, ``sk=<audience id>``; the
#: listing is one Query of that partition.
AUDIENCES = Table(logical_name="audiences", partition=Key("pk"), sort=Key("sk"))

ALL_TABLES: tuple[Table, ...] = (
    CALLBACK_EVENTS,
    RUNTIME_STATE,
    CONTACTS,
    TAGS,
    WELCOME_MESSAGES,
    GROUPS,
    TRANSFERS,
    DAILY_STATS,
    LIVE_CODES,
    SOP,
    SOP_DUE,
    MESSAGE_CAPS,
    AUDIT_LOG,
    SCREENING,
    REPORTS,
    ORDERS,
    POINTS,
    MEMBERSHIP,
    IDENTITY,
    SESSIONS,
    DIRECTORY,
    AUDIENCES,
)
