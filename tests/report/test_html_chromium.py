"""The HTML report renders in headless Chromium (Debian's `chromium`) without errors.

Skipped when Chromium is not installed; CI installs it with
``apt-get install -y chromium``.

The page has no scripts, so *any* console message is a failure — a blocked resource
(the page's Content-Security-Policy forbids loading anything) shows up as one.
Chromium's own complaints about the machine (no D-Bus, no GPU) are not about the
page and are ignored.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from kasa_doctor.engine.session import Session
from kasa_doctor.knowledge.loader import KnowledgeBase
from kasa_doctor.report import build_report, render

from .support import ALL_FIXTURES, basic_info, fixture_session, load

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed (apt-get install -y chromium)",
)
WIDTH, HEIGHT = 1200, 1600
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
]
# Complaints about the page, as opposed to about the machine it runs on.
PAGE_ERROR = re.compile(r":CONSOLE|Refused to|net::ERR_|Uncaught|Content.Security.Policy", re.I)


def _chromium(tmp: Path, html_file: Path, *output: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    env = dict(os.environ, HOME=str(tmp))  # keep Chromium's odds and ends out of ~
    return subprocess.run(
        [
            CHROMIUM,
            *FLAGS,
            f"--user-data-dir={tmp / 'profile'}",
            *output,
            f"--window-size={WIDTH},{HEIGHT}",
            html_file.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def _page_errors(stderr: str, html_file: Path) -> list[str]:
    return [
        line
        for line in stderr.splitlines()
        if PAGE_ERROR.search(line) or ("ERROR" in line and html_file.name in line)
    ]


def _png_pixels(path: Path) -> tuple[int, int, bytes]:
    """Width, height and the decompressed image data of a PNG (no PIL needed)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    width = height = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    return width, height, zlib.decompress(idat)


def _screenshot(tmp_path: Path, html: str) -> Path:
    page = tmp_path / "report.html"
    page.write_text(html, encoding="utf-8")
    png = tmp_path / "report.png"
    result = _chromium(tmp_path, page, f"--screenshot={png}")
    assert result.returncode == 0, result.stderr[-2000:]
    assert not _page_errors(result.stderr, page), _page_errors(result.stderr, page)
    assert png.exists(), result.stderr[-2000:]
    width, height, pixels = _png_pixels(png)
    assert (width, height) == (WIDTH, HEIGHT)
    # a blank or failed page is one colour; a report has text, rules and bars
    assert png.stat().st_size > 20_000
    assert len(set(pixels[::97])) > 20
    return png


@pytest.mark.parametrize("path", ALL_FIXTURES, ids=[p.name for p in ALL_FIXTURES])
def test_redacted_html_renders_to_png(path: Path, kb: KnowledgeBase, tmp_path: Path) -> None:
    session = fixture_session(path)
    report = build_report(session, kb, extra_device=basic_info(load(path)))
    _screenshot(tmp_path, render(report, "html"))


def test_unredacted_and_empty_reports_render(kb: KnowledgeBase, tmp_path: Path) -> None:
    session = fixture_session(ALL_FIXTURES[0])
    (tmp_path / "a").mkdir()
    _screenshot(tmp_path / "a", render(build_report(session, kb, redact=False), "html"))
    (tmp_path / "b").mkdir()
    _screenshot(tmp_path / "b", render(build_report(Session(), kb), "html"))


def test_html_prints_to_pdf(kb: KnowledgeBase, tmp_path: Path) -> None:
    path = next(p for p in ALL_FIXTURES if p.name.startswith("C210(EU)_2.0"))
    page = tmp_path / "report.html"
    page.write_text(render(build_report(fixture_session(path), kb), "html"), encoding="utf-8")
    pdf = tmp_path / "report.pdf"
    result = _chromium(tmp_path, page, "--no-pdf-header-footer", f"--print-to-pdf={pdf}")
    assert result.returncode == 0, result.stderr[-2000:]
    assert not _page_errors(result.stderr, page)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))
    # the report, then the raw-readings appendix on pages of its own
    assert pages >= 2
