"""Charts: accessible, deterministic SVG drawn from the facts."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from khub.data.model import FactSet
from khub.render import charts
from tests.kit.hubs import copy_data, load_hub, replace_once

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def files(factset: FactSet) -> dict[str, bytes]:
    """Return the chart files of the repository's facts."""
    return charts.extra_files(factset)


def test_every_chart_is_a_standalone_svg_file(files: dict[str, bytes]) -> None:
    assert sorted(files) == [f"assets/charts/{n}.svg" for n in sorted(charts.NAMES)]
    for data in files.values():
        root = ET.fromstring(data)
        assert root.tag == f"{SVG}svg"
        assert root.get("role") == "img"
        title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
        assert title is not None and title.text
        assert desc is not None and desc.text
        assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
        assert b"<style" not in data and b"<metadata" not in data


def test_charts_are_byte_identical_when_drawn_again(
    factset: FactSet, files: dict[str, bytes]
) -> None:
    charts._CACHE.clear()
    assert charts.extra_files(factset) == files


def test_a_changed_fact_redraws_its_chart(tmp_path: Path, files: dict[str, bytes]) -> None:
    root = copy_data(tmp_path)
    replace_once(root / "data/facts/benchmarks.yml", "value: 80.2\n", "value: 84.1\n")
    redrawn = charts.extra_files(load_hub(root))
    name = "assets/charts/swe-bench-verified.svg"
    assert redrawn[name] != files[name]
    assert b"84.1%" in redrawn[name]
    assert redrawn["assets/charts/cost-vs-volume.svg"] == files["assets/charts/cost-vs-volume.svg"]


def test_the_descriptions_state_the_numbers(files: dict[str, bytes]) -> None:
    swe = ET.fromstring(files["assets/charts/swe-bench-verified.svg"]).find(f"{SVG}desc")
    cost = ET.fromstring(files["assets/charts/cost-vs-volume.svg"]).find(f"{SVG}desc")
    assert swe is not None and cost is not None
    assert "Claude Opus 4.8 (closed) 88.6%" in (swe.text or "")
    assert "MiniMax M2.5 (open) 80.2%" in (swe.text or "")
    assert "crosses GPU rental at 358.33M tokens/day" in (cost.text or "")
    assert "500M tokens/day crossover the source states" in (cost.text or "")


def test_the_figures_inline_with_unique_ids_and_a_table(factset: FactSet) -> None:
    helper = charts.chart_helper(factset)
    html = "\n".join(helper(name) for name in charts.NAMES)
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    for ref in re.findall(r'(?:href="#|url\(#)([^")]+)', html):
        assert ref in ids
    assert html.count("<figcaption>") == 2
    assert html.count("<table>") == 2
    assert "\n\n" not in html


def test_an_unknown_chart_is_a_clear_error(factset: FactSet) -> None:
    with pytest.raises(charts.ChartError, match=r"unknown chart 'pie'.*swe-bench-verified"):
        charts.chart_helper(factset)("pie")
