"""Key values of the form ``<prefix><part>[#<part>…]``, declared once per item type.

A store declares each of its key formats as data next to its items,
``contact_pk = Prefix("contact#")``, and calls it like the function it replaces:
``contact_pk("wm1")`` is ``"contact#wm1"``, ``unmatched_pk("phone", digest)`` is
``"unmatched#phone#<digest>"``. :meth:`Prefix.part` reads the value back out of a key.

Formats with padding or a choice of parts (``<epoch ms, 15 digits>#<id>``) stay small
functions in their store.
"""

from __future__ import annotations

from dataclasses import dataclass

SEPARATOR = "#"


@dataclass(frozen=True)
class Prefix:
    """A key format: ``prefix`` then the parts, joined by ``#``."""

    prefix: str

    def __call__(self, *parts: str | int) -> str:
        if not parts:
            raise TypeError(f"a {self.prefix!r} key takes at least one part")
        return self.prefix + SEPARATOR.join(str(part) for part in parts)

    def part(self, key: str) -> str:
        """What follows the prefix in ``key`` (``ValueError`` for a key of another format)."""
        if not key.startswith(self.prefix):
            raise ValueError(f"{key!r} is not a {self.prefix!r} key")
        return key[len(self.prefix) :]
