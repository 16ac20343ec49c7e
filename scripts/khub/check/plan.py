"""Plan a re-check: which facts, read how, from which URL, in which group, with which limit.

Facts move together when they form a group:

- explicitly: every fact whose check block says `group: NAME` (one name across the hub);
- by their source entry: two `json` checks of the same URL whose JMESPath expressions are
  equal once their final `.field` is removed (one model's `input` and `output` price in the
  same record), or two `table` checks of the same URL, table selector and row `match`
  (columns of one row). `html` and `text` checks are grouped only by name.

A group is written whole or not at all (see khub.check.groups).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from dataclasses import dataclass

from khub.check import extract as methods
from khub.check.compare import Limit, limit_for
from khub.check.http import Kind
from khub.check.spec import CheckSpec, JsonCheck, TableCheck, ValueCheck
from khub.data.model import Fact, FactSet, Range
from khub.errors import UsageError

_LAST_FIELD = re.compile(r'\.\s*([A-Za-z_][A-Za-z0-9_]*|"[^"]+")\s*$')


@dataclass(frozen=True)
class Plan:
    """One fact to check: its spec for the extractor, content kind, group and limit."""

    fact: Fact
    url: str
    spec: CheckSpec
    kind: Kind
    limit: Limit
    group: str | None = None


def group_of(spec: CheckSpec | None) -> str | None:
    """Return the group a check block puts its fact in, or None (see the module's rule)."""
    if not isinstance(spec, ValueCheck):
        return None
    if spec.group is not None:
        return spec.group
    if isinstance(spec, JsonCheck):
        last = _LAST_FIELD.search(spec.path)
        return f"{spec.path[: last.start()].strip()} @ {spec.url}" if last else None
    if isinstance(spec, TableCheck):
        row = ", ".join(f"{k}={v}" for k, v in sorted(spec.table.match.items()))
        return f"row {row} of {spec.table.selector or 'table'} @ {spec.url}"
    return None


def groups_of(factset: FactSet) -> dict[str, list[str]]:
    """Return every group of two facts or more: name → fact ids, sorted."""
    found: dict[str, list[str]] = {}
    for fact in factset.facts.values():
        name = group_of(fact.check)
        if name is not None:
            found.setdefault(name, []).append(fact.id)
    return {name: sorted(ids) for name, ids in sorted(found.items()) if len(ids) > 1}


def select_facts(factset: FactSet, selectors: Sequence[str]) -> list[Fact]:
    """Return the facts named or matched (globs), with their groups; all checks when none."""
    if not selectors:
        return [f for f in factset.facts.values() if f.check is not None]
    chosen: dict[str, Fact] = {}
    for selector in selectors:
        if any(ch in selector for ch in "*?["):
            matched = [
                f
                for f in factset.facts.values()
                if f.check is not None and fnmatch.fnmatchcase(f.id, selector)
            ]
            if not matched:
                raise UsageError(f"no fact with a check matches '{selector}'")
        else:
            matched = [_named(factset, selector)]
        chosen.update((f.id, f) for f in matched)
    for ids in groups_of(factset).values():
        if any(fid in chosen for fid in ids):
            chosen.update((fid, factset.facts[fid]) for fid in ids)
    return list(chosen.values())


def _named(factset: FactSet, fid: str) -> Fact:
    from khub.data.load import find_fact

    fact = find_fact(factset, fid)
    if fact.check is None:
        raise UsageError(
            f"fact '{fid}' has no check block (add one; `khub check --help` lists the methods)"
        )
    return fact


def plan_checks(
    factset: FactSet, facts: Sequence[Fact], max_jump: float | None = None
) -> list[Plan]:
    """Return the plan of each selected fact; its check block was validated on load."""
    groups = groups_of(factset)
    member = {fid: name for name, ids in groups.items() for fid in ids}
    return [_plan(fact, factset, max_jump, member.get(fact.id)) for fact in facts]


def _plan(fact: Fact, factset: FactSet, max_jump: float | None, group: str | None) -> Plan:
    assert fact.check is not None, "select_facts picks only facts with a check"
    spec = extractor_spec(fact, fact.check)
    limit = limit_for(fact, factset, max_jump)
    return Plan(fact, spec.url, spec, methods.kind_of(spec), limit, group)


def extractor_spec(fact: Fact, spec: CheckSpec) -> CheckSpec:
    """Ask for text where the fact is not a plain number; a range's scale is applied here."""
    if not isinstance(spec, ValueCheck):
        return spec
    if isinstance(fact.value, Range):
        return spec.model_copy(update={"number": False, "scale": None, "convert": None})
    if not fact.unit.numeric and "number" not in spec.model_fields_set:
        return spec.model_copy(update={"number": False})
    return spec


def kinds(plans: Sequence[Plan]) -> dict[str, Kind]:
    """Return each distinct URL with the content kind its first fact needs."""
    found: dict[str, Kind] = {}
    for plan in plans:
        found.setdefault(plan.url, plan.kind)
    return found
