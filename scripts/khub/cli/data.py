"""Commands over the fact store: validate, facts, fact."""

from __future__ import annotations

import fnmatch
import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from khub.clock import today_default
from khub.errors import DataError, KhubError, Problem

if TYPE_CHECKING:
    from khub.data.model import FactSet


@click.command()
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--json", "as_json", is_flag=True, help="Print problems as JSON.")
@click.option("--no-cache", is_flag=True, help="Parse every file again (ignore the cache).")
@click.pass_context
def validate(ctx: click.Context, strict: bool, as_json: bool, no_cache: bool) -> None:
    """Load and check every data file; report every problem at once.

    Problems print one per line as path:line: what is wrong (how to fix it), errors first.
    Exit 1 on any error (or any warning with --strict), 0 otherwise. Nothing under data/,
    build/ or site/ is written; parses are cached outside the work tree by content hash.
    """
    from khub.cli.main import print_problems
    from khub.data.validate_cache import summarize

    ctx.meta["khub.json"] = as_json
    result = summarize(Path(), today_default(), cache=not no_cache)
    warnings = result.problems
    if strict and warnings:
        raise DataError([_as_error(w) for w in warnings])
    print_problems(warnings, as_json=as_json)
    if not as_json:
        counts = f"{result.facts} facts, {result.sources} sources, {result.claims} claims"
        click.echo(f"ok: {counts}, {len(warnings)} warning(s)", err=True)


def _as_error(problem: Problem) -> Problem:
    return replace(problem, severity="error")


@click.command()
@click.argument("pattern", required=False, default="*")
@click.option("--json", "as_json", is_flag=True, help="Print the facts as JSON.")
def facts(pattern: str, as_json: bool) -> None:
    """List facts whose id matches PATTERN (a glob such as 'swe-bench-*' or '*price*')."""
    from khub.data.load import load
    from khub.data.serialize import fact_data, value_data

    factset, _ = load(".")
    selected = [f for f in factset.facts.values() if fnmatch.fnmatchcase(f.id, pattern)]
    if as_json:
        click.echo(json.dumps([fact_data(f) for f in selected], indent=2))
        return
    for f in selected:
        value = json.dumps(value_data(f.value), ensure_ascii=False)
        notes = "; ".join(_check_notes(factset, f.id).values())
        click.echo(
            f"{f.id}\t{value}\t{f.unit.name}\t{f.as_of}\t{f.verified}\t{f.status}\t"
            f"{f.source or '-'}" + (f"\t{notes}" if notes else "")
        )


def _check_notes(factset: FactSet, fid: str) -> dict[str, str]:
    """Return what the re-checks say about a fact: failing since when, a dismissal."""
    notes: dict[str, str] = {}
    since = factset.failing_since.get(fid)
    if since is not None:
        notes["unchecked"] = f"could not be re-checked since {since.isoformat()}"
    if fid in factset.dismissed:
        notes["dismissed"] = factset.dismissed[fid]
    return notes


@click.command()
@click.argument("fact_id")
@click.option("--json", "as_json", is_flag=True, help="Print the fact as JSON.")
def fact(fact_id: str, as_json: bool) -> None:
    """Show one fact: value, dates, status, source, history, and formula inputs if derived."""
    from khub.data.load import find_fact, load
    from khub.data.serialize import fact_detail

    factset, _ = load(".")
    found = find_fact(factset, fact_id)
    detail = {**fact_detail(found, factset), **_check_notes(factset, found.id)}
    if as_json:
        click.echo(json.dumps(detail, indent=2, ensure_ascii=False))
        return
    for key, value in detail.items():
        if value in (None, [], {}) or key in ("references", "agreement"):
            continue
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        click.echo(f"{key}: {text}")
    _echo_references(detail)


def _echo_references(detail: dict[str, object]) -> None:
    """Print each reference on a line of its own, then the references' verdict."""
    references = detail.get("references") or []
    assert isinstance(references, list)
    for ref in references:
        states = (
            "does not state it"
            if ref.get("does_not_state")
            else json.dumps(ref["states"], ensure_ascii=False)
        )
        when = ref.get("retrieved") or ref.get("commit") or "undated"
        note = f" ({ref['note']})" if ref.get("note") else ""
        click.echo(f"reference: {ref['source']}: {states}, {when}{note}")
    agreement = detail.get("agreement")
    if isinstance(agreement, dict):
        click.echo(f"earned status: {agreement['earned_status'] or 'none'}")
        if agreement["summary"]:
            click.echo(f"references: {agreement['summary']}")


@click.command()
@click.option("--check", is_flag=True, help="Only report schemas that differ; exit 1 if any.")
def schema(check: bool) -> None:
    """Write the JSON Schemas of the data files to data/schema/, generated from the model.

    Editors get completion and checks from the `yaml-language-server` modeline at the top of
    each data file. Run this after changing scripts/khub/model.py.
    """
    from khub.data import schema as schemas

    if check:
        stale = schemas.stale(Path())
        for path in stale:
            click.echo(
                f"{path}: differs from the model (run `khub schema` to regenerate)", err=True
            )
        if stale:
            raise KhubError(f"{len(stale)} schema file(s) out of date")
        return
    from khub.disk.lock import data_lock, waiting_message

    with data_lock(Path(), on_wait=lambda pid: click.echo(waiting_message(pid), err=True)):
        written = schemas.write(Path())
    for path in written:
        click.echo(f"wrote {path}")
