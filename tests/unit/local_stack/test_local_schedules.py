"""The local stack's schedules: fast enough for a test, not all at the fastest rate."""

from __future__ import annotations

import pytest
from chalice.app import Cron, Rate

from local_stack.event_sources import _period_s

pytestmark = pytest.mark.unit


def test_at_cloud_rate_unless_sped_up() -> None:
    assert _period_s(Rate(5, unit=Rate.MINUTES), None) == 300
    assert _period_s(Cron(0, 17, "*", "*", "?", "*"), None) == 3600  # a cron job: hourly


def test_sped_up_every_job_keeps_its_ratio_to_the_once_a_minute_one_within_bounds() -> None:
    assert _period_s(Rate(1, unit=Rate.MINUTES), 0.5) == 0.5  # the sweeper
    assert _period_s(Rate(5, unit=Rate.MINUTES), 0.5) == 2.5  # sop_tick
    assert _period_s(Rate(1, unit=Rate.HOURS), 0.5) == 10.0  # at most 20 times slower
    assert _period_s(Rate(1, unit=Rate.DAYS), 0.5) == 10.0
    assert _period_s(Cron(30, "16-23", "*", "*", "?", "*"), 0.5) == 10.0
    # a cap above a job's own period never slows it down
    assert _period_s(Rate(1, unit=Rate.MINUTES), 120) == 60
