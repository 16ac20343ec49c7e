"""Read data/decision-rules.yml: the decision helper's variables, bands and options, validated."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from khub.data.model import FactSet, Record, Slug
from khub.data.problems import KeyPath, ProblemLog
from khub.data.record_errors import validate
from khub.data.yamlio import MAX_FILE_BYTES, parse, read_text, too_large
from khub.disk.paths import read_contained
from khub.errors import DataError, Problem
from khub.units import UNITS

RULES_PATH = "data/decision-rules.yml"
VOLUME_UNITS = ("tokens_per_day", "tokens_per_month")
_PLACEHOLDER = re.compile(r"\{([a-z0-9][a-z0-9.-]*)\}")
_DIGIT = re.compile(r"\d")


class Band(Record):
    """One volume band; it ends below a threshold, up to it (inclusive), or never (the last)."""

    id: Slug
    below: str | None = None
    up_to: str | None = None
    no_rule: bool = False
    leans: Slug | None = None
    recommendation: str
    reason: str

    @model_validator(mode="after")
    def _one_end(self) -> Band:
        if self.below and self.up_to:
            raise ValueError("give 'below' or 'up_to', not both")
        return self

    @property
    def threshold(self) -> str | None:
        """Return the fact id the band ends at, or None for the last band."""
        return self.below or self.up_to


class Option(Record):
    """One answer to a categorical variable, with what the hub recommends for it."""

    id: Slug
    label: str
    leans: Slug | None = None
    recommendation: str
    reason: str


class Variable(Record):
    """One operational variable: volume bands, or options to choose from."""

    label: str
    question: str
    bands: list[Band] | None = None
    options: list[Option] | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _bands_or_options(self) -> Variable:
        if (self.bands is None) == (self.options is None):
            raise ValueError("give either 'bands' (for volume) or 'options'")
        return self


class ReconcileRule(Record):
    """One rule of the reconciliation: when its answers hold, its outcome is the verdict."""

    id: Slug
    strength: Literal["hard", "soft"]
    when: dict[Slug, list[Slug]]
    wins: Slug
    outcome: Slug
    because: str


class Status(Record):
    """How a variable's line says where it stands against the verdict."""

    decides: str
    agrees: str
    outweighed: str
    neutral: str


class Reconcile(Record):
    """The four answers made into one recommendation: ordered rules, the first match decides."""

    heading: str
    decided_by: str
    status: Status
    waiting: str
    rules: list[ReconcileRule] = Field(min_length=1)


class RulesFile(Record):
    """data/decision-rules.yml."""

    variables: dict[Slug, Variable]
    outcomes: dict[Slug, str] = Field(default_factory=dict)
    reconcile: Reconcile | None = None


def load_rules(factset: FactSet) -> RulesFile:
    """Read and check the decision rules against the facts; raise DataError with every problem."""
    log = ProblemLog()
    root = Path(factset.root)
    if not os.path.lexists(root / RULES_PATH):
        raise DataError([Problem(RULES_PATH, 0, "file is missing", "add the decision rules")])
    raw = read_contained(root, RULES_PATH, MAX_FILE_BYTES, too_large)
    text, problem = read_text(RULES_PATH, raw)
    data, problem = parse(RULES_PATH, text) if text is not None else (None, problem)
    if problem is not None:
        raise DataError([problem])
    log.texts[RULES_PATH] = text or ""
    rules = validate(RulesFile, data, RULES_PATH, (), log)
    if rules is not None:
        check_rules(rules, factset, log)
    if rules is None or log.has_errors:
        raise DataError(log.located())
    return rules


def check_rules(rules: RulesFile, factset: FactSet, log: ProblemLog) -> None:
    """Log every rule that names a missing fact, types a number, or leaves a gap in the bands."""
    if "volume" not in rules.variables or rules.variables["volume"].bands is None:
        log.error(RULES_PATH, ("variables",), "no 'volume' variable with bands", "add it")
    for vid, variable in rules.variables.items():
        base: KeyPath = ("variables", vid)
        if variable.bands is not None:
            _check_bands(variable.bands, factset, base, log)
        for i, option in enumerate(variable.options or []):
            _check_text(
                option.recommendation, factset, (*base, "options", i, "recommendation"), log
            )
            _check_text(option.reason, factset, (*base, "options", i, "reason"), log)
        _check_text(variable.label, factset, (*base, "label"), log)
        key = "bands" if variable.bands is not None else "options"
        leans = [e.leans for e in variable.bands or []] + [o.leans for o in variable.options or []]
        for i, lean in enumerate(leans):
            if lean is not None and lean not in rules.outcomes:
                log.error(
                    RULES_PATH,
                    (*base, key, i, "leans"),
                    f"'{lean}' is not an outcome",
                    _one_of(rules.outcomes),
                )
    for oid, text in rules.outcomes.items():
        _check_text(text, factset, ("outcomes", oid), log)
    if rules.reconcile is not None:
        check_reconcile(rules, factset, log)


def check_reconcile(rules: RulesFile, factset: FactSet, log: ProblemLog) -> None:
    """Log each reconcile rule out of precedence order or naming what the file lacks."""
    assert rules.reconcile is not None
    last = len(rules.reconcile.rules) - 1
    soft_seen = False
    for i, rule in enumerate(rules.reconcile.rules):
        where: KeyPath = ("reconcile", "rules", i)
        if rule.strength == "hard" and soft_seen:
            log.error(
                RULES_PATH,
                (*where, "strength"),
                f"hard rule '{rule.id}' comes after a soft one",
                "put every hard rule before the soft ones",
            )
        soft_seen = soft_seen or rule.strength == "soft"
        if rule.outcome not in rules.outcomes:
            log.error(
                RULES_PATH,
                (*where, "outcome"),
                f"'{rule.outcome}' is not an outcome",
                _one_of(rules.outcomes),
            )
        if rule.wins not in rules.variables:
            log.error(
                RULES_PATH,
                (*where, "wins"),
                f"'{rule.wins}' is not a variable",
                _one_of(rules.variables),
            )
        _check_when(rule, rules, (*where, "when"), log)
        if (i == last) != (not rule.when):
            log.error(
                RULES_PATH,
                (*where, "when"),
                f"rule '{rule.id}' "
                + ("is last but has conditions" if i == last else "has no conditions"),
                "end with one rule whose 'when' is {} and give every other rule conditions",
            )
        _check_text(rule.because, factset, (*where, "because"), log)


def _check_when(rule: ReconcileRule, rules: RulesFile, where: KeyPath, log: ProblemLog) -> None:
    for vid, ids in rule.when.items():
        variable = rules.variables.get(vid)
        if variable is None:
            log.error(
                RULES_PATH, (*where, vid), f"'{vid}' is not a variable", _one_of(rules.variables)
            )
            continue
        known = [e.id for e in (variable.bands or variable.options or [])]
        for k, eid in enumerate(ids):
            if eid not in known:
                log.error(
                    RULES_PATH,
                    (*where, vid, k),
                    f"'{eid}' is not a band or option of '{vid}'",
                    _one_of(known),
                )


def _one_of(names: Mapping[str, object] | list[str]) -> str:
    return "use one of: " + ", ".join(names)


def _check_bands(bands: list[Band], factset: FactSet, base: KeyPath, log: ProblemLog) -> None:
    previous: float | None = None
    for i, band in enumerate(bands):
        where = (*base, "bands", i)
        _check_text(band.recommendation, factset, (*where, "recommendation"), log)
        _check_text(band.reason, factset, (*where, "reason"), log)
        last = i == len(bands) - 1
        if band.threshold is None and not last:
            log.error(RULES_PATH, where, f"band '{band.id}' has no end", "add 'below' or 'up_to'")
        if band.threshold is not None and last:
            log.error(RULES_PATH, where, f"the last band '{band.id}' has an end", "remove it")
        if band.threshold is None:
            continue
        key = "below" if band.below else "up_to"
        value = threshold_per_day(band.threshold, factset, (*where, key), log)
        if value is not None and previous is not None and value <= previous:
            log.error(
                RULES_PATH,
                (*where, key),
                f"band '{band.id}' ends at or before the band above it",
                "order bands from low to high volume",
            )
        previous = value if value is not None else previous


def threshold_per_day(
    fid: str, factset: FactSet, keypath: KeyPath, log: ProblemLog | None = None
) -> float | None:
    """Return a volume threshold fact in tokens per day (value ÷ days per unit), or log why not."""
    fact = factset.facts.get(fid)
    problem = None
    if fact is None:
        problem = (f"'{fid}' is not a fact", "name a fact id, e.g. self-hosting.crossover-volume")
    elif fact.unit.name not in VOLUME_UNITS:
        problem = (f"'{fid}' is in {fact.unit.name}", f"use a fact in {' or '.join(VOLUME_UNITS)}")
    elif not isinstance(fact.value, float | int):
        problem = (f"'{fid}' has no single number", "use a fact with a plain number value")
    if problem is not None or fact is None:
        if log is not None and problem is not None:
            log.error(RULES_PATH, keypath, *problem)
        return None
    return float(fact.value) / days_per_unit(fact.unit.name)  # type: ignore[arg-type]


def days_per_unit(unit: str) -> float:
    """Return how many days one unit of a volume spans (1 per day, 30 per month)."""
    return float(round(1 / UNITS[unit].scale))


def _check_text(text: str, factset: FactSet, keypath: KeyPath, log: ProblemLog) -> None:
    check_text(text, factset, RULES_PATH, keypath, log)


def check_text(text: str, factset: FactSet, path: str, keypath: KeyPath, log: ProblemLog) -> None:
    """Log each {fact-id} that names no fact, and a number typed into the text."""
    for fid in _PLACEHOLDER.findall(text):
        if fid not in factset.facts:
            log.error(path, keypath, f"'{{{fid}}}' names no fact", "use a fact id")
    if _DIGIT.search(_PLACEHOLDER.sub("", text)):
        log.error(
            path,
            keypath,
            "text types a number",
            "write {fact-id} so the number comes from the facts",
        )


def placeholders(text: str) -> list[str]:
    """Return the fact ids a rule text names as {fact-id}."""
    return _PLACEHOLDER.findall(text)


def fill(text: str, show: dict[str, str]) -> str:
    """Return text with each {fact-id} replaced by its shown value."""
    return _PLACEHOLDER.sub(lambda m: show[m.group(1)], " ".join(text.split()))
