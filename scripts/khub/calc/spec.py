"""Read data/calculators.yml: calculators as data, checked against the facts and compiled.

Every formula is written in the language of data/derived.yml (khub.formula.language). Loading
parses each one, checks its names and units, evaluates it at the defaults (so that an
output's `equals:` fact can be held to it) and compiles it (khub.formula.compiled) into the tree
that api/v1/calculators.json ships. `load_calculators` returns each calculator's entry of
the export, or raises DataError with every problem at its line.
"""

from __future__ import annotations

import difflib
import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema

from khub.calc import display as calcfmt
from khub.data.decision_rules import (
    check_text,
    fill,
    load_rules,
    placeholders,
    threshold_per_day,
)
from khub.data.derive import quantity_of
from khub.data.model import Fact, FactSet, Record, Slug
from khub.data.problems import KeyPath, ProblemLog
from khub.data.record_errors import validate
from khub.data.yamlio import MAX_FILE_BYTES, read_text
from khub.data.yamlio import parse as parse_yaml
from khub.disk.paths import read_contained
from khub.errors import DataError
from khub.formula.compiled import compile_formula
from khub.formula.language import FormulaError, Node, Quantity, evaluate, parse, references
from khub.render.display import format_value as show_raw
from khub.render.display import unit_style
from khub.units import UNITS, Unit, describe_dims, get_unit

CALCULATORS_PATH = "data/calculators.yml"
TOLERANCE = 1e-9  # relative: how closely an output must match its `equals:` fact
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_OWN_SUFFIX = ("percent", "multiplier", "weeks")  # kinds whose numbers carry their unit
_NUMERIC_UNITS = [name for name, unit in UNITS.items() if unit.numeric]


def _as_text(value: object) -> object:
    """Read a bare YAML number as the formula it is (`value: 30` means the formula 30)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return repr(value)
    return value


FormulaText = Annotated[
    str,
    BeforeValidator(_as_text),
    WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "number"}], "description": "a formula"}),
]
UnitName = Annotated[str, Field(json_schema_extra={"enum": _NUMERIC_UNITS})]


# --- the records of the file -----------------------------------------------------------


class OptionRecord(Record):
    """One choice of a list; its label may show its value as {value}."""

    id: str
    label: str
    value: FormulaText


class ForEachOptions(Record):
    """Options repeated for each subject the named series share; {subject} and {label} fill."""

    subject: list[Slug] = Field(min_length=1)
    options: list[OptionRecord] = Field(min_length=1)


class InputRecord(Record):
    """A number the reader types (default from the facts) or a choice from a list."""

    label: str
    term: str | None = Field(default=None, description="what the working calls it")
    unit: UnitName | None = None
    default: FormulaText | None = Field(default=None, description="a formula over fact ids")
    edge: Literal["low", "high", "range"] | None = Field(
        default=None, description="the part of a range default the input starts from"
    )
    min: float | None = None
    above: float | None = Field(default=None, description="an exclusive minimum")
    max: float | None = None
    options: list[OptionRecord] | None = None
    for_each: ForEachOptions | None = None


class OutputRecord(Record):
    """A result: a formula over the inputs, earlier outputs and facts, in a unit."""

    label: str
    term: str | None = None
    unit: UnitName
    formula: str
    equals: str | None = Field(default=None, description="the fact it must equal at defaults")


class ColumnRecord(Record):
    """A value each row of a table gives the formulas."""

    term: str
    unit: UnitName


class RowRecord(Record):
    """One row of a table: its values from the facts."""

    id: str
    label: str
    values: dict[str, FormulaText]
    equals: dict[str, str] = Field(default_factory=dict)


class ForEachRows(Record):
    """Rows repeated for each subject the named series share."""

    subject: list[Slug] = Field(min_length=1)
    rows: list[RowRecord] = Field(min_length=1)


class TableRecord(Record):
    """A ranked table: the output computed for every row, lowest first and marked."""

    caption: str
    head: str
    badge: str
    waiting: str
    columns: dict[str, ColumnRecord] = Field(min_length=1)
    rows: list[RowRecord] = Field(default_factory=list)
    for_each: ForEachRows | None = None


class RulesRecord(Record):
    """Recommendations from data/decision-rules.yml, the volume band picked by an output."""

    bands_by: str
    waiting: str


class NoteRecord(Record):
    """A paragraph under the results; with a claim, one of two endings by its truth."""

    text: str
    claim: Slug | None = None
    holds: str | None = None
    fails: str | None = None


class CalculatorRecord(Record):
    """One calculator."""

    title: str
    hint: str | None = None
    inputs: dict[str, InputRecord] = Field(min_length=1)
    terms: dict[str, str] = Field(default_factory=dict)
    outputs: dict[str, OutputRecord] = Field(min_length=1)
    announce: list[str] | None = None
    note: NoteRecord | None = None
    table: TableRecord | None = None
    rules: RulesRecord | None = None


class CalculatorsFile(Record):
    """data/calculators.yml."""

    calculators: dict[Slug, CalculatorRecord]


# --- loading ---------------------------------------------------------------------------


def load_calculators(factset: FactSet) -> dict[str, dict[str, Any]]:
    """Read, check and compile data/calculators.yml; {} when the hub has none."""
    root = Path(factset.root)
    if not os.path.lexists(root / CALCULATORS_PATH):
        return {}
    raw = read_contained(root, CALCULATORS_PATH, MAX_FILE_BYTES)  # UnsafePathError is a DataError
    text, problem = read_text(CALCULATORS_PATH, raw)
    data, problem = parse_yaml(CALCULATORS_PATH, text) if text is not None else (None, problem)
    if problem is not None:
        raise DataError([problem])
    log = ProblemLog(texts={CALCULATORS_PATH: text or ""})
    record = validate(CalculatorsFile, data, CALCULATORS_PATH, (), log)
    built: dict[str, dict[str, Any]] = {}
    for cid, calc in record.calculators.items() if record else ():
        spec = _Builder(cid, calc, factset, log).build()
        if spec is not None:
            built[cid] = spec
    if record is None or log.has_errors:
        raise DataError(log.located())
    return built


def format_of(unit: Unit | None) -> str:
    """Return the calcfmt kind a unit's numbers show in (usd, tokens, percent and so on)."""
    if unit is None:
        return "plain"
    if unit.name in _OWN_SUFFIX:
        return unit.name
    return {"money": "usd", "compact": "tokens"}.get(unit_style(unit.name).style, "plain")


def suffix_of(unit: Unit | None) -> str:
    """Return what follows a shown value of the unit: /day, tokens/day, or nothing."""
    return "" if unit is None or unit.name in _OWN_SUFFIX else unit_style(unit.name).suffix


def show(value: float | list[float], unit: Unit | None) -> str:
    """Return a value in a unit as the calculator shows it: $0.12/day, 3–5×."""
    return calcfmt.format_value(value, format_of(unit)) + suffix_of(unit)


def show_fact(fact: Fact) -> str:
    """Return a fact's value exactly as the page text writes it."""
    return show_raw(fact.value, fact.unit.name, fact.decimals)


def _tidy(value: float) -> float:
    return float(f"{value:.12g}")


def _in_unit(q: Quantity, unit: Unit | None) -> float | list[float]:
    """Return a quantity in a unit's numbers: one number, or [low, high]."""
    scale = unit.scale if unit is not None and q.dims is not None else 1.0
    low, high = _tidy(q.lo / scale), _tidy(q.hi / scale)
    return low if low == high else [low, high]


def _quantity(value: float | list[float], unit: Unit | None) -> Quantity:
    low, high = (value, value) if isinstance(value, float | int) else value
    scale = unit.scale if unit is not None else 1.0
    return Quantity(low * scale, high * scale, unit.dims if unit else (), unit)


def _term(label: str) -> str:
    """Return a label as a term inside a sentence: 'Tokens per day' → 'tokens per day'."""
    if len(label) > 1 and label[1].islower():
        return label[0].lower() + label[1:]
    return label


@dataclass
class _Row:
    """A table row: its export entry, its values at the defaults, and what it must equal."""

    spec: dict[str, Any]
    values: dict[str, Quantity]
    equals: dict[str, str]
    where: KeyPath


@dataclass
class _Builder:
    """Check and compile one calculator, logging every problem at its key path."""

    cid: str
    record: CalculatorRecord
    factset: FactSet
    log: ProblemLog
    units: dict[str, Unit | None] = field(default_factory=dict)
    at_defaults: dict[str, Quantity] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    constants: dict[str, dict[str, Any]] = field(default_factory=dict)
    failed: bool = False

    def error(self, where: KeyPath, message: str, hint: str) -> None:
        """Log a problem of this calculator."""
        self.log.error(
            CALCULATORS_PATH, ("calculators", self.cid, *where), f"{self.cid}: {message}", hint
        )
        self.failed = True

    def build(self) -> dict[str, Any] | None:
        """Return the calculator's export entry, or None when it has problems."""
        rec = self.record
        self._check_names()
        inputs = [item for iid, i in rec.inputs.items() if (item := self._input(iid, i))]
        rows = self._table_rows(rec.table) if rec.table else []
        outputs = [out for oid, o in rec.outputs.items() if (out := self._output(oid, o, rows))]
        spec: dict[str, Any] = {
            "title": rec.title,
            "kind": "table" if rec.table else "rules" if rec.rules else "outputs",
            "inputs": inputs,
            "outputs": outputs,
            "hint": self._text(rec.hint, ("hint",)) if rec.hint else None,
            "note": self._note(rec.note) if rec.note else None,
            "announce": self._announce(),
        }
        if rec.table:
            spec["table"] = self._table(rec.table, rows)
        if rec.rules:
            spec.update(self._rules(rec.rules, inputs))
        self._check_terms()
        spec["constants"] = list(self.constants.values())
        spec["names"] = self.names
        return None if self.failed else spec

    # --- names ---------------------------------------------------------------------

    def _own_names(self) -> list[tuple[str, KeyPath]]:
        rec = self.record
        found: list[tuple[str, KeyPath]] = [(n, ("inputs", n)) for n in rec.inputs]
        found += [(n, ("outputs", n)) for n in rec.outputs]
        if rec.table:
            found += [(n, ("table", "columns", n)) for n in rec.table.columns]
        return found

    def _check_names(self) -> None:
        seen: set[str] = set()
        for name, where in self._own_names():
            if not _NAME.match(name):
                self.error(
                    where,
                    f"'{name}' is not a valid name",
                    "names use lower-case letters, digits and underscores, such as tokens_per_day",
                )
            elif name in seen:
                self.error(where, f"'{name}' is defined twice", "give each a name of its own")
            elif name in self.factset.facts:
                self.error(where, f"'{name}' is also a fact id", "rename it")
            seen.add(name)
        if self.record.table and self.record.rules:
            self.error(("rules",), "a calculator has a table or rules, not both", "remove one")
        if self.record.table and len(self.record.outputs) != 1:
            self.error(("outputs",), "a table shows one output per row", "keep one output")

    def _check_terms(self) -> None:
        for fid in self.record.terms:
            if fid not in self.constants:
                self.error(("terms", fid), f"no formula names '{fid}'", "remove the term")

    # --- formulas over facts ---------------------------------------------------------

    def _parse(self, text: str, where: KeyPath, what: str) -> Node | None:
        try:
            return parse(text)
        except FormulaError as exc:
            self.error(where, f"{what}: {exc.message}", exc.hint)
            return None

    def _from_facts(
        self, text: str, unit: Unit | None, where: KeyPath, what: str, literal: bool = False
    ) -> tuple[Quantity, list[str]] | None:
        """Evaluate a formula over facts only (a default, an option, a row value)."""
        node = self._parse(text, where, what)
        if node is None:
            return None
        refs = references(node)
        if not refs and not literal:
            self.error(where, f"{what} names no fact", "take it from a fact: write its fact id")
            return None
        for ref in refs:
            if ref not in self.factset.facts:
                self.error(
                    where, f"{what}: unknown fact '{ref}'", _closest(ref, self.factset.facts)
                )
                return None
        result = self._evaluate(node, {}, where, what)
        if result is None:
            return None
        if result.dims is None or (unit is None and result.dims == ()):
            return _quantity(result.lo if result.exact else [result.lo, result.hi], unit), refs
        if unit is None or result.dims != unit.dims:
            measures = describe_dims(unit.dims) if unit else "a plain number"
            self.error(
                where,
                f"{what} gives {describe_dims(result.dims)}, but its unit measures {measures}",
                "name a fact in a unit of the same kind",
            )
            return None
        return result, refs

    def _evaluate(
        self, node: Node, extra: Mapping[str, Quantity], where: KeyPath, what: str
    ) -> Quantity | None:
        try:
            result = evaluate(node, self._lookup(extra))
        except FormulaError as exc:
            self.error(where, f"{what}: {exc.message}", exc.hint)
            return None
        if isinstance(result, bool):
            self.error(where, f"{what} is a condition, not a value", "compute a number")
            return None
        if result is None:
            self.error(where, f"{what} is unknown", "a fact it names has no value (null)")
        return result

    def _lookup(self, extra: Mapping[str, Quantity]) -> Callable[[str], Quantity | None]:
        def lookup(name: str) -> Quantity | None:
            if name in extra:
                return extra[name]
            if name in self.at_defaults:
                return self.at_defaults[name]
            return quantity_of(self.factset.facts[name])

        return lookup

    def _unit(self, name: str | None, where: KeyPath, what: str) -> Unit | None:
        unit = get_unit(name) if name else None
        if unit is None or not unit.numeric:
            self.error(where, f"{what} needs a numeric unit", "add 'unit:', such as usd_per_day")
            return None
        return unit

    # --- inputs ----------------------------------------------------------------------

    def _input(self, iid: str, rec: InputRecord) -> dict[str, Any] | None:
        self.names[iid] = rec.term or _term(rec.label)
        if rec.options is not None or rec.for_each is not None:
            return self._choice(iid, rec)
        return self._number(iid, rec)

    def _number(self, iid: str, rec: InputRecord) -> dict[str, Any] | None:
        where: KeyPath = ("inputs", iid)
        what = f"input '{iid}'"
        unit = self._unit(rec.unit, (*where, "unit"), what)
        if rec.default is None:
            self.error(where, f"{what} has no default", "add 'default: FACT-ID'")
        if rec.max is None:
            self.error(where, f"{what} has no max", "add 'max:', the largest number it accepts")
        if rec.min is not None and rec.above is not None:
            self.error(where, f"{what} gives 'min' and 'above'", "keep one of them")
        if unit is None or rec.default is None or rec.max is None:
            return None
        found = self._from_facts(rec.default, unit, (*where, "default"), f"{what}: the default")
        if found is None:
            return None
        default = self._edge(found[0], unit, rec.edge, where, what)
        if default is None:
            return None
        minimum = rec.above if rec.above is not None else rec.min or 0.0
        self._bounds(default, minimum, rec.above is not None, rec.max, unit, where, what)
        self.units[iid] = unit
        self.at_defaults[iid] = _quantity(default, unit)
        return {
            "id": iid,
            "kind": "number",
            "label": rec.label,
            "format": format_of(unit),
            "default": default,
            "facts": found[1],
            "min": minimum,
            "min_exclusive": rec.above is not None,
            "max": rec.max,
            "range": rec.edge == "range",
        }

    def _edge(
        self, q: Quantity, unit: Unit, edge: str | None, where: KeyPath, what: str
    ) -> float | list[float] | None:
        value = _in_unit(q, unit)
        if not isinstance(value, list) or edge == "range":
            return value
        if edge is None:
            self.error(
                (*where, "default"),
                f"{what}: the default is a range, {show(value, unit)}",
                "say where the input starts: edge: low, edge: high, or edge: range",
            )
            return None
        return value[0] if edge == "low" else value[1]

    def _bounds(
        self,
        value: float | list[float],
        minimum: float,
        exclusive: bool,
        maximum: float,
        unit: Unit,
        where: KeyPath,
        what: str,
    ) -> None:
        edges = value if isinstance(value, list) else [value]
        low = any(v < minimum or (exclusive and v == minimum) for v in edges)
        if low or any(v > maximum for v in edges):
            self.error(
                (*where, "default"),
                f"{what}: the default {show(value, unit)} is outside what it accepts",
                f"it accepts {'above' if exclusive else 'from'} {calcfmt.plain(minimum)} "
                f"to {calcfmt.plain(maximum)}: widen its bounds or change the default",
            )

    def _choice(self, iid: str, rec: InputRecord) -> dict[str, Any] | None:
        where: KeyPath = ("inputs", iid)
        what = f"input '{iid}'"
        extra = [k for k in ("edge", "min", "above", "max") if getattr(rec, k) is not None]
        if extra:
            self.error(where, f"{what} is a choice: '{extra[0]}' does not apply", "remove it")
        unit = self._unit(rec.unit, (*where, "unit"), what) if rec.unit else None
        if rec.unit and unit is None:
            return None
        options, values = self._options(iid, rec, unit)
        if not options:
            if not self.failed:
                self.error(where, f"{what} has no options", "add 'options:' or 'for_each:'")
            return None
        default = rec.default or options[0]["id"]
        if default not in values:
            self.error((*where, "default"), f"{what}: no option '{default}'", "name an option id")
            return None
        self.units[iid] = unit
        self.at_defaults[iid] = values[default]
        spec = {"id": iid, "kind": "choice", "label": rec.label, "default": default}
        spec["options"] = options
        if unit is not None:
            spec["format"] = format_of(unit)
        return spec

    def _options(
        self, iid: str, rec: InputRecord, unit: Unit | None
    ) -> tuple[list[dict[str, Any]], dict[str, Quantity]]:
        items: list[tuple[OptionRecord, KeyPath]] = [
            (o, ("inputs", iid, "options", i)) for i, o in enumerate(rec.options or [])
        ]
        if rec.for_each:
            base: KeyPath = ("inputs", iid, "for_each")
            for subject, label in self._subjects(rec.for_each.subject, base):
                items += [
                    (_fill_option(o, subject, label), (*base, "options", i))
                    for i, o in enumerate(rec.for_each.options)
                ]
        options: list[dict[str, Any]] = []
        values: dict[str, Quantity] = {}
        for option, where in items:
            what = f"input '{iid}': option '{option.id}'"
            if option.id in values:
                self.error(where, f"{what} is listed twice", "give each option its own id")
                continue
            found = self._from_facts(option.value, unit, (*where, "value"), what, literal=True)
            if found is None:
                continue
            shown = _in_unit(found[0], unit)
            label = option.label.replace("{value}", show(shown, unit))
            options.append({"id": option.id, "label": label, "value": shown, "facts": found[1]})
            values[option.id] = _quantity(shown, unit)
        return options, values

    def _subjects(self, series: list[str], where: KeyPath) -> list[tuple[str, str]]:
        """Return (subject, label) for each subject every named series has a fact for."""
        for sid in series:
            if sid not in self.factset.series:
                hint = _closest(sid, self.factset.series)
                self.error((*where, "subject"), f"unknown series '{sid}'", hint)
                return []
        first = self.factset.series_facts(series[0])
        out = []
        for fact in first:
            subject = fact.id.split(".", 1)[1]
            if all(f"{sid}.{subject}" in self.factset.facts for sid in series[1:]):
                out.append((subject, fact.label))
        return out

    # --- outputs ---------------------------------------------------------------------

    def _output(self, oid: str, rec: OutputRecord, rows: list[_Row]) -> dict[str, Any] | None:
        where: KeyPath = ("outputs", oid)
        what = f"output '{oid}'"
        self.names[oid] = rec.term or _term(rec.label)
        unit = self._unit(rec.unit, (*where, "unit"), what)
        node = self._parse(rec.formula, (*where, "formula"), what)
        if unit is None or node is None or not self._refs_known(node, oid, (*where, "formula")):
            return None
        try:
            expr = compile_formula(node, self.units, unit)
        except FormulaError as exc:
            self.error((*where, "formula"), f"{what}: {exc.message}", exc.hint)
            return None
        self._at_defaults(oid, node, unit, rec.equals, rows)
        self.units[oid] = unit
        return {
            "id": oid,
            "label": rec.label,
            "format": format_of(unit),
            "suffix": suffix_of(unit),
            "formula": expr,
        }

    def _refs_known(self, node: Node, oid: str, where: KeyPath) -> bool:
        outputs = list(self.record.outputs)
        later = outputs[outputs.index(oid) :]
        own = {*self.record.inputs, *outputs[: outputs.index(oid)]}
        own |= set(self.record.table.columns) if self.record.table else set()
        refs = references(node)
        if not refs:
            self.error(where, f"output '{oid}' names nothing", "compute it from inputs or facts")
        for ref in refs:
            if ref in self.units or ref in own:
                continue  # a name of this calculator whose own problem is reported already
            if ref in later:
                hint = f"move '{ref}' above '{oid}'" if ref != oid else "compute it from others"
                self.error(where, f"output '{oid}' uses '{ref}' before it is computed", hint)
            elif ref in self.factset.facts:
                self._constant(ref, where)
            else:
                known = [*self.units, *self.record.outputs, *self.factset.facts]
                self.error(where, f"output '{oid}': unknown name '{ref}'", _closest(ref, known))
        return not any(r not in self.units for r in refs)

    def _constant(self, fid: str, where: KeyPath) -> None:
        """Take a fact the formulas name into the calculator as a constant."""
        fact = self.factset.facts[fid]
        try:
            q = quantity_of(fact)
        except FormulaError as exc:
            self.error(where, f"'{fid}': {exc.message}", exc.hint)
            return
        if q is None:
            self.error(where, f"'{fid}' has no value", "fill the fact, or name another")
            return
        term = self.record.terms.get(fid) or _term(fact.label)
        self.units[fid] = fact.unit
        self.at_defaults[fid] = q
        self.names[fid] = term
        self.constants[fid] = {
            "id": fid,
            "label": term,
            "format": format_of(fact.unit),
            "value": _in_unit(q, fact.unit),
            "fact": fid,
        }

    def _at_defaults(
        self, oid: str, node: Node, unit: Unit, equals: str | None, rows: list[_Row]
    ) -> None:
        """Evaluate an output at the defaults (each row of a table) and check what it equals."""
        where: KeyPath = ("outputs", oid)
        if not rows:
            result = self._evaluate(node, {}, (*where, "formula"), f"output '{oid}'")
            if result is not None:
                self.at_defaults[oid] = Quantity(result.lo, result.hi, unit.dims, unit)
                if equals:
                    self._equals(oid, result, unit, equals, (*where, "equals"))
            return
        if equals:
            self.error((*where, "equals"), "a table output has one value per row", "use rows")
        for row in rows:
            result = self._evaluate(node, row.values, row.where, f"row '{row.spec['id']}'")
            fid = row.equals.get(oid)
            if result is not None and fid:
                self._equals(oid, result, unit, fid, (*row.where, "equals"))

    def _equals(self, oid: str, result: Quantity, unit: Unit, fid: str, where: KeyPath) -> None:
        fact = self.factset.facts.get(fid)
        if fact is None:
            self.error(where, f"unknown fact '{fid}'", _closest(fid, self.factset.facts))
            return
        expected = quantity_of(fact) if fact.unit.numeric else None
        ours = show(_in_unit(result, unit), unit)
        if expected is None or expected.dims != unit.dims or not _close(result, expected):
            self.error(
                where,
                f"output '{oid}' is {ours} at the defaults, but '{fid}' is {show_fact(fact)}",
                "make the calculator agree with the fact the prose shows: "
                "fix the formula or the defaults",
            )

    # --- tables, rules and texts -------------------------------------------------------

    def _table_rows(self, table: TableRecord) -> list[_Row]:
        base: KeyPath = ("table",)
        for name, column in table.columns.items():
            unit = self._unit(column.unit, (*base, "columns", name, "unit"), f"column '{name}'")
            if unit is not None:
                self.units[name] = unit
            self.names[name] = column.term
        items: list[tuple[RowRecord, KeyPath]] = [
            (r, (*base, "rows", i)) for i, r in enumerate(table.rows)
        ]
        if table.for_each:
            each: KeyPath = (*base, "for_each")
            for subject, label in self._subjects(table.for_each.subject, each):
                items += [
                    (_fill_row(r, subject, label), (*each, "rows", i))
                    for i, r in enumerate(table.for_each.rows)
                ]
        rows = [row for rec, where in items if (row := self._row(rec, table, where))]
        if not rows and not self.failed:
            self.error(base, "the table has no rows", "add 'rows:' or 'for_each:'")
        return rows

    def _row(self, rec: RowRecord, table: TableRecord, where: KeyPath) -> _Row | None:
        what = f"row '{rec.id}'"
        if set(rec.values) != set(table.columns):
            wanted = ", ".join(table.columns)
            self.error((*where, "values"), f"{what} needs a value for each column", wanted)
            return None
        values: dict[str, Any] = {}
        quantities: dict[str, Quantity] = {}
        facts: list[str] = []
        for name, text in rec.values.items():
            unit = self.units.get(name)
            found = self._from_facts(text, unit, (*where, "values", name), f"{what}: '{name}'")
            if found is None:
                return None
            values[name] = _in_unit(found[0], unit)
            quantities[name] = _quantity(values[name], unit)
            facts += [f for f in found[1] if f not in facts]
        spec = {"id": rec.id, "label": rec.label, "values": values, "facts": facts}
        return _Row(spec, quantities, rec.equals, where)

    def _table(self, table: TableRecord, rows: list[_Row]) -> dict[str, Any]:
        return {
            "caption": table.caption,
            "head": table.head,
            "badge": table.badge,
            "waiting": table.waiting,
            "columns": [{"id": n, "format": format_of(self.units.get(n))} for n in table.columns],
            "rows": [row.spec for row in rows],
        }

    def _rules(self, rules: RulesRecord, inputs: list[dict[str, Any]]) -> dict[str, Any]:
        by = self.record.outputs.get(rules.bands_by)
        if by is None or by.unit != "tokens_per_day":
            self.error(
                ("rules", "bands_by"),
                f"'{rules.bands_by}' is not an output in tokens_per_day",
                "name the output that gives the volume per day",
            )
        try:
            variables = decision_variables(self.factset)
        except DataError as exc:
            for problem in exc.problems:
                self.log.add(problem)
            self.failed = True
            return {}
        for vid, entry in variables.items():
            if "options" in entry:
                options = [{"id": o["id"], "label": o["label"]} for o in entry["options"]]
                choice = {"id": vid, "kind": "choice", "label": entry["label"]}
                inputs.append({**choice, "default": options[0]["id"], "options": options})
        return {
            "rules": {"by": rules.bands_by, "waiting": rules.waiting},
            "variables": variables,
            "order": list(variables),  # the JSON export sorts keys; the page keeps this order
            "reconcile": decision_reconcile(self.factset),
        }

    def _announce(self) -> list[str]:
        names = self.record.announce or list(self.record.outputs)
        for name in names:
            if name not in self.record.outputs:
                self.error(("announce",), f"'{name}' is not an output", "name outputs only")
        return names

    def _text(self, text: str, where: KeyPath) -> str:
        missing = [fid for fid in placeholders(text) if fid not in self.factset.facts]
        check_text(
            text, self.factset, CALCULATORS_PATH, ("calculators", self.cid, *where), self.log
        )
        if missing:
            self.failed = True
            return ""
        return fill(text, {fid: show_fact(self.factset.facts[fid]) for fid in placeholders(text)})

    def _note(self, note: NoteRecord) -> str:
        text = self._text(note.text, ("note", "text"))
        if note.claim is None:
            if note.holds or note.fails:
                self.error(("note",), "'holds' and 'fails' need a claim", "add 'claim:'")
            return text
        claim = self.factset.claims.get(note.claim)
        if claim is None or claim.holds is None:
            self.error(
                ("note", "claim"),
                f"claim '{note.claim}' is unknown or cannot be evaluated",
                _closest(note.claim, self.factset.claims),
            )
            return text
        key = "holds" if claim.holds else "fails"
        ending = getattr(note, key)
        if ending is None:
            self.error(("note",), f"the note has no '{key}' text", f"add '{key}:'")
            return text
        return f"{text} {self._text(ending, ('note', key))}"


def _close(a: Quantity, b: Quantity) -> bool:
    return all(
        math.isclose(x, y, rel_tol=TOLERANCE, abs_tol=1e-300)
        for x, y in ((a.lo, b.lo), (a.hi, b.hi))
    )


def _closest(name: str, known: Mapping[str, object] | list[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f"did you mean '{close[0]}'?" if close else "name an input, an output or a fact id"


def _fill(text: str, subject: str, label: str) -> str:
    return text.replace("{subject}", subject).replace("{label}", label)


def _fill_option(option: OptionRecord, subject: str, label: str) -> OptionRecord:
    return OptionRecord(
        id=_fill(option.id, subject, label),
        label=_fill(option.label, subject, label),
        value=_fill(option.value, subject, label),
    )


def _fill_row(row: RowRecord, subject: str, label: str) -> RowRecord:
    return RowRecord(
        id=_fill(row.id, subject, label),
        label=_fill(row.label, subject, label),
        values={k: _fill(v, subject, label) for k, v in row.values.items()},
        equals={k: _fill(v, subject, label) for k, v in row.equals.items()},
    )


# --- the decision rules, as the decision helper shows them --------------------------------


def decision_variables(factset: FactSet) -> dict[str, Any]:
    """Return data/decision-rules.yml's variables with texts filled and bands per day."""
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
                    "leans": o.leans,
                    "recommendation": fill(o.recommendation, shown),
                    "reason": fill(o.reason, shown),
                }
                for o in variable.options or []
            ]
        variables[vid] = entry
    return variables


def decision_reconcile(factset: FactSet) -> dict[str, Any] | None:
    """Return the reconcile section with texts filled and outcomes spelled out, or None."""
    rules = load_rules(factset)
    if rules.reconcile is None:
        return None
    shown = {fid: show_fact(fact) for fid, fact in factset.facts.items()}
    rec = rules.reconcile
    return {
        "heading": rec.heading,
        "decided_by": rec.decided_by,
        "status": rec.status.model_dump(),
        "waiting": rec.waiting,
        "rules": [
            {
                "id": r.id,
                "strength": r.strength,
                "when": r.when,
                "wins": r.wins,
                "outcome": r.outcome,
                "recommendation": fill(rules.outcomes[r.outcome], shown),
                "because": fill(r.because, shown),
            }
            for r in rec.rules
        ],
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
                "leans": band.leans,
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
