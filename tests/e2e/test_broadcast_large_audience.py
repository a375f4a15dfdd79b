"""A broadcast to a saved audience of 100,000 customers over three senders, on DynamoDB
Local and the WeCom simulator: the job pages through the audience (the directory's
query is faked: the point is the paging and the batching), the tick pages through the
due rows, and the simulator's log shows exactly the sum over senders of
ceil(n / 10,000) ``add_msg_template`` calls, nobody twice and nobody outside the audience.
"""

from __future__ import annotations

import json
import math
import os
import urllib.request
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import AGENT_ID, CORP_ID

pytestmark = pytest.mark.e2e
#: Its own DynamoDB Local and simulator: it runs beside the rest of the tier.
XDIST_GROUP = "e2e-broadcast"

SENDERS = ("zhangsan", "lisi", "wangwu")
#: 100,000 with ``BROADCAST_AUDIENCE=100000`` (about eight minutes on a busy 2-core
#: machine); the suite's default keeps the same shape at about a fifth of the size, the
#: largest sender still past one call's 10,000 (11,550 / 6,321 / 3,129: 4 calls).
AUDIENCE = int(os.environ.get("BROADCAST_AUDIENCE", "21000"))
PAGE = 10_000


def sender_of(n: int) -> str:
    """Uneven shares, none a multiple of 10,000 (55 % / 30.1 % / 14.9 %: at 100,000,
    55,000 / 30,100 / 14,900)."""
    if n < AUDIENCE * 550 // 1000:
        return SENDERS[0]
    return SENDERS[1] if n < AUDIENCE * 851 // 1000 else SENDERS[2]


def members() -> list[tuple[str, str]]:
    return [(f"wmAud{n:06d}", sender_of(n)) for n in range(AUDIENCE)]


@pytest.fixture
def stack_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from local_stack.stack import LocalStack, StackConfig
    from wecom_simulator import SimConfig, Simulator

    stack = LocalStack(StackConfig.ephemeral())
    stack.start(services=("dynamodb",))
    config = SimConfig(port=0, corp_id=CORP_ID, secret="sim-secret-for-tests", agent_id=AGENT_ID)
    try:
        with Simulator(config) as simulator:
            for name, value in stack.config.app_env().items():
                monkeypatch.setenv(name, value)
            monkeypatch.delenv("S3_ENDPOINT", raising=False)
            monkeypatch.setenv("WECOM_API_BASE", simulator.api_base)
            monkeypatch.setenv("MESSAGE_QUIET_HOURS", "00:00-00:00")  # never quiet
            from chalicelib.core.aws import reset_clients
            from chalicelib.core.settings import reset_settings
            from chalicelib.wecom.client import reset_client

            reset_settings()
            reset_clients()
            reset_client()
            yield simulator
    finally:
        stack.stop()
        from chalicelib.core.aws import reset_clients
        from chalicelib.core.settings import reset_settings

        reset_settings()
        reset_clients()


@pytest.mark.timeout(3000)
def test_a_broadcast_to_100k_over_three_senders_makes_exactly_the_calls_it_needs(
    stack_env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.broadcasts import planning, service
    from chalicelib.broadcasts.models import BroadcastIn
    from chalicelib.directory import queries as directory
    from chalicelib.sop import tick
    from wecom_simulator.state import Follow

    audience = members()
    world = stack_env.world
    for contact, sender in audience:
        world.follows[(sender, contact)] = Follow(sender, contact, 0)
    pages_read: list[str | None] = []

    def page(audience_id: str, after: str | None = None, **_: Any) -> directory.MemberPage:
        pages_read.append(after)
        start = 0 if after is None else int(after)
        chunk = [directory.Member(c, s) for c, s in audience[start : start + PAGE]]
        following = start + PAGE
        return directory.MemberPage(chunk, str(following) if following < AUDIENCE else None, 0)

    monkeypatch.setattr(directory, "audience_page", page)
    monkeypatch.setattr(directory, "get_audience", lambda audience_id: None)

    now = 1_796_000_000
    body = BroadcastIn.model_validate(
        {
            "name": "Double 12",
            "audience": {"audience_id": "everyone-vip"},
            "content": {"text": "VIP early access, from {staff}"},
            "send_at": now,
        }
    )
    created = service.create("d12", body, "tester", now=now - 3600)
    assert (created.planning, created.recipients) == ("waiting", 0)  # nothing read in the call
    assert pages_read == []

    assert planning.plan_waiting(now) == 1
    assert len(pages_read) == math.ceil(AUDIENCE / PAGE)
    # A run out of time (on a busy machine) leaves its batches filling; the next fills on.
    runs = [tick.run(now + 60)]
    while not runs[-1].complete:
        runs.append(tick.run(now + 60 * (len(runs) + 1)))
    made = sum(r.calls for r in runs)

    calls = [c["body"] for c in _log(stack_env, "externalcontact/add_msg_template")]
    shares = Counter(sender for _, sender in audience)
    assert len(calls) == made == sum(math.ceil(n / 10_000) for n in shares.values())
    assert made > len(SENDERS)  # a sender's customers span more than one call
    recipients = [c for call in calls for c in call["external_userid"]]
    assert len(recipients) == len(set(recipients)) == AUDIENCE  # nobody twice
    assert set(recipients) == {c for c, _ in audience}  # nobody outside the audience
    wanted = dict(audience)
    for call in calls:
        assert {wanted[c] for c in call["external_userid"]} == {call["sender"]}
        assert call["text"]["content"] == f"VIP early access, from {call['sender']}"
    # one reminder per sender and run that sent to them, whatever the number of calls
    reminders = Counter(c["body"]["touser"] for c in _log(stack_env, "message/send"))
    assert set(reminders) == set(SENDERS) and max(reminders.values()) <= len(runs)
    assert tick.run(now + 3600).calls == 0  # sent once


def _log(simulator: Any, path: str) -> list[dict[str, Any]]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"{simulator.base_url}/_sim/log?path={path}", timeout=60) as answer:
        return list(json.loads(answer.read()))
