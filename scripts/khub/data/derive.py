"""Derived facts from formulas, and claims: parsed, ordered, unit-checked, evaluated."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from khub.data.model import Claim, ClaimRecord, DerivedRecord, Fact, Range
from khub.data.problems import ProblemLog
from khub.formula.language import FormulaError, Node, Quantity, evaluate, parse, references
from khub.units import compatible_units, describe_dims, get_unit


@dataclass(frozen=True)
class Formula:
    """A parsed formula with the ids it names."""

    id: str
    node: Node
    refs: tuple[str, ...]


def derive_all(
    records: dict[str, DerivedRecord],
    facts: dict[str, Fact],
    path: str,
    log: ProblemLog,
    broken: set[str],
) -> dict[str, Fact]:
    """Evaluate every derived fact; return them by id.

    A derived fact that fails is added to broken, so that whatever uses it is skipped
    quietly instead of reported again as naming an unknown fact.
    """
    formulas: dict[str, Formula] = {}
    known = set(facts) | set(records)
    for fid, record in records.items():
        keypath = ("derived", fid, "formula")
        formula = _parse(fid, record.formula, keypath, path, log)
        if formula and _refs_known(formula, known, path, keypath, log, broken):
            formulas[fid] = formula
    order = _order(formulas, path, log)
    broken.update(fid for fid in records if fid not in order)
    scope = dict(facts)
    derived: dict[str, Fact] = {}
    for fid in order:
        fact = None
        if not any(ref in broken for ref in formulas[fid].refs):
            fact = _evaluate(fid, records[fid], formulas[fid], scope, path, log)
        if fact is None:
            broken.add(fid)
        else:
            derived[fid] = scope[fid] = fact
    return derived


def _parse(
    fid: str, text: str, keypath: tuple[str, ...], path: str, log: ProblemLog
) -> Formula | None:
    try:
        node = parse(text)
    except FormulaError as exc:
        log.error(path, keypath, f"{fid}: {exc.message}", exc.hint)
        return None
    refs = tuple(references(node))
    if not refs:
        log.error(
            path,
            keypath,
            f"{fid}: '{text}' names no fact",
            "derive from facts; a constant belongs in a fact with its source",
        )
        return None
    return Formula(fid, node, refs)


def _refs_known(
    formula: Formula,
    known: set[str],
    path: str,
    keypath: tuple[str, ...],
    log: ProblemLog,
    broken: set[str],
) -> bool:
    ok = True
    for ref in formula.refs:
        if ref in known:
            continue
        ok = False
        if ref in broken or ref.split(".")[0] in broken:
            continue  # its own series failed validation; that error is reported already
        log.error(path, keypath, f"{formula.id}: unknown fact '{ref}'", _unknown_hint(ref, known))
    return ok


def _unknown_hint(ref: str, known: set[str]) -> str:
    """Suggest the spaced subtraction a hyphen may stand for, or the closest fact id."""
    for cut in (i for i, char in enumerate(ref) if char == "-"):
        left, right = ref[:cut], ref[cut + 1 :]
        if left in known and (right in known or right.replace(".", "", 1).isdigit()):
            return f"to subtract, write '{left} - {right}': 'a-b' is one name"
    close = difflib.get_close_matches(ref, known, n=1)
    return f"did you mean '{close[0]}'?" if close else "name a fact as series.subject"


def _order(formulas: dict[str, Formula], path: str, log: ProblemLog) -> list[str]:
    """Return derived ids inputs-first; log each cycle once."""
    order: list[str] = []
    state: dict[str, int] = {}  # 1 visiting, 2 done
    for start in formulas:
        _visit(start, formulas, state, order, [], path, log)
    return order


def _visit(
    fid: str,
    formulas: dict[str, Formula],
    state: dict[str, int],
    order: list[str],
    stack: list[str],
    path: str,
    log: ProblemLog,
) -> bool:
    if state.get(fid) == 2:
        return fid in order
    if state.get(fid) == 1:
        cycle = [*stack[stack.index(fid) :], fid]
        log.error(
            path,
            ("derived", fid, "formula"),
            f"formula cycle: {' -> '.join(cycle)}",
            "a derived fact cannot depend on itself",
        )
        return False
    state[fid] = 1
    ok = all(
        _visit(ref, formulas, state, order, [*stack, fid], path, log)
        for ref in formulas[fid].refs
        if ref in formulas
    )
    state[fid] = 2
    if ok:
        order.append(fid)
    return ok


def quantity_of(fact: Fact) -> Quantity | None:
    """Return a numeric fact as a quantity in base units; None when unknown."""
    if fact.value is None:
        return None
    if isinstance(fact.value, Range):
        low, high = fact.value.low, fact.value.high
    elif isinstance(fact.value, float | int):
        low = high = float(fact.value)
    else:
        raise FormulaError(
            f"'{fact.id}' is {fact.unit.name}, not a number", "formulas take numeric facts only"
        )
    return Quantity(low * fact.unit.scale, high * fact.unit.scale, fact.unit.dims, fact.unit)


def _tidy(value: float) -> float:
    """Drop binary floating-point noise: 8.399999999999997 becomes 8.4."""
    return float(f"{value:.12g}")


def _lookup(facts: dict[str, Fact]) -> Callable[[str], Quantity | None]:
    def lookup(fid: str) -> Quantity | None:
        return quantity_of(facts[fid])

    return lookup


def _evaluate(
    fid: str,
    record: DerivedRecord,
    formula: Formula,
    facts: dict[str, Fact],
    path: str,
    log: ProblemLog,
) -> Fact | None:
    keypath = ("derived", fid)
    unit = get_unit(record.unit)
    if unit is None or not unit.numeric:
        log.error(
            path,
            (*keypath, "unit"),
            f"{fid}: unknown or non-numeric unit '{record.unit}'",
            "derived facts take a numeric unit such as percent",
        )
        return None
    try:
        result = evaluate(formula.node, _lookup(facts))
    except FormulaError as exc:
        log.error(path, (*keypath, "formula"), f"{fid}: {exc.message}", exc.hint)
        return None
    if isinstance(result, bool):
        log.error(
            path,
            (*keypath, "formula"),
            f"{fid}: formula is a condition, not a value",
            "move it to claims",
        )
        return None
    value: float | Range | None = None
    if result is not None:
        if result.dims is not None and result.dims != unit.dims:
            fits = compatible_units(result.dims)
            log.error(
                path,
                (*keypath, "formula"),
                f"{fid}: the formula gives {describe_dims(result.dims)}, "
                f"but unit '{unit.name}' measures {describe_dims(unit.dims)}",
                f"use a unit such as {', '.join(fits)}, or fix the formula"
                if fits
                else "fix the formula or the unit",
            )
            return None
        low, high = _tidy(result.lo / unit.scale), _tidy(result.hi / unit.scale)
        value = low if low == high else Range(low=low, high=high)
    inputs = [facts[r] for r in formula.refs]
    return Fact(
        id=fid,
        label=record.title,
        unit=unit,
        value=value,
        as_of=max(f.as_of for f in inputs),
        verified=min(f.verified for f in inputs),
        status="derived",
        source=None,
        file=path,
        note=record.note,
        decimals=record.decimals,
        formula=record.formula,
        inputs=formula.refs,
        basis=tuple(dict.fromkeys(check for f in inputs for check in f.checks())),
    )


def evaluate_claims(
    records: dict[str, ClaimRecord],
    facts: dict[str, Fact],
    path: str,
    log: ProblemLog,
    broken: set[str],
) -> dict[str, Claim]:
    """Evaluate every claim; log the ones that no longer hold as warnings."""
    claims: dict[str, Claim] = {}
    known = set(facts)
    for cid, record in records.items():
        keypath = ("claims", cid, "holds_when")
        formula = _parse(cid, record.holds_when, keypath, path, log)
        if formula is None or not _refs_known(formula, known, path, keypath, log, broken):
            continue
        holds = _truth(cid, formula, facts, path, keypath, log)
        if holds is _INVALID:
            continue
        claims[cid] = Claim(
            cid,
            record.says,
            record.holds_when,
            holds,  # type: ignore[arg-type]
            formula.refs,
        )
        if holds is False:
            log.warn(
                path,
                ("claims", cid),
                f"claim '{cid}' no longer holds: {record.says}",
                f"{record.holds_when} is false; revise the prose or the data",
            )
        elif holds is None:
            log.warn(
                path,
                ("claims", cid),
                f"claim '{cid}' cannot be evaluated",
                "an input value is unknown (null)",
            )
    return claims


_INVALID = object()


def _truth(
    cid: str,
    formula: Formula,
    facts: dict[str, Fact],
    path: str,
    keypath: tuple[str, ...],
    log: ProblemLog,
) -> object:
    try:
        result = evaluate(formula.node, _lookup(facts))
    except FormulaError as exc:
        log.error(path, keypath, f"{cid}: {exc.message}", exc.hint)
        return _INVALID
    if isinstance(result, Quantity):
        log.error(
            path,
            keypath,
            f"{cid}: holds_when is a value, not a condition",
            "compare it, e.g. frontier-lead >= 5",
        )
        return _INVALID
    return result


def dependents(facts: Iterable[Fact], changed: set[str]) -> set[str]:
    """Return the derived facts that depend, directly or not, on any changed id."""
    derived = [f for f in facts if f.derived]
    hit: set[str] = set()
    grew = True
    while grew:
        grew = False
        for fact in derived:
            if fact.id not in hit and any(i in changed or i in hit for i in fact.inputs):
                hit.add(fact.id)
                grew = True
    return hit
