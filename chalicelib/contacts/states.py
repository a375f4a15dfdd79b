"""A relationship's state, as a function of every fact received (not of their order).

WeCom delivers a relationship's events late, twice and out of order: an add whose
processing failed is retried after the customer's deletion was processed; a transfer is
learnt from ``transfer_result`` hours after its ``del_external_contact``. Each event is
kept as a fact stamped with WeCom's own time (``CreateTime``, a follower's ``createtime``,
a transfer's ``takeover_time``), and everything else is derived from the set:

- the relationship is **ended** when its latest fact is a deletion, else **active**; at
  the same second a deletion sorts after an add;
- its channel, code and ``added_at`` are those of the latest add;
- each deletion is **credited** to the channel of the latest add before it (``unknown``
  when the product never saw one), with the retention days since that add; a transfer
  deletion right after another one (the event and ``transfer_result`` telling the same
  transfer) is credited once.

The set only grows and merging is commutative, so any interleaving of add / edit / delete
and any retry reaches the same state and the same counters (compare
:mod:`chalicelib.orders.states`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, cast

from chalicelib.contacts.attribution import attribution

if TYPE_CHECKING:
    from chalicelib.contacts.models import EndedBy

UNKNOWN_CHANNEL = "unknown"
DAY_S = 86_400
FactKind = Literal["add", "del"]
ADD: FactKind = "add"
DEL: FactKind = "del"
_RANK = {"customer": 1, "staff": 2, "transfer": 3}


@dataclass(frozen=True)
class Fact:
    """One add or deletion of one relationship at epoch second ``at``."""

    kind: FactKind
    at: int
    state: str = ""  # add: the State it came with
    by: EndedBy | None = None  # deletion: who ended it
    key: str = ""  # the WeCom event (or transfer) that told it
    via: str = ""  # add: "transfer" when a handover moved the customer here

    @property
    def name(self) -> str:
        return f"{self.kind}#{self.at:012d}"

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "at": self.at}
        for field in ("state", "by", "key", "via"):
            if getattr(self, field):
                data[field] = getattr(self, field)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Fact:
        return cls(
            kind=cast(Any, str(data["kind"])),
            at=int(data["at"]),
            state=str(data.get("state") or ""),
            by=cast(Any, data.get("by") or None),
            key=str(data.get("key") or ""),
            via=str(data.get("via") or ""),
        )


def merge(facts: Mapping[str, Any], new: Iterable[Fact]) -> dict[str, Any]:
    """The stored facts (``{name: json}``) with ``new`` added. Two facts of one kind at the
    same second are one fact; their fields are combined the same way whichever came first
    (the non-empty, then the greatest value), so merging commutes."""
    merged = {name: dict(value) for name, value in facts.items()}
    for fact in new:
        old = merged.get(fact.name)
        if old is None:
            merged[fact.name] = fact.to_json()
            continue
        combined = Fact.from_json(old)
        merged[fact.name] = Fact(
            kind=fact.kind,
            at=fact.at,
            state=max(combined.state, fact.state),
            by=_by(combined.by, fact.by),
            key=max(combined.key, fact.key),
            via=max(combined.via, fact.via),
        ).to_json()
    return merged


def _by(a: EndedBy | None, b: EndedBy | None) -> EndedBy | None:
    present = [x for x in (a, b) if x]
    return max(present, key=lambda x: _RANK.get(str(x), 0)) if present else None


@dataclass(frozen=True)
class Credit:
    """What one deletion adds to the counters: its day is the deletion's."""

    at: int
    by: EndedBy
    channel: str
    code: str
    added_at: int | None
    retention_days: int | None
    key: str

    def to_json(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "by": self.by,
            "channel": self.channel,
            "code": self.code,
            "added_at": self.added_at,
            "retention_days": self.retention_days,
            "key": self.key,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Credit:
        added = data.get("added_at")
        days = data.get("retention_days")
        return cls(
            at=int(data["at"]),
            by=cast(Any, str(data["by"])),
            channel=str(data.get("channel") or ""),
            code=str(data.get("code") or ""),
            added_at=None if added is None else int(added),
            retention_days=None if days is None else int(days),
            key=str(data.get("key") or ""),
        )

    def same_counters(self, other: Credit | None) -> bool:
        return other is not None and (
            self.by,
            self.channel,
            self.code,
            self.added_at,
            self.retention_days,
        ) == (other.by, other.channel, other.code, other.added_at, other.retention_days)


@dataclass(frozen=True)
class Derived:
    status: Literal["active", "ended"]
    added_at: int | None
    state: str
    code: str
    channel: str
    via: str
    ended_at: int | None
    ended_by: EndedBy | None
    retention_days: int | None
    credits: dict[str, Credit]  # deletion fact name → its credit


def ordered(facts: Mapping[str, Any]) -> list[Fact]:
    """The facts by time; at the same second an add before a deletion."""
    parsed = [Fact.from_json(value) for value in facts.values()]
    return sorted(parsed, key=lambda f: (f.at, 0 if f.kind == ADD else 1))


def derive(facts: Mapping[str, Any]) -> Derived:
    """The relationship's state and each deletion's credit, from its facts alone."""
    latest_add: Fact | None = None
    previous: Fact | None = None
    credits: dict[str, Credit] = {}
    for fact in ordered(facts):
        if fact.kind == ADD:
            latest_add = fact
        elif fact.by is not None:
            repeated = (
                fact.by == "transfer"
                and previous is not None
                and previous.kind == DEL
                and previous.by == "transfer"
            )
            if not repeated:
                credits[fact.name] = _credit(fact, latest_add)
        previous = fact
    last = previous
    source = attribution(latest_add.state if latest_add else "")
    channel = source.channel if latest_add else UNKNOWN_CHANNEL
    ended = last is not None and last.kind == DEL
    ended_at = last.at if ended and last else None
    added_at = (latest_add.at or None) if latest_add else None  # 0: a follower with no time
    retention = None
    if ended_at is not None and added_at is not None:
        retention = max(0, (ended_at - added_at) // DAY_S)
    return Derived(
        status="ended" if ended else "active",
        added_at=added_at,
        state=latest_add.state if latest_add else "",
        code=source.code if latest_add else "",
        channel=channel,
        via=latest_add.via if latest_add else "",
        ended_at=ended_at,
        ended_by=last.by if ended and last else None,
        retention_days=retention,
        credits=credits,
    )


def _credit(deletion: Fact, add: Fact | None) -> Credit:
    assert deletion.by is not None
    if add is None:
        return Credit(deletion.at, deletion.by, UNKNOWN_CHANNEL, "", None, None, deletion.key)
    source = attribution(add.state)
    return Credit(
        at=deletion.at,
        by=deletion.by,
        channel=source.channel,
        code=source.code,
        added_at=add.at or None,
        retention_days=max(0, (deletion.at - add.at) // DAY_S) if add.at else None,
        key=deletion.key,
    )
