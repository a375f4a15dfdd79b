"""A report as files: a CSV per table, an XLSX workbook with native charts, and a
self-contained HTML summary (inline SVG charts, no external assets, readable on a phone)."""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from chalicelib.reports.models import Report, Table

PALETTE = ("#2f6fde", "#16a34a", "#f59e0b", "#dc2626", "#7c3aed", "#0891b2")


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def title_of(report: Report) -> str:
    p = report.period
    span = p.start.isoformat() if p.start == p.end else f"{p.start} – {p.end}"
    return f"私域运营报表 Report · {p.kind} · {span}"


def generated_text(report: Report) -> str:
    at = datetime.fromtimestamp(report.generated_at, ZoneInfo(report.timezone))
    return f"generated {at:%Y-%m-%d %H:%M} ({report.timezone})"


# --- CSV ---------------------------------------------------------------------------------


def to_csv(table: Table) -> bytes:
    """UTF-8 with a byte-order mark, so Excel shows Chinese text right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow(["" if v is None else v for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# --- XLSX --------------------------------------------------------------------------------


def to_xlsx(report: Report) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True, "bg_color": "#eef2ff", "border": 1})
    heading = book.add_format({"bold": True, "font_size": 14})
    summary = book.add_worksheet("summary")
    summary.write(0, 0, title_of(report), heading)
    summary.write(1, 0, generated_text(report))
    summary.set_column(0, 0, 34)
    summary.set_column(1, 1, 18)
    for n, (label, value) in enumerate(report.summary, start=3):
        summary.write(n, 0, label, bold)
        summary.write(n, 1, value)
    for table in report.tables:
        sheet = book.add_worksheet(table.name[:31])
        sheet.write_row(0, 0, table.columns, bold)
        for r, row in enumerate(table.rows, start=1):
            sheet.write_row(r, 0, ["" if v is None else v for v in row])
        sheet.set_column(0, len(table.columns) - 1, 14)
        if table.note:
            sheet.write(len(table.rows) + 2, 0, table.note)
        if table.chart and table.rows:
            kind, category, values = table.chart
            chart = book.add_chart({"type": "column" if kind == "bar" else "line"})
            cat = table.columns.index(category)
            last = len(table.rows)
            for value in values:
                col = table.columns.index(value)
                chart.add_series(
                    {
                        "name": [sheet.name, 0, col],
                        "categories": [sheet.name, 1, cat, last, cat],
                        "values": [sheet.name, 1, col, last, col],
                    }
                )
            chart.set_title({"name": table.title})
            chart.set_size({"width": 720, "height": 320})
            sheet.insert_chart(len(table.rows) + 4, 0, chart)
    book.close()
    return buffer.getvalue()


# --- HTML --------------------------------------------------------------------------------

CSS = """
*{box-sizing:border-box}body{margin:0;font:15px/1.45 -apple-system,"PingFang SC",
"Noto Sans CJK SC","Microsoft YaHei",sans-serif;color:#1f2937;background:#f6f7fb}
header{background:#1e3a8a;color:#fff;padding:16px}h1{font-size:19px;margin:0 0 4px}
header p{margin:0;opacity:.85;font-size:13px}main{padding:12px;max-width:960px;margin:auto}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:8px}
.card{background:#fff;border-radius:10px;padding:10px;box-shadow:0 1px 2px #0001}
.card b{display:block;font-size:20px;color:#1e3a8a}.card span{font-size:12px;color:#6b7280}
section{background:#fff;border-radius:10px;margin:12px 0;padding:12px;
box-shadow:0 1px 2px #0001}h2{font-size:16px;margin:0 0 8px}
.scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:13px}
th,td{padding:5px 7px;border-bottom:1px solid #e5e7eb;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}th{background:#eef2ff}
svg{width:100%;height:auto;display:block}.legend{font-size:12px;margin:4px 0}
.legend i{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px;border-radius:2px}
.note{font-size:12px;color:#6b7280}
"""


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"
    return html.escape(str(value))


def svg_chart(table: Table) -> str:
    """An inline SVG bar or line chart of the table's chart columns."""
    if not table.chart or not table.rows:
        return ""
    kind, category, values = table.chart
    cat = table.columns.index(category)
    series = [(v, [_number(r[table.columns.index(v)]) for r in table.rows]) for v in values]
    labels = [str(r[cat]) for r in table.rows]
    width, height, left, bottom, top = 640, 260, 44, 54, 12
    plot_w, plot_h = width - left - 10, height - bottom - top
    peak = max([max(vals) for _, vals in series] + [0.0]) or 1.0
    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{html.escape(table.title)}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for step in range(5):
        y = top + plot_h - plot_h * step / 4
        parts.append(
            f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e7eb"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="11" text-anchor="end" '
            f'fill="#6b7280">{_fmt(round(peak * step / 4, 1))}</text>'
        )
    n = len(labels)
    slot = plot_w / n
    for i, label in enumerate(labels):
        x = left + slot * (i + 0.5)
        if n <= 16 or i % max(1, n // 12) == 0:
            parts.append(
                f'<text x="{x:.1f}" y="{height - bottom + 14}" font-size="10" fill="#374151" '
                f'text-anchor="end" transform="rotate(-35 {x:.1f} {height - bottom + 14})">'
                f"{html.escape(label[-12:])}</text>"
            )
    for s, (_, vals) in enumerate(series):
        color = PALETTE[s % len(PALETTE)]
        if kind == "bar":
            bar = slot * 0.8 / len(series)
            for i, v in enumerate(vals):
                h = plot_h * v / peak
                x = left + slot * i + slot * 0.1 + bar * s
                parts.append(
                    f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar:.1f}" '
                    f'height="{h:.1f}" fill="{color}"/>'
                )
        else:
            points = " ".join(
                f"{left + slot * (i + 0.5):.1f},{top + plot_h - plot_h * v / peak:.1f}"
                for i, v in enumerate(vals)
            )
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="2.5"/>'
            )
            if len(vals) <= 40:  # a dot per point: a single day still shows
                parts.extend(
                    f'<circle cx="{left + slot * (i + 0.5):.1f}" '
                    f'cy="{top + plot_h - plot_h * v / peak:.1f}" r="3.5" fill="{color}"/>'
                    for i, v in enumerate(vals)
                )
    parts.append("</svg>")
    legend = "".join(
        f'<i style="background:{PALETTE[s % len(PALETTE)]}"></i>{html.escape(name)}'
        for s, (name, _) in enumerate(series)
    )
    return "".join(parts) + f'<div class="legend">{legend}</div>'


def _html_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{_fmt(v)}</td>" for v in row) + "</tr>" for row in rows)
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    return f'<div class="scroll">{table}</div>'


def to_html(report: Report) -> str:
    cards = "".join(
        f'<div class="card"><b>{html.escape(value)}</b><span>{html.escape(label)}</span></div>'
        for label, value in report.summary
    )
    sections = []
    for table in report.tables:
        content = (
            svg_chart(table) + _html_table(table.columns, table.rows)
            if table.rows
            else '<p class="note">no data in this period</p>'
        )
        note = f'<p class="note">{html.escape(table.note)}</p>' if table.note else ""
        sections.append(f"<section><h2>{html.escape(table.title)}</h2>{content}{note}</section>")
    title = html.escape(title_of(report))
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{title}</title><style>{CSS}</style></head><body>"
        f"<header><h1>{title}</h1><p>{html.escape(generated_text(report))}</p></header>"
        f'<main><div class="cards">{cards}</div>{"".join(sections)}</main></body></html>'
    )
