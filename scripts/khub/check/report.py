"""Render a re-check run as JSON (the complete record) and as Markdown built for review.

The JSON report (`check-report.json`) holds every outcome with its evidence, the unit,
the relative change and the conversion applied; `sources` repeats per URL what every fact
read from it shares. The Markdown is rendered from that document only, so a pull-request
body can be rebuilt from a downloaded report: sources grouped by URL (status, fetch time
and sha256 once), one row per fact with its locator, old → new with the unit, the change
and the conversion; facts that need attention come first, each with a checkbox to accept
and one to dismiss. Outcomes are rendered by name, so a new outcome needs no code here; an
outcome this module does not know is shown as needing attention.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from khub.check import outcomes as check_run
from khub.check.evidence import Evidence
from khub.check.numbers import CONVERSIONS
from khub.check.outcomes import CheckRun, FactOutcome, FactValue
from khub.check.spec import ValueCheck
from khub.data.health import QUIET_OUTCOMES
from khub.data.model import FactSet, Range
from khub.data.serialize import value_data

FORMAT_VERSION = 1
GITHUB_BODY_LIMIT = 65_536
BODY_LIMIT = 60_000
_INLINE_IDS = 20  # more confirmed ids than this per source are folded in <details>
QUIET = QUIET_OUTCOMES
_BLURBS: dict[str, str] = {
    "changed": "new values, written with `--apply`",
    "filled": "values the fact did not have yet, written with `--apply`",
    "rejected": "values the source gives that khub refuses to write",
    "ambiguous": "the locator matches more than one value",
    "not-found": "the page was read but the value is not where the check looks",
    "unreachable": "the source could not be fetched",
    "held": "valid changes whose group has a refused member: none of it is written",
    "manual": "no extractor: an editor compares the page by hand",
    "dismissed": "kept as they are on an editor's decision",
}
_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}#+!~|])")
_LINE_BREAKS = re.compile(r"\r\n|\r|\n|\u2028|\u2029")
_CONVERSION_LABELS: dict[str, str] = {
    "per_token_to_per_million": "per token × 1,000,000",
    "per_thousand_to_per_million": "per thousand × 1,000",
    "percent_fraction_to_percent": "fraction × 100",
}


@dataclass(frozen=True)
class FactNote:
    """What the report shows of a fact beside its outcome: unit and conversion."""

    unit: str = ""
    conversion: str = ""
    locator: str = ""


def notes_for(factset: FactSet, fact_ids: Iterable[str]) -> dict[str, FactNote]:
    """Return the unit label and the conversion of each fact named, from its check block."""
    notes = {}
    for fid in fact_ids:
        fact = factset.facts.get(fid)
        if fact is not None:
            check = fact.check
            notes[fid] = FactNote(fact.unit.label, conversion_label(check), locator_of(check))
    return notes


def locator_of(spec: object) -> str:
    """Return what a check block reads (`method: argument`, plus its regex), or ''."""
    if not isinstance(spec, ValueCheck):
        return ""
    main = spec.model_dump(mode="json", by_alias=True, exclude_none=True).get(spec.method)
    shown = main if isinstance(main, str) else json.dumps(main, ensure_ascii=False)
    regex = getattr(spec, "regex", None)
    return f"{spec.method}: {shown}" + (f", regex: {regex}" if regex else "")


def conversion_label(spec: object) -> str:
    """Return the conversion a check applies, as a reviewer reads it, or ''."""
    if not isinstance(spec, ValueCheck):
        return ""
    if spec.convert is not None:
        label = _CONVERSION_LABELS.get(spec.convert)
        return label or f"{spec.convert} × {_num(CONVERSIONS.get(spec.convert, math.nan))}"
    if spec.scale is not None and float(spec.scale) != 1.0:
        return f"× {_num(float(spec.scale))}"
    return ""


def is_attention(outcome: str) -> bool:
    """Return whether an outcome asks for a person (any outcome this module does not know)."""
    return outcome in check_run.NEEDS_ATTENTION or outcome not in QUIET


def outcome_order(names: Iterable[str]) -> list[str]:
    """Return outcome names: attention first, the run's order, then unknown ones by name."""
    known = list(check_run.OUTCOMES)
    rank: dict[str, int] = {str(name): i for i, name in enumerate(known)}
    unique = set(names) | set(known)
    return sorted(unique, key=lambda n: (not is_attention(n), rank.get(n, len(known)), n))


# --- the JSON document ----------------------------------------------------------------


def report_data(
    run: CheckRun, applied: Sequence[str] = (), notes: Mapping[str, FactNote] | None = None
) -> dict[str, Any]:
    """Return the run as the JSON report's data: summary, sources, every outcome."""
    notes = notes or {}
    counts: dict[str, int] = dict.fromkeys(check_run.OUTCOMES, 0)
    for item in run.outcomes:
        counts[item.outcome] = counts.get(item.outcome, 0) + 1
    return {
        "version": FORMAT_VERSION,
        "date": run.date.isoformat(),
        "max_jump": run.max_jump,
        "summary": counts,
        "attention": sum(1 for item in run.outcomes if is_attention(item.outcome)),
        "urls": run.urls,
        "from_cache": run.from_cache,
        "applied": sorted(applied),
        "sources": _sources(run.outcomes),
        "outcomes": [outcome_data(item, notes.get(item.fact_id)) for item in run.outcomes],
        "references": [result.data() for result in run.references],
    }


def render_json(
    run: CheckRun, applied: Sequence[str] = (), notes: Mapping[str, FactNote] | None = None
) -> str:
    """Return the run as a JSON document, stable and sorted."""
    return dump(report_data(run, applied, notes))


def dump(doc: Mapping[str, Any]) -> str:
    """Return report data as the JSON text khub writes."""
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def outcome_data(item: FactOutcome, note: FactNote | None = None) -> dict[str, Any]:
    """Return one outcome as JSON-ready data."""
    note = note or FactNote()
    return {
        "fact": item.fact_id,
        "outcome": item.outcome,
        "attention": is_attention(item.outcome),
        "old": value_data(item.old),
        "new": value_data(item.new),
        "unit": note.unit,
        "conversion": note.conversion,
        "change": _change(item.old, item.new),
        "locator": note.locator,
        "as_of": item.as_of.isoformat() if item.as_of else None,
        "reason": item.reason,
        "evidence": evidence_data(item.evidence) if item.evidence else None,
        "group": item.group,
        "candidates": [{"path": c.path, "value": c.value} for c in item.candidates],
        "dismissal": item.dismissal,
        "data_sha256": item.data_sha256,
    }


def evidence_data(evidence: Evidence) -> dict[str, Any]:
    """Return evidence as JSON-ready data (Evidence.to_json: one contract)."""
    return evidence.to_json()


def _sources(outcomes: Sequence[FactOutcome]) -> list[dict[str, Any]]:
    """Return one entry per URL read: what every fact read from it shares."""
    by_url: dict[str, dict[str, Any]] = {}
    for item in outcomes:
        ev = item.evidence
        if ev is None:
            continue
        shared = {k: v for k, v in evidence_data(ev).items() if k not in ("excerpt", "locator")}
        by_url.setdefault(ev.url, {**shared, "facts": 0})["facts"] += 1
    return [by_url[url] for url in sorted(by_url)]


def _change(old: FactValue, new: FactValue) -> float | None:
    """Return (new - old) / |old| for numbers (the larger move for ranges), or None."""
    if isinstance(old, Range) and isinstance(new, Range):
        moves = [_rel(old.low, new.low), _rel(old.high, new.high)]
        finite = [m for m in moves if m is not None]
        return max(finite, key=abs) if finite else None
    if isinstance(old, int | float) and isinstance(new, int | float):
        return _rel(float(old), float(new))
    return None


def _rel(old: float, new: float) -> float | None:
    if old == 0 or not (math.isfinite(old) and math.isfinite(new)):
        return None
    return round((new - old) / abs(old), 6)


# --- Markdown -------------------------------------------------------------------------


def render_markdown(
    run: CheckRun, applied: Sequence[str] = (), notes: Mapping[str, FactNote] | None = None
) -> str:
    """Return the complete Markdown report of a run."""
    return markdown_from(report_data(run, applied, notes))


def markdown_from(doc: Mapping[str, Any]) -> str:
    """Return the complete Markdown report: every fact, grouped by source URL."""
    groups = _by_url(doc["outcomes"])
    urgent = {u: g for u, g in groups.items() if any(o["attention"] for o in g)}
    calm = {u: g for u, g in groups.items() if u not in urgent}
    lines = _head(doc)
    if urgent:
        lines += _attention_intro(doc)
        for url, group in urgent.items():
            lines += ["", _source_line(url, group), "", *_decisions(group), *_others(group)]
    if calm:
        lines += ["", f"### Other sources ({len(calm)})"]
        for url, group in calm.items():
            lines += ["", _source_line(url, group), *_others(group)]
    lines += _references(doc.get("references", []))
    return "\n".join(lines) + "\n"


def _references(results: Sequence[Mapping[str, Any]]) -> list[str]:
    """Return the section on references whose source no longer says what the data records."""
    if not results:
        return []
    differ = [r for r in results if r["agrees"] is False]
    lines = ["", f"### References ({len(results)} checked, {len(differ)} differ)"]
    for r in differ:
        lines.append(
            f"- **`{r['fact']}`** reference {r['index'] + 1} ({cell(str(r['source']))}, "
            f"<{r['url']}>): {cell(str(r['reason']))}"
        )
    return lines


def pr_body(doc: Mapping[str, Any], link: str = "", limit: int = BODY_LIMIT) -> str:
    """Return the pull-request body: the full report when it fits in `limit`, else a short one.

    The short form keeps the summary and the needs-attention rows (as many as fit) and
    links the full report (`link`, the workflow run holding the report artifact).
    """
    full = markdown_from(doc)
    if len(full) <= limit:
        return full
    href = link.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
    where = f"[the full report]({href})" if link else "the full report (check-report.md)"
    note = (
        f"_The full report is {len(full):,} characters, over this body's limit: "
        f"{where} lists every fact; this body keeps the summary and the facts that need "
        "attention._"
    )
    lines = [*_head(doc), "", note]
    budget = limit - sum(len(line) + 1 for line in lines) - 1_000
    urgent = [o for o in doc["outcomes"] if o["attention"]]
    fitted, shown = _fit(urgent, budget)
    lines += [*_attention_intro(doc), *fitted] if urgent else []
    if shown < len(urgent):
        lines += ["", f"_… and {len(urgent) - shown:,} more facts needing attention: see {where}._"]
    return "\n".join(lines) + "\n"


def _fit(items: Sequence[Mapping[str, Any]], budget: int) -> tuple[list[str], int]:
    """Return the decision rows of as many items as fit in `budget` characters, and how many."""
    lines: list[str] = []
    shown = 0
    for url, group in _by_url(items).items():
        block = ["", _source_line(url, group), ""]
        for item in group:
            rows = [*block, *_decision(item)]
            size = sum(len(line) + 1 for line in rows)
            if size > budget:
                return lines, shown
            budget -= size
            lines += rows
            block, shown = [], shown + 1
    return lines, shown


def _head(doc: Mapping[str, Any]) -> list[str]:
    counts: Mapping[str, int] = doc["summary"]
    total = sum(counts.values())
    named = [f"{counts[n]:,} {n}" for n in outcome_order(counts) if counts.get(n)]
    cached = doc["from_cache"]
    lines = [
        f"## khub check, {doc['date']}",
        "",
        f"**{_many(total, 'fact')} from {_many(doc['urls'], 'URL')}, "
        f"{doc['attention']:,} need attention**: "
        + (", ".join(named) or "nothing checked")
        + "."
        + (f" {_many(cached, 'URL')} unchanged since the last run (HTTP 304)." if cached else ""),
    ]
    days = {s["fetched_at"][:10] for s in doc.get("sources", [])}
    if days - {doc["date"]}:
        lines += [
            "",
            f"_The run is dated {doc['date']} (`KHUB_TODAY` when set): new `as_of` and "
            "`verified` dates never pass it. Fetch times are the real clock (UTC)._",
        ]
    if doc["applied"]:
        files = ", ".join(f"`{p}`" for p in doc["applied"])
        lines += ["", f"Written with `--apply`: {files}."]
    return lines


def _many(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _attention_intro(doc: Mapping[str, Any]) -> list[str]:
    return [
        "",
        f"### Needs attention ({doc['attention']:,})",
        "",
        "_Tick **accept** to write the source's value, **dismiss** to keep ours (write the "
        "reason after `reason:`). A workflow runs `khub accept` / `khub dismiss` for the "
        "ticked rows and commits to this branch._",
    ]


def _decisions(group: Sequence[Mapping[str, Any]]) -> list[str]:
    return [line for item in group if item["attention"] for line in _decision(item)]


def _decision(item: Mapping[str, Any]) -> list[str]:
    """Return one needs-attention fact: what was found, and its two checkboxes."""
    fid = item["fact"]
    ev = item["evidence"] or {}
    parts = [f"**`{fid}`** {cell(item['outcome'])}"]
    if _locator(item):
        parts.append(f"at `{_code(_locator(item))}`")
    lines = [f"- {' '.join(parts)}: {_values(item)}"]
    if item["reason"]:
        lines.append(f"  reason: {cell(item['reason'])}")
    if ev.get("excerpt"):
        lines.append(f"  excerpt: `{_code(ev['excerpt'])}`")
    if item["new"] is not None:
        lines.append(f"  - [ ] <!-- khub:accept:{fid} --> accept")
    lines.append(f"  - [ ] <!-- khub:dismiss:{fid} --> dismiss, reason:")
    return lines


def _others(group: Sequence[Mapping[str, Any]]) -> list[str]:
    """Return the facts of a source that need nothing: a table, then the confirmed ids."""
    quiet = [o for o in group if not o["attention"]]
    confirmed = [o for o in quiet if o["outcome"] == "confirmed"]
    rows = [o for o in quiet if o["outcome"] != "confirmed"]
    lines: list[str] = []
    if rows:
        lines += ["", "| fact | outcome | locator | old → new | change | conversion | note |"]
        lines += ["|---|---|---|---|---:|---|---|", *(_row(o) for o in rows)]
    if confirmed:
        ids = ", ".join(f"`{o['fact']}`" for o in confirmed)
        if len(confirmed) <= _INLINE_IDS:
            lines += ["", f"Confirmed ({len(confirmed):,}): {ids}"]
        else:  # folded: thousands of ids would bury the rest of the report
            summary = f"<details><summary>Confirmed ({len(confirmed):,})</summary>"
            lines += ["", summary, "", ids, "", "</details>"]
    return lines


def _row(item: Mapping[str, Any]) -> str:
    located = _locator(item)
    locator = f"`{_code(located)}`".replace("|", "\\|") if located else ""
    note = item["reason"] or (
        _BLURBS.get(item["outcome"], "") if item["outcome"] != "changed" else ""
    )
    cells = [
        f"`{item['fact']}`",
        cell(item["outcome"]),
        locator,
        _values(item, extras=False),
        _percent(item["change"]),
        cell(item["conversion"]),
        cell(note),
    ]
    return "| " + " | ".join(cells) + " |"


def _locator(item: Mapping[str, Any]) -> str:
    """Return what located the value: the check's own words, else the extractor's."""
    ev = item["evidence"] or {}
    return str(item.get("locator") or ev.get("locator") or "")


def _by_url(items: Iterable[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    """Return items grouped by the URL they read, URLs sorted, no URL last."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for item in items:
        ev = item["evidence"]
        groups.setdefault(ev["url"] if ev else "", []).append(item)
    return {url: groups[url] for url in sorted(groups, key=lambda u: (u == "", u))}


def _source_line(url: str, group: Sequence[Mapping[str, Any]]) -> str:
    if not url:
        return f"#### No source fetched ({len(group)})"
    ev = group[0]["evidence"]
    bits = [f"HTTP {ev['status']}" if ev["status"] is not None else "no answer"]
    if ev["from_cache"]:
        bits[0] += " (304, cached copy)"
    bits.append(f"fetched {ev['fetched_at'].replace('+00:00', 'Z')}")
    if ev["sha256"]:
        bits.append(f"sha256 `{ev['sha256'][:12]}`")
    facts = f"{len(group)} fact{'s' if len(group) != 1 else ''}"
    return f"#### {_link(ev['url'], ev['final_url'])} ({facts}): {', '.join(bits)}"


def _values(item: Mapping[str, Any], extras: bool = True) -> str:
    old, new = _shown(item["old"]), _shown(item["new"])
    unit = f" {cell(item['unit'])}" if item["unit"] and (old or new) else ""
    if item["new"] is None:
        return f"ours {old}{unit}, none found" if old else "no value"
    text = f"{old} → {new}{unit}" if old != new else f"{new}{unit}"
    change = _percent(item["change"])
    extra = [c for c in (change, cell(item["conversion"])) if c and extras]
    return text + (f" ({', '.join(extra)})" if extra else "")


def _shown(data: Any) -> str:
    if data is None:
        return ""
    if isinstance(data, dict):
        if "low" in data:
            return f"{_num(data['low'])}–{_num(data['high'])}"
        return cell(str(data.get("id", "")))
    if isinstance(data, bool):
        return str(data).lower()
    if isinstance(data, int | float):
        return _num(float(data))
    return cell(str(data))


def _percent(change: float | None) -> str:
    if change is None:
        return ""
    sign = "+" if change > 0 else "−" if change < 0 else "±"
    share = abs(change) * 100
    return f"{sign}{share:,.0f}%" if share >= 100 else f"{sign}{share:.3g}%"


def _link(url: str, final_url: str) -> str:
    if not url.startswith(("https://", "http://")):
        return cell(url)
    target = final_url if final_url.startswith(("https://", "http://")) else url
    href = target.replace("(", "%28").replace(")", "%29").replace(" ", "%20").replace("|", "%7C")
    bare = target.split("://", 1)[1]
    label = cell(bare if len(bare) <= 70 else bare[:69] + "…")
    moved = " (redirected)" if final_url != url else ""
    return f"[{label}]({href}){moved}"


def _num(value: float) -> str:
    if value.is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,.12g}" if abs(value) >= 10_000 else f"{value:.12g}"


def _code(text: str) -> str:
    """Return text safe inside an inline code span: one line, no backticks, bounded."""
    flat = " ".join(_LINE_BREAKS.sub(" ", text).split()).replace("`", "'")
    return flat if len(flat) <= 160 else flat[:159] + "…"


def cell(text: str) -> str:
    """Return text safe inside a Markdown table cell: no pipes, line breaks, HTML or links."""
    flat = " ".join(_LINE_BREAKS.sub(" ", text).split())
    flat = flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    flat = _MD_SPECIAL.sub(r"\\\1", flat)
    return flat.replace("@", "&#64;").replace("://", ":&#47;&#47;")
