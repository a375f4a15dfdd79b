"""Auto-tag rule matching: channel, gender and a local-time window (Asia/Shanghai)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from chalicelib.tags.models import HourWindow, TagRuleIn
from chalicelib.tags.rules import AddFacts, local_time, matches, tags_for

TZ = "Asia/Shanghai"
# Local times in Shanghai (UTC+8) of some epoch seconds:
FRI_2300 = 1_700_233_200  # Friday 2023-11-17 23:00 (15:00 UTC)
SAT_0130 = 1_700_242_200  # Saturday 2023-11-18 01:30 (Friday 17:30 UTC)
SAT_0600 = 1_700_258_400  # Saturday 2023-11-18 06:00
SAT_2300 = 1_700_319_600  # Saturday 2023-11-18 23:00
THU_0130 = 1_700_069_400  # Thursday 2023-11-16 01:30


def facts(at: int, channel: str = "poster", gender: int = 0) -> AddFacts:
    return AddFacts(channel=channel, gender=gender, added_at=local_time(at, TZ))


def rule(**conditions: Any) -> TagRuleIn:
    return TagRuleIn.model_validate({"tag_ids": ["et1"], **conditions})


def test_local_time_is_in_the_configured_zone() -> None:
    assert local_time(SAT_0130, TZ).strftime("%a %H:%M") == "Sat 01:30"


def test_channel_and_gender() -> None:
    assert matches(rule(channel="poster"), facts(FRI_2300))
    assert not matches(rule(channel="ads"), facts(FRI_2300))
    assert matches(rule(gender=2), facts(FRI_2300, gender=2))
    assert not matches(rule(gender=2), facts(FRI_2300, gender=1))
    assert matches(rule(gender=0), facts(FRI_2300, gender=0))
    assert matches(rule(), facts(FRI_2300))
    assert not matches(rule(enabled=False), facts(FRI_2300))


def test_an_hour_window_across_midnight() -> None:
    night = rule(hours={"start": 22, "end": 6})
    assert matches(night, facts(FRI_2300))
    assert matches(night, facts(SAT_0130))
    assert not matches(night, facts(SAT_0600))  # end is exclusive


def test_a_window_across_midnight_belongs_to_the_day_it_starts() -> None:
    friday_night = rule(weekdays=[5], hours={"start": 22, "end": 6})
    assert matches(friday_night, facts(FRI_2300))
    assert matches(friday_night, facts(SAT_0130))  # still Friday night
    assert not matches(friday_night, facts(SAT_2300))
    assert not matches(friday_night, facts(THU_0130))  # Wednesday night


def test_weekdays_alone_use_the_local_date() -> None:
    # 01:30 Saturday in Shanghai is still Friday in UTC: the local day counts.
    assert matches(rule(weekdays=[6]), facts(SAT_0130))
    assert not matches(rule(weekdays=[5]), facts(SAT_0130))


def test_hour_window_validation() -> None:
    assert HourWindow(start=9, end=18).contains(9) and not HourWindow(start=9, end=18).contains(18)
    assert HourWindow(start=20, end=24).contains(23)
    with pytest.raises(ValidationError):
        HourWindow(start=6, end=6)
    with pytest.raises(ValidationError):
        HourWindow(start=24, end=3)
    with pytest.raises(ValidationError):
        rule(weekdays=[0])


def test_tags_for_is_the_union_of_matching_rules() -> None:
    rules = [
        TagRuleIn(tag_ids=["b", "a"], channel="poster"),
        TagRuleIn(tag_ids=["a", "c"], gender=2),
        TagRuleIn(tag_ids=["z"], channel="ads"),
    ]
    assert tags_for(rules, facts(FRI_2300, gender=2)) == ["a", "b", "c"]
