"""The report files: CSV per table, an XLSX whose charts Excel-compatible readers see, and an
HTML summary that a phone-sized headless Chromium renders (a screenshot, not blank)."""

from __future__ import annotations

import csv
import io
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from chalicelib.reports.figures import build
from chalicelib.reports.models import Report, Sources
from chalicelib.reports.render import to_csv, to_html, to_xlsx
from tests.unit.reports.test_figures import PERIOD, ROWS

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def report() -> Report:
    return build(PERIOD, ROWS, Sources(), "Asia/Shanghai", 1_772_000_000)


def test_csv_per_table_opens_in_excel_with_chinese_text(report: Report) -> None:
    channels = next(t for t in report.tables if t.name == "channels")
    raw = to_csv(channels)
    assert raw.startswith("\ufeff".encode())  # the BOM Excel needs for UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:3] == ["channel", "new_contacts", "deletions"]
    assert rows[1][:4] == ["poster", "10", "2", "8"]


def test_xlsx_has_every_table_and_native_charts(report: Report) -> None:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(to_xlsx(report)))
    assert book.sheetnames[0] == "summary"
    assert {"channels", "daily", "staff", "sop_funnel", "points", "tiers"} <= set(book.sheetnames)
    channels = book["channels"]
    assert [c.value for c in channels[2]][:4] == ["poster", 10, 2, 8]
    charts = {name: len(book[name]._charts) for name in book.sheetnames}
    assert charts["channels"] == 1 and charts["daily"] == 1 and charts["tiers"] == 1
    summary = {row[0].value: row[1].value for row in book["summary"].iter_rows(min_row=4)}
    assert summary["复购率 Repurchase rate"] == "37.5%"


def test_html_is_self_contained(report: Report) -> None:
    page = to_html(report)
    assert page.count("<svg") >= 4
    assert 'name="viewport"' in page
    without_svg_namespace = page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    for external in ("http://", "https://", "<script", "<link", "src="):
        assert external not in without_svg_namespace


def _png_pixels(path: Path) -> tuple[int, int, bytes]:
    """Width, height and raw RGB(A) rows of a PNG (8-bit, non-interlaced)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
            assert depth == 8
            channels = {2: 3, 6: 4}[color]
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    out = bytearray()
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        if kind == 1:
            for i in range(channels, stride):
                line[i] = (line[i] + line[i - channels]) & 0xFF
        elif kind == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, previous, strict=True))
        elif kind == 3:
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                line[i] = (line[i] + (left + previous[i]) // 2) & 0xFF
        elif kind == 4:
            for i in range(stride):
                a = line[i - channels] if i >= channels else 0
                b, c = previous[i], previous[i - channels] if i >= channels else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
        out += line
        previous = line
    return width, height, bytes(out)


@pytest.mark.skipif(
    shutil.which(CHROMIUM) is None, reason="make test (or make test-unit) puts Chromium there"
)
def test_html_renders_on_a_phone_sized_headless_chromium(report: Report, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(to_html(report), encoding="utf-8")
    shot = tmp_path / "report.png"
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={shot}",
            "--window-size=412,2000",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    assert shot.exists()
    width, height, pixels = _png_pixels(shot)
    assert (width, height) == (412, 2000)
    channels = len(pixels) // (width * height)
    colours = {pixels[i : i + 3] for i in range(0, len(pixels), channels * 7)}
    assert len(colours) > 20  # header, cards, charts and text: far from a blank page
    header = pixels[(10 * width + 200) * channels : (10 * width + 200) * channels + 3]
    assert header == bytes((0x1E, 0x3A, 0x8A))  # the dark blue header is painted
