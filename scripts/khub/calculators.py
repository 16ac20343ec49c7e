"""Calculator data: formulas as data, defaults from the facts, the export and its reference.

`export(factset)` is what api/v1/calculators.json holds; `compute(data, name, inputs)` is
the Python reference that calculators.js mirrors, and the named functions below are the
same formulas for Python callers (derived figures in prose, charts, tests).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from khub import calcfmt
from khub.calcexpr import Expr, evaluate
from khub.decision_rules import (
    RULES_PATH,
    days_per_unit,
    fill,
    load_rules,
    placeholders,
    threshold_per_day,
)
from khub.errors import KhubError
from khub.fmt import format_value
from khub.model import Fact, FactSet, Range
from khub.paths import read_contained
from khub.yamlio import MAX_FILE_BYTES

SCHEMA_VERSION = 1
EXPORT_PATH = "api/v1/calculators.json"
NAMES = ("self-hosting-breakeven", "api-cost", "decision-helper")
TOKENS_PER_MTOK = 1e6
DAYS_PER_WEEK = 7.0
BLENDED_PRICE = "api-blended-price"
BLENDED_LABEL = "Llama 3.3 70B on DeepInfra"
CROSSOVER_CLAIM = "crossover-saving-not-reproduced"
MAX_TOKENS = 1e15
MAX_USD = 1e12
MAX_RESULT = 1e21  # JavaScript prints larger numbers in exponent form

MESSAGES = {
    "empty": "Enter a number.",
    "not_a_number": "Enter a number in digits, such as {default}.",
    "too_large": "That number is too large; enter at most {max}.",
    "min": "Enter {min} or more.",
    "min_exclusive": "Enter a number above {min}.",
    "max": "Enter at most {max}.",
    "choice": "Choose one of the listed options.",
    "result_too_large": "The result is too large to show; enter smaller numbers.",
}

FORMULAS: dict[str, Expr] = {
    "api_cost_per_day": ["*", ["/", "tokens_per_day", TOKENS_PER_MTOK], "price_per_mtok"],
    "self_host_cost_per_day": [
        "if",
        ["<", "gpu_utilisation", "min_utilisation"],
        ["*", "gpu_cost_per_day", "low_utilisation_rise"],
        "gpu_cost_per_day",
    ],
    "cost_ratio": ["/", "self_host_cost_per_day", "api_cost_per_day"],
    "breakeven_tokens_per_day": [
        "*",
        ["/", "self_host_cost_per_day", "price_per_mtok"],
        TOKENS_PER_MTOK,
    ],
    "tco_cost_per_day": ["*", "self_host_cost_per_day", "tco_multiplier"],
    "tco_breakeven_tokens_per_day": [
        "*",
        ["/", "tco_cost_per_day", "price_per_mtok"],
        TOKENS_PER_MTOK,
    ],
    "engineering_per_day": [
        "+",
        ["/", "ml_engineering_per_year", 365.0],
        ["/", "update_cycle_cost", ["*", "update_cycle_weeks", DAYS_PER_WEEK]],
    ],
    "monthly_cost": [
        "+",
        ["*", ["/", "input_tokens", TOKENS_PER_MTOK], "input_price"],
        ["*", ["/", "output_tokens", TOKENS_PER_MTOK], "output_price"],
    ],
}


class CalculatorError(KhubError):
    """A calculator that cannot be built from the facts, or that does not exist."""


# --- the reference formulas, by name --------------------------------------------------


def api_cost_per_day(tokens_per_day: float, price_per_mtok: float) -> float:
    """Return the API cost per day of a daily volume at a price per million tokens."""
    env = {"tokens_per_day": tokens_per_day, "price_per_mtok": price_per_mtok}
    return evaluate(FORMULAS["api_cost_per_day"], env)


def breakeven_tokens_per_day(cost_per_day: float, price_per_mtok: float) -> float:
    """Return the daily volume at which the API costs as much as cost_per_day."""
    env = {"self_host_cost_per_day": cost_per_day, "price_per_mtok": price_per_mtok}
    return evaluate(FORMULAS["breakeven_tokens_per_day"], env)


def self_host_cost_per_day(
    gpu_cost_per_day: float, utilisation: float, min_utilisation: float, rise: float
) -> float:
    """Return the GPU cost per day, raised by the stated factor below the minimum utilisation."""
    env = {
        "gpu_cost_per_day": gpu_cost_per_day,
        "gpu_utilisation": utilisation,
        "min_utilisation": min_utilisation,
        "low_utilisation_rise": rise,
    }
    return evaluate(FORMULAS["self_host_cost_per_day"], env)


def tco_cost_per_day(self_host_cost: float, tco_multiplier: float) -> float:
    """Return the GPU cost per day times the total-cost multiplier."""
    env = {"self_host_cost_per_day": self_host_cost, "tco_multiplier": tco_multiplier}
    return evaluate(FORMULAS["tco_cost_per_day"], env)


def engineering_per_day(
    ml_engineering_per_year: float, update_cycle_cost: float, update_cycle_weeks: float
) -> float:
    """Return ML engineering plus model update cycles, per day."""
    env = {
        "ml_engineering_per_year": ml_engineering_per_year,
        "update_cycle_cost": update_cycle_cost,
        "update_cycle_weeks": update_cycle_weeks,
    }
    return evaluate(FORMULAS["engineering_per_day"], env)


def monthly_cost(
    input_tokens: float, output_tokens: float, input_price: float, output_price: float
) -> float:
    """Return the monthly API cost of input and output tokens at prices per million tokens."""
    env = {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "input_price": input_price,
        "output_price": output_price,
    }
    return evaluate(FORMULAS["monthly_cost"], env)


# --- facts ----------------------------------------------------------------------------


def number(factset: FactSet, fid: str, edge: str = "value") -> float:
    """Return a numeric fact (or the low/high edge of a range), or raise CalculatorError."""
    fact = factset.facts.get(fid)
    if fact is None:
        raise CalculatorError(f"calculators need the fact '{fid}', which is missing")
    value = fact.value
    if isinstance(value, Range):
        return value.high if edge == "high" else value.low
    if isinstance(value, float | int) and not isinstance(value, bool):
        return float(value)
    raise CalculatorError(f"calculators need '{fid}' to be a number, it is {value!r}")


def show_fact(fact: Fact) -> str:
    """Return a fact's value exactly as the page text writes it."""
    return format_value(fact.value, fact.unit.name, fact.decimals)


# --- the export -----------------------------------------------------------------------


def number_input(
    iid: str,
    label: str,
    fmt: str,
    default: float,
    fact: str | None,
    *,
    minimum: float = 0.0,
    exclusive: bool = False,
    maximum: float = MAX_USD,
    suffix: str = "",
) -> dict[str, Any]:
    """Return the description of one numeric input."""
    return {
        "id": iid,
        "kind": "number",
        "label": label,
        "format": fmt,
        "suffix": suffix,
        "default": default,
        "fact": fact,
        "min": minimum,
        "min_exclusive": exclusive,
        "max": maximum,
    }


def _price_models(factset: FactSet) -> list[dict[str, Any]]:
    """Return every API model with an input and an output price, plus the blended price."""
    blended = number(factset, BLENDED_PRICE)
    models = [
        {
            "id": "llama-3-3-70b-deepinfra",
            "label": BLENDED_LABEL,
            "input_price": blended,
            "output_price": blended,
            "facts": [BLENDED_PRICE],
            "blended": True,
        }
    ]
    for fact in factset.series_facts("api-input-price"):
        subject = fact.id.split(".", 1)[1]
        out_id = f"api-output-price.{subject}"
        if out_id not in factset.facts:
            continue
        models.append(
            {
                "id": subject,
                "label": fact.label,
                "input_price": number(factset, fact.id),
                "output_price": number(factset, out_id),
                "facts": [fact.id, out_id],
                "blended": False,
            }
        )
    return models


_MIXES = (
    ("even", "equal input and output", 0.5),
    ("input", "all input tokens", 1.0),
    ("output", "all output tokens", 0.0),
)


def _breakeven_choices(models: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return one price per option: the blended one, or a model's price at a token mix."""
    options: list[dict[str, Any]] = []
    for m in models:
        if m["blended"]:
            price = m["input_price"]
            label = f"{m['label']} ({calcfmt.money(price)} per million tokens)"
            options.append({"id": m["id"], "label": label, "value": price, "facts": m["facts"]})
            continue
        for mix, words, share in _MIXES:
            price = m["input_price"] * share + m["output_price"] * (1 - share)
            label = f"{m['label']}, {words} ({calcfmt.money(price)} per million tokens)"
            options.append(
                {"id": f"{m['id']}-{mix}", "label": label, "value": price, "facts": m["facts"]}
            )
    return options


def _self_hosting(factset: FactSet) -> dict[str, Any]:
    sh = "self-hosting."
    choices = _breakeven_choices(_price_models(factset))
    inputs = [
        number_input(
            "tokens_per_day",
            "Tokens per day",
            "tokens",
            number(factset, sh + "reference-volume"),
            sh + "reference-volume",
            exclusive=True,
            maximum=MAX_TOKENS,
            suffix=" tokens per day",
        ),
        {
            "id": "price_per_mtok",
            "kind": "choice",
            "label": "API model and price",
            "format": "usd",
            "default": choices[0]["id"],
            "options": choices,
        },
        number_input(
            "gpu_cost_per_day",
            "Self-hosting GPU rental, USD per day",
            "usd",
            number(factset, sh + "self-host-cost-per-day"),
            sh + "self-host-cost-per-day",
        ),
        number_input(
            "gpu_utilisation",
            "GPU utilisation, %",
            "percent",
            number(factset, sh + "min-gpu-utilisation"),
            sh + "min-gpu-utilisation",
            exclusive=True,
            maximum=100.0,
        ),
        number_input(
            "tco_multiplier",
            "Total-cost multiplier over GPU rental, ×",
            "multiplier",
            number(factset, sh + "tco-multiplier", "low"),
            sh + "tco-multiplier",
            minimum=1.0,
            maximum=1000.0,
        ),
        number_input(
            "ml_engineering_per_year",
            "ML engineering, USD per year",
            "usd",
            number(factset, sh + "ml-engineering-cost"),
            sh + "ml-engineering-cost",
        ),
        number_input(
            "update_cycle_cost",
            "Engineering cost of one model update cycle, USD",
            "usd",
            number(factset, sh + "update-cycle-cost"),
            sh + "update-cycle-cost",
        ),
        number_input(
            "update_cycle_weeks",
            "Weeks between model updates",
            "weeks",
            number(factset, sh + "update-cycle-length", "high"),
            sh + "update-cycle-length",
            exclusive=True,
            maximum=10000.0,
        ),
    ]
    constants = [
        {
            "id": "min_utilisation",
            "label": "minimum utilisation",
            "format": "percent",
            "value": number(factset, sh + "min-gpu-utilisation"),
            "fact": sh + "min-gpu-utilisation",
        },
        {
            "id": "low_utilisation_rise",
            "label": "cost rise below it",
            "format": "multiplier",
            "value": number(factset, sh + "low-utilisation-cost-rise"),
            "fact": sh + "low-utilisation-cost-rise",
        },
    ]
    return {
        "title": "Self-hosting breakeven",
        "inputs": inputs,
        "constants": constants,
        "outputs": _self_hosting_outputs(),
        "names": _self_hosting_names(),
        "note": crossover_note(factset),
    }


def _output(oid: str, label: str, fmt: str, suffix: str = "") -> dict[str, Any]:
    return {"id": oid, "label": label, "format": fmt, "suffix": suffix, "formula": FORMULAS[oid]}


def _self_hosting_outputs() -> list[dict[str, Any]]:
    return [
        _output("api_cost_per_day", "API cost per day", "usd", "/day"),
        _output("self_host_cost_per_day", "Self-hosting cost per day, GPU rental", "usd", "/day"),
        _output("cost_ratio", "Self-hosting cost against API cost", "multiplier"),
        _output(
            "breakeven_tokens_per_day", "Breakeven volume, GPU rental", "tokens", " tokens/day"
        ),
        _output("tco_cost_per_day", "Self-hosting cost per day, total cost", "usd", "/day"),
        _output(
            "tco_breakeven_tokens_per_day", "Breakeven volume, total cost", "tokens", " tokens/day"
        ),
        _output(
            "engineering_per_day",
            "Engineering and update cycles per day (shown apart, not added)",
            "usd",
            "/day",
        ),
    ]


def _self_hosting_names() -> dict[str, str]:
    """Return the words the working uses for each variable."""
    return {
        "tokens_per_day": "tokens per day",
        "price_per_mtok": "price per million tokens",
        "gpu_cost_per_day": "GPU rental per day",
        "gpu_utilisation": "utilisation",
        "min_utilisation": "minimum utilisation",
        "low_utilisation_rise": "cost rise below it",
        "tco_multiplier": "total-cost multiplier",
        "ml_engineering_per_year": "ML engineering per year",
        "update_cycle_cost": "update-cycle cost",
        "update_cycle_weeks": "weeks per update cycle",
        "api_cost_per_day": "API cost per day",
        "self_host_cost_per_day": "GPU cost per day",
        "cost_ratio": "ratio",
        "tco_cost_per_day": "total cost per day",
    }


def crossover_note(factset: FactSet) -> dict[str, Any]:
    """Return what this model says at the source's crossover, and whether it backs the claim."""
    sh = "self-hosting."
    # The figures and the verdict are the derived facts and the claim the prose uses:
    # computed once, in data/derived.yml, never again here.
    api = number(factset, "api-cost-at-crossover")
    gpu = number(factset, sh + "self-host-cost-per-day")
    claimed = number(factset, sh + "crossover-savings")
    low = number(factset, "self-hosting-tco-per-day")
    high = number(factset, "self-hosting-tco-per-day", "high")
    claim = factset.claims.get(CROSSOVER_CLAIM)
    if claim is None or claim.holds is None:
        raise CalculatorError(f"the breakeven note needs the claim '{CROSSOVER_CLAIM}'")
    reproduced = not claim.holds
    facts = factset.facts
    said = (
        f"Model check: the source puts the crossover at about "
        f"{show_fact(facts[sh + 'crossover-volume'])} with savings of about "
        f"{show_fact(facts[sh + 'crossover-savings'])}."
    )
    if reproduced:
        found = (
            f"This model agrees: there the API costs {calcfmt.money(api)}/day against "
            f"{calcfmt.money(low)}–{calcfmt.money(high)}/day for self-hosting at total cost."
        )
    else:
        found = (
            f"This model does not reproduce that saving: there the API costs "
            f"{calcfmt.money(api)}/day against {calcfmt.money(gpu)}/day of raw GPU rental "
            f"({calcfmt.multiplier(api / gpu)}, not {calcfmt.multiplier(claimed)}), and "
            f"self-hosting at {show_fact(facts[sh + 'tco-multiplier'])} total cost comes to "
            f"{calcfmt.money(low)}–{calcfmt.money(high)}/day, more than the API. The saving "
            f"is the source's claim, not a result of this model."
        )
    return {
        "reproduced": reproduced,
        "text": f"{said} {found}",
        "api_cost_at_crossover": api,
    }


def _api_cost(factset: FactSet) -> dict[str, Any]:
    monthly = "reference-volume-monthly"
    half = number(factset, monthly) / 2
    inputs = [
        number_input(
            side + "_tokens",
            f"{side.capitalize()} tokens per month",
            "tokens",
            half,
            monthly,
            maximum=MAX_TOKENS,
            suffix=" tokens/month",
        )
        for side in ("input", "output")
    ]
    return {
        "title": "API cost comparison",
        "inputs": inputs,
        "defaults_note": (
            f"Defaults: the reference volume of {show_fact(factset.facts[monthly])}, split "
            "equally between input and output, the hub's stated assumption."
        ),
        "models": _price_models(factset),
        "formula": FORMULAS["monthly_cost"],
        "suffix": "/month",
    }


def _decision(factset: FactSet) -> dict[str, Any]:
    if _rules_path(factset) is None:
        raise CalculatorError(f"the decision helper needs {RULES_PATH}, which is missing")
    rules = load_rules(factset)
    shown = {fid: show_fact(fact) for fid, fact in factset.facts.items()}
    variables: dict[str, Any] = {}
    for vid, variable in rules.variables.items():
        entry: dict[str, Any] = {"label": variable.label, "question": variable.question}
        if variable.bands is not None:
            entry["bands"] = _bands(variable.bands, factset, shown)
        else:
            entry["options"] = [
                {
                    "id": o.id,
                    "label": fill(o.label, shown),
                    "recommendation": fill(o.recommendation, shown),
                    "reason": fill(o.reason, shown),
                }
                for o in variable.options or []
            ]
        variables[vid] = entry
    return {
        "title": "Decision helper",
        "inputs": _decision_inputs(factset, variables),
        "variables": variables,
    }


def _bands(bands: list[Any], factset: FactSet, shown: dict[str, str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    start: str | None = None
    for band in bands:
        end = band.threshold
        limit = threshold_per_day(end, factset, ()) if end else None
        out.append(
            {
                "id": band.id,
                "to": limit,
                "inclusive": band.up_to is not None,
                "label": _band_label(start, end, shown),
                "no_rule": band.no_rule,
                "recommendation": fill(band.recommendation, shown),
                "reason": fill(band.reason, shown),
                "facts": [f for f in (end,) if f] + placeholders(band.recommendation + band.reason),
            }
        )
        start = end
    return out


def _band_label(start: str | None, end: str | None, shown: dict[str, str]) -> str:
    if start is None and end is not None:
        return f"below {shown[end]}"
    if end is None and start is not None:
        return f"{shown[start]} or more"
    return f"{shown[start or '']} to {shown[end or '']}"


def _decision_inputs(factset: FactSet, variables: dict[str, Any]) -> list[dict[str, Any]]:
    reference = "self-hosting.reference-volume"
    inputs: list[dict[str, Any]] = [
        number_input(
            "volume",
            "Volume, tokens",
            "tokens",
            number(factset, reference),
            reference,
            maximum=MAX_TOKENS,
        ),
        {
            "id": "volume_unit",
            "kind": "choice",
            "label": "Per",
            "default": "day",
            "options": [
                {"id": "day", "label": "day", "value": days_per_unit("tokens_per_day")},
                {"id": "month", "label": "month", "value": days_per_unit("tokens_per_month")},
            ],
        },
    ]
    for vid, entry in variables.items():
        if "options" in entry:
            options = [{"id": o["id"], "label": o["label"]} for o in entry["options"]]
            inputs.append(
                {
                    "id": vid,
                    "kind": "choice",
                    "label": entry["label"],
                    "default": options[0]["id"],
                    "options": options,
                }
            )
    return inputs


def data_version(factset: FactSet) -> str:
    """Return a short hash of every data file the export is made from."""
    digest = hashlib.sha256()
    for path, sha in sorted(factset.files.items()):
        digest.update(f"{path}\0{sha}\n".encode())
    rules = _rules_path(factset)
    blob = read_contained(Path(factset.root), RULES_PATH, MAX_FILE_BYTES) if rules else None
    digest.update(hashlib.sha256(blob).hexdigest().encode() if blob is not None else b"")
    return digest.hexdigest()[:16]


def _rules_path(factset: FactSet) -> Path | None:
    path = Path(factset.root) / RULES_PATH
    return path if path.is_file() else None


_BUILDERS: dict[str, Callable[[FactSet], dict[str, Any]]] = {
    "self-hosting-breakeven": _self_hosting,
    "api-cost": _api_cost,
    "decision-helper": _decision,
}


def export(factset: FactSet) -> dict[str, Any]:
    """Return the calculator data: inputs with defaults from the facts, formulas, rules.

    A calculator whose facts this hub lacks is listed under "unavailable" with the reason,
    and fails only where a page uses it; invalid decision rules raise DataError.
    """
    calculators: dict[str, Any] = {}
    unavailable: dict[str, str] = {}
    for name, build in _BUILDERS.items():
        try:
            calculators[name] = build(factset)
        except CalculatorError as exc:
            unavailable[name] = str(exc)
    return {
        "schema_version": SCHEMA_VERSION,
        "data_version": data_version(factset),
        "messages": MESSAGES,
        "calculators": calculators,
        "unavailable": unavailable,
    }


def export_bytes(data: Mapping[str, Any]) -> bytes:
    """Return the export as compact, key-sorted JSON bytes."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return (text + "\n").encode("utf-8")


def extra_files(factset: FactSet) -> dict[str, bytes]:
    """Return the calculator data file for the site: {"api/v1/calculators.json": bytes}."""
    return {EXPORT_PATH: export_bytes(export(factset))}


# --- the reference computation --------------------------------------------------------

Inputs = Mapping[str, float | str]


def compute(data: Mapping[str, Any], name: str, inputs: Inputs) -> dict[str, Any]:
    """Return {"ok", "errors", "values", "outputs"} for one calculator; the JS mirrors it."""
    spec = calculator_spec(data, name)
    errors, env, picked = _read_inputs(data["messages"], spec["inputs"], inputs)
    if errors:
        return {"ok": False, "errors": errors, "values": {}, "outputs": {}}
    outputs = _COMPUTE[name](spec, env, picked)
    if not all(math.isfinite(v) and abs(v) < MAX_RESULT for v in _numbers(outputs)):
        errors = {"_": data["messages"]["result_too_large"]}
        return {"ok": False, "errors": errors, "values": {}, "outputs": {}}
    return {"ok": True, "errors": {}, "values": env, "outputs": outputs}


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


def calculator_spec(data: Mapping[str, Any], name: str) -> dict[str, Any]:
    """Return one calculator's description, or raise CalculatorError naming the known ones."""
    calculators: dict[str, Any] = data["calculators"]
    if name in data.get("unavailable", {}):
        raise CalculatorError(f"calculator '{name}' cannot be built: {data['unavailable'][name]}")
    if name not in calculators:
        known = ", ".join(NAMES)
        raise CalculatorError(f"unknown calculator '{name}' (use one of: {known})")
    return calculators[name]  # type: ignore[no-any-return]


def _read_inputs(
    messages: Mapping[str, str], specs: list[dict[str, Any]], inputs: Inputs
) -> tuple[dict[str, str], dict[str, float], dict[str, str]]:
    errors: dict[str, str] = {}
    env: dict[str, float] = {}
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
                env[spec["id"]] = float(match[0]["value"])
            continue
        value, problem = read_number(spec, raw)
        if problem or value is None:
            errors[spec["id"]] = message(messages, problem or "not_a_number", spec)
        else:
            env[spec["id"]] = value
    return errors, env, picked


def read_number(spec: Mapping[str, Any], raw: float | str) -> tuple[float | None, str | None]:
    """Return (value, None) for a number the input accepts, or (None, message key)."""
    if isinstance(raw, str):
        value, problem = calcfmt.parse_number(raw)
        if problem or value is None:
            return None, problem or "not_a_number"
    else:
        value = float(raw) + 0.0
    if not math.isfinite(value):
        return None, "too_large"
    if value < spec["min"] or (spec["min_exclusive"] and value == spec["min"]):
        return None, "min_exclusive" if spec["min_exclusive"] else "min"
    if value > spec["max"]:
        return None, "max"
    return value, None


def message(messages: Mapping[str, str], key: str, spec: Mapping[str, Any]) -> str:
    """Return the reader's message for a problem with one input."""
    return messages[key].format(
        min=calcfmt.plain(spec["min"]),
        max=calcfmt.plain(spec["max"]),
        default=calcfmt.plain(spec["default"]),
    )


def _compute_self_hosting(
    spec: Mapping[str, Any], env: dict[str, float], picked: dict[str, str]
) -> dict[str, Any]:
    scope = dict(env)
    for constant in spec["constants"]:
        scope[constant["id"]] = constant["value"]
    outputs: dict[str, Any] = {}
    for out in spec["outputs"]:
        scope[out["id"]] = outputs[out["id"]] = evaluate(out["formula"], scope)
    return outputs


def _compute_api_cost(
    spec: Mapping[str, Any], env: dict[str, float], picked: dict[str, str]
) -> dict[str, Any]:
    rows = []
    for model in spec["models"]:
        scope = {**env, "input_price": model["input_price"], "output_price": model["output_price"]}
        rows.append({"id": model["id"], "cost": evaluate(spec["formula"], scope)})
    labels = {m["id"]: m["label"] for m in spec["models"]}
    rows.sort(key=lambda r: (r["cost"], labels[r["id"]]))
    cheapest = rows[0]["cost"] if rows else 0.0
    for row in rows:
        row["cheapest"] = row["cost"] == cheapest
    return {"rows": rows, "total": len(rows)}


def _compute_decision(
    spec: Mapping[str, Any], env: dict[str, float], picked: dict[str, str]
) -> dict[str, Any]:
    per_day = env["volume"] / env["volume_unit"]
    outputs: dict[str, Any] = {}
    for vid, variable in spec["variables"].items():
        outputs[vid] = pick_band(variable["bands"], per_day) if "bands" in variable else picked[vid]
    return outputs


def pick_band(bands: list[dict[str, Any]], per_day: float) -> str:
    """Return the id of the volume band a daily volume falls in."""
    for band in bands:
        limit = band["to"]
        if limit is None or per_day < limit or (band["inclusive"] and per_day == limit):
            return str(band["id"])
    return str(bands[-1]["id"])


_Compute = Callable[[Mapping[str, Any], dict[str, float], dict[str, str]], dict[str, Any]]
_COMPUTE: dict[str, _Compute] = {
    "self-hosting-breakeven": _compute_self_hosting,
    "api-cost": _compute_api_cost,
    "decision-helper": _compute_decision,
}
