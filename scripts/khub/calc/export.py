"""The calculator export and its reference computation, both driven by data/calculators.yml.

`export(factset)` is what api/v1/calculators.json holds: each calculator's inputs with
their defaults from the facts, and its outputs as compiled formulas (khub.calc.spec reads
and compiles the file). `compute(data, name, inputs)` runs one calculator over the export
exactly as calculators.js does in the browser; the server-rendered pages and the charts
use it too, so every result comes from the same compiled form.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Mapping
from typing import Any

from khub.calc import display as calcfmt
from khub.calc.spec import CALCULATORS_PATH, load_calculators
from khub.data.model import FactSet
from khub.errors import KhubError
from khub.formula.compiled import Value, evaluate

SCHEMA_VERSION = 2
EXPORT_PATH = "api/v1/calculators.json"
MAX_RESULT = 1e21  # JavaScript prints larger numbers in exponent form
VERDICT = "_verdict"  # the decision helper's output holding the reconcile rule that decided

MESSAGES = {
    "empty": "Enter a number.",
    "not_a_number": "Enter a number in digits, such as {default}.",
    "too_large": "That number is too large; enter at most {max}.",
    "min": "Enter {min} or more.",
    "min_exclusive": "Enter a number above {min}.",
    "max": "Enter at most {max}.",
    "range_order": "Put the smaller number first, such as {default}.",
    "choice": "Choose one of the listed options.",
    "result_too_large": "The result is too large to show; enter smaller numbers.",
}


class CalculatorError(KhubError):
    """A calculator that does not exist in data/calculators.yml."""


# --- the export -----------------------------------------------------------------------


def data_version(factset: FactSet) -> str:
    """Return a short hash of every data file the export is made from."""
    digest = hashlib.sha256()
    for path, sha in sorted(factset.files.items()):
        digest.update(f"{path}\0{sha}\n".encode())
    return digest.hexdigest()[:16]


def export(factset: FactSet) -> dict[str, Any]:
    """Return the calculator data: inputs with defaults from the facts, compiled formulas.

    Raises DataError when data/calculators.yml does not hold (khub validate reports it first).
    """
    return {
        "schema_version": SCHEMA_VERSION,
        "data_version": data_version(factset),
        "messages": MESSAGES,
        "calculators": load_calculators(factset),
    }


def export_bytes(data: Mapping[str, Any]) -> bytes:
    """Return the export as compact, key-sorted JSON bytes."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return (text + "\n").encode("utf-8")


def extra_files(factset: FactSet) -> dict[str, bytes]:
    """Return the calculator data file for the site: {"api/v1/calculators.json": bytes}."""
    return {EXPORT_PATH: export_bytes(export(factset))}


# --- the reference computation --------------------------------------------------------

Inputs = Mapping[str, float | str | list[float]]
Env = dict[str, Value]


def calculator_spec(data: Mapping[str, Any], name: str) -> dict[str, Any]:
    """Return one calculator's description, or raise CalculatorError naming the known ones."""
    calculators: dict[str, Any] = data["calculators"]
    if name not in calculators:
        known = ", ".join(calculators) or f"none: this hub has no {CALCULATORS_PATH}"
        raise CalculatorError(f"unknown calculator '{name}' (use one of: {known})")
    return calculators[name]  # type: ignore[no-any-return]


def compute(data: Mapping[str, Any], name: str, inputs: Inputs) -> dict[str, Any]:
    """Return {"ok", "errors", "values", "outputs"} for one calculator; the JS mirrors it.

    An invalid input leaves out only the outputs that depend on it; every other output is
    still computed, so "ok" is False but "outputs" holds what could be worked out.
    """
    spec = calculator_spec(data, name)
    errors, env, picked = _read_inputs(data["messages"], spec["inputs"], inputs)
    scope: Env = {**env, **{c["id"]: c["value"] for c in spec["constants"]}}
    outputs = _RESULTS[spec["kind"]](spec, scope, picked)
    if not all(math.isfinite(v) and abs(v) < MAX_RESULT for v in _numbers(outputs)):
        errors = {**errors, "_": data["messages"]["result_too_large"]}
        return {"ok": False, "errors": errors, "values": env, "outputs": {}}
    return {"ok": not errors, "errors": errors, "values": env, "outputs": outputs}


def names_in(expr: Any) -> set[str]:
    """Return every name a compiled formula reads."""
    if isinstance(expr, str):
        return {expr}
    if isinstance(expr, list):
        return {n for arg in expr[1:] for n in names_in(arg)}
    return set()


def output(data: Mapping[str, Any], name: str, oid: str, **inputs: float | str) -> Value:
    """Return one output of a calculator for the given inputs (the others at their defaults)."""
    result = compute(data, name, inputs)
    if not result["ok"]:
        raise CalculatorError(f"calculator '{name}' cannot compute {oid}: {result['errors']}")
    return result["outputs"][oid]  # type: ignore[no-any-return]


def _numbers(value: Any) -> list[float]:
    """Return every number inside an output structure."""
    if isinstance(value, bool):
        return []
    if isinstance(value, float | int):
        return [float(value)]
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in _numbers(v)]
    return []


def _read_inputs(
    messages: Mapping[str, str], specs: list[dict[str, Any]], inputs: Inputs
) -> tuple[dict[str, str], Env, dict[str, str]]:
    errors: dict[str, str] = {}
    env: Env = {}
    picked: dict[str, str] = {}
    for spec in specs:
        raw = inputs.get(spec["id"], spec["default"])
        if spec["kind"] == "choice":
            match = [o for o in spec["options"] if o["id"] == raw]
            if not match:
                errors[spec["id"]] = messages["choice"]
                continue
            picked[spec["id"]] = str(raw)
            if "value" in match[0]:
                env[spec["id"]] = match[0]["value"]
            continue
        value, problem = read_number(spec, raw)
        if problem or value is None:
            errors[spec["id"]] = message(messages, problem or "not_a_number", spec)
        else:
            env[spec["id"]] = value
    return errors, env, picked


def read_number(
    spec: Mapping[str, Any], raw: float | str | list[float]
) -> tuple[float | list[float] | None, str | None]:
    """Return (value, None) for a number (or range) the input accepts, or (None, message key)."""
    value: float | list[float] | None
    if isinstance(raw, str):
        value, problem = (calcfmt.parse_range if spec["range"] else calcfmt.parse_number)(raw)
        if problem or value is None:
            return None, problem or "not_a_number"
    elif isinstance(raw, list):
        if not spec["range"]:
            return None, "not_a_number"
        value = [float(raw[0]) + 0.0, float(raw[1]) + 0.0]
    else:
        value = float(raw) + 0.0
    edges = value if isinstance(value, list) else [value]
    for edge in edges:
        if not math.isfinite(edge):
            return None, "too_large"
        if edge < spec["min"] or (spec["min_exclusive"] and edge == spec["min"]):
            return None, "min_exclusive" if spec["min_exclusive"] else "min"
        if edge > spec["max"]:
            return None, "max"
    if isinstance(value, list):
        if value[0] > value[1]:
            return None, "range_order"
        return (value[0] if value[0] == value[1] else value), None
    return value, None


def message(messages: Mapping[str, str], key: str, spec: Mapping[str, Any]) -> str:
    """Return the reader's message for a problem with one input."""
    return messages[key].format(
        min=calcfmt.plain(spec["min"]),
        max=calcfmt.plain(spec["max"]),
        default=calcfmt.plain_value(spec["default"]),
    )


def _outputs(spec: Mapping[str, Any], scope: Env, picked: dict[str, str]) -> dict[str, Any]:
    """Evaluate in order each output whose names all have values; each may use those before."""
    outputs: dict[str, Any] = {}
    for out in spec["outputs"]:
        if names_in(out["formula"]) <= scope.keys():
            scope[out["id"]] = outputs[out["id"]] = evaluate(out["formula"], scope)
    return outputs


def _low(value: Value) -> float:
    return float(value[0]) if isinstance(value, list) else float(value)


def _table(spec: Mapping[str, Any], scope: Env, picked: dict[str, str]) -> dict[str, Any]:
    """Evaluate the output for every row; sort lowest first and mark the lowest."""
    formula = spec["outputs"][0]["formula"]
    given = {n for row in spec["table"]["rows"] for n in row["values"]}
    if not names_in(formula) <= scope.keys() | given:
        return {}
    rows = [
        {"id": row["id"], "value": evaluate(formula, {**scope, **row["values"]})}
        for row in spec["table"]["rows"]
    ]
    labels = {row["id"]: row["label"] for row in spec["table"]["rows"]}
    rows.sort(key=lambda r: (_low(r["value"]), labels[r["id"]]))
    lowest = _low(rows[0]["value"]) if rows else 0.0
    for row in rows:
        row["lowest"] = _low(row["value"]) == lowest
    return {"rows": rows, "total": len(rows)}


def _rules(spec: Mapping[str, Any], scope: Env, picked: dict[str, str]) -> dict[str, Any]:
    """Evaluate the outputs, then pick each variable's band (by an output) or option."""
    outputs = _outputs(spec, scope, picked)
    by = spec["rules"]["by"]
    for vid, variable in spec["variables"].items():
        if "bands" in variable and by in outputs:
            outputs[vid] = pick_band(variable["bands"], _low(outputs[by]))
        elif "bands" not in variable and vid in picked:
            outputs[vid] = picked[vid]
    if spec.get("reconcile"):
        chosen = {vid: outputs[vid] for vid in spec["variables"] if vid in outputs}
        verdict = reconcile(spec["reconcile"]["rules"], chosen)
        if verdict is not None:
            outputs[VERDICT] = verdict
    return outputs


def reconcile(rules: list[dict[str, Any]], chosen: Mapping[str, str]) -> str | None:
    """Return the id of the first rule whose conditions hold, or None while one is unknown.

    A rule whose condition names a variable with no answer (an invalid input) can neither
    match nor be passed over, so the verdict waits; a rule already failed on a known answer
    is skipped whatever the unknown one says.
    """
    for rule in rules:
        state: bool | None = True
        for vid, ids in rule["when"].items():
            if vid not in chosen:
                state = None
            elif chosen[vid] not in ids:
                state = False
                break
        if state is None:
            return None
        if state:
            return str(rule["id"])
    return None


def standing(spec: Mapping[str, Any], vid: str, entry: Mapping[str, Any], rule_id: str) -> str:
    """Return where one variable's answer stands against the verdict: decides, agrees, ..."""
    rec = spec["reconcile"]
    rule = next(r for r in rec["rules"] if r["id"] == rule_id)
    if rule["wins"] == vid:
        key = "decides"
    elif not entry.get("leans"):
        key = "neutral"
    else:
        key = "agrees" if entry["leans"] == rule["outcome"] else "outweighed"
    return str(rec["status"][key])


def pick_band(bands: list[dict[str, Any]], per_day: float) -> str:
    """Return the id of the volume band a daily volume falls in."""
    for band in bands:
        limit = band["to"]
        if limit is None or per_day < limit or (band["inclusive"] and per_day == limit):
            return str(band["id"])
    return str(bands[-1]["id"])


_Result = Callable[[Mapping[str, Any], Env, dict[str, str]], dict[str, Any]]
_RESULTS: dict[str, _Result] = {"outputs": _outputs, "table": _table, "rules": _rules}
