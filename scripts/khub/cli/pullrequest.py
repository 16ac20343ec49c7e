"""`khub review`: the re-check pull request's body, and the decisions its editors tick."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import click

from khub.check.prbody import MAX_BODY, Decisions, commands_to_run, decisions, report_facts
from khub.check.report import BODY_LIMIT, GITHUB_BODY_LIMIT, pr_body
from khub.cli.review import report_option
from khub.errors import UsageError

REPORT_JSON = "check-report.json"


@click.group()
def review() -> None:
    """Turn a check report into a pull-request body; read the decisions ticked in it."""


def _read(path: Path | None, what: str) -> str:
    """Return the text of an input file (at most MAX_BODY characters), '' when not given."""
    if path is None:
        return ""
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            return handle.read(MAX_BODY)
    except OSError as error:
        raise UsageError(f"{path}: cannot read the {what} ({error.strerror})") from None


def _report(report_dir: Path) -> dict[str, Any]:
    path = report_dir / REPORT_JSON
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise UsageError(
            f"{path}: cannot read the report ({error.strerror}; run `khub check --report DIR`)"
        ) from None
    except ValueError as error:
        raise UsageError(f"{path}: not a check report ({error})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("outcomes"), list):
        raise UsageError(f"{path}: not a check report (no 'outcomes' list)")
    return doc


@review.command()
@report_option
@click.option("--link", default="", help="Where the full report is (the workflow run's page).")
@click.option("--run-id", default="", help="Id of the workflow run holding the report artifact.")
@click.option(
    "--limit",
    type=click.IntRange(1000, GITHUB_BODY_LIMIT),
    default=BODY_LIMIT,
    show_default=True,
    help="Longest body in characters; a longer report is cut to its needs-attention rows.",
)
def body(report_dir: Path, link: str, run_id: str, limit: int) -> None:
    """Print the pull-request body for the report in --report DIR."""
    if run_id and not run_id.isdigit():
        raise click.BadParameter("a run id is digits only", param_hint="--run-id")
    marker = f"<!-- khub:run:{run_id} -->\n" if run_id else ""
    text = pr_body(_report(report_dir), link, limit - len(marker))
    click.echo(marker + text, nl=False)


def _decisions(
    body_file: Path | None, before: Path | None, comment: Path | None, report_dir: Path | None
) -> Decisions:
    known = report_facts(_report(report_dir)) if report_dir is not None else None
    return decisions(
        _read(body_file, "body"), _read(before, "previous body"), _read(comment, "comment"), known
    )


_INPUTS = [
    click.option(
        "--body", "body_file", type=click.Path(dir_okay=False, path_type=Path), help="PR body."
    ),
    click.option(
        "--before",
        type=click.Path(dir_okay=False, path_type=Path),
        help="The body before this edit: rows ticked there are not decided again.",
    ),
    click.option(
        "--comment",
        type=click.Path(dir_okay=False, path_type=Path),
        help="A review or comment holding `/khub accept ID …` or `/khub dismiss ID … reason: …`.",
    ),
]


def _inputs(command: Any) -> Any:
    for option in reversed(_INPUTS):
        command = option(command)
    return command


@review.command("decisions")
@_inputs
@click.option(
    "--report",
    "report_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder holding check-report.json: ids it does not list are left out.",
)
def decisions_command(
    body_file: Path | None, before: Path | None, comment: Path | None, report_dir: Path | None
) -> None:
    """Print the accept and dismiss decisions of a PR body (and comment) as JSON."""
    found = _decisions(body_file, before, comment, report_dir)
    click.echo(json.dumps(found.data(), indent=2, ensure_ascii=False))


@review.command("apply")
@_inputs
@click.option(
    "--report",
    "report_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder holding check-report.json (the recheck run's artifact).",
)
@click.pass_context
def apply_command(
    ctx: click.Context,
    body_file: Path | None,
    before: Path | None,
    comment: Path | None,
    report_dir: Path,
) -> None:
    """Run `khub accept` and `khub dismiss` for the decisions of a PR body (and comment)."""
    found = _decisions(body_file, before, comment, report_dir)
    for fact in found.conflicts:
        click.echo(f"skipped {fact}: ticked both accept and dismiss", err=True)
    for fact in found.unknown:
        click.echo(f"skipped {fact}: not in {report_dir / REPORT_JSON}", err=True)
    failed = 0
    for argv in commands_to_run(found, str(report_dir)):
        click.echo(f"khub {' '.join(argv[:1] + argv[3:])}", err=True)
        done = subprocess.run([sys.executable, "-m", "khub", *argv], check=False)
        failed += done.returncode != 0
    if not found.accept and not found.dismiss:
        click.echo("no decisions to apply", err=True)
    ctx.exit(1 if failed or found.conflicts else 0)


def register(group: click.Group) -> None:
    """Add `khub review` to the CLI."""
    group.add_command(review)
