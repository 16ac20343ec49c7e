"""Render a re-check run as Markdown (a pull-request body) and as JSON (stable, sorted)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from khub.check.evidence import Evidence
from khub.check.outcomes import CheckRun, FactOutcome, FactValue
from khub.data.serialize import value_data

FORMAT_VERSION = 1
_TITLES: tuple[tuple[str, str, str], ...] = (
    ("changed", "Changed", "new values, written with `--apply`; review the evidence"),
    ("filled", "Filled", "facts without a value that the source now gives: new"),
    ("rejected", "Rejected", "values the source gives that khub refuses to write"),
    ("held", "Held", "valid changes whose group has a refused member: none of it is written"),
    ("ambiguous", "Ambiguous", "the check matched several different values"),
    ("dismissed", "Dismissed", "proposals an editor dismissed; the source still says so"),
    ("not-found", "Not found", "the page was read but the value is not where the check looks"),
    ("unreachable", "Unreachable", "the source could not be fetched"),
    ("manual", "Manual", "no extractor: an editor compares the page by hand"),
)
_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}#+!~|])")
_LINE_BREAKS = re.compile(r"\r\n|\r|\n|\u2028|\u2029")


def render_json(run: CheckRun, applied: Sequence[str] = ()) -> str:
    """Return the run as a JSON document: summary, then every outcome with its evidence."""
    doc = {
        "version": FORMAT_VERSION,
        "date": run.date.isoformat(),
        "max_jump": run.max_jump,
        "summary": run.counts(),
        "urls": run.urls,
        "from_cache": run.from_cache,
        "applied": sorted(applied),
        "outcomes": [outcome_data(item) for item in run.outcomes],
    }
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def outcome_data(item: FactOutcome) -> dict[str, Any]:
    """Return one outcome as JSON-ready data."""
    return {
        "fact": item.fact_id,
        "outcome": item.outcome,
        "old": _value(item.old),
        "new": _value(item.new),
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


def _value(value: FactValue) -> Any:
    return value_data(value)


def render_markdown(run: CheckRun, applied: Sequence[str] = ()) -> str:
    """Return the run as Markdown, ready to be a pull request's body."""
    lines = [f"## khub check, {run.date.isoformat()}", "", *_summary(run, applied)]
    for outcome, title, blurb in _TITLES:
        items = run.of(outcome)  # type: ignore[arg-type]
        if items:
            lines += ["", f"### {title} ({len(items)})", "", f"_{blurb}_", "", *_table(items)]
    confirmed = run.of("confirmed")
    if confirmed:
        ids = ", ".join(f"`{i.fact_id}`" for i in confirmed)
        lines += ["", f"### Confirmed ({len(confirmed)})", "", ids]
    return "\n".join(lines) + "\n"


def _summary(run: CheckRun, applied: Sequence[str]) -> list[str]:
    counts = run.counts()
    lines = ["| outcome | facts |", "|---|---:|"]
    lines += [f"| {name} | {count} |" for name, count in counts.items()]
    cached = f", {run.from_cache} unchanged since the last run (HTTP 304)" if run.from_cache else ""
    lines += ["", f"{len(run.outcomes)} facts from {run.urls} URLs{cached}."]
    if applied:
        files = ", ".join(f"`{p}`" for p in sorted(applied))
        lines.append(f"Written with `--apply`: {files}.")
    return lines


def _table(items: Sequence[FactOutcome]) -> list[str]:
    lines = [
        "| fact | old | new | reason | source | status | fetched | sha256 | excerpt |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for item in items:
        ev = item.evidence
        cells = [
            f"`{item.fact_id}`",
            cell(show(item.old)),
            cell(show(item.new)),
            cell(item.reason),
            _link(ev),
            cell(str(ev.status)) if ev and ev.status is not None else "",
            cell(ev.fetched_at.strftime("%Y-%m-%d %H:%M:%SZ")) if ev else "",
            f"`{ev.sha256[:12]}`" if ev and ev.sha256 else "",
            cell(ev.excerpt) if ev else "",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _link(evidence: Evidence | None) -> str:
    if evidence is None:
        return ""
    url = evidence.final_url
    if not url.startswith(("https://", "http://")):
        return cell(url)
    target = url.replace("(", "%28").replace(")", "%29").replace(" ", "%20").replace("|", "%7C")
    label = cell(url if len(url) <= 60 else url[:59] + "…")
    moved = " (redirected)" if evidence.final_url != evidence.url else ""
    return f"[{label}]({target}){moved}"


def show(value: FactValue) -> str:
    """Return a value as a reader would write it."""
    if value is None:
        return ""
    data = value_data(value)
    if isinstance(data, dict):
        if "low" in data:
            return f"{_num(data['low'])}–{_num(data['high'])}"
        return str(data.get("id", ""))
    if isinstance(data, float):
        return _num(data)
    return str(data)


def _num(value: float) -> str:
    return f"{value:,.12g}" if abs(value) >= 10_000 else f"{value:.12g}"


def cell(text: str) -> str:
    """Return text safe inside a Markdown table cell: no pipes, line breaks, HTML or links."""
    flat = " ".join(_LINE_BREAKS.sub(" ", text).split())
    flat = flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    flat = _MD_SPECIAL.sub(r"\\\1", flat)
    return flat.replace("@", "&#64;").replace("://", ":&#47;&#47;")
