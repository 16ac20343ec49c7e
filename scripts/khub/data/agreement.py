"""Whether a fact's references agree with its value, and the status they earn it.

A reference *states* the fact's value when the two agree within the unit's tolerance:

- ``percent`` and ``points``: 0.05 points either way (scores are printed to one decimal);
- ``usd…`` prices and costs, ``multiplier``: 0.5% of the fact's value (rounding of list prices);
- any other number (counts, users, tokens, days): exactly, as an integer would;
- a range: both ends, each by the rule above;
- a licence: the same SPDX id or name, stated as text or as a licence (case, spaces, dashes
  and the word "license" do not matter: "Apache 2.0" is Apache-2.0);
- text and enums: the same words, case and runs of whitespace ignored.

The status a fact's references earn it (`earned_status`): ``estimate`` when the fact is
the hub's or an analysis's own derivation (its typed status says so); ``independent`` when
a source whose organisation is not the subject's vendor, and that does not merely relay
the vendor's figure, states the value; else ``official`` (typed so) or ``vendor-reported``
when the vendor (or a source relaying it) states it; None when no reference states it.
`contradiction` words the typed status that the references rule out, for ``khub validate``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from khub.data.model import Fact, Licence, Range, Reference, Source
from khub.units import Unit

PERCENT_POINTS = 0.05
RELATIVE = 0.005
_RELATIVE_UNITS = ("multiplier",)
_POINT_UNITS = ("percent", "points")

Value = float | Range | Licence | str | None


@dataclass(frozen=True)
class Agreement:
    """What a fact's references say about its value."""

    agree: tuple[Reference, ...]
    differ: tuple[Reference, ...]
    silent: tuple[Reference, ...]
    independent: tuple[str, ...]  # orgs of the agreeing sources that are not the vendor
    vendor_states: bool  # the vendor (or a source relaying it) states the value
    earned: str | None
    silent_orgs: tuple[str, ...] = ()  # publishers of the sources read that do not state it

    @property
    def checked(self) -> bool:
        """Return True when the fact has references to judge by."""
        return bool(self.agree or self.differ or self.silent)


def tolerance_text(unit: Unit) -> str:
    """Return the tolerance of a unit in words (for pages and messages)."""
    if unit.name in _POINT_UNITS:
        return f"{PERCENT_POINTS} points"
    if unit.name.startswith("usd") or unit.name in _RELATIVE_UNITS:
        return f"{RELATIVE:.1%} relative"
    return "exact" if unit.numeric else "same words"


def agrees(unit: Unit, value: Value, states: Value) -> bool:
    """Return True when `states` is `value` within the tolerance of `unit`."""
    if value is None or states is None:
        return False
    if isinstance(value, Range) or isinstance(states, Range):
        if not (isinstance(value, Range) and isinstance(states, Range)):
            return False
        return _close(unit, value.low, states.low) and _close(unit, value.high, states.high)
    if isinstance(value, Licence) or isinstance(states, Licence):
        return bool(_licence_names(value) & _licence_names(states))
    if isinstance(value, (int, float)) and isinstance(states, (int, float)):
        return _close(unit, float(value), float(states))
    return _words(str(value)) == _words(str(states))


def _close(unit: Unit, value: float, states: float) -> bool:
    if unit.name in _POINT_UNITS:
        return abs(value - states) <= PERCENT_POINTS + 1e-9
    if unit.name.startswith("usd") or unit.name in _RELATIVE_UNITS:
        return math.isclose(value, states, rel_tol=RELATIVE, abs_tol=1e-12)
    return math.isclose(value, states, rel_tol=1e-9, abs_tol=1e-12)


def _licence_names(value: Value) -> set[str]:
    names = [value.id, value.name] if isinstance(value, Licence) else [str(value)]
    return {_licence_key(name) for name in names}


def _licence_key(name: str) -> str:
    words = name.casefold().replace("licence", "license").split()
    kept = "".join(w for w in words if w not in ("license", "agreement"))
    return "".join(c for c in kept.removeprefix("licenseref-") if c.isalnum())


def same_reading(expected: Value, found: float | str) -> bool:
    """Return True when a check read what a reference expects (numbers to 1 part in 10^6)."""
    if isinstance(expected, (int, float)) and isinstance(found, (int, float)):
        return math.isclose(expected, found, rel_tol=1e-6)
    if isinstance(expected, Licence):
        return bool(_licence_names(expected) & _licence_names(str(found)))
    return _words(str(expected)) == _words(str(found)) or _licence_key(
        str(expected)
    ) == _licence_key(str(found))


def _words(text: str) -> str:
    return " ".join(text.casefold().split())


def judge(fact: Fact, sources: dict[str, Source]) -> Agreement:
    """Return what the fact's references say about its value and the status they earn."""
    agree, differ, silent = [], [], []
    independent: list[str] = []
    vendor_states = False
    for ref in fact.references:
        if ref.does_not_state or ref.states is None:
            silent.append(ref)
        elif agrees(fact.unit, fact.value, ref.states):
            agree.append(ref)
            org = _org(ref, sources)
            if ref.relays or (fact.vendor is not None and org == fact.vendor):
                vendor_states = True
            elif org not in independent:
                independent.append(org)
        else:
            differ.append(ref)
    earned = _earned(fact.status, bool(independent), vendor_states)
    silent_orgs = tuple(dict.fromkeys(_publisher(ref, sources) for ref in silent))
    return Agreement(
        tuple(agree),
        tuple(differ),
        tuple(silent),
        tuple(independent),
        vendor_states,
        earned,
        silent_orgs,
    )


def _org(ref: Reference, sources: dict[str, Source]) -> str:
    source = sources.get(ref.source)
    return source.org_id if source is not None else ref.source


def _publisher(ref: Reference, sources: dict[str, Source]) -> str:
    source = sources.get(ref.source)
    return source.publisher if source is not None else ref.source


def _earned(typed: str, independent: bool, vendor_states: bool) -> str | None:
    if typed == "estimate":
        return "estimate"
    if independent:
        return "independent"
    if vendor_states:
        return "official" if typed == "official" else "vendor-reported"
    return None


def contradiction(fact: Fact, agreement: Agreement) -> tuple[str, str] | None:
    """Return (message, hint) when the references contradict the typed status, else None."""
    if not agreement.agree or fact.status == "estimate":
        return None
    shown = _shown(fact.value)
    stating = _stating(agreement, fact)
    if fact.status == "independent" and not agreement.independent:
        return (
            f"status 'independent' contradicts the references: only {stating} states {shown}",
            "write status: vendor-reported or add an independent reference",
        )
    if fact.status == "official" and fact.vendor is not None and not agreement.vendor_states:
        return (
            f"status 'official' contradicts the references: only {stating} states {shown}, "
            f"not '{fact.vendor}' (the vendor)",
            "cite the licensor's own text, or write status: independent",
        )
    return None


def _stating(agreement: Agreement, fact: Fact) -> str:
    if agreement.vendor_states and not agreement.independent:
        return f"'{fact.vendor}' (the vendor)" if fact.vendor else "the vendor"
    return ", ".join(f"'{org}'" for org in agreement.independent)


def _shown(value: Value) -> str:
    if isinstance(value, Range):
        return f"{_number(value.low)}–{_number(value.high)}"
    if isinstance(value, Licence):
        return value.id
    if isinstance(value, (int, float)):
        return _number(value)
    return repr(value)


def _number(value: float) -> str:
    return f"{value:g}"


def summary(fact: Fact, agreement: Agreement) -> str:
    """Return the references' verdict in one line, for tooltips and `khub fact`."""
    if not agreement.checked:
        return ""
    parts: list[str] = []
    if agreement.differ:
        values = [_shown(fact.value)] + [_shown(r.states) for r in agreement.differ]
        parts.append("sources differ: " + " vs ".join(dict.fromkeys(values)))
    if agreement.earned == "vendor-reported":
        parts.append("vendor-reported; no independent source states it")
    elif agreement.earned == "independent":
        parts.append("stated by an independent source: " + ", ".join(agreement.independent))
    elif agreement.earned == "official":
        parts.append("official: stated by the vendor itself")
    elif agreement.earned is None:
        parts.append("no source consulted states it")
    if agreement.silent_orgs:
        parts.append("not stated by " + ", ".join(agreement.silent_orgs))
    return "; ".join(parts)
