"""Writes a processing pass commits together: the read models' writes, in one request.

A store whose writes nobody else in the same pass reads (the reports' counters, the
screening inputs of an order, the directory's change marks, an order delivery's "applied"
mark) hands them to :func:`write` as one :class:`Writes`: its operations (with, where it
has one, the once-guard ``once#<effect id>`` whose condition failing means "already
applied"). Outside a pass they are written at once, as one write or one transaction.
Inside one (:func:`collecting`, opened by :func:`chalicelib.signals.processing_pass`),
they are kept and committed when the pass has heard every signal, every context's writes
in ONE TransactWriteItems (at most :data:`MAX_ITEMS` operations a request):

- operations on the same key are merged where the result is the same: an identical put
  kept once, counter additions (:attr:`Op.adds`) summed; any other pair on one key (a
  condition, a ``set``) commits what was kept first, then keeps the new writes;
- a cancellation whose reason is a once-guard's condition drops that :class:`Writes`
  (an earlier attempt applied it) and commits the rest in the next request;
- a cancellation on any other condition (a memo or an item read before, changed since)
  sets that :class:`Writes` aside: the rest is committed, then its subscriber runs again
  with nothing kept (:attr:`Writes.redo`: it reads again and writes at once);
- writes marked :attr:`Writes.last` (the delivery's "applied" mark) go in the same
  request only when nothing was set aside; else they are committed after what was.

A commit goes through the shared moves: :func:`chalicelib.storage.ops.transact` (whose
:class:`~chalicelib.storage.ops.Conflict` names every failed condition) or one write with
:func:`chalicelib.storage.dynamo.condition_failed`. Each context still builds the writes
of its own tables only: the pass commits them.
Whatever fails before the commit leaves none of the kept writes applied (the unit of work
is retried and applies them, each once, through their guards).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pynamodb.exceptions import PutError, PynamoDBException, UpdateError

from chalicelib.storage.dynamo import TableModel, condition_failed
from chalicelib.storage.ops import Conflict, transact, unavailable

if TYPE_CHECKING:
    from pynamodb.transactions import TransactWrite

#: Operations a TransactWriteItems request takes (DynamoDB's limit).
MAX_ITEMS = 100

Outcome = Literal["applied", "already", "kept"]


@dataclass(eq=False)
class Op:
    """One write: a put (``actions`` and ``adds`` empty) or an update of ``item``'s key,
    under ``condition``. ``adds`` are counter additions (attribute name -> amount):
    without a condition, merged with the other additions to the same key."""

    item: TableModel
    condition: Any = None
    actions: Sequence[Any] = ()
    adds: dict[str, int] = field(default_factory=dict)

    @property
    def is_put(self) -> bool:
        return not self.actions and not self.adds

    def key(self) -> tuple[str, Any, Any]:
        item = self.item
        hash_name, range_name = item._hash_keyname, item._range_keyname
        return (
            type(item).schema.logical_name,
            getattr(item, hash_name) if hash_name else None,
            getattr(item, range_name) if range_name else None,
        )

    def update_actions(self) -> list[Any]:
        model = type(self.item)
        return [*self.actions, *(getattr(model, n).add(v) for n, v in self.adds.items() if v)]


@dataclass(eq=False)
class Writes:
    """What one subscriber writes for one signal, applied together or not at all.
    ``guard``: the position in ``ops`` of the once-guard (its condition failing: already
    applied). ``last``: committed after every other write of the pass."""

    what: str
    ops: list[Op]
    guard: int | None = None
    last: bool = False
    redo: Callable[[], None] | None = None  # filled in by the batch: the subscriber again
    marks: tuple[str, ...] = ()  # the deliveries that kept it (see signals.Pass)


def _mergeable(a: Op, b: Op) -> bool:
    if a.condition is not None or b.condition is not None:
        return False
    if a.is_put and b.is_put:
        return bool(a.item.serialize() == b.item.serialize())
    return not a.actions and not b.actions and bool(a.adds) and bool(b.adds)


@dataclass(eq=False)
class _Sent:
    op: Op
    owners: list[Writes]


def _merged(writes: Sequence[Writes]) -> list[_Sent]:
    """The operations of ``writes`` as DynamoDB receives them (PynamoDB sends puts before
    updates), one per key."""
    by_key: dict[tuple[str, Any, Any], _Sent] = {}
    for w in writes:
        for op in w.ops:
            key = op.key()
            found = by_key.get(key)
            if found is None:
                copy = Op(op.item, op.condition, op.actions, dict(op.adds))
                by_key[key] = _Sent(copy, [w])
                continue
            if not found.op.is_put:
                for name, amount in op.adds.items():
                    found.op.adds[name] = found.op.adds.get(name, 0) + amount
            found.owners.append(w)
    sent = [s for s in by_key.values() if s.op.is_put or s.op.update_actions()]
    return [s for s in sent if s.op.is_put] + [s for s in sent if not s.op.is_put]


def _write_one(op: Op) -> None:
    if op.is_put:
        op.item.save(condition=op.condition)
    else:
        op.item.update(actions=op.update_actions(), condition=op.condition)


def send(writes: Sequence[Writes]) -> tuple[list[Writes], list[Writes]]:
    """Write ``writes`` in one request (one write alone; else one transaction). Nothing is
    written when a condition fails: ``(already applied, refused)`` name whose it was
    (both empty: all written)."""
    sent = _merged(writes)
    if not sent:
        return [], []
    what = ", ".join(dict.fromkeys(w.what for w in writes))
    if len(sent) == 1:
        try:
            _write_one(sent[0].op)
        except (PutError, UpdateError) as error:
            if condition_failed(error):
                return _blame(sent, [0])
            raise unavailable(what) from error
        return [], []

    def write(tx: TransactWrite) -> None:
        for s in sent:
            if s.op.is_put:
                tx.save(s.op.item, condition=s.op.condition)
            else:
                tx.update(s.op.item, actions=s.op.update_actions(), condition=s.op.condition)

    try:
        transact(write, what)
    except Conflict as conflict:
        return _blame(sent, list(conflict.failed))
    except PynamoDBException as error:
        raise unavailable(what) from error
    return [], []


def _blame(sent: list[_Sent], failed: list[int]) -> tuple[list[Writes], list[Writes]]:
    """Whose writes a failed condition stopped: a guard's failing means already applied
    (whatever else failed with it); any other, refused."""
    already: list[Writes] = []
    refused: list[Writes] = []
    for n in failed:
        s = sent[n]
        for owner in s.owners:  # a conditional operation has one owner (never merged)
            guard = owner.ops[owner.guard] if owner.guard is not None else None
            if guard is not None and guard.key() == s.op.key() and owner not in already:
                already.append(owner)
    for n in failed:
        for owner in sent[n].owners:
            if owner not in already and owner not in refused:
                refused.append(owner)
    return already, refused


@dataclass
class Batch:
    """The writes a pass keeps until its commit, and those set aside to run again."""

    kept: list[Writes] = field(default_factory=list)
    refused: list[Writes] = field(default_factory=list)
    redo: Callable[[], None] | None = None  # the subscriber being heard, to run again
    marks: tuple[str, ...] = ()  # the deliveries being heard
    requests: int = 0
    #: What the unit of work read or wrote of a context's own items, for that context's
    #: later reads in the same pass (:func:`remember`).
    known: dict[Any, Any] = field(default_factory=dict)
    _suspended: int = 0

    def keep(self, writes: Writes) -> None:
        writes.redo, writes.marks = self.redo, self.marks
        keys = {op.key(): op for w in self.kept for op in w.ops}
        clash = any(op.key() in keys and not _mergeable(keys[op.key()], op) for op in writes.ops)
        size = len(_merged([*self.kept, writes]))
        if clash or size > MAX_ITEMS:
            self.commit(final=False)
        self.kept.append(writes)

    def commit(self, *, final: bool = True) -> None:
        """Commit what is kept (``final``: with the writes marked last, when nothing was
        set aside), each guard's "already applied" dropped, the refused set aside."""
        kept, self.kept = self.kept, []
        body = [w for w in kept if final or not w.last]
        held = [w for w in kept if w not in body]
        try:
            self._send_all(body, held)
        except BaseException:
            self.kept = [*body, *held, *self.kept]  # not written: uncommitted()
            raise
        self.kept = held + self.kept

    def _send_all(self, body: list[Writes], held: list[Writes]) -> None:
        while body:
            if self.refused:
                held += [w for w in body if w.last]
                body[:] = [w for w in body if not w.last]
            chunk: list[Writes] = []
            for w in body:
                if chunk and len(_merged([*chunk, w])) > MAX_ITEMS:
                    break
                chunk.append(w)
            self.requests += 1
            already, refused = send(chunk)
            self.refused += refused
            if not already and not refused:
                del body[: len(chunk)]
                continue
            body[:] = [w for w in body if w not in already and w not in refused]

    def run_refused(self) -> bool:
        """Run the subscribers of the refused writes again, writing at once (they read
        again); True when any ran. A refused write with nobody to run again is a
        :class:`~chalicelib.storage.ops.Conflict` (the unit of work is retried)."""
        refused, self.refused = self.refused, []
        for w in refused:
            if w.redo is None:
                raise Conflict(f"{w.what} changed meanwhile")
            with self.suspended():
                w.redo()
        return bool(refused)

    def uncommitted(self) -> set[str]:
        """The deliveries whose kept writes are not written yet."""
        return {mark for w in (*self.kept, *self.refused) for mark in w.marks}

    def discard(self) -> None:
        self.kept, self.refused = [], []

    @contextmanager
    def suspended(self) -> Iterator[None]:
        """Writes in the block are written at once."""
        self._suspended += 1
        try:
            yield
        finally:
            self._suspended -= 1

    @contextmanager
    def hearing(self, redo: Callable[[], None], marks: tuple[str, ...]) -> Iterator[None]:
        outer = self.redo, self.marks
        self.redo, self.marks = redo, marks
        try:
            yield
        finally:
            self.redo, self.marks = outer


_current: ContextVar[Batch | None] = ContextVar("staged_batch", default=None)


@contextmanager
def collecting() -> Iterator[Batch]:
    """Keep the writes made in the block (the caller commits them: :meth:`Batch.commit`)."""
    batch = Batch()
    token = _current.set(batch)
    try:
        yield batch
    finally:
        _current.reset(token)


def current() -> Batch | None:
    return _current.get()


def write(writes: Writes) -> Outcome:
    """Kept for the pass's commit (``"kept"``), or written now: ``"applied"``, or
    ``"already"`` when the once-guard's condition failed. Written now, another condition
    failing is a :class:`~chalicelib.storage.ops.Conflict` (read again)."""
    batch = _current.get()
    if batch is not None and not batch._suspended:
        batch.keep(writes)
        return "kept"
    already, refused = send([writes])
    if refused:
        raise Conflict(f"{writes.what} changed meanwhile")
    return "already" if already else "applied"


def remember(key: Any, value: Any) -> None:
    """Keep ``value`` for the rest of the pass (nothing outside one): a context's own
    state as it just read or wrote it, answered to its own later reads (``recall``)
    instead of reading it again. The context keys it by its own name and forgets it when
    it writes it otherwise."""
    batch = _current.get()
    if batch is not None:
        batch.known[key] = value


def recall(key: Any) -> Any:
    """What :func:`remember` kept under ``key`` in this pass, else ``None``."""
    batch = _current.get()
    return None if batch is None else batch.known.get(key)


def forget(key: Any) -> None:
    batch = _current.get()
    if batch is not None:
        batch.known.pop(key, None)
