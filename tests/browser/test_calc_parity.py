"""Parity: the calculators in Chromium compute, format and parse exactly as the Python reference.

Each calculator runs over a few hundred seeded input sets (typical, boundary and bad
values, numbers and typed text) through window.khubCalc.compute in the page, and every
result is compared with khub.calc.export.compute: outputs within 1e-9 relative, messages,
bands, order and cheapest marks exactly.
"""

from __future__ import annotations

import math
import random
from typing import Any

import pytest
from playwright.sync_api import Page

from khub.calc import display as calcfmt
from khub.calc.export import compute, export
from khub.calc.form import working
from khub.data.load import load
from tests.browser.kit import Guard, Site, open_module

pytestmark = pytest.mark.browser

SETS = 300
BAD = ["", "abc", "-1", "0", "1e308", "1e400", "12,5x", ".", "1e-400", " 7 ", "2_000"]


@pytest.fixture(scope="module")
def data(site: Site) -> dict[str, Any]:
    """Return the Python export of the served hub's facts."""
    factset, _ = load(site.root, cache=False)
    return export(factset)


def _number(rng: random.Random, low: float, high: float) -> float | str:
    roll = rng.random()
    if roll < 0.08:
        return rng.choice(BAD)
    value = 10 ** rng.uniform(math.log10(low), math.log10(high))
    if roll < 0.3:
        return calcfmt.plain(value)
    if roll < 0.4:
        return float(round(value))
    return value


def _range(rng: random.Random, low: float, high: float) -> Any:
    """Return a range as a reader types it (3–5, 3-5, 3 to 5) or as data, sometimes reversed."""
    a, b = (10 ** rng.uniform(math.log10(low), math.log10(high)) for _ in range(2))
    a, b = (a, b) if rng.random() < 0.1 else (min(a, b), max(a, b))
    roll = rng.random()
    if roll < 0.5:
        dash = rng.choice(["–", "-", " to ", " — "])
        return f"{calcfmt.plain(a)}{dash}{calcfmt.plain(b)}"
    return [a, b] if roll < 0.8 else _number(rng, low, high)


def _inputs(spec: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    inputs: dict[str, Any] = {}
    for item in spec["inputs"]:
        if item["kind"] == "choice":
            ids = [o["id"] for o in item["options"]]
            inputs[item["id"]] = rng.choice(ids) if rng.random() > 0.03 else "no-such-option"
            continue
        low = max(item["min"], 1e-3)
        high = min(item["max"], low * 1e12)
        make = _range if item["range"] and rng.random() < 0.7 else _number
        inputs[item["id"]] = make(rng, low, high)
    return inputs


def _edges(spec: dict[str, Any]) -> list[dict[str, Any]]:
    sets: list[dict[str, Any]] = []
    for item in spec["inputs"]:
        if item["kind"] == "number":
            for value in (item["min"], item["max"], item["default"], item["max"] * 1.0000001):
                sets.append({item["id"]: value})
    bands = spec.get("variables", {}).get("volume", {}).get("bands", [])
    for band in bands:
        if band["to"] is not None:
            for days, unit in ((1.0, "day"), (30.0, "month")):
                edge = band["to"] * days
                sets += [{"volume": edge, "volume_unit": unit}]
                sets += [{"volume": math.nextafter(edge, 0), "volume_unit": unit}]
    return sets


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-300)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _in_browser(page: Page, script: str, arg: Any) -> Any:
    return page.evaluate(f"async (arg) => {{ const data = await khubCalc.load(); {script} }}", arg)


@pytest.mark.parametrize("name", ["self-hosting-breakeven", "api-cost", "decision-helper"])
def test_compute_matches_python(page: Page, guard: Guard, data: dict[str, Any], name: str) -> None:
    open_module(page, "api-prices" if name == "api-cost" else "open-vs-closed")
    spec = data["calculators"][name]
    rng = random.Random(f"khub-parity-{name}")
    sets = _edges(spec) + [_inputs(spec, rng) for _ in range(SETS)]
    script = "return arg.sets.map(i => khubCalc.compute(data, arg.name, i));"
    got = _in_browser(page, script, {"name": name, "sets": sets})
    assert len(got) == len(sets)
    mismatches = [
        (inputs, js, py)
        for inputs, js in zip(sets, got, strict=True)
        if not _close(js, py := compute(data, name, inputs))
    ]
    assert mismatches == []
    assert sum(1 for r in got if r["ok"]) > len(sets) / 2, "too few valid input sets to compare"
    guard.check()


def test_working_matches_python(page: Page, guard: Guard, data: dict[str, Any]) -> None:
    open_module(page, "open-vs-closed")
    spec = data["calculators"]["self-hosting-breakeven"]
    rng = random.Random("khub-parity-working")
    results = [compute(data, "self-hosting-breakeven", _inputs(spec, rng)) for _ in range(SETS)]
    scopes = [{**r["values"], **r["outputs"]} for r in results if r["ok"]]
    script = """
      const spec = data.calculators['self-hosting-breakeven'];
      return arg.map(scope => spec.outputs.map(out => khubCalc.working(spec, out, scope)));
    """
    got = _in_browser(page, script, scopes)
    expected = [[working(spec, out, scope) for out in spec["outputs"]] for scope in scopes]
    assert got == expected
    guard.check()


def test_format_and_parse_match_python(page: Page, guard: Guard) -> None:
    open_module(page, "open-vs-closed")
    rng = random.Random("khub-parity-format")
    values = [0.0, 0.004, 0.005, 0.125, 2.5, 0.105, 999.995, 1e6, 999999.995, 1e21 / 2]
    values += [10 ** rng.uniform(-3, 20) for _ in range(500)]
    values += [round(10 ** rng.uniform(0, 9), rng.randint(0, 3)) for _ in range(300)]
    kinds = ["usd", "tokens", "percent", "multiplier", "weeks", "plain"]
    ranges: list[Any] = [sorted(rng.sample(values, 2)) for _ in range(200)]
    pairs = [(v, k) for v in [*values, *ranges] for k in kinds]
    got = _in_browser(page, "return arg.map(([v, k]) => khubCalc.format(v, k));", pairs)
    assert got == [calcfmt.format_value(v, k) for v, k in pairs]
    texts = BAD + [calcfmt.plain(v) for v in values[:200]] + ["1E5", "+3", "1.", "٣", "1 000"]
    parsed = _in_browser(page, "return arg.map(t => khubCalc.parse(t));", texts)
    as_floats = [(None if v is None else float(v), key) for v, key in parsed]
    assert as_floats == [calcfmt.parse_number(t) for t in texts]
    typed = [*texts, "3–5", "3-5", "3 to 5", "1e-5-2e5", "-3-5", "3–", "5 — 1", "x-5", "3–1e999"]
    typed += [f"{calcfmt.plain(a)}–{calcfmt.plain(b)}" for a, b in ranges[:100]]
    got_ranges = _in_browser(page, "return arg.map(t => khubCalc.parseRange(t));", typed)
    assert [_floats(v, key) for v, key in got_ranges] == [calcfmt.parse_range(t) for t in typed]
    guard.check()


def _floats(value: Any, key: str | None) -> tuple[Any, str | None]:
    """Return a value from the page with its numbers as floats (JSON gives 3, not 3.0)."""
    if isinstance(value, list):
        return [float(v) for v in value], key
    return (None if value is None else float(value)), key
