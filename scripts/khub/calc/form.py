"""The calculator mounts: server-rendered forms with the defaults, results and working.

The page shows every default, result and line of working before any script runs;
calculators.js then recomputes the same parts in place. Nothing here knows a calculator
by name: the export's `kind` (outputs, table or rules) says how the results show, and the
functions that render the parts that change have twins in calculators.js.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from markupsafe import Markup

from khub.calc import display as calcfmt
from khub.calc.export import (
    EXPORT_PATH,
    VERDICT,
    calculator_spec,
    compute,
    export,
    standing,
)
from khub.data.model import FactSet
from khub.formula.compiled import Expr, render

WIDE_LABEL = 40  # characters: a choice with a longer option label gets the form's full width
NOJS = "These are the defaults. Turn on JavaScript to change the inputs."


def calculator_helper(factset: FactSet) -> Callable[[str], Markup]:
    """Return the Jinja helper calculator(name) for one fact set; builds the data on first use."""
    cache: dict[str, Any] = {}

    def calculator(name: str) -> Markup:
        """Return the HTML mount of a calculator, showing its defaults and working."""
        if "data" not in cache:
            cache["data"] = export(factset)
        return render_calculator(cache["data"], str(name))

    return calculator


def render_calculator(data: Mapping[str, Any], name: str) -> Markup:
    """Return one calculator's HTML from the export data; unknown names raise CalculatorError."""
    spec = calculator_spec(data, name)
    result = compute(data, name, {})
    body = _BODIES[spec["kind"]](spec, result)
    head = Markup(
        '<div class="khub-calc" id="khub-{n}" data-khub-calc="{n}" data-khub-src="{src}"'
        ' data-khub-version="{v}">'
    ).format(n=name, src=EXPORT_PATH, v=data["data_version"])
    hint = Markup('<p class="khub-calc__hint">{}</p>').format(spec["hint"]) if spec["hint"] else ""
    parts = [
        head,
        Markup('<p class="khub-calc__title"><strong>{}</strong></p>').format(spec["title"]),
        _form(spec, name),
        *([hint] if hint else []),
        body,
        Markup('<p class="khub-calc__nojs">{}</p>').format(NOJS),
        Markup('<p class="khub-sr" role="status" aria-live="polite" data-khub-status></p>'),
        Markup("</div>"),
    ]
    return Markup("\n").join(parts)


def _form(spec: Mapping[str, Any], name: str) -> Markup:
    fields = Markup("\n").join(_field(item, name) for item in spec["inputs"])
    return Markup(
        '<form class="khub-calc__form" novalidate aria-label="{t}: inputs">\n{f}\n</form>'
    ).format(t=spec["title"], f=fields)


def _field(item: Mapping[str, Any], name: str) -> Markup:
    fid = f"khub-{name}-{item['id']}"
    label = Markup('<label for="{}">{}</label>').format(fid, item["label"])
    error = Markup('<span class="khub-calc__error" id="{}-error" hidden></span>').format(fid)
    if item["kind"] == "choice":
        options = Markup("").join(
            Markup('<option value="{}"{}>{}</option>').format(
                o["id"], Markup(" selected") if o["id"] == item["default"] else "", o["label"]
            )
            for o in item["options"]
        )
        control = Markup('<select id="{}" name="{}">{}</select>').format(fid, item["id"], options)
        if _wide(item):
            chosen = next(o["label"] for o in item["options"] if o["id"] == item["default"])
            control += Markup(
                '<span class="khub-calc__chosen" aria-hidden="true">{}</span>'
            ).format(chosen)
            return Markup(
                '<div class="khub-calc__field khub-calc__field--wide">{}{}{}</div>'
            ).format(label, control, error)
    else:
        mode = Markup("") if item["range"] else Markup(' inputmode="decimal"')
        control = Markup(
            '<input id="{fid}" name="{n}" type="text"{mode} autocomplete="off"'
            ' spellcheck="false" value="{v}" aria-describedby="{fid}-error">'
        ).format(fid=fid, n=item["id"], mode=mode, v=calcfmt.plain_value(item["default"]))
    return Markup('<div class="khub-calc__field">{}{}{}</div>').format(label, control, error)


def _wide(item: Mapping[str, Any]) -> bool:
    """Tell whether a choice has an option label too long for one grid column."""
    return max(len(o["label"]) for o in item["options"]) > WIDE_LABEL


# --- the words and numbers of a formula -----------------------------------------------


def _formats(spec: Mapping[str, Any]) -> dict[str, str]:
    kinds = {i["id"]: i.get("format", "plain") for i in spec["inputs"]}
    kinds.update({c["id"]: c["format"] for c in spec["constants"]})
    kinds.update({o["id"]: o["format"] for o in spec["outputs"]})
    kinds.update({c["id"]: c["format"] for c in spec.get("table", {}).get("columns", [])})
    return kinds


def symbolic(spec: Mapping[str, Any], formula: Expr) -> str:
    """Return a formula in words: tokens per day ÷ 1,000,000 × price per million tokens."""
    names: dict[str, str] = spec["names"]

    def show(leaf: Expr) -> str:
        return names[leaf] if isinstance(leaf, str) else calcfmt.plain(float(leaf))  # type: ignore[arg-type]

    return render(formula, show)


def numeric(spec: Mapping[str, Any], formula: Expr, scope: Mapping[str, Any]) -> str:
    """Return a formula with the current numbers: 1M ÷ 1,000,000 × $0.12."""
    kinds = _formats(spec)
    values = {**{c["id"]: c["value"] for c in spec["constants"]}, **scope}

    def show(leaf: Expr) -> str:
        if isinstance(leaf, str):
            return calcfmt.format_value(values[leaf], kinds[leaf])
        return calcfmt.plain(float(leaf))  # type: ignore[arg-type]

    return render(formula, show)


def show_output(out: Mapping[str, Any], value: Any) -> str:
    """Return an output value with its unit: $0.12/day, 358×, 358.33M tokens/day."""
    return calcfmt.format_value(value, str(out["format"])) + str(out["suffix"])


def working(spec: Mapping[str, Any], out: Mapping[str, Any], scope: Mapping[str, Any]) -> str:
    """Return a formula with the current numbers and its result."""
    return f"{numeric(spec, out['formula'], scope)} = {show_output(out, scope[out['id']])}"


# --- kind: outputs ---------------------------------------------------------------------


def _outputs(spec: Mapping[str, Any], result: Mapping[str, Any]) -> Markup:
    scope = {**result["values"], **result["outputs"]}
    rows = Markup("\n").join(
        Markup('<div><dt>{}</dt><dd data-out="{}">{}</dd></div>').format(
            out["label"], out["id"], show_output(out, scope[out["id"]])
        )
        for out in spec["outputs"]
    )
    work = Markup("\n").join(
        Markup(
            '<li><span class="khub-calc__work-label">{}</span> = {} = '
            '<span data-work="{}">{}</span></li>'
        ).format(out["label"], symbolic(spec, out["formula"]), out["id"], working(spec, out, scope))
        for out in spec["outputs"]
    )
    parts = [
        Markup('<dl class="khub-calc__outputs" data-khub-results>\n{}\n</dl>').format(rows),
        Markup(
            '<details class="khub-calc__working" open><summary>Working</summary>'
            "\n<ol>\n{}\n</ol>\n</details>"
        ).format(work),
    ]
    if spec["note"]:
        parts.append(Markup('<p class="khub-calc__note">{}</p>').format(spec["note"]))
    return Markup("\n").join(parts)


# --- kind: table -----------------------------------------------------------------------


def _table(spec: Mapping[str, Any], result: Mapping[str, Any]) -> Markup:
    table = spec["table"]
    out = spec["outputs"][0]
    head = Markup(
        '<thead><tr><th scope="col">{}</th><th scope="col">{}</th>'
        '<th scope="col">Working</th></tr></thead>'
    ).format(table["head"], out["label"])
    caption = Markup("<caption>{}</caption>").format(table["caption"])
    rows = table_rows(spec, result["outputs"], result["values"])
    return Markup("\n").join(
        [
            Markup(
                '<table class="khub-calc__table">{}{}<tbody data-khub-results>{}</tbody></table>'
            ).format(caption, head, rows),
            Markup('<p class="khub-calc__hint">{} = {}</p>').format(
                out["label"], symbolic(spec, out["formula"])
            ),
        ]
    )


def table_rows(
    spec: Mapping[str, Any], outputs: Mapping[str, Any], values: Mapping[str, Any]
) -> Markup:
    """Return the rows of a table calculator, lowest first, the lowest marked."""
    table = spec["table"]
    out = spec["outputs"][0]
    rows = {row["id"]: row for row in table["rows"]}
    badge = Markup(' <strong class="khub-calc__badge">{}</strong>').format(table["badge"])
    html = []
    for shown in outputs["rows"]:
        row = rows[shown["id"]]
        html.append(
            Markup('<tr{}><th scope="row">{}{}</th><td>{}</td><td>{}</td></tr>').format(
                Markup(' class="khub-calc__cheapest"') if shown["lowest"] else "",
                row["label"],
                badge if shown["lowest"] else "",
                show_output(out, shown["value"]),
                numeric(spec, out["formula"], {**values, **row["values"]}),
            )
        )
    return Markup("").join(html)


# --- kind: rules -----------------------------------------------------------------------


def _rules(spec: Mapping[str, Any], result: Mapping[str, Any]) -> Markup:
    parts = [
        Markup('<ul class="khub-calc__decisions" data-khub-results>{}</ul>').format(
            decision_items(spec, result["outputs"])
        )
    ]
    if spec.get("reconcile"):
        verdict = Markup('<div class="khub-calc__verdict">{}</div>').format(
            verdict_html(spec, result["outputs"])
        )
        parts.insert(0, verdict)
    return Markup("\n").join(parts)


def verdict_html(spec: Mapping[str, Any], outputs: Mapping[str, Any]) -> Markup:
    """Return the overall recommendation: the deciding rule's outcome, who decided and why."""
    rec = spec["reconcile"]
    head = Markup("<strong>{}:</strong> ").format(rec["heading"])
    rule_id = outputs.get(VERDICT)
    if rule_id is None:
        return Markup("<p>{}{}</p>").format(head, rec["waiting"])
    rule = next(r for r in rec["rules"] if r["id"] == rule_id)
    decided = (
        rec["decided_by"]
        .replace("{variable}", spec["variables"][rule["wins"]]["label"])
        .replace("{strength}", rule["strength"])
    )
    return Markup(
        '<p>{}<span class="khub-calc__outcome">{}</span>'
        ' <span class="khub-calc__decided">({})</span></p>'
        '<p class="khub-calc__reason">Why: {}</p>'
    ).format(head, rule["recommendation"], decided, rule["because"])


def decision_items(spec: Mapping[str, Any], outputs: Mapping[str, Any]) -> Markup:
    """Return one list item per variable: its band or option, standing, recommendation, reason."""
    items = []
    for vid, variable in spec["variables"].items():
        if vid not in outputs:
            items.append(
                Markup('<li data-var="{}"><strong>{}</strong>: {}</li>').format(
                    vid, variable["label"], spec["rules"]["waiting"]
                )
            )
            continue
        entries = variable.get("bands") or variable["options"]
        entry = next(e for e in entries if e["id"] == outputs[vid])
        items.append(_decision_item(spec, vid, entry, outputs.get(VERDICT)))
    return Markup("").join(items)


def _decision_item(
    spec: Mapping[str, Any], vid: str, entry: Mapping[str, Any], rule_id: str | None
) -> Markup:
    rule = (
        Markup('<strong class="khub-calc__norule">No rule.</strong> ')
        if entry.get("no_rule")
        else ""
    )
    status = (
        Markup(' <span class="khub-calc__status">[{}]</span>').format(
            standing(spec, vid, entry, rule_id)
        )
        if rule_id is not None
        else ""
    )
    return Markup(
        '<li data-var="{}"{}><strong>{}</strong> ({}){}: {}{} '
        '<span class="khub-calc__reason">Why: {}</span></li>'
    ).format(
        vid,
        Markup(' class="khub-calc__norule-item"') if entry.get("no_rule") else "",
        spec["variables"][vid]["label"],
        entry["label"],
        status,
        rule,
        entry["recommendation"],
        entry["reason"],
    )


_BODIES: dict[str, Callable[[Mapping[str, Any], Mapping[str, Any]], Markup]] = {
    "outputs": _outputs,
    "table": _table,
    "rules": _rules,
}
