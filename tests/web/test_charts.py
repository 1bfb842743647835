"""The dashboard's inline SVG charts: well-formed, scalable, escaped, and drawing what
the data says (gaps, the weak-signal line, bars only where something happened)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from kasa_doctor.web import charts

SVG = "{http://www.w3.org/2000/svg}"
HOUR = 3600.0
T0 = 1_800_000_000.0


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # raises on anything that is not well-formed XML
    assert root.tag == f"{SVG}svg"
    return root


def scalable(root: ET.Element) -> None:
    assert root.get("width") == "100%"
    assert re.fullmatch(r"0 0 \d+ \d+", root.get("viewBox") or "")
    assert root.get("role") == "img" and root.get("aria-label")


def signal_points(values: list[float | None]) -> list[tuple[float, float | None]]:
    return [(T0 + i * HOUR, v) for i, v in enumerate(values)]


def test_line_chart_has_axes_labels_and_the_threshold_line() -> None:
    svg = charts.line_chart(
        signal_points([-55, -60, -72, -80, -66]),
        title="porch: Wi-Fi signal",
        unit=" dBm",
        threshold=-70,
        threshold_label="weak below −70 dBm",
    )
    root = parse(svg)
    scalable(root)
    assert root.findtext(f"{SVG}title") == "porch: Wi-Fi signal"
    paths = root.findall(f"{SVG}path")
    assert len(paths) == 1 and paths[0].get("class") == "line"
    threshold = root.find(f"{SVG}line[@class='threshold']")
    assert threshold is not None
    ticks = [t.text or "" for t in root.findall(f"{SVG}text[@class='tick']")]
    assert any("dBm" in t for t in ticks)
    assert "−70 dBm" in ticks  # a tick at the threshold: the y range is round
    assert sum(bool(re.fullmatch(r"\d\d:\d\d", t)) for t in ticks) == charts.X_TICKS
    labels = [t.text for t in root.findall(f"{SVG}text[@class='threshold-label']")]
    assert labels == ["weak below −70 dBm"]
    # the threshold lies between the best and the worst reading on screen
    ys = [float(v) for v in re.findall(r"[ML][\d.]+ ([\d.]+)", paths[0].get("d") or "")]
    y_threshold = float(threshold.get("y1") or 0)
    assert min(ys) < y_threshold < max(ys)


def test_missing_values_break_the_line() -> None:
    root = parse(charts.line_chart(signal_points([-50, -52, None, -60, -61, None, -58]), title="t"))
    assert len(root.findall(f"{SVG}path")) == 2
    assert len(root.findall(f"{SVG}circle")) == 1  # the lone point after the second gap


def test_no_values_draws_an_empty_box_that_says_so() -> None:
    root = parse(charts.line_chart(signal_points([None, None]), title="nothing"))
    scalable(root)
    assert "No readings" in (root.findtext(f"{SVG}text") or "")
    assert root.findall(f"{SVG}path") == []


def test_fixed_range_clamps_values_inside_the_plot() -> None:
    root = parse(
        charts.line_chart(signal_points([0, 50, 100, 140]), title="a", y_range=(0.0, 100.0))
    )
    ys = [float(v) for v in re.findall(r"[ML][\d.]+ ([\d.]+)", root.find(f"{SVG}path").get("d"))]  # type: ignore[union-attr, arg-type]
    assert min(ys) >= charts.PAD_TOP and max(ys) <= charts.HEIGHT - charts.PAD_BOTTOM


def test_bar_chart_draws_a_bar_only_where_there_were_restarts() -> None:
    points = [(T0 + i * HOUR, n) for i, n in enumerate([0, 2, 0, 0, 5, 1])]
    root = parse(charts.bar_chart(points, title="restarts", bucket=HOUR))
    scalable(root)
    bars = root.findall(f"{SVG}rect[@class='bar']")
    assert len(bars) == 3
    heights = [float(b.get("height") or 0) for b in bars]
    assert heights[1] > heights[0] > heights[2] > 0  # 5 > 2 > 1
    assert [b.findtext(f"{SVG}title") for b in bars][1].endswith(": 5")  # type: ignore[union-attr]


def test_sparkline_marks_the_threshold_and_handles_no_data() -> None:
    root = parse(charts.sparkline([-60, -62, None, -75, -80], title="spark", threshold=-70))
    scalable(root)
    assert root.find(f"{SVG}line[@class='spark-threshold']") is not None
    assert len(root.findall(f"{SVG}path")) == 2  # the gap splits the line
    assert root.findall(f"{SVG}circle") == []
    empty = parse(charts.sparkline([None] * 24, title="none"))
    assert "spark-empty" in (empty.get("class") or "")


@pytest.mark.parametrize("evil", ["<script>alert(1)</script>", 'a" onload="x', "café & <b>"])
def test_every_text_is_escaped(evil: str) -> None:
    for svg in (
        charts.line_chart(
            signal_points([-50, -60]), title=evil, threshold_label=evil, threshold=-55
        ),
        charts.bar_chart([(T0, 1)], title=evil, bucket=HOUR),
        charts.sparkline([-50, -60], title=evil),
        charts.empty_chart(evil, evil),
    ):
        root = parse(svg)
        assert "<script" not in svg and 'onload="' not in svg
        assert root.get("aria-label") == evil
        assert root.findtext(f"{SVG}title") == evil
        assert all("onload" not in k for el in root.iter() for k in el.attrib)


def test_degenerate_input_still_draws() -> None:
    one = parse(charts.line_chart([(T0, -60.0)], title="one"))
    assert len(one.findall(f"{SVG}circle")) == 1
    flat = parse(charts.line_chart(signal_points([-60, -60, -60]), title="flat"))
    assert len(flat.findall(f"{SVG}path")) == 1
    assert parse(charts.bar_chart([], title="none", bucket=HOUR)) is not None
    nan = charts.line_chart(signal_points([float("nan"), -60, -61]), title="not a number")
    parse(nan)
    assert not re.search(r"\b(nan|inf)\b", nan, re.I)


def test_long_periods_label_days_not_hours() -> None:
    week = [(T0 + i * 86400, -60.0) for i in range(8)]
    ticks = [t.text or "" for t in parse(charts.line_chart(week, title="w")).iter(f"{SVG}text")]
    assert any(re.fullmatch(r"\d\d [A-Z][a-z]{2}", t) for t in ticks)
