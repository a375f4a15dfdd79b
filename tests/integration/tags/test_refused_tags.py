"""A tag WeCom refuses (a rule naming a tag it does not know) never makes the add a dead
letter: the contact is stored, the refusal is on the timeline."""

from __future__ import annotations

from typing import Any

from chalicelib.callbacks import processing
from chalicelib.contacts import service as contacts
from chalicelib.tags import service as tags_service
from chalicelib.tags.models import TagRuleIn
from chalicelib.wecom.errors import WeComError
from tests.support.fake_wecom_api import FakeWeComApi, contact_event_xml, stored_event

T0 = 1_700_000_000


def test_an_add_whose_auto_tag_wecom_refuses_is_processed(wecom: FakeWeComApi) -> None:
    def refuse(*args: Any, **kwargs: Any) -> dict[str, Any]:
        raise WeComError(40068, "invalid tag id", "externalcontact/mark_tag")

    wecom.mark_tag = refuse  # type: ignore[method-assign]
    wecom.customer("wmTagged")
    wecom.follow("wmTagged", "zhangsan", createtime=T0, state="fuzz")
    tags_service.put_rule("everyone", TagRuleIn(tag_ids=["0"]))  # the catalogue is empty
    key = stored_event(
        contact_event_xml("add_external_contact", "wmTagged", "zhangsan", create_time=T0)
    )
    assert processing.process(key).outcome == "processed"
    assert contacts.get_contact("wmTagged").status == "active"
    kinds = [e.kind for e in contacts.get_timeline("wmTagged", 20)]
    assert "tag_failed" in kinds and "added" in kinds
