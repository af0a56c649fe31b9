"""SVG charts: values become proportional bars, links survive, text is escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from whirlwind.reports.charts import Series, bar_chart, line_chart

NS = "{http://www.w3.org/2000/svg}"


def rects(svg):
    root = ET.fromstring(str(svg))
    return [r for r in root.iter(f"{NS}rect") if r.find(f"{NS}title") is not None]


def test_bar_heights_are_proportional_and_linked():
    svg = bar_chart(
        ["江岸区", "黄陂区"], [Series("未销号", [10, 40], links=["/a", "/b"])], title="t"
    )
    heights = [float(r.get("height")) for r in rects(svg)]
    assert heights[1] == 4 * heights[0]
    assert 'href="/a"' in svg and 'href="/b"' in svg


def test_stacked_bars_stack():
    svg = bar_chart(["x"], [Series("a", [1]), Series("b", [3])], stacked=True)
    a, b = rects(svg)
    assert abs(float(b.get("y")) + float(b.get("height")) - float(a.get("y"))) < 0.2


def test_labels_are_escaped_and_no_style_attributes():
    svg = line_chart(["<script>"], [Series("<b>", [0.5])], percent=True)
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert not re.search(r"\sstyle=", str(svg))
    ET.fromstring(str(svg))  # well-formed


def test_empty_data_renders():
    root = ET.fromstring(str(bar_chart([], [Series("a", [])])))
    assert root.tag == f"{NS}svg" and rects(bar_chart([], [Series("a", [])])) == []
