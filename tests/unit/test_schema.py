"""The key schema is defined once: models, table creation and infra all read it."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest
from pynamodb.attributes import TTLAttribute

from chalicelib.storage.dynamo import TableModel
from chalicelib.storage.schema import ALL_TABLES, CALLBACK_EVENTS, Table


def _all_models() -> list[type[TableModel]]:
    """Every concrete model in chalicelib (imported here so none can be missed)."""
    import chalicelib

    for module in pkgutil.walk_packages(chalicelib.__path__, "chalicelib."):
        importlib.import_module(module.name)
    found, pending = [], list(TableModel.__subclasses__())
    while pending:
        model = pending.pop()
        pending.extend(model.__subclasses__())
        if not getattr(model.Meta, "abstract", False) and model.__module__.startswith(
            "chalicelib."
        ):
            found.append(model)
    return sorted(found, key=lambda m: m.__name__)


MODELS = _all_models()


def test_the_known_models_are_found() -> None:
    names = {m.__name__ for m in MODELS}
    assert {"CallbackEventModel", "WeComTokenModel", "EffectMarker"} <= names


def _pynamo_keys(schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "keys": sorted((k["AttributeName"], k["KeyType"]) for k in schema["key_schema"]),
        "indexes": sorted(
            (
                i["index_name"],
                tuple(sorted((k["AttributeName"], k["KeyType"]) for k in i["key_schema"])),
            )
            for i in schema["global_secondary_indexes"]
        ),
        "types": {a["AttributeName"]: a["AttributeType"] for a in schema["attribute_definitions"]},
    }


def _schema_keys(table: Table) -> dict[str, Any]:
    request = table.create_table_request("any")
    return {
        "keys": sorted((k["AttributeName"], k["KeyType"]) for k in request["KeySchema"]),
        "indexes": sorted(
            (
                i["IndexName"],
                tuple(sorted((k["AttributeName"], k["KeyType"]) for k in i["KeySchema"])),
            )
            for i in request.get("GlobalSecondaryIndexes", [])
        ),
        "types": {a["AttributeName"]: a["AttributeType"] for a in request["AttributeDefinitions"]},
    }


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_model_matches_its_table_in_the_schema(model: type[TableModel]) -> None:
    assert model.schema in ALL_TABLES
    assert _pynamo_keys(model._get_schema()) == _schema_keys(model.schema)
    ttl = [name for name, attr in model.get_attributes().items() if isinstance(attr, TTLAttribute)]
    assert ttl == ([model.schema.ttl_attribute] if model.schema.ttl_attribute else [])


def test_table_names_are_unique() -> None:
    names = [t.logical_name for t in ALL_TABLES]
    assert len(names) == len(set(names))


def test_create_table_request_declares_each_key_attribute_once() -> None:
    request = CALLBACK_EVENTS.create_table_request("scrm-x-callback-events")
    assert request["TableName"] == "scrm-x-callback-events"
    assert request["BillingMode"] == "PAY_PER_REQUEST"
    names = [a["AttributeName"] for a in request["AttributeDefinitions"]]
    assert sorted(names) == ["due_at", "pending_status", "pk"]
