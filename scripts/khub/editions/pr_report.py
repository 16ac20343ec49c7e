"""Render a Diff as text, GitHub-flavoured Markdown (the pull-request report) or JSON."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from khub.check.evidence import Evidence
from khub.data.model import FrozenFact
from khub.data.serialize import frozen_data
from khub.editions.diff import ClaimChange, Diff, FactChange
from khub.editions.snapshot import ClaimState, Note, SourceRef
from khub.errors import UsageError
from khub.render.changes import signed_percent
from khub.units import get_unit

# module → the fact ids its page used, as khub.render.usage.module_usage returns it
FactUsage = Mapping[str, frozenset[str]]


# --- values ---------------------------------------------------------------------------


def show_number(number: float) -> str:
    """Return a number the way a reader writes it: 500,000,000, 358.3333 or −1.3."""
    if number < 0:
        return "−" + show_number(-number)
    if float(number).is_integer() and number < 1e15:
        return f"{int(number):,}"
    text = f"{number:,.4f}".rstrip("0").rstrip(".")
    return text if text != "0" else f"{number:.3g}"


def show_value(value: Any, unit: str = "") -> str:
    """Return a frozen value with its unit, for a report."""
    if value is None:
        return "unknown"
    if isinstance(value, dict) and "low" in value and "high" in value:
        text = f"{show_number(value['low'])}–{show_number(value['high'])}"
    elif isinstance(value, dict):
        name, spdx = value.get("name"), value.get("id")
        return f"{name} ({spdx})" if name and spdx and name != spdx else str(name or spdx)
    elif isinstance(value, int | float):
        text = show_number(value)
    else:
        return f"“{value}”"
    return _with_unit(text, unit)


def _with_unit(text: str, unit: str) -> str:
    found = get_unit(unit) if unit else None
    label = found.label if found else unit
    if not label:
        return text
    if label in ("%", "×"):
        return f"{text}{label}"
    return f"{text} {label}"


def show_change(change: FactChange) -> str:
    """Return '+1.5 (+1.7%)' for a number that changed, '' otherwise."""
    absolute, relative = change.absolute, change.relative
    if absolute is None:
        return ""
    sign = "+" if absolute > 0 else "−"
    text = f"{sign}{show_number(abs(absolute))}"
    if relative is not None:
        text += f" ({signed_percent(relative)})"
    return text


def show_claim(state: ClaimState | None) -> str:
    """Return 'holds', 'does not hold', 'cannot be evaluated' or 'absent'."""
    if state is None:
        return "absent"
    if state.holds is None:
        return "cannot be evaluated"
    return "holds" if state.holds else "does not hold"


def _state(change: FactChange) -> FrozenFact:
    state = change.new or change.old
    assert state is not None
    return state


def _moved(change: FactChange) -> str:
    old, new = change.old, change.new
    assert old is not None and new is not None
    parts = [
        f"{name} {getattr(old, name) or '-'} → {getattr(new, name) or '-'}"
        for name in ("status", "source", "as_of", "verified", "label", "formula")
        if name in change.fields
    ]
    if "inputs" in change.fields:
        parts.append("inputs changed")
    return "; ".join(parts)


def _value_move(change: FactChange) -> str:
    old, new = change.old, change.new
    assert old is not None and new is not None
    if old.value is None:  # a filled fact: it had no value before
        return f"new: {show_value(new.value, new.unit)}"
    text = f"{show_value(old.value, old.unit)} → {show_value(new.value, new.unit)}"
    delta = show_change(change)
    return f"{text}, change {delta}" if delta else text


def summary(d: Diff) -> str:
    """Return the one-line summary of a diff."""
    if d.empty:
        return f"{d.old} → {d.new}: no change"
    c = d.counts()
    changed = c["value"] + c["status-source"] + c["reverified"] + c["metadata"]
    parts = [
        f"{changed} fact{'s' * (changed != 1)} changed ({c['value']} value, "
        f"{c['status-source']} status or source, {c['reverified']} re-verified only)",
        f"{c['added']} added",
        f"{c['removed']} removed",
        f"{c['derived']} derived fact{'s' * (c['derived'] != 1)} changed",
        f"{c['claims']} claim{'s' * (c['claims'] != 1)} flipped",
    ]
    if c["notes"]:
        parts.append(f"{c['notes']} editorial note{'s' * (c['notes'] != 1)}")
    return f"{d.old} → {d.new}: " + ", ".join(parts)


# --- impact -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Impact:
    """What a diff touches: modules (with the changed facts each uses), derived facts, claims."""

    modules: dict[str, tuple[str, ...]]
    derived: tuple[FactChange, ...]
    claims: tuple[ClaimChange, ...]


def impact(d: Diff, usage: FactUsage) -> Impact:
    """Return the modules whose facts changed, with the derived figures and claims.

    A fact whose only change is `verified` (re-verified, value unchanged) has no impact.
    """
    moved = tuple(c for c in (*d.facts, *d.derived) if c.kind != "reverified")
    changed = {c.id for c in moved}
    modules = {
        module: tuple(sorted(ids & changed))
        for module, ids in sorted(usage.items())
        if ids & changed
    }
    for note in d.notes_added:
        modules.setdefault(note.module, ())
    derived = tuple(c for c in d.derived if c.kind != "reverified")
    return Impact(dict(sorted(modules.items())), derived, d.claims)


# --- text -------------------------------------------------------------------------------


def render_text(d: Diff, usage: FactUsage | None = None) -> str:
    """Return the diff as plain text, one change per line."""
    lines = [summary(d)]
    sections: list[tuple[str, str, Iterable[FactChange], Any]] = [
        ("Added", "+", d.of_kind("added"), lambda c: show_value(c.new.value, c.new.unit)),
        ("Removed", "-", d.of_kind("removed"), lambda c: show_value(c.old.value, c.old.unit)),
        ("Changed value", "~", d.of_kind("value"), _value_move),
        ("Status or source changed", "~", d.of_kind("status-source"), _moved),
        ("Re-verified only (value unchanged)", "=", d.of_kind("reverified"), _moved),
        ("Other fields changed", "~", d.of_kind("metadata"), _moved),
        ("Derived facts changed as a consequence", "~", d.derived, _derived_line),
    ]
    for title, mark, changes, describe in sections:
        changes = list(changes)
        if changes:
            lines += ["", f"{title}:"]
            lines += [f"  {mark} {c.id}: {describe(c)}" for c in changes]
    if d.claims:
        lines += ["", "Claims that flipped or changed:"]
        lines += [f"  ! {c.id}: {_claim_line(c)}" for c in d.claims]
    if usage is not None:
        touched = impact(d, usage).modules
        if touched:
            lines += ["", "Modules affected:"]
            lines += [f"  * {m}: {', '.join(ids) or 'notes only'}" for m, ids in touched.items()]
    if d.notes_added:
        lines += ["", "Editorial notes:"]
        lines += [f"  [{n.module}] {n.text}{_note_facts(n)}" for n in d.notes_added]
    return "\n".join(lines) + "\n"


def _derived_line(change: FactChange) -> str:
    text = _derived_move(change)
    return f"{text}; because of {', '.join(change.because)}" if change.because else text


def _derived_move(change: FactChange) -> str:
    if change.kind in ("added", "removed"):
        state = _state(change)
        return f"{change.kind}: {show_value(state.value, state.unit)}"
    return _value_move(change) if change.kind == "value" else _moved(change)


def _claim_line(change: ClaimChange) -> str:
    says = (change.new or change.old).says  # type: ignore[union-attr]
    if not change.flipped:
        return f"wording or condition changed, still {show_claim(change.new)}: {says}"
    return f"{show_claim(change.old)} → {show_claim(change.new)}: {says}"


def _note_facts(note: Note) -> str:
    return f" (facts: {', '.join(note.facts)})" if note.facts else ""


# --- JSON -------------------------------------------------------------------------------


def render_json(d: Diff, usage: FactUsage | None = None) -> str:
    """Return the diff as a JSON document."""
    doc: dict[str, Any] = {
        "from": d.old,
        "to": d.new,
        "from_edition": d.old_edition,
        "to_edition": d.new_edition,
        "summary": summary(d),
        "counts": d.counts(),
        "facts": [_change_data(c) for c in d.facts],
        "derived": [_change_data(c) for c in d.derived],
        "claims": [
            {
                "id": c.id,
                "says": (c.new or c.old).says,  # type: ignore[union-attr]
                "old": None if c.old is None else c.old.holds,
                "new": None if c.new is None else c.new.holds,
                "old_state": show_claim(c.old),
                "new_state": show_claim(c.new),
            }
            for c in d.claims
        ],
        "notes": [_note_data(n) for n in d.notes_added],
    }
    if usage is not None:
        doc["impact"] = {k: list(v) for k, v in impact(d, usage).modules.items()}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _change_data(change: FactChange) -> dict[str, Any]:
    return {
        "id": change.id,
        "kind": change.kind,
        "fields": list(change.fields),
        "old": None if change.old is None else frozen_data(change.old),
        "new": None if change.new is None else frozen_data(change.new),
        "absolute": change.absolute,
        "relative": change.relative,
        "because": list(change.because),
    }


def _note_data(note: Note) -> dict[str, Any]:
    return {
        "module": note.module,
        "facts": list(note.facts),
        "acknowledges": list(note.acknowledges),
        "text": note.text,
    }


# --- Markdown (the pull-request report) ---------------------------------------------------


def render_markdown(
    d: Diff,
    usage: FactUsage | None = None,
    sources: Mapping[str, SourceRef] | None = None,
    evidence: Mapping[str, Evidence] | None = None,
) -> str:
    """Return the pull-request report: summary, impact, then the table of changed facts."""
    lines = [f"### Fact changes: {d.old} → {d.new}", "", f"**{summary(d)}**", ""]
    if d.empty:
        return "\n".join([*lines, "No fact, derived figure, claim or note changed.", ""])
    lines += _impact_md(d, usage or {})
    table = [c for c in d.facts if c.kind != "reverified"]
    if table:
        lines += ["#### Changed facts", ""]
        lines += _fact_table(table, sources or {}, evidence or {})
    reverified = d.of_kind("reverified")
    if reverified:
        lines += [
            f"<details><summary>Re-verified only, value unchanged ({len(reverified)})</summary>",
            "",
            *[f"- `{c.id}`: {_moved(c)}" for c in reverified],
            "",
            "</details>",
            "",
        ]
    if d.notes_added:
        lines += ["#### Editorial notes", ""]
        lines += [
            f"- **{n.module}**: {_md_text(n.text)}"
            + (f" ({', '.join(f'`{f}`' for f in n.facts)})" if n.facts else "")
            for n in d.notes_added
        ]
        lines.append("")
    return "\n".join(lines)


def _impact_md(d: Diff, usage: FactUsage) -> list[str]:
    found = impact(d, usage)
    lines = ["#### Impact", ""]
    if found.modules:
        lines += [
            f"- Module **{m}**: "
            + (", ".join(f"`{i}`" for i in ids) if ids else "editorial notes only")
            for m, ids in found.modules.items()
        ]
    elif usage:
        lines.append("- No module uses a changed fact.")
    else:
        lines.append("- Module usage unknown (no manifest given).")
    for change in found.derived:
        because = f" because of {', '.join(f'`{b}`' for b in change.because)}"
        lines.append(
            f"- Derived **`{change.id}`**: {_md_text(_derived_move(change))}"
            + (because if change.because else "")
        )
    for claim in found.claims:
        says = (claim.new or claim.old).says  # type: ignore[union-attr]
        lines.append(
            f"- Claim **`{claim.id}`** {show_claim(claim.old)} → **{show_claim(claim.new)}**: "
            f"{_md_text(says)}"
        )
    return [*lines, ""]


def _fact_table(
    changes: list[FactChange], sources: Mapping[str, SourceRef], evidence: Mapping[str, Evidence]
) -> list[str]:
    columns = ["Fact", "Old", "New", "Change", "Source"] + (["Evidence"] if evidence else [])
    rows = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for c in changes:
        old = "—" if c.old is None else _md_text(show_value(c.old.value, c.old.unit))
        new = "—" if c.new is None else _md_text(show_value(c.new.value, c.new.unit))
        rows.append(
            "| "
            + " | ".join(
                _cell(x)
                for x in (
                    f"`{c.id}`",
                    old,
                    new,
                    _md_text(_change_cell(c)),
                    _source_cell(_state(c).source, sources),
                    _evidence_cell(evidence.get(c.id)),
                )[: len(columns)]
            )
            + " |"
        )
    return [*rows, ""]


def _change_cell(change: FactChange) -> str:
    if change.kind in ("added", "removed"):
        return change.kind
    if change.kind == "value":
        if change.old is not None and change.old.value is None:
            return "new"
        return show_change(change) or "changed"
    return _moved(change)


def _source_cell(source: str | None, sources: Mapping[str, SourceRef]) -> str:
    if source is None:
        return "—"
    ref = sources.get(source)
    if ref is None:
        return f"`{source}`"
    return f"[{_md_text(ref.title)}]({ref.url})" if ref.url else f"{_md_text(ref.title)} (no URL)"


def _evidence_cell(ev: Evidence | None) -> str:
    if ev is None:
        return ""
    parts = [f"[fetched {ev.fetched_at.date().isoformat()}]({ev.final_url})"]
    if ev.status is not None:
        parts.append(f"HTTP {ev.status}")
    if ev.sha256:
        parts.append(f"sha256 `{ev.sha256[:12]}`")
    if ev.excerpt:
        excerpt = ev.excerpt if len(ev.excerpt) <= 120 else ev.excerpt[:117] + "…"
        parts.append(f"“{_md_text(excerpt)}”")
    return ", ".join(parts)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _md_text(text: str) -> str:
    """Escape the characters that would turn report text into Markdown or HTML."""
    out = text.replace("\\", "\\\\")
    for ch in "*_`[]<>#":
        out = out.replace(ch, "\\" + ch)
    return out.replace("\n", " ")


# --- evidence ---------------------------------------------------------------------------


def load_evidence(path: Path) -> dict[str, Evidence]:
    """Read the evidence of a re-check report (`khub check --report`, check-report.json)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        outcomes = doc["outcomes"]
        found = {
            str(item["fact"]): Evidence.from_json(item["evidence"])
            for item in outcomes
            if isinstance(item.get("evidence"), dict)
        }
    except (OSError, ValueError, KeyError, TypeError, AttributeError, UsageError) as exc:
        raise UsageError(f"{path}: cannot read the evidence report: {exc}") from exc
    return found
