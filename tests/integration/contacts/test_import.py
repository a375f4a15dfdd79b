"""Contacts imported by the initial sync (``batch/get_by_user``), not by an event."""

from __future__ import annotations

from chalicelib.contacts import service


def test_a_batch_answer_creates_the_contact_with_tag_ids_and_hashed_phone(aws: None) -> None:
    contact = service.upsert_from_wecom(
        {
            "external_userid": "wmImported",
            "name": "韩梅梅",
            "type": 1,
            "gender": 2,
            "unionid": "ou-imported",
        },
        [
            {
                "userid": "lisi",
                "createtime": 1_700_000_000,
                "tag_id": ["etVip", "etPoster"],
                "remark_mobiles": ["13800138000"],
                "state": "s02:parcel",
                "add_way": 1,
            }
        ],
    )
    rel = contact.relationship("lisi")
    assert rel is not None
    assert rel.channel == "parcel" and rel.code == "s02"
    assert set(rel.tag_ids) == {"etVip", "etPoster"}
    assert service.contacts_by_phone("138 0013 8000") == ["wmImported"]
    assert "13800138000" not in repr(contact.model_dump())


def test_importing_a_second_follower_keeps_the_first(aws: None) -> None:
    profile = {"external_userid": "wmTwice", "name": "Wei"}
    service.upsert_from_wecom(profile, [{"userid": "lisi", "createtime": 1}])
    contact = service.upsert_from_wecom(profile, [{"userid": "wangwu", "createtime": 2}])
    assert sorted(r.staff_userid for r in contact.relationships) == ["lisi", "wangwu"]
