"""Exports of a filter's customers, as a job in the directory function: pages of the
filter's rows written to CSV or XLSX, progress kept on the export's record, the file put
under ``directory/exports/`` of the report bucket. Phone numbers appear only as their stored
hashes. The link is presigned when asked for and lives a few minutes."""

from __future__ import annotations

import csv
import io
import tempfile
import time
from pathlib import Path
from typing import Any

from chalicelib.core.aws import client as aws_client
from chalicelib.core.errors import NotFound
from chalicelib.core.observability import logger
from chalicelib.core.settings import get_settings
from chalicelib.directory import store
from chalicelib.directory.compiler import Scope
from chalicelib.directory.engine import PREFIX
from chalicelib.directory.models import Filter

PAGE = 5_000
LINK_S = 300
HEADER = (
    "contact_id",
    "name",
    "gender",
    "status",
    "channel",
    "staff",
    "tags",
    "added_at",
    "segment",
    "tier",
    "spend_cents",
    "orders",
    "last_order_at",
    "points",
    "groups",
    "referrer",
    "remarks",
    "phone_hashes",
)
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class ExportNotFound(NotFound):
    code = "export_not_found"


def export_key(export_id: str, fmt: str) -> str:
    return f"{PREFIX}exports/{export_id}.{fmt}"


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value  # never a formula in a spreadsheet
    return "" if value is None else value


def run(export_id: str) -> dict[str, Any]:
    """Write the export; its record says ``running`` with progress, then ``done`` or
    ``failed``."""
    from chalicelib.directory.engine import get_engine

    record = store.get_export(export_id)
    if record is None:
        raise ExportNotFound(f"no export {export_id!r}")
    fmt = str(record["format"])
    filter_ = Filter.model_validate(record["filter"])
    staff = record.get("scope_staff")
    scope = Scope(None if staff is None else frozenset(staff))
    now = int(record.get("created_at") or time.time())
    engine = get_engine()
    record |= {"status": "running", "progress": 0.0}
    store.save_export(export_id, record, now)
    try:
        total = engine.count(filter_, scope, now)["count"]
        rows: list[list[Any]] = []
        written = 0
        cursor = None
        while True:
            page = engine.search(
                filter_, scope, now, sort="added_at", order="asc", cursor=cursor, limit=PAGE
            )
            rows.extend([_cell(item.get(c)) for c in HEADER] for item in page["items"])
            written += len(page["items"])
            record["progress"] = round(min(written / total, 0.99), 3) if total else 0.99
            store.save_export(export_id, record, now)
            cursor = page["next_cursor"]
            if cursor is None:
                break
        key = export_key(export_id, fmt)
        _put(key, fmt, rows)
        record |= {"status": "done", "progress": 1.0, "rows": written, "key": key}
    except Exception as error:
        record |= {"status": "failed", "error": type(error).__name__}
        store.save_export(export_id, record, now)
        logger.exception("directory export failed")
        raise
    store.save_export(export_id, record, now)
    logger.info("directory export written", extra={"export_id": export_id, "rows": written})
    return {"export_id": export_id, "status": "done", "rows": written}


def _put(key: str, fmt: str, rows: list[list[Any]]) -> None:
    s3 = aws_client("s3")
    bucket = get_settings().reports_bucket
    if fmt == "csv":
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(HEADER)
        writer.writerows(rows)
        body = ("\ufeff" + text.getvalue()).encode()
        s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=CONTENT_TYPES["csv"])
        return
    import xlsxwriter

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.xlsx"
        book = xlsxwriter.Workbook(
            str(path), {"constant_memory": True, "strings_to_formulas": False}
        )
        sheet = book.add_worksheet("customers")
        sheet.write_row(0, 0, HEADER)
        for n, row in enumerate(rows, start=1):
            sheet.write_row(n, 0, row)
        book.close()
        s3.upload_file(str(path), bucket, key, ExtraArgs={"ContentType": CONTENT_TYPES["xlsx"]})


def link(key: str) -> str:
    return str(
        aws_client("s3").generate_presigned_url(
            "get_object",
            Params={"Bucket": get_settings().reports_bucket, "Key": key},
            ExpiresIn=LINK_S,
        )
    )
