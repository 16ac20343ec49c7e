"""Commands over editions and diffs: edition publish, editions verify/list, diff."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import click

from khub.cli.site import site_helpers
from khub.data.load import load
from khub.data.model import FactSet
from khub.disk.lock import waiting_message
from khub.editions.diff import diff as diff_snapshots
from khub.editions.pr_report import load_evidence, render_json, render_markdown, render_text
from khub.editions.publish import publish
from khub.editions.snapshot import Snapshot, from_factset, from_git
from khub.editions.store import edition_snapshot, find_edition, read_editions
from khub.editions.verify import verify
from khub.errors import UsageError
from khub.render.usage import module_usage, read_usage

_MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")


@click.group("edition")
def edition() -> None:
    """Publish an edition: freeze every fact into data/editions/YYYY-MM.yml."""


@edition.command("publish")
@click.argument("month")
@click.option(
    "--notes",
    "notes",
    type=click.Path(dir_okay=False, path_type=Path),
    help="YAML list of editorial notes: {module, facts: [ids], text, acknowledges: [claims]}.",
)
@click.option(
    "--date",
    "date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Publication date, YYYY-MM-DD (default: today, or KHUB_TODAY).",
)
def publish_command(month: str, notes: Path | None, date: dt.datetime | None) -> None:
    """Validate everything, then freeze the facts as edition MONTH (YYYY-MM).

    Refuses (writing nothing) when the data has errors, a published edition was edited,
    MONTH is already published or earlier than the last edition, a notes entry names an
    unknown module, fact or claim, or a claim is false and no note acknowledges it.
    Holds the write lock of data/ meanwhile; waits for another writer up to
    $KHUB_LOCK_TIMEOUT seconds (default 300), then gives up with exit code 3.
    """
    when = date.date() if date else None
    path = publish(".", month, published=when, notes_path=notes, on_wait=_waiting)
    record = find_edition(read_editions("."), month).record
    click.echo(
        f"published edition {month}: {path.as_posix()} ({len(record.facts)} facts, "
        f"{len(record.derived)} derived, {len(record.claims)} claims, "
        f"{len(record.notes)} notes; published {record.published})"
    )


def _waiting(pid: int | None) -> None:
    """Say that the publication waits for another writer of data/."""
    click.echo(waiting_message(pid), err=True)


@click.group("editions")
def editions() -> None:
    """Check and list the published editions."""


@editions.command("verify")
def verify_command() -> None:
    """Check that no published edition changed since it was published, and the chain holds.

    In a git repository the history anchors the chain: the first version of an edition
    file git ever saw is its published version, and every edition file any commit in
    HEAD's history had must still exist.
    """
    found = verify(".")
    names = ", ".join(e.id for e in found) or "none published yet"
    click.echo(f"ok: {len(found)} edition(s) verified ({names})", err=True)


@editions.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the editions as JSON.")
def list_command(as_json: bool) -> None:
    """List the published editions, oldest first."""
    rows = [
        {
            "edition": e.id,
            "published": e.record.published.isoformat(),
            "facts": len(e.record.facts),
            "derived": len(e.record.derived),
            "notes": len(e.record.notes),
            "sha256": e.sha256,
            "path": e.path,
        }
        for e in read_editions(".")
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        click.echo(
            f"{row['edition']}\t{row['published']}\t{row['facts']} facts\t"
            f"{row['notes']} notes\t{str(row['sha256'])[:12]}"
        )


@click.command("diff")
@click.argument("old", required=False, metavar="[FROM]")
@click.argument("new", required=False, metavar="[TO]")
@click.option("--base", metavar="REV", help="Compare the data at git revision REV (as FROM).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    show_default=True,
)
@click.option(
    "--evidence",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Re-check report (JSON) whose evidence the Markdown table shows.",
)
@click.option(
    "--usage",
    type=click.Path(dir_okay=False, path_type=Path),
    help="JSON {module: [fact ids]} or a generate manifest (default: what each page used "
    "when it rendered).",
)
def diff(
    old: str | None,
    new: str | None,
    base: str | None,
    fmt: str,
    evidence: Path | None,
    usage: Path | None,
) -> None:
    """Show what changed between FROM and TO.

    Each side is an edition (YYYY-MM), 'latest' (the last edition), 'working' (the data
    as it is now) or a git revision (e.g. origin/main, HEAD~1). FROM defaults to the last
    edition, TO to the working data; --base REV sets FROM to a git revision.
    """
    if base and old and new:
        raise UsageError("give --base or FROM, not both")
    if base and old:
        old, new = base, old
    elif base:
        old = base
    factset, _ = load(".")
    a = _side(old or "latest", factset)
    b = _side(new or "working", factset)
    result = diff_snapshots(a, b)
    helpers = site_helpers(factset)
    modules = read_usage(usage) if usage else module_usage(".", factset, helpers=helpers)
    if fmt == "json":
        click.echo(render_json(result, modules), nl=False)
    elif fmt == "markdown":
        found = load_evidence(evidence) if evidence else {}
        sources = {**a.sources, **b.sources}
        click.echo(render_markdown(result, modules, sources, found), nl=False)
    else:
        click.echo(render_text(result, modules), nl=False)


def _side(spec: str, factset: FactSet) -> Snapshot:
    """Return the snapshot a FROM or TO argument names."""
    if spec in ("working", "."):
        return from_factset(factset)
    if spec == "latest" or _MONTH.fullmatch(spec):
        published = read_editions(".")
        if spec == "latest":
            if not published:
                raise UsageError("no edition is published yet: name FROM (e.g. --base HEAD)")
            return edition_snapshot(published[-1])
        return edition_snapshot(find_edition(published, spec))
    return from_git(Path(), spec)
