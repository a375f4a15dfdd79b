"""Known customers for tests: stored as a WeCom ``externalcontact/get`` answer would be."""

from __future__ import annotations

import time


def known_contact(external_userid: str, name: str = "客户", staff: str = "zhangsan") -> None:
    from chalicelib.contacts.service import save_snapshot

    save_snapshot(
        external_userid,
        {
            "external_contact": {"external_userid": external_userid, "name": name},
            "follow_user": [{"userid": staff, "createtime": int(time.time())}],
        },
        {},
    )
