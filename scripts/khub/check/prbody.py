"""Read the editors' decisions from a re-check pull request: ticked rows and slash commands.

The report's body gives each fact that needs attention two task-list rows::

    - [ ] <!-- khub:accept:api-price.gpt-4o-input --> accept
    - [ ] <!-- khub:dismiss:api-price.gpt-4o-input --> dismiss, reason: the page lags

An editor ticks one (the text after ``reason:`` is the dismissal's reason). A review or a
comment may instead hold lines such as ``/khub accept ID …`` or
``/khub dismiss ID … reason: text``. The body is hostile input: only whole lines of exactly
that shape count, ids must follow the id rule, a fact ticked both ways is a conflict and
neither is done, and rows already ticked in the previous body are not decided again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

MAX_BODY = 1_000_000
DEFAULT_REASON = "dismissed in the re-check pull request"
_FACT_ID = r"[a-z0-9][a-z0-9-]*(?:\.[a-z0-9][a-z0-9-]*)?"
_TICK = re.compile(
    rf"^[ \t]*[-*+][ \t]+\[([ xX])\][ \t]+<!-- khub:(accept|dismiss):({_FACT_ID}) -->(.*)$"
)
_COMMAND = re.compile(
    rf"^[ \t]*/khub[ \t]+(accept|dismiss)((?:[ \t]+{_FACT_ID}(?=[ \t]|$))+)[ \t]*(.*)$"
)
_RUN = re.compile(r"<!-- khub:run:([0-9]{1,20}) -->")
_REASON = re.compile(r"reason:(.*)$", re.IGNORECASE)
_MAX_REASON = 300


@dataclass
class Decisions:
    """What the editors asked for: facts to accept, facts to dismiss with their reason."""

    accept: list[str] = field(default_factory=list)
    dismiss: dict[str, str] = field(default_factory=dict)
    conflicts: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    run_id: str | None = None

    def data(self) -> dict[str, Any]:
        """Return the decisions as JSON-ready data."""
        return {
            "accept": sorted(self.accept),
            "dismiss": [{"fact": f, "reason": r} for f, r in sorted(self.dismiss.items())],
            "conflicts": sorted(self.conflicts),
            "unknown": sorted(self.unknown),
            "run_id": self.run_id,
        }

    def dismiss_groups(self) -> dict[str, list[str]]:
        """Return the facts to dismiss grouped by reason (one `khub dismiss` per reason)."""
        groups: dict[str, list[str]] = {}
        for fact, reason in sorted(self.dismiss.items()):
            groups.setdefault(reason, []).append(fact)
        return groups


def ticked(body: str) -> tuple[dict[str, str], dict[str, str]]:
    """Return the ticked accept and dismiss rows of `body`: fact id → text after the marker."""
    accept: dict[str, str] = {}
    dismiss: dict[str, str] = {}
    for line in body[:MAX_BODY].splitlines():
        found = _TICK.match(line)
        if found is None or found.group(1) == " ":
            continue
        kind, fact, rest = found.group(2), found.group(3), found.group(4)
        (accept if kind == "accept" else dismiss)[fact] = rest
    return accept, dismiss


def commands(text: str) -> tuple[dict[str, str], dict[str, str]]:
    """Return the facts named by `/khub accept` and `/khub dismiss` lines of a comment."""
    accept: dict[str, str] = {}
    dismiss: dict[str, str] = {}
    for line in text[:MAX_BODY].splitlines():
        found = _COMMAND.match(line)
        if found is None:
            continue
        target = accept if found.group(1) == "accept" else dismiss
        for fact in found.group(2).split():
            target[fact] = found.group(3)
    return accept, dismiss


def reason_of(rest: str) -> str:
    """Return the reason written after `reason:` on a dismiss row, or the default one."""
    found = _REASON.search(rest)
    text = " ".join(found.group(1).split()) if found else ""
    text = "".join(ch for ch in text if ch.isprintable())[:_MAX_REASON]
    return text or DEFAULT_REASON


def decisions(
    body: str = "",
    before: str = "",
    comment: str = "",
    known: Iterable[str] | None = None,
) -> Decisions:
    """Return the decisions newly ticked in `body` (not in `before`) plus `comment`'s commands.

    With `known` (the fact ids of the report), other ids are left out and listed as unknown.
    """
    accept, dismiss = ticked(body)
    was_accept, was_dismiss = ticked(before)
    accept = {f: r for f, r in accept.items() if f not in was_accept}
    dismiss = {f: r for f, r in dismiss.items() if f not in was_dismiss}
    said_accept, said_dismiss = commands(comment)
    accept.update(said_accept)
    dismiss.update(said_dismiss)
    result = Decisions(run_id=run_id(body) or run_id(before))
    allowed = set(known) if known is not None else None
    for fact in sorted(set(accept) | set(dismiss)):
        if allowed is not None and fact not in allowed:
            result.unknown.append(fact)
        elif fact in accept and fact in dismiss:
            result.conflicts.append(fact)
        elif fact in accept:
            result.accept.append(fact)
        else:
            result.dismiss[fact] = reason_of(dismiss[fact])
    return result


def run_id(body: str) -> str | None:
    """Return the id of the workflow run that made the report, as the body records it."""
    found = _RUN.search(body[:MAX_BODY])
    return found.group(1) if found else None


def report_facts(doc: Mapping[str, Any]) -> list[str]:
    """Return the fact ids a JSON report lists."""
    outcomes = doc.get("outcomes")
    if not isinstance(outcomes, list):
        return []
    return [str(o["fact"]) for o in outcomes if isinstance(o, dict) and "fact" in o]


def commands_to_run(found: Decisions, report_dir: str) -> list[list[str]]:
    """Return the argv of each `khub accept` / `khub dismiss` the decisions ask for."""
    argvs = []
    if found.accept:
        argvs.append(["accept", "--report", report_dir, *found.accept])
    for reason, facts in found.dismiss_groups().items():
        argvs.append(["dismiss", "--report", report_dir, *facts, "--reason", reason])
    return argvs
