"""The contact-way state round trip (≤ 30 characters) and the local-midnight day boundary."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.contacts.attribution import Attribution, attribution
from chalicelib.core.settings import reset_settings
from chalicelib.livecodes import service, states
from chalicelib.livecodes.models import LiveCodeIn


def test_state_round_trip_at_the_longest() -> None:
    state = states.encode("abcdefghij", "parcel_card-2026")
    assert len(state) == states.MAX_STATE == 30
    assert states.decode(state) == Attribution("abcdefghij", "parcel_card-2026")
    assert attribution(state) == Attribution("abcdefghij", "parcel_card-2026")


@pytest.mark.parametrize("state", ["poster", "s01:poster", "", None, "lc:", "lc:abc"])
def test_other_states_are_not_live_codes(state: str | None) -> None:
    assert states.decode(state) is None


def test_a_state_over_30_is_refused() -> None:
    with pytest.raises(ValueError, match="30"):
        states.encode("abcdefghijk", "parcel_card-2026")


def test_the_model_keeps_codes_and_channels_short() -> None:
    with pytest.raises(ValueError):
        LiveCodeIn.model_validate({"staff": [{"userid": "a"}], "channels": ["x" * 17]})


def test_the_day_turns_at_local_midnight(monkeypatch: pytest.MonkeyPatch) -> None:
    # 2026-11-22 15:59:59 UTC is 23:59:59 in Shanghai; one second later is the next day.
    before = datetime(2026, 11, 22, 15, 59, 59, tzinfo=UTC).timestamp()
    assert service.now_local(before).date().isoformat() == "2026-11-22"
    assert service.now_local(before + 1).date().isoformat() == "2026-11-23"
    monkeypatch.setenv("TIMEZONE", "UTC")
    reset_settings()
    assert service.now_local(before + 1).date().isoformat() == "2026-11-22"


def test_a_tag_rule_can_match_a_live_code() -> None:
    from chalicelib.tags.models import TagRuleIn
    from chalicelib.tags.rules import AddFacts, matches

    rule = TagRuleIn.model_validate({"tag_ids": ["etStore"], "code": "c1"})
    at = datetime(2026, 11, 22, 10, tzinfo=UTC)
    assert matches(rule, AddFacts("poster", 0, at, "c1"))
    assert not matches(rule, AddFacts("poster", 0, at, "c2"))
    assert not matches(rule, AddFacts("poster", 0, at))
