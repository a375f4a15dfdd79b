"""Key formats and model keys come from one place: a table's items get their keys (and TTL
attribute) from the schema, and a key format is declared once as data."""

from __future__ import annotations

import pytest
from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute

from chalicelib.storage.dynamo import TableModel, table_attributes
from chalicelib.storage.keys import Prefix
from chalicelib.storage.schema import ALL_TABLES, AUDIT_LOG, CONTACTS, RUNTIME_STATE, SCREENING


def test_a_key_format_writes_its_prefix_then_the_parts_joined_by_hash() -> None:
    contact_pk = Prefix("contact#")
    unmatched_pk = Prefix("unmatched#")
    assert contact_pk("wm1") == "contact#wm1"
    assert unmatched_pk("phone", "ab12") == "unmatched#phone#ab12"
    assert Prefix("changed#")("2026-12-01T10:15", 3) == "changed#2026-12-01T10:15#3"


def test_a_key_format_reads_its_part_back_and_refuses_another_format() -> None:
    contact_pk = Prefix("contact#")
    assert contact_pk.part(contact_pk("wm#1")) == "wm#1"
    with pytest.raises(ValueError, match="is not a 'contact#' key"):
        contact_pk.part("phone#ab12")
    with pytest.raises(TypeError):
        contact_pk()


def test_the_stores_key_formats_are_unchanged() -> None:
    from chalicelib.contacts import store as contacts
    from chalicelib.directory import store as directory
    from chalicelib.orders import store as orders
    from chalicelib.screening import store as screening

    assert contacts.contact_pk("wm1") == "contact#wm1"
    assert contacts.rel_sk("zhangsan") == "rel#zhangsan"
    assert orders.unmatched_pk("union", "u1") == "unmatched#union#u1"
    assert directory.changed_pk("202612011015", 7) == "changed#202612011015#7"
    assert screening.due_pk("2026-12-01") == "due#2026-12-01"


class _Session(TableModel):
    schema = RUNTIME_STATE

    name = UnicodeAttribute(default="")


class _ScreeningBase(TableModel):
    schema = SCREENING

    class Meta(TableModel.Meta):
        abstract = True


class _Score(_ScreeningBase):
    score = NumberAttribute(default=0)


def test_a_model_takes_its_keys_and_ttl_from_its_table() -> None:
    pk = _Session.get_attributes()["pk"]
    assert isinstance(pk, UnicodeAttribute) and pk.is_hash_key and pk.attr_name == "pk"
    assert _Session._hash_keyname == "pk" and _Session._range_keyname is None
    expires = _Session.get_attributes()["expires_at"]
    assert isinstance(expires, TTLAttribute) and expires.null
    item = _Session("lock#1", name="tick")
    assert item.pk == "lock#1" and item.expires_at is None


def test_an_item_type_inherits_its_tables_keys_and_is_concrete_unless_it_says_so() -> None:
    assert (_Score._hash_keyname, _Score._range_keyname) == ("pk", "sk")
    assert set(_Score.get_attributes()) == {"pk", "sk", "expires_at", "score"}
    assert _ScreeningBase.Meta.abstract is True
    assert _Score.Meta.abstract is False
    # Each class its own Meta: binding one to a table never rebinds another.
    assert _Score.Meta is not _ScreeningBase.Meta and _Session.Meta is not TableModel.Meta


def test_a_declared_key_or_ttl_attribute_is_kept_as_declared() -> None:
    class Token(TableModel):
        schema = RUNTIME_STATE

        pk = UnicodeAttribute(hash_key=True, default="token")
        expires_at = TTLAttribute()

    assert Token.get_attributes()["pk"].default == "token"
    assert not Token.get_attributes()["expires_at"].null


def test_every_table_keys_are_the_names_the_models_are_typed_with() -> None:
    # TableModel declares ``pk`` and ``sk`` (strings) for the type checker: true of every table.
    for table in ALL_TABLES:
        assert (table.partition.name, table.partition.type) == ("pk", "S")
        assert table.sort is None or (table.sort.name, table.sort.type) == ("sk", "S")
        assert table.ttl_attribute in (None, "expires_at")


def test_table_attributes_follow_the_schema() -> None:
    assert set(table_attributes(CONTACTS)) == {"pk", "sk"}
    assert set(table_attributes(AUDIT_LOG)) == {"pk", "sk"}
    assert set(table_attributes(SCREENING)) == {"pk", "sk", "expires_at"}


def test_a_shared_item_shape_keeps_each_tables_keys_and_the_same_attributes() -> None:
    from chalicelib.membership import store as membership
    from chalicelib.points import store as points

    for model in (membership.ConfigItem, points.ConfigItem):
        assert set(model.get_attributes()) >= {"pk", "sk", "doc", "updated_by", "updated_at"}
    assert membership.ConfigItem.schema.logical_name == "membership"
    assert points.JobItem.schema.logical_name == "points"
    assert set(points.JobItem.get_attributes()) == {
        "pk",
        "sk",
        "expiry_shard",
        "expires_at",
        "cursor",
        "updated_at",
    }
