"""Charts: accessible, deterministic SVG drawn from the facts."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from khub.data.model import FactSet
from khub.render import charts
from khub.render.display import human_date
from khub.render.elements import value_text
from khub.render.sanitize import sanitize
from tests.kit.hubs import copy_data, load_hub, replace_once

SVG = "{http://www.w3.org/2000/svg}"
SWE, COST = "assets/charts/swe-bench-verified.svg", "assets/charts/cost-vs-volume.svg"
MAX_BYTES = 20 * 1024


def _texts(data: bytes) -> list[str]:
    """Return the words of every <text> element of an SVG file, in order."""
    return [el.text or "" for el in ET.fromstring(data).iter(f"{SVG}text")]


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
    assert "crosses GPU rental at 358M tokens/day" in (cost.text or "")
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


def test_the_labels_and_values_are_text(factset: FactSet, files: dict[str, bytes]) -> None:
    swe, cost = _texts(files[SWE]), _texts(files[COST])
    for fact in factset.series_facts("swe-bench-verified"):
        weights = value_text(factset.facts[f"model-weights.{fact.id.split('.', 1)[1]}"])
        assert f"{fact.label} ({weights})" in swe
        assert value_text(fact) in swe  # the score as the page text shows it
    assert {"0%", "50%", "100%"} <= set(swe)
    stated = value_text(factset.facts["self-hosting.crossover-volume"])
    assert f"Stated crossover, {stated}" in cost
    assert "358M tokens/day" in cost
    assert {"$0.01", "$1", "$100", "$10,000", "1M", "10B", "Tokens per day"} <= set(cost)
    assert not any(el.tag.endswith("path") for el in ET.fromstring(files[COST]).iter())


def test_no_number_shows_more_than_three_significant_digits(factset: FactSet) -> None:
    html = "\n".join(charts.chart_helper(factset)(name) for name in charts.NAMES)
    words = re.sub(r"<[^>]+>", " ", html)  # what a reader sees: text, title, desc, table
    assert "358M tokens/day" in words and "358.33" not in words
    assert re.findall(r"\d\.\d\d\d|\d\d\.\d\d[MB]|\d{3}\.\d", words) == []


def test_each_chart_is_small_inline_and_as_a_file(
    factset: FactSet, files: dict[str, bytes]
) -> None:
    helper = charts.chart_helper(factset)
    for name in charts.NAMES:
        assert len(str(helper(name)).encode()) <= MAX_BYTES, name
        assert len(files[f"assets/charts/{name}.svg"]) <= MAX_BYTES, name


def test_the_charts_paint_only_through_classes(files: dict[str, bytes]) -> None:
    for data in files.values():
        root = ET.fromstring(data)
        assert root.get("viewBox") and root.get("width") is None and root.get("height") is None
        for el in root.iter():
            assert {"fill", "stroke", "style", "font-size"}.isdisjoint(el.attrib), el.tag
        lowered = data.lower()
        assert b"#fff" not in lowered and b"white" not in lowered


def test_the_captions_name_each_source_and_its_date(factset: FactSet) -> None:
    helper = charts.chart_helper(factset)
    swe_fact = factset.facts["swe-bench-verified.claude-opus-4-8"]
    swe_source = factset.sources[str(swe_fact.source)].title
    gpu = factset.facts["self-hosting.self-host-cost-per-day"]
    gpu_source = factset.sources[str(gpu.source)].title
    swe = re.search(r"<figcaption>(.*?)</figcaption>", str(helper("swe-bench-verified")))
    cost = re.search(r"<figcaption>(.*?)</figcaption>", str(helper("cost-vs-volume")))
    assert swe is not None and cost is not None
    assert f"{swe_source}, as of {human_date(swe_fact.as_of)}" in swe.group(1)
    for fact in (f for f in factset.facts.values() if f.series == "swe-bench-verified"):
        title = factset.sources[str(fact.source)].title
        assert f"{title}, as of {human_date(fact.as_of)}" in swe.group(1)
    assert cost.group(1).endswith(f"Source: {gpu_source}, as of {human_date(gpu.as_of)}.")


def test_the_sanitiser_keeps_every_chart_element(factset: FactSet) -> None:
    for name in charts.NAMES:
        html = str(charts.chart_helper(factset)(name))
        clean = sanitize(html)
        for tag in ("<text ", "<line ", "<rect ", "<title ", "<desc ", "viewBox="):
            assert clean.count(tag) == html.count(tag), (name, tag)
        assert clean.count('class="khub-chart__') == html.count('class="khub-chart__')


def test_sources_follow_a_derived_fact_to_its_inputs(factset: FactSet) -> None:
    price = factset.facts["api-blended-price"]
    assert price.source is None and price.inputs
    text = charts.sources_text(factset, ["api-blended-price"])
    first = factset.facts[price.inputs[0]]
    assert text == (
        f"Source: {factset.sources[str(first.source)].title}, as of {human_date(first.as_of)}."
    )
