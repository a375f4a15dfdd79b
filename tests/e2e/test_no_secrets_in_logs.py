"""No secret, access token or raw phone number reaches any log line of the local stack."""

from __future__ import annotations

import re
import time
from typing import Any

from local_stack import LocalStack

PHONE = "13912345678"


def test_logs_of_every_service_hold_no_secret_and_no_phone_number(
    stack: LocalStack, sim: str, http: Any, admin: Any
) -> None:
    _, added = http(
        "POST",
        f"{sim}/_sim/customers/add",
        {"userid": "zhangsan", "name": "Secret Keeper", "state": "s3:store"},
    )
    customer = added["external_userid"]
    status, _ = http(
        "POST",
        f"{sim}/_sim/customers/edit",
        {
            "userid": "zhangsan",
            "external_userid": customer,
            "remark_mobiles": [PHONE],
        },
    )
    assert status == 200
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:  # the edit is processed: the phone hash is stored
        status, contact = admin("GET", f"/admin/contacts/{customer}", role="viewer")
        relationships = contact.get("relationships") if status == 200 else None
        if relationships and relationships[0]["phone_hashes"]:
            break
        time.sleep(0.3)
    else:
        raise AssertionError("the edit with a remark phone was not processed")
    assert PHONE not in str(contact)

    config = stack.config
    secrets = {
        "WECOM_TOKEN": config.token,
        "WECOM_ENCODING_AES_KEY": config.encoding_aes_key,
        "WECOM_SECRET": config.secret,
        "ADMIN_JWT_SECRET": config.admin_jwt_secret,
        "PHONE_HASH_KEY": config.phone_hash_key,
        "SHOPIFY_WEBHOOK_SECRET": config.shopify_webhook_secret,
        "YOUZAN_CLIENT_SECRET": config.youzan_client_secret,
        "GENERIC_WEBHOOK_SECRET": config.generic_webhook_secret,
    }
    logs = {path.name: path.read_text(errors="replace") for path in config.log_dir.glob("*.log")}
    assert {"api.log", "event-sources.log", "wecom-simulator.log"} <= set(logs)
    for name, text in logs.items():
        for secret_name, value in secrets.items():
            assert value not in text, f"{secret_name} in {name}"
        assert PHONE not in text, f"a raw phone number in {name}"
        assert not re.search(r"access_token=(?!\*)[\w-]{8,}", text), f"an access token in {name}"
        assert not re.search(r"corpsecret=(?!\*)\w", text), f"the corp secret in {name}"
